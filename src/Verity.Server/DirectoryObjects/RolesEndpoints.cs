using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 <c>roleManagement/directory</c>: built-in role definitions and role assignments at tenant scope.</summary>
internal static partial class RolesEndpoints
{
    private static readonly ObjectSchema Schema = Schemas.RoleAssignment;
    private const string Base = "/roleManagement/directory";

    public static void MapRoles(this RouteGroupBuilder v1)
    {
        v1.MapGet(Base + "/roleDefinitions", ListDefinitions).Requires(Permission.ReadDirectory);
        v1.MapGet(Base + "/roleDefinitions/{id}", GetDefinition).Requires(Permission.ReadDirectory);
        v1.MapGet(Base + "/roleAssignments", ListAssignments).Requires(Permission.ReadDirectory);
        v1.MapGet(Base + "/roleAssignments/{id}", GetAssignment).Requires(Permission.ReadDirectory);
        v1.MapPost(Base + "/roleAssignments", CreateAssignment).Requires(Permission.ManageRoles).Audited(Activities.AddMemberToRole, "Role");
        v1.MapDelete(Base + "/roleAssignments/{id}", DeleteAssignment).Requires(Permission.ManageRoles).Audited(Activities.RemoveMemberFromRole, "Role");
    }

    private static JsonObject Definition(DirectoryRole role) => new()
    {
        ["id"] = role.TemplateId,
        ["templateId"] = role.TemplateId,
        ["displayName"] = role.DisplayName,
        ["description"] = role.Description,
        ["isBuiltIn"] = true,
        ["isEnabled"] = true,
        ["rolePermissions"] = new JsonArray(),
    };

    private static IResult ListDefinitions(HttpContext http) =>
        GraphResults.Collection(http.Request, "roleManagement/directory/roleDefinitions", DirectoryRoles.BuiltIn.Select(Definition));

    private static IResult GetDefinition(HttpContext http, string id) => DirectoryRoles.Find(id) is { } role
        ? GraphResults.Entity(http.Request, "roleManagement/directory/roleDefinitions", Definition(role))
        : throw GraphException.NotFound($"Role definition '{id}' does not exist. Built-in roles: {string.Join(", ", DirectoryRoles.BuiltIn.Select(r => r.DisplayName))}.");

    [GeneratedRegex(@"^\s*principalId\s+eq\s+'([0-9a-fA-F-]{36})'\s*$")]
    private static partial Regex PrincipalFilter();

    private static async Task<IResult> ListAssignments(HttpContext http, IDirectoryStore store)
    {
        var tenant = http.Audit().TenantId;
        if (http.Request.Query.TryGetValue("$filter", out var filter))
        {
            var match = PrincipalFilter().Match(filter.ToString());
            if (!match.Success)
            {
                throw GraphException.BadRequest("roleAssignments supports only $filter=principalId eq '{id}'.", "Request_UnsupportedQuery");
            }
            var assigned = await store.ListObjectsByRefAsync(tenant, Schema.Kind, match.Groups[1].Value.ToLowerInvariant(), http.RequestAborted);
            return GraphResults.Collection(http.Request, "roleManagement/directory/roleAssignments", assigned.Select(a => a.Data));
        }
        return await DirectoryLists.ListAsync(http, store, Schema);
    }

    private static async Task<IResult> GetAssignment(HttpContext http, IDirectoryStore store, string id) =>
        GraphResults.Entity(http.Request, "roleManagement/directory/roleAssignments", (await store.GetOr404Async(http.Audit().TenantId, Schema, id, http.RequestAborted)).Data);

    private static async Task<IResult> CreateAssignment(HttpContext http, IDirectoryStore store, ChangeWriter writer)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        Schema.Validate(body, create: true);
        var data = await AssignAsync(audit, store, writer, (string)body["principalId"]!, (string)body["roleDefinitionId"]!,
            (string?)body["directoryScopeId"] ?? "/", http.RequestAborted);
        return GraphResults.Entity(http.Request, "roleManagement/directory/roleAssignments", data, 201);
    }

    /// <summary>Assigns a built-in role to a user or service principal (also used by bootstrap and the demo seed).</summary>
    internal static async Task<JsonObject> AssignAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, string principalId, string roleDefinitionId,
        string scope, CancellationToken ct)
    {
        var role = DirectoryRoles.Find(roleDefinitionId)
            ?? throw GraphException.BadRequest($"roleDefinitionId '{roleDefinitionId}' is not a role definition of this tenant. See GET /v1.0/roleManagement/directory/roleDefinitions.",
                "Request_BadRequest");
        audit.Targets = [RoleTarget(role)];
        if (scope != "/")
        {
            throw GraphException.BadRequest($"directoryScopeId '{scope}' is not supported: only tenant-wide assignments ('/') are.", "Request_BadRequest");
        }
        var principal = await store.GetObjectAsync(audit.TenantId, principalId, ct);
        if (principal is null || principal.Kind is not ("user" or "servicePrincipal"))
        {
            throw GraphException.BadRequest($"principalId '{principalId}' is not a user or service principal of this tenant.", "Request_BadRequest");
        }
        var key = $"{principal.Id}|{role.TemplateId}|{scope}";
        if (await store.FindObjectAsync(audit.TenantId, Schema.Kind, key, ct) is not null)
        {
            throw Duplicate(role);
        }
        var id = DirectoryKit.NewObjectId();
        var data = new JsonObject { ["id"] = id, ["principalId"] = principal.Id, ["roleDefinitionId"] = role.TemplateId, ["directoryScopeId"] = scope };
        var assignment = new StoredObject { TenantId = audit.TenantId, Kind = Schema.Kind, Id = id, Data = data, LookupKey = key, RefId = principal.Id };
        var principalSchema = Schemas.ForKind(principal.Kind);
        await writer.CommitAsync(audit, [new InsertObject(assignment)],
            [audit.Entry(Activities.AddMemberToRole, [DirectoryKit.Target(principalSchema, principal, RoleProperties(role, adding: true)), RoleTarget(role)])],
            _ => [audit.Entry(Activities.AddMemberToRole, [DirectoryKit.Target(principalSchema, principal), RoleTarget(role)], AuditResult.Failure, Duplicate(role).Message)],
            () => Duplicate(role));
        return data;
    }

    private static async Task<IResult> DeleteAssignment(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var assignment = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            var role = DirectoryRoles.Find((string)assignment.Data["roleDefinitionId"]!)!;
            audit.Targets = [RoleTarget(role)];
            var principal = await store.GetObjectAsync(audit.TenantId, assignment.RefId!, http.RequestAborted);
            var principalTarget = principal is null
                ? new TargetResource { Id = assignment.RefId, Type = "Other", ModifiedProperties = RoleProperties(role, adding: false) }
                : DirectoryKit.Target(Schemas.ForKind(principal.Kind), principal, RoleProperties(role, adding: false));
            await writer.CommitAsync(audit, [new DeleteObject(assignment.Id, assignment.Version)],
                [audit.Entry(Activities.RemoveMemberFromRole, [principalTarget, RoleTarget(role)])],
                _ => [], () => new GraphException(409, "Request_Conflict", "The role assignment is being changed by another request."));
            return Results.NoContent();
        });
    }

    /// <summary>When a principal is deleted, its role assignments go with it, each audited as "Remove member from role".</summary>
    internal static async Task<(List<DirectoryOp>, List<DirectoryAudit>)> RemoveAssignmentsOfAsync(IDirectoryStore store, AuditScope audit, StoredObject principal,
        ObjectSchema principalSchema, CancellationToken ct)
    {
        var ops = new List<DirectoryOp>();
        var entries = new List<DirectoryAudit>();
        foreach (var assignment in await store.ListObjectsByRefAsync(audit.TenantId, Schema.Kind, principal.Id, ct))
        {
            var role = DirectoryRoles.Find((string)assignment.Data["roleDefinitionId"]!)!;
            ops.Add(new DeleteObject(assignment.Id, assignment.Version));
            entries.Add(audit.Entry(Activities.RemoveMemberFromRole, [DirectoryKit.Target(principalSchema, principal, RoleProperties(role, adding: false)), RoleTarget(role)]));
        }
        return (ops, entries);
    }

    private static List<ModifiedProperty> RoleProperties(DirectoryRole role, bool adding)
    {
        (string Name, string Value)[] values =
        [
            ("Role.ObjectID", DirectoryKit.Quote(role.TemplateId)), ("Role.DisplayName", DirectoryKit.Quote(role.DisplayName)),
            ("Role.TemplateId", DirectoryKit.Quote(role.TemplateId)), ("Role.WellKnownObjectName", DirectoryKit.Quote(role.WellKnownObjectName)),
        ];
        return [.. values.Select(v => adding ? new ModifiedProperty(v.Name, null, v.Value) : new ModifiedProperty(v.Name, v.Value, null))];
    }

    private static TargetResource RoleTarget(DirectoryRole role) => new() { Id = role.TemplateId, DisplayName = role.DisplayName, Type = "Role" };

    private static GraphException Duplicate(DirectoryRole role) =>
        GraphException.Conflict($"The principal already holds the role '{role.DisplayName}' at this scope.");
}
