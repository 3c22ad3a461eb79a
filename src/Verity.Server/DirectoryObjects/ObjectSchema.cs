using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

internal enum PropType { String, Bool, StringArray, Object, ObjectArray }

[Flags]
internal enum PropFlags
{
    None = 0,
    /// <summary>Must be present on create.</summary>
    Required = 1,
    /// <summary>Set by the server; a client may not write it.</summary>
    ReadOnly = 2,
    /// <summary>Accepted on create only.</summary>
    CreateOnly = 4,
    /// <summary>Never stored in the resource and never echoed (passwordProfile).</summary>
    WriteOnly = 8,
}

internal sealed record Prop(string Name, PropType Type, PropFlags Flags = PropFlags.None);

/// <summary>
/// The declared properties of one Graph resource type. Request bodies are checked against it, so an unknown
/// property, a wrong type or a missing required property is a 400 naming the property.
/// </summary>
internal sealed record ObjectSchema(string Kind, string GraphType, string EntitySet, string TargetType, IReadOnlyList<Prop> Props)
{
    public Prop? Find(string name) => Props.FirstOrDefault(p => p.Name == name);

    public void Validate(JsonObject body, bool create)
    {
        foreach (var (name, value) in body)
        {
            if (name == "@odata.type")
            {
                if (value?.GetValueKind() != JsonValueKind.String || value.GetValue<string>().TrimStart('#') != GraphType)
                {
                    throw GraphException.BadRequest($"'@odata.type' must be '#{GraphType}' for {EntitySet}.", "Request_BadRequest");
                }
                continue;
            }
            var prop = Find(name) ?? throw GraphException.BadRequest(
                $"Property '{name}' does not exist as a declared property of type '{GraphType}'. Writable properties: {string.Join(", ", Writable(create))}.",
                "Request_BadRequest");
            if (prop.Flags.HasFlag(PropFlags.ReadOnly) || (!create && prop.Flags.HasFlag(PropFlags.CreateOnly)))
            {
                throw GraphException.BadRequest($"Property '{name}' of '{GraphType}' is read-only{(create ? "" : " after creation")}.", "Request_BadRequest");
            }
            if (!HasType(value, prop.Type, prop.Flags.HasFlag(PropFlags.Required)))
            {
                throw GraphException.BadRequest($"Invalid value specified for property '{name}' of resource '{GraphType}': expected {Describe(prop.Type)}.",
                    "Request_BadRequest");
            }
        }
        if (create)
        {
            foreach (var prop in Props.Where(p => p.Flags.HasFlag(PropFlags.Required) && !body.ContainsKey(p.Name)))
            {
                throw GraphException.BadRequest($"Property '{prop.Name}' is required when creating a {GraphType}.", "Request_BadRequest");
            }
        }
    }

    private IEnumerable<string> Writable(bool create) =>
        Props.Where(p => !p.Flags.HasFlag(PropFlags.ReadOnly) && (create || !p.Flags.HasFlag(PropFlags.CreateOnly))).Select(p => p.Name);

    private static bool HasType(JsonNode? value, PropType type, bool required)
    {
        if (value is null)
        {
            return !required && type is not PropType.Bool;
        }
        var kind = value.GetValueKind();
        return type switch
        {
            PropType.String => kind == JsonValueKind.String && (!required || value.GetValue<string>().Trim().Length > 0),
            PropType.Bool => kind is JsonValueKind.True or JsonValueKind.False,
            PropType.StringArray => kind == JsonValueKind.Array && value.AsArray().All(v => v?.GetValueKind() == JsonValueKind.String),
            PropType.Object => kind == JsonValueKind.Object,
            PropType.ObjectArray => kind == JsonValueKind.Array && value.AsArray().All(v => v?.GetValueKind() == JsonValueKind.Object),
            _ => false,
        };
    }

    private static string Describe(PropType type) => type switch
    {
        PropType.String => "a non-empty string",
        PropType.Bool => "true or false",
        PropType.StringArray => "an array of strings",
        PropType.Object => "an object",
        PropType.ObjectArray => "an array of objects",
        _ => type.ToString(),
    };
}

internal static class Schemas
{
    private const PropFlags R = PropFlags.Required;
    private const PropFlags RO = PropFlags.ReadOnly;

    public static readonly ObjectSchema User = new("user", "microsoft.graph.user", "users", "User",
    [
        new("id", PropType.String, RO), new("createdDateTime", PropType.String, RO), new("assignedLicenses", PropType.ObjectArray, RO),
        new("accountEnabled", PropType.Bool, R), new("displayName", PropType.String, R), new("mailNickname", PropType.String, R),
        new("userPrincipalName", PropType.String, R), new("passwordProfile", PropType.Object, R | PropFlags.WriteOnly),
        new("givenName", PropType.String), new("surname", PropType.String), new("jobTitle", PropType.String),
        new("department", PropType.String), new("officeLocation", PropType.String), new("mobilePhone", PropType.String),
        new("businessPhones", PropType.StringArray), new("mail", PropType.String), new("usageLocation", PropType.String),
        new("city", PropType.String), new("country", PropType.String), new("companyName", PropType.String),
        new("employeeId", PropType.String), new("userType", PropType.String), new("preferredLanguage", PropType.String),
        new("signInSessionsValidFromDateTime", PropType.String, RO),
    ]);

    public static readonly ObjectSchema Group = new("group", "microsoft.graph.group", "groups", "Group",
    [
        new("id", PropType.String, RO), new("createdDateTime", PropType.String, RO), new("assignedLicenses", PropType.ObjectArray, RO),
        new("displayName", PropType.String, R), new("mailNickname", PropType.String, R), new("mailEnabled", PropType.Bool, R),
        new("securityEnabled", PropType.Bool, R), new("description", PropType.String), new("groupTypes", PropType.StringArray, PropFlags.CreateOnly),
        new("visibility", PropType.String), new("mail", PropType.String, RO),
    ]);

    public static readonly ObjectSchema Application = new("application", "microsoft.graph.application", "applications", "Application",
    [
        new("id", PropType.String, RO), new("appId", PropType.String, RO), new("createdDateTime", PropType.String, RO),
        new("passwordCredentials", PropType.ObjectArray, RO), new("publisherDomain", PropType.String, RO),
        new("displayName", PropType.String, R), new("description", PropType.String), new("signInAudience", PropType.String),
        new("identifierUris", PropType.StringArray), new("notes", PropType.String), new("tags", PropType.StringArray),
        new("web", PropType.Object), new("spa", PropType.Object), new("publicClient", PropType.Object),
        new("isFallbackPublicClient", PropType.Bool), new("requiredResourceAccess", PropType.ObjectArray),
    ]);

    public static readonly ObjectSchema ServicePrincipal = new("servicePrincipal", "microsoft.graph.servicePrincipal", "servicePrincipals", "ServicePrincipal",
    [
        new("id", PropType.String, RO), new("appDisplayName", PropType.String, RO), new("servicePrincipalType", PropType.String, RO),
        new("servicePrincipalNames", PropType.StringArray, RO), new("createdDateTime", PropType.String, RO),
        new("appId", PropType.String, R | PropFlags.CreateOnly), new("displayName", PropType.String), new("accountEnabled", PropType.Bool),
        new("appRoleAssignmentRequired", PropType.Bool), new("description", PropType.String), new("notes", PropType.String),
        new("tags", PropType.StringArray), new("homepage", PropType.String),
    ]);

    public static readonly ObjectSchema RoleAssignment = new("roleAssignment", "microsoft.graph.unifiedRoleAssignment", "roleAssignments", "Role",
    [
        new("id", PropType.String, RO), new("principalId", PropType.String, R), new("roleDefinitionId", PropType.String, R),
        new("directoryScopeId", PropType.String),
    ]);

    public static readonly ObjectSchema SubscribedSku = new("subscribedSku", "microsoft.graph.subscribedSku", "subscribedSkus", "Other", []);

    public static readonly IReadOnlyList<ObjectSchema> All = [User, Group, Application, ServicePrincipal, RoleAssignment, SubscribedSku];

    public static ObjectSchema ForKind(string kind) => All.First(s => s.Kind == kind);
}
