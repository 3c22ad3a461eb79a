using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 servicePrincipals: create (for an application of this tenant), read, list, update, delete.</summary>
internal static class ServicePrincipalsEndpoints
{
    private static readonly ObjectSchema Schema = Schemas.ServicePrincipal;

    public static void MapServicePrincipals(this RouteGroupBuilder v1)
    {
        v1.MapGet("/servicePrincipals", List).Requires(Permission.ReadDirectory);
        v1.MapGet("/servicePrincipals/$count", Count).Requires(Permission.ReadDirectory);
        v1.MapPost("/servicePrincipals", Create).Requires(Permission.ManageApplications).Audited(Activities.AddServicePrincipal, "ServicePrincipal");
        v1.MapGet("/servicePrincipals/{id}", Get).Requires(Permission.ReadDirectory);
        v1.MapPatch("/servicePrincipals/{id}", Update).Requires(Permission.ManageApplications).Audited(Activities.UpdateServicePrincipal, "ServicePrincipal");
        v1.MapDelete("/servicePrincipals/{id}", Delete).Requires(Permission.ManageApplications).Audited(Activities.RemoveServicePrincipal, "ServicePrincipal");
    }

    private static Task<IResult> List(HttpContext http, IDirectoryStore store) => DirectoryLists.ListAsync(http, store, Schema);

    private static Task<IResult> Count(HttpContext http, IDirectoryStore store) => DirectoryLists.CountAsync(http, store, Schema);

    private static async Task<IResult> Get(HttpContext http, IDirectoryStore store, string id) =>
        GraphResults.Entity(http.Request, "servicePrincipals", (await store.GetOr404Async(http.Audit().TenantId, Schema, id, http.RequestAborted)).Data);

    private static async Task<IResult> Create(HttpContext http, IDirectoryStore store, ChangeWriter writer)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        Schema.Validate(body, create: true);
        var data = await CreateAsync(audit, store, writer, body, http.RequestAborted);
        return GraphResults.Entity(http.Request, "servicePrincipals", data, 201);
    }

    /// <summary>Creates the service principal of an application of this tenant (also used by bootstrap and the demo seed).</summary>
    internal static async Task<JsonObject> CreateAsync(AuditScope audit, IDirectoryStore store, ChangeWriter writer, JsonObject body, CancellationToken ct)
    {
        var appId = (string)body["appId"]!;
        audit.Targets = [new TargetResource { Type = "ServicePrincipal", DisplayName = appId }];
        var app = await store.FindObjectAsync(audit.TenantId, Schemas.Application.Kind, appId.ToLowerInvariant(), ct)
            ?? throw GraphException.BadRequest($"The appId '{appId}' of the service principal does not reference a valid application object in this tenant.",
                "Request_BadRequest");
        if (await store.FindObjectAsync(audit.TenantId, Schema.Kind, app.LookupKey!, ct) is not null)
        {
            throw Duplicate(appId);
        }
        var id = DirectoryKit.NewObjectId();
        var data = new JsonObject
        {
            ["id"] = id,
            ["appId"] = app.LookupKey,
            ["appDisplayName"] = (string?)app.Data["displayName"],
            ["displayName"] = (string?)app.Data["displayName"],
            ["accountEnabled"] = true,
            ["appRoleAssignmentRequired"] = false,
            ["description"] = null,
            ["notes"] = null,
            ["servicePrincipalType"] = "Application",
            ["servicePrincipalNames"] = new JsonArray(app.LookupKey),
            ["tags"] = new JsonArray(),
            ["createdDateTime"] = DirectoryKit.Timestamp(audit.Now()),
        };
        DirectoryKit.Apply(Schema, body, data);
        data["appId"] = app.LookupKey;
        var sp = new StoredObject { TenantId = audit.TenantId, Kind = Schema.Kind, Id = id, Data = data, LookupKey = app.LookupKey, RefId = app.LookupKey };
        var names = new[] { "accountEnabled", "appId", "displayName", "servicePrincipalNames" }.Concat(DirectoryKit.StoredNames(Schema, body)).Distinct();
        await writer.CommitAsync(audit, [new InsertObject(sp)], [audit.Entry(Activities.AddServicePrincipal, [DirectoryKit.Target(Schema, sp, DirectoryKit.Diff(null, data, names))])],
            reason => [audit.Entry(Activities.AddServicePrincipal, [DirectoryKit.Target(Schema, null, data)], AuditResult.Failure, Duplicate(appId).Message)],
            () => Duplicate(appId));
        return data;
    }

    private static GraphException Duplicate(string appId) =>
        GraphException.Conflict($"A service principal for appId '{appId}' already exists in this tenant.");

    private static Task<IResult> Update(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        ObjectUpdates.PatchAsync(http, store, writer, Schema, Activities.UpdateServicePrincipal, id);

    private static async Task<IResult> Delete(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var sp = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            var (ops, entries) = await RolesEndpoints.RemoveAssignmentsOfAsync(store, audit, sp, Schema, http.RequestAborted);
            ops.Insert(0, new DeleteObject(sp.Id, sp.Version));
            entries.Insert(0, audit.Entry(Activities.RemoveServicePrincipal, [DirectoryKit.Target(Schema, sp)]));
            await writer.CommitAsync(audit, ops, entries, _ => [], () => new GraphException(409, "Request_Conflict", "The service principal is being changed by another request."));
            return Results.NoContent();
        });
    }
}
