using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 applications: create, read, list, update (incl. rename), delete, addPassword, removePassword.</summary>
internal static class ApplicationsEndpoints
{
    private static readonly ObjectSchema Schema = Schemas.Application;

    public static void MapApplications(this RouteGroupBuilder v1)
    {
        v1.MapGet("/applications", List).Requires(Permission.ReadDirectory);
        v1.MapGet("/applications/$count", Count).Requires(Permission.ReadDirectory);
        v1.MapPost("/applications", Create).Requires(Permission.ManageApplications).Audited(Activities.AddApplication, "Application");
        v1.MapGet("/applications/{id}", Get).Requires(Permission.ReadDirectory);
        v1.MapPatch("/applications/{id}", Update).Requires(Permission.ManageApplications).Audited(Activities.UpdateApplication, "Application");
        v1.MapDelete("/applications/{id}", Delete).Requires(Permission.ManageApplications).Audited(Activities.DeleteApplication, "Application");
        v1.MapPost("/applications/{id}/addPassword", AddPassword).Requires(Permission.ManageApplications).Audited(Activities.UpdateApplicationSecrets, "Application");
        v1.MapPost("/applications/{id}/removePassword", RemovePassword).Requires(Permission.ManageApplications).Audited(Activities.UpdateApplicationSecrets, "Application");
    }

    private static Task<IResult> List(HttpContext http, IDirectoryStore store) => DirectoryLists.ListAsync(http, store, Schema);

    private static Task<IResult> Count(HttpContext http, IDirectoryStore store) => DirectoryLists.CountAsync(http, store, Schema);

    private static async Task<IResult> Get(HttpContext http, IDirectoryStore store, string id) =>
        GraphResults.Entity(http.Request, "applications", (await store.GetOr404Async(http.Audit().TenantId, Schema, id, http.RequestAborted)).Data);

    private static async Task<IResult> Create(HttpContext http, IDirectoryStore store, ChangeWriter writer)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        audit.Targets = [new TargetResource { Type = "Application", DisplayName = body["displayName"] as JsonValue is { } v && v.TryGetValue<string>(out var s) ? s : null }];
        Schema.Validate(body, create: true);
        var data = await CreateAsync(audit, writer, body);
        return GraphResults.Entity(http.Request, "applications", data, 201);
    }

    /// <summary>Creates an application registration (also used by bootstrap and the demo seed).</summary>
    internal static async Task<JsonObject> CreateAsync(AuditLogs.AuditScope audit, ChangeWriter writer, JsonObject body, string? appId = null)
    {
        var id = DirectoryKit.NewObjectId();
        appId = (appId ?? Guid.NewGuid().ToString()).ToLowerInvariant();
        var data = new JsonObject
        {
            ["id"] = id,
            ["appId"] = appId,
            ["displayName"] = null,
            ["description"] = null,
            ["signInAudience"] = "AzureADMyOrg",
            ["identifierUris"] = new JsonArray(),
            ["tags"] = new JsonArray(),
            ["passwordCredentials"] = new JsonArray(),
            ["createdDateTime"] = DirectoryKit.Timestamp(audit.Now()),
        };
        DirectoryKit.Apply(Schema, body, data);
        var app = new StoredObject { TenantId = audit.TenantId, Kind = Schema.Kind, Id = id, Data = data, LookupKey = appId };
        var names = DirectoryKit.StoredNames(Schema, body).Prepend("appId").Distinct();
        await writer.CommitAsync(audit, [new InsertObject(app)], [audit.Entry(Activities.AddApplication, [DirectoryKit.Target(Schema, app, DirectoryKit.Diff(null, data, names))])],
            _ => [], () => new GraphException(409, "Request_Conflict", "The application could not be created."));
        return data;
    }

    private static Task<IResult> Update(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        ObjectUpdates.PatchAsync(http, store, writer, Schema, Activities.UpdateApplication, id);

    private static async Task<IResult> Delete(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var app = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            var ops = new List<DirectoryOp> { new DeleteObject(app.Id, app.Version) };
            var entries = new List<DirectoryAudit> { audit.Entry(Activities.DeleteApplication, [DirectoryKit.Target(Schema, app)]) };
            // As in Entra, deleting an app registration removes its service principal in the home tenant.
            if (await store.FindObjectAsync(audit.TenantId, Schemas.ServicePrincipal.Kind, app.LookupKey!, http.RequestAborted) is { } sp)
            {
                var (roleOps, roleEntries) = await RolesEndpoints.RemoveAssignmentsOfAsync(store, audit, sp, Schemas.ServicePrincipal, http.RequestAborted);
                ops.Add(new DeleteObject(sp.Id, sp.Version));
                ops.AddRange(roleOps);
                entries.Add(audit.Entry(Activities.RemoveServicePrincipal, [DirectoryKit.Target(Schemas.ServicePrincipal, sp)]));
                entries.AddRange(roleEntries);
            }
            await writer.CommitAsync(audit, ops, entries, _ => [], () => new GraphException(409, "Request_Conflict", "The application is being changed by another request."));
            return Results.NoContent();
        });
    }

    private static async Task<IResult> AddPassword(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        var body = http.Request.ContentLength is 0 ? [] : await GraphBody.ReadObjectAsync(http.Request);
        foreach (var key in body.Select(p => p.Key).Where(k => k != "passwordCredential"))
        {
            throw GraphException.BadRequest($"Property '{key}' is not a parameter of addPassword. Parameters: passwordCredential.");
        }
        var requested = body["passwordCredential"] as JsonObject ?? [];
        foreach (var (key, value) in requested)
        {
            var ok = key switch
            {
                "displayName" => value is JsonValue v && v.TryGetValue<string>(out _),
                "endDateTime" or "startDateTime" => value is JsonValue v && v.TryGetValue<string>(out var t) && DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out _),
                "@odata.type" => true,
                _ => throw GraphException.BadRequest($"passwordCredential property '{key}' cannot be set. Settable: displayName, startDateTime, endDateTime."),
            };
            if (!ok)
            {
                throw GraphException.BadRequest($"Invalid value for passwordCredential.{key}.");
            }
        }
        var app = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
        audit.Targets = [DirectoryKit.Target(Schema, app)];
        // A secret for an app whose service principal holds a directory role is that role: only those who may grant
        // roles may mint one.
        if (!audit.Caller.Has(Permission.ManageRoles)
            && await store.FindObjectAsync(audit.TenantId, Schemas.ServicePrincipal.Kind, app.LookupKey!, http.RequestAborted) is { } sp
            && (await store.ListObjectsByRefAsync(audit.TenantId, Schemas.RoleAssignment.Kind, sp.Id, http.RequestAborted)).Count > 0)
        {
            throw GraphException.Forbidden("This application's service principal holds a directory role; only a Global Administrator may add its credentials.");
        }
        var secret = Secrets.NewClientSecret();
        var credential = await AddSecretAsync(audit, store, writer, id, secret, (string?)requested["displayName"],
            ParseTime(requested["startDateTime"]), ParseTime(requested["endDateTime"]), http.RequestAborted);
        credential["secretText"] = secret;
        var response = new JsonObject { ["@odata.context"] = $"{GraphResults.MetadataUrl(http.Request)}#microsoft.graph.passwordCredential" };
        foreach (var (key, value) in credential)
        {
            response[key] = value?.DeepClone();
        }
        return Results.Json(response);
    }

    /// <summary>Adds a client secret to an application (also used by bootstrap with a configured secret).</summary>
    internal static Task<JsonObject> AddSecretAsync(AuditLogs.AuditScope audit, IDirectoryStore store, ChangeWriter writer, string id, string secret,
        string? displayName, DateTimeOffset? startTime, DateTimeOffset? endTime, CancellationToken ct) =>
        DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var app = await store.GetOr404Async(audit.TenantId, Schema, id, ct);
            audit.Targets = [DirectoryKit.Target(Schema, app)];
            var start = startTime ?? audit.Now();
            if (start.Year > 9000 || endTime?.Year > 9000)
            {
                throw GraphException.BadRequest("passwordCredential dates must be before the year 9000.");
            }
            var end = endTime ?? start.AddYears(2);
            if (end <= start)
            {
                throw GraphException.BadRequest("passwordCredential.endDateTime must be after startDateTime.");
            }
            var keyId = Guid.NewGuid().ToString();
            var credential = new JsonObject
            {
                ["customKeyIdentifier"] = null,
                ["displayName"] = displayName,
                ["endDateTime"] = DirectoryKit.Timestamp(end),
                ["hint"] = secret[..3],
                ["keyId"] = keyId,
                ["secretText"] = null,
                ["startDateTime"] = DirectoryKit.Timestamp(start),
            };
            var data = app.Data.DeepClone().AsObject();
            var before = app.Data["passwordCredentials"]?.AsArray() ?? [];
            data["passwordCredentials"] = new JsonArray([.. before.Select(c => c?.DeepClone()), credential.DeepClone()]);
            var secrets = app.Secrets.DeepClone().AsObject();
            var passwords = secrets["passwords"] as JsonObject ?? [];
            passwords[keyId] = new JsonObject { ["hash"] = Secrets.HashClientSecret(secret), ["end"] = DirectoryKit.Timestamp(end) };
            secrets["passwords"] = passwords.DeepClone();
            await CommitSecretsChangeAsync(audit, writer, app, data, secrets, before, data["passwordCredentials"]!.AsArray());
            return credential;
        });

    private static async Task<IResult> RemovePassword(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id)
    {
        var audit = http.Audit();
        var body = await GraphBody.ReadObjectAsync(http.Request);
        foreach (var key in body.Select(p => p.Key).Where(k => k != "keyId"))
        {
            throw GraphException.BadRequest($"Property '{key}' is not a parameter of removePassword. Parameters: keyId.");
        }
        if (body["keyId"] is not JsonValue v || !v.TryGetValue<string>(out var keyId) || !Guid.TryParse(keyId, out _))
        {
            throw GraphException.BadRequest("removePassword needs keyId: the GUID of the password credential to remove.");
        }
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var app = await store.GetOr404Async(audit.TenantId, Schema, id, http.RequestAborted);
            audit.Targets = [DirectoryKit.Target(Schema, app)];
            var before = app.Data["passwordCredentials"]?.AsArray() ?? [];
            if (!before.Any(c => string.Equals((string?)c?["keyId"], keyId, StringComparison.OrdinalIgnoreCase)))
            {
                throw GraphException.BadRequest($"No password credential with keyId '{keyId}' exists on this application.");
            }
            var data = app.Data.DeepClone().AsObject();
            data["passwordCredentials"] = new JsonArray([.. before.Where(c => !string.Equals((string?)c?["keyId"], keyId, StringComparison.OrdinalIgnoreCase)).Select(c => c?.DeepClone())]);
            var secrets = app.Secrets.DeepClone().AsObject();
            (secrets["passwords"] as JsonObject)?.Remove(keyId.ToLowerInvariant());
            (secrets["passwords"] as JsonObject)?.Remove(keyId);
            await CommitSecretsChangeAsync(audit, writer, app, data, secrets, before, data["passwordCredentials"]!.AsArray());
            return Results.NoContent();
        });
    }

    /// <summary>Audits a credential change with Entra's KeyDescription values; the secret itself never reaches the log.</summary>
    private static Task CommitSecretsChangeAsync(AuditLogs.AuditScope audit, ChangeWriter writer, StoredObject app, JsonObject data, JsonObject secrets,
        JsonArray before, JsonArray after)
    {
        var changes = new List<ModifiedProperty> { new("KeyDescription", Describe(before), Describe(after)), DirectoryKit.Summary(["KeyDescription"]) };
        return writer.CommitAsync(audit, [new UpdateObject(app with { Data = data, Secrets = secrets })],
            [audit.Entry(Activities.UpdateApplicationSecrets, [DirectoryKit.Target(Schema, app.Id, data, changes)])],
            _ => [], () => new GraphException(409, "Request_Conflict", "The application is being changed by another request."));
    }

    private static string Describe(JsonArray credentials) => System.Text.Json.JsonSerializer.Serialize(credentials
        .Select(c => $"[KeyIdentifier={(string?)c?["keyId"]},KeyType=Password,KeyUsage=Verify,DisplayName={(string?)c?["displayName"]}]").ToArray());

    private static DateTimeOffset? ParseTime(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null;
}
