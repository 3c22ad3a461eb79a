using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 groups: create, read, list, update, delete, and members/owners <c>$ref</c>.</summary>
internal static class GroupsEndpoints
{
    private static readonly ObjectSchema Schema = Schemas.Group;

    public static void MapGroups(this RouteGroupBuilder v1)
    {
        v1.MapGet("/groups", List).Requires(Permission.ReadDirectory);
        v1.MapGet("/groups/$count", Count).Requires(Permission.ReadDirectory);
        v1.MapPost("/groups", Create).Requires(Permission.ManageGroups).Audited(Activities.AddGroup, "Group");
        v1.MapGet("/groups/{id}", Get).Requires(Permission.ReadDirectory);
        v1.MapPatch("/groups/{id}", Update).Requires(Permission.ManageGroups).Audited(Activities.UpdateGroup, "Group");
        v1.MapDelete("/groups/{id}", Delete).Requires(Permission.ManageGroups).Audited(Activities.DeleteGroup, "Group");
        v1.MapGet("/groups/{id}/members", ListMembers).Requires(Permission.ReadDirectory);
        v1.MapPost("/groups/{id}/members/$ref", AddMember).Requires(Permission.ManageGroups).Audited(Activities.AddMemberToGroup, "Group");
        v1.MapDelete("/groups/{id}/members/{memberId}/$ref", RemoveMember).Requires(Permission.ManageGroups).Audited(Activities.RemoveMemberFromGroup, "Group");
        v1.MapGet("/groups/{id}/owners", ListOwners).Requires(Permission.ReadDirectory);
        v1.MapPost("/groups/{id}/owners/$ref", AddOwner).Requires(Permission.ManageGroups).Audited(Activities.AddOwnerToGroup, "Group");
        v1.MapDelete("/groups/{id}/owners/{memberId}/$ref", RemoveOwner).Requires(Permission.ManageGroups).Audited(Activities.RemoveOwnerFromGroup, "Group");
    }

    private static Task<IResult> List(HttpContext http, IDirectoryStore store) => DirectoryLists.ListAsync(http, store, Schema);

    private static Task<IResult> Count(HttpContext http, IDirectoryStore store) => DirectoryLists.CountAsync(http, store, Schema);

    private static async Task<IResult> Get(HttpContext http, IDirectoryStore store, string id) =>
        GraphResults.Entity(http.Request, "groups", (await store.GetOr404Async(http.Audit().TenantId, Schema, id, http.RequestAborted)).Data);

    private static async Task<IResult> Create(HttpContext http, IDirectoryStore store, ChangeWriter writer)
    {
        var body = await GraphBody.ReadObjectAsync(http.Request);
        return GraphResults.Entity(http.Request, "groups", await CreateAsync(http.Audit(), writer, body), 201);
    }

    /// <summary>Creates a group from a Graph request body (also used by the demo seed).</summary>
    internal static async Task<JsonObject> CreateAsync(AuditScope audit, ChangeWriter writer, JsonObject body)
    {
        audit.Targets = [new TargetResource { Type = "Group", DisplayName = body["displayName"] as JsonValue is { } v && v.TryGetValue<string>(out var s) ? s : null }];
        Schema.Validate(body, create: true);
        var id = DirectoryKit.NewObjectId();
        var data = new JsonObject
        {
            ["id"] = id,
            ["description"] = null,
            ["groupTypes"] = new JsonArray(),
            ["mail"] = null,
            ["visibility"] = null,
            ["createdDateTime"] = DirectoryKit.Timestamp(audit.Now()),
            ["assignedLicenses"] = new JsonArray(),
        };
        DirectoryKit.Apply(Schema, body, data);
        var group = new StoredObject { TenantId = audit.TenantId, Kind = Schema.Kind, Id = id, Data = data };
        var changes = DirectoryKit.Diff(null, data, DirectoryKit.StoredNames(Schema, body));
        await writer.CommitAsync(audit, [new InsertObject(group)], [audit.Entry(Activities.AddGroup, [DirectoryKit.Target(Schema, group, changes)])],
            _ => [], () => new GraphException(409, "Request_Conflict", "The group could not be created."));
        return data;
    }

    private static Task<IResult> Update(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        ObjectUpdates.PatchAsync(http, store, writer, Schema, Activities.UpdateGroup, id);

    private static async Task<IResult> Delete(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var group = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            await writer.CommitAsync(audit, [new DeleteObject(group.Id, group.Version)], [audit.Entry(Activities.DeleteGroup, [DirectoryKit.Target(Schema, group)])],
                _ => [], () => new GraphException(409, "Request_Conflict", "The group is being changed by another request."));
            return Results.NoContent();
        });
    }

    private static Task<IResult> ListMembers(HttpContext http, IDirectoryStore store, string id) => ListLinked(http, store, id, "member");

    private static Task<IResult> ListOwners(HttpContext http, IDirectoryStore store, string id) => ListLinked(http, store, id, "owner");

    private static async Task<IResult> ListLinked(HttpContext http, IDirectoryStore store, string id, string relation)
    {
        var tenant = http.Audit().TenantId;
        var group = await store.GetOr404Async(tenant, Schema, id, http.RequestAborted);
        var items = new List<JsonObject>();
        foreach (var targetId in await store.ListLinkTargetsAsync(tenant, group.Id, relation, http.RequestAborted))
        {
            if (await store.GetObjectAsync(tenant, targetId, http.RequestAborted) is { } o)
            {
                var item = new JsonObject { ["@odata.type"] = "#" + Schemas.ForKind(o.Kind).GraphType };
                foreach (var (key, value) in o.Data)
                {
                    item[key] = value?.DeepClone();
                }
                items.Add(item);
            }
        }
        return GraphResults.Collection(http.Request, "directoryObjects", items);
    }

    private static Task<IResult> AddMember(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        ChangeLink(http, store, writer, id, null, "member", Activities.AddMemberToGroup, ["user", "group", "servicePrincipal"]);

    private static Task<IResult> RemoveMember(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id, string memberId) =>
        ChangeLink(http, store, writer, id, memberId, "member", Activities.RemoveMemberFromGroup, ["user", "group", "servicePrincipal"]);

    private static Task<IResult> AddOwner(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        ChangeLink(http, store, writer, id, null, "owner", Activities.AddOwnerToGroup, ["user", "servicePrincipal"]);

    private static Task<IResult> RemoveOwner(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id, string memberId) =>
        ChangeLink(http, store, writer, id, memberId, "owner", Activities.RemoveOwnerFromGroup, ["user", "servicePrincipal"]);

    private static async Task<IResult> ChangeLink(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id, string? removeId,
        string relation, Activity activity, string[] allowedKinds)
    {
        var memberId = removeId ?? await ReadReferenceAsync(http.Request);
        await ChangeLinkAsync(http.Audit(), store, writer, id, memberId, adding: removeId is null, relation, activity, allowedKinds, http.RequestAborted);
        return Results.NoContent();
    }

    /// <summary>Adds a member or owner to a group (also used by the demo seed).</summary>
    internal static Task AddLinkAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, string groupId, string memberId, string relation, CancellationToken ct) =>
        relation == "owner"
            ? ChangeLinkAsync(audit, store, writer, groupId, memberId, true, relation, Activities.AddOwnerToGroup, ["user", "servicePrincipal"], ct)
            : ChangeLinkAsync(audit, store, writer, groupId, memberId, true, relation, Activities.AddMemberToGroup, ["user", "group", "servicePrincipal"], ct);

    /// <summary>
    /// Adds or removes a member or owner. Entra's shape: target 1 is the member carrying Group.* properties (new values
    /// when added, old values when removed), target 2 the group.
    /// </summary>
    private static Task ChangeLinkAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, string id, string memberId, bool adding,
        string relation, Activity activity, string[] allowedKinds, CancellationToken ct) =>
        // A lost race re-runs the checks, which then answer as Graph does (already a member, or not one).
        DirectoryKit.RetryOnStaleAsync(async () =>
        {
            await ChangeLinkOnceAsync(audit, store, writer, id, memberId, adding, relation, activity, allowedKinds, ct);
            return true;
        });

    private static async Task ChangeLinkOnceAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, string id, string memberId, bool adding,
        string relation, Activity activity, string[] allowedKinds, CancellationToken ct)
    {
        var group = await store.GetOr404Async(audit.TenantId, Schema, id, ct);
        audit.Targets = [DirectoryKit.Target(Schema, group)];
        var member = await store.GetObjectAsync(audit.TenantId, memberId, ct);
        if (member is null || !allowedKinds.Contains(member.Kind))
        {
            throw adding
                ? GraphException.BadRequest($"The referenced object '{memberId}' does not exist in this tenant or cannot be a {relation} of a group.", "Request_BadRequest")
                : GraphException.NotFound($"'{memberId}' is not a {relation} of group '{group.Id}'.");
        }
        var memberSchema = Schemas.ForKind(member.Kind);
        audit.Targets = [DirectoryKit.Target(memberSchema, member), DirectoryKit.Target(Schema, group)];
        if (member.Id == group.Id)
        {
            throw GraphException.BadRequest("A group cannot be a member of itself.", "Request_BadRequest");
        }
        var exists = await store.LinkExistsAsync(audit.TenantId, group.Id, relation, member.Id, ct);
        if (adding && exists)
        {
            throw AlreadyExists(relation);
        }
        if (!adding && !exists)
        {
            throw GraphException.NotFound($"'{memberId}' is not a {relation} of group '{group.Id}'.");
        }

        string?[] values = [DirectoryKit.Quote(group.Id), DirectoryKit.Quote((string?)group.Data["displayName"]), null];
        string[] names = ["Group.ObjectID", "Group.DisplayName", "Group.WellKnownObjectName"];
        var props = names.Select((n, i) => adding ? new ModifiedProperty(n, null, values[i]) : new ModifiedProperty(n, values[i], null)).ToList();
        var entry = audit.Entry(activity, [DirectoryKit.Target(memberSchema, member, props), DirectoryKit.Target(Schema, group)]);
        DirectoryOp op = adding ? new AddLink(group.Id, relation, member.Id) : new RemoveLink(group.Id, relation, member.Id);
        await writer.CommitAsync(audit, [op], [entry],
            reason => [audit.Entry(activity, [DirectoryKit.Target(memberSchema, member), DirectoryKit.Target(Schema, group)], AuditResult.Failure, AlreadyExists(relation).Message)],
            () => adding ? AlreadyExists(relation) : new GraphException(409, "Request_Conflict", "The membership changed at the same time."));
    }

    private static GraphException AlreadyExists(string relation) =>
        GraphException.BadRequest($"One or more added object references already exist for the following modified properties: '{relation}s'.", "Request_BadRequest");

    /// <summary>Reads <c>{"@odata.id": ".../directoryObjects/{id}"}</c> and returns the id.</summary>
    internal static async Task<string> ReadReferenceAsync(HttpRequest request)
    {
        var body = await GraphBody.ReadObjectAsync(request);
        foreach (var key in body.Select(p => p.Key).Where(k => k != "@odata.id"))
        {
            throw GraphException.BadRequest($"Property '{key}' is not valid in a reference; send only @odata.id.", "Request_BadRequest");
        }
        if (body["@odata.id"] is not JsonValue v || !v.TryGetValue<string>(out var reference) || reference.Length == 0)
        {
            throw GraphException.BadRequest("A reference needs '@odata.id', e.g. \"https://graph.microsoft.com/v1.0/directoryObjects/{id}\".", "Request_BadRequest");
        }
        var id = reference.TrimEnd('/').Split('/')[^1];
        if (id.StartsWith("directoryObjects(", StringComparison.Ordinal) || id.Contains('(', StringComparison.Ordinal))
        {
            id = id[(id.IndexOf('(', StringComparison.Ordinal) + 1)..].TrimEnd(')').Trim('\'');
        }
        return id;
    }
}
