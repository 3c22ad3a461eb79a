namespace Verity.Core.Model;

/// <summary>An audited activity as Entra names it (reference §5.3): display name, category and operation type.</summary>
public sealed record Activity(string DisplayName, string Category, string OperationType, string Service = "Core Directory");

/// <summary>The activity catalogue of the Core Directory service.</summary>
public static class Activities
{
    public static readonly Activity AddUser = new("Add user", "UserManagement", "Add");
    public static readonly Activity UpdateUser = new("Update user", "UserManagement", "Update");
    public static readonly Activity DeleteUser = new("Delete user", "UserManagement", "Delete");
    public static readonly Activity ResetUserPassword = new("Reset user password", "UserManagement", "Update");
    public static readonly Activity ChangeUserPassword = new("Change user password", "UserManagement", "Update");
    public static readonly Activity ChangeUserLicense = new("Change user license", "UserManagement", "Update");

    public static readonly Activity AddGroup = new("Add group", "GroupManagement", "Add");
    public static readonly Activity UpdateGroup = new("Update group", "GroupManagement", "Update");
    public static readonly Activity DeleteGroup = new("Delete group", "GroupManagement", "Delete");
    public static readonly Activity AddMemberToGroup = new("Add member to group", "GroupManagement", "Assign");
    public static readonly Activity RemoveMemberFromGroup = new("Remove member from group", "GroupManagement", "Unassign");
    public static readonly Activity AddOwnerToGroup = new("Add owner to group", "GroupManagement", "Assign");
    public static readonly Activity RemoveOwnerFromGroup = new("Remove owner from group", "GroupManagement", "Unassign");
    public static readonly Activity SetGroupLicense = new("Set group license", "GroupManagement", "Update");

    public static readonly Activity AddApplication = new("Add application", "ApplicationManagement", "Add");
    public static readonly Activity UpdateApplication = new("Update application", "ApplicationManagement", "Update");
    public static readonly Activity DeleteApplication = new("Delete application", "ApplicationManagement", "Delete");
    /// <summary>Real logs write an en dash here; the reference page writes a hyphen.</summary>
    public static readonly Activity UpdateApplicationSecrets = new("Update application – Certificates and secrets management", "ApplicationManagement", "Update");

    public static readonly Activity AddServicePrincipal = new("Add service principal", "ApplicationManagement", "Add");
    public static readonly Activity UpdateServicePrincipal = new("Update service principal", "ApplicationManagement", "Update");
    public static readonly Activity RemoveServicePrincipal = new("Remove service principal", "ApplicationManagement", "Delete");

    public static readonly Activity AddMemberToRole = new("Add member to role", "RoleManagement", "Assign");
    public static readonly Activity RemoveMemberFromRole = new("Remove member from role", "RoleManagement", "Unassign");

    public static readonly IReadOnlyList<Activity> All =
    [
        AddUser, UpdateUser, DeleteUser, ResetUserPassword, ChangeUserPassword, ChangeUserLicense,
        AddGroup, UpdateGroup, DeleteGroup, AddMemberToGroup, RemoveMemberFromGroup, AddOwnerToGroup, RemoveOwnerFromGroup, SetGroupLicense,
        AddApplication, UpdateApplication, DeleteApplication, UpdateApplicationSecrets,
        AddServicePrincipal, UpdateServicePrincipal, RemoveServicePrincipal,
        AddMemberToRole, RemoveMemberFromRole,
    ];
}
