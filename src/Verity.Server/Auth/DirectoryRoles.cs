namespace Verity.Server.Auth;

/// <summary>What a caller may do. Directory roles grant permissions; routes require them.</summary>
internal enum Permission
{
    ReadDirectory,
    ManageUsers,
    ResetPasswords,
    ManageGroups,
    ManageApplications,
    ManageLicenses,
    ManageRoles,
    ReadAuditLogs,
    ReadSignInLogs,
}

internal sealed record DirectoryRole(string TemplateId, string DisplayName, string Description, string WellKnownObjectName,
    IReadOnlySet<Permission> Permissions, IReadOnlyList<string> AppPermissions);

/// <summary>The built-in role definitions, with Entra's template ids so tokens and clients agree with Entra's.</summary>
internal static class DirectoryRoles
{
    /// <summary>Entra adds this template id (the default "User" role) to every user's <c>wids</c>.</summary>
    public const string DefaultUserRoleId = "b79fbf4d-3ef9-4689-8143-76b194e85509";

    private static readonly Permission[] All = Enum.GetValues<Permission>();

    public static readonly DirectoryRole GlobalAdministrator = new("62e90394-69f5-4237-9190-012177145e10", "Global Administrator",
        "Can manage all aspects of the directory and read every log.", "TenantAdmins", All.ToHashSet(),
        ["Directory.ReadWrite.All", "AuditLog.Read.All", "RoleManagement.ReadWrite.Directory", "User.ReadWrite.All", "Group.ReadWrite.All", "Application.ReadWrite.All"]);

    public static readonly IReadOnlyList<DirectoryRole> BuiltIn =
    [
        GlobalAdministrator,
        new("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", "Can read everything a Global Administrator can, but not update anything.",
            "GlobalReaders", new HashSet<Permission> { Permission.ReadDirectory, Permission.ReadAuditLogs, Permission.ReadSignInLogs }, ["Directory.Read.All", "AuditLog.Read.All"]),
        new("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", "Can manage all aspects of users and groups, including resetting passwords.",
            "UserAccountAdmins", new HashSet<Permission> { Permission.ReadDirectory, Permission.ManageUsers, Permission.ResetPasswords, Permission.ManageGroups },
            ["Directory.Read.All", "User.ReadWrite.All", "Group.ReadWrite.All"]),
        new("fdd7a751-b60b-444a-984c-02652fe8fa1c", "Groups Administrator", "Can manage all aspects of groups.",
            "GroupsAdministrators", new HashSet<Permission> { Permission.ReadDirectory, Permission.ManageGroups }, ["Directory.Read.All", "Group.ReadWrite.All"]),
        new("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps.",
            "ApplicationAdministrators", new HashSet<Permission> { Permission.ReadDirectory, Permission.ManageApplications },
            ["Directory.Read.All", "Application.ReadWrite.All"]),
        new("4d6ac14f-3453-41d0-bef9-a3e0c569773a", "License Administrator", "Can manage product licenses on users and groups.",
            "LicenseAdministrators", new HashSet<Permission> { Permission.ReadDirectory, Permission.ManageLicenses }, ["Directory.Read.All", "LicenseAssignment.ReadWrite.All"]),
        new("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader", "Can read sign-in and audit reports.",
            "ReportsReaders", new HashSet<Permission> { Permission.ReadDirectory, Permission.ReadAuditLogs, Permission.ReadSignInLogs }, ["Directory.Read.All", "AuditLog.Read.All"]),
        new("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader", "Can read security information and reports.",
            "SecurityReaders", new HashSet<Permission> { Permission.ReadDirectory, Permission.ReadAuditLogs, Permission.ReadSignInLogs }, ["Directory.Read.All", "AuditLog.Read.All"]),
        new("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", "Can read security information and reports, and manage security settings.",
            "SecurityAdministrators", new HashSet<Permission> { Permission.ReadDirectory, Permission.ReadAuditLogs, Permission.ReadSignInLogs }, ["Directory.Read.All", "AuditLog.Read.All"]),
        // Sign-ins but not the audit log (reference §3.2 lists it among sign-in readers only).
        new("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator", "Creates and manages security events.",
            "SecurityOperators", new HashSet<Permission> { Permission.ReadDirectory, Permission.ReadSignInLogs }, ["Directory.Read.All", "AuditLog.Read.All"]),
    ];

    public static DirectoryRole? Find(string templateId) =>
        BuiltIn.FirstOrDefault(r => string.Equals(r.TemplateId, templateId, StringComparison.OrdinalIgnoreCase));
}
