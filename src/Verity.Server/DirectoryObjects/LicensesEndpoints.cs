using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 licenses: the tenant's <c>subscribedSkus</c> and <c>assignLicense</c> on users and groups.</summary>
internal static class LicensesEndpoints
{
    /// <summary>The SKUs every new tenant subscribes to: (skuId, skuPartNumber, seats).</summary>
    public static readonly IReadOnlyList<(string SkuId, string PartNumber, int Seats)> DefaultSkus =
    [
        ("6fd2c87f-b296-42f0-b197-1e91e994b900", "ENTERPRISEPACK", 100),
        ("efccb6f7-5641-4e0e-bd10-b4976e1bf68e", "EMS", 100),
        ("84a661c4-e949-4bd2-a560-ed7766fcaf2b", "AAD_PREMIUM_P2", 25),
    ];

    public static void MapLicenses(this RouteGroupBuilder v1)
    {
        v1.MapGet("/subscribedSkus", ListSkus).Requires(Permission.ReadDirectory);
        v1.MapPost("/users/{id}/assignLicense", AssignToUser).Requires(Permission.ManageLicenses).Audited(Activities.ChangeUserLicense, "User");
        v1.MapPost("/groups/{id}/assignLicense", AssignToGroup).Requires(Permission.ManageLicenses).Audited(Activities.SetGroupLicense, "Group");
    }

    public static StoredObject NewSku(Guid tenantId, (string SkuId, string PartNumber, int Seats) sku) => new()
    {
        TenantId = tenantId,
        Kind = Schemas.SubscribedSku.Kind,
        Id = $"{tenantId}_{sku.SkuId}",
        LookupKey = sku.SkuId,
        Data = new JsonObject
        {
            ["id"] = $"{tenantId}_{sku.SkuId}",
            ["accountId"] = tenantId.ToString(),
            ["appliesTo"] = "User",
            ["capabilityStatus"] = "Enabled",
            ["skuId"] = sku.SkuId,
            ["skuPartNumber"] = sku.PartNumber,
            ["prepaidUnits"] = new JsonObject { ["enabled"] = sku.Seats, ["suspended"] = 0, ["warning"] = 0, ["lockedOut"] = 0 },
            ["servicePlans"] = new JsonArray(),
        },
    };

    private static async Task<IResult> ListSkus(HttpContext http, IDirectoryStore store)
    {
        var tenant = http.Audit().TenantId;
        var skus = await store.ListObjectsAsync(tenant, Schemas.SubscribedSku.Kind, null, 100, http.RequestAborted);
        var consumed = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        string? after = null;
        while (true)
        {
            var users = await store.ListObjectsAsync(tenant, Schemas.User.Kind, after, 1000, http.RequestAborted);
            foreach (var skuId in users.SelectMany(u => u.Data["assignedLicenses"]?.AsArray() ?? []).Select(l => (string?)l?["skuId"]).OfType<string>())
            {
                consumed[skuId] = consumed.GetValueOrDefault(skuId) + 1;
            }
            if (users.Count < 1000)
            {
                break;
            }
            after = users[^1].Id;
        }
        return GraphResults.Collection(http.Request, "subscribedSkus", skus.Select(s =>
        {
            var data = s.Data.DeepClone().AsObject();
            data["consumedUnits"] = consumed.GetValueOrDefault(s.LookupKey!);
            return data;
        }));
    }

    private static Task<IResult> AssignToUser(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        AssignAsync(http, store, writer, Schemas.User, Activities.ChangeUserLicense, id, "users");

    private static Task<IResult> AssignToGroup(HttpContext http, IDirectoryStore store, ChangeWriter writer, string id) =>
        AssignAsync(http, store, writer, Schemas.Group, Activities.SetGroupLicense, id, "groups");

    private static async Task<IResult> AssignAsync(HttpContext http, IDirectoryStore store, ChangeWriter writer, ObjectSchema schema, Activity activity,
        string id, string entitySet)
    {
        var body = await GraphBody.ReadObjectAsync(http.Request);
        var data = await AssignAsync(http.Audit(), store, writer, schema, activity, id, body, http.RequestAborted);
        return GraphResults.Entity(http.Request, entitySet, data);
    }

    /// <summary>Applies an assignLicense request body to a user or group (also used by the demo seed).</summary>
    internal static async Task<JsonObject> AssignAsync(AuditLogs.AuditScope audit, IDirectoryStore store, ChangeWriter writer, ObjectSchema schema, Activity activity,
        string id, JsonObject body, CancellationToken ct)
    {
        var (add, remove) = ReadRequest(body);
        foreach (var skuId in add.Select(a => (string)a["skuId"]!).Concat(remove))
        {
            if (await store.FindObjectAsync(audit.TenantId, Schemas.SubscribedSku.Kind, skuId, ct) is null)
            {
                throw GraphException.BadRequest($"License '{skuId}' is not one of this tenant's subscribedSkus.", "Request_BadRequest");
            }
        }
        return await DirectoryKit.RetryOnStaleAsync(async () =>
        {
            var target = await store.GetOr404Async(audit.TenantId, schema, id, ct);
            audit.Targets = [DirectoryKit.Target(schema, target)];
            var before = target.Data["assignedLicenses"]?.AsArray() ?? [];
            foreach (var skuId in remove.Where(r => !before.Any(l => string.Equals((string?)l?["skuId"], r, StringComparison.OrdinalIgnoreCase))))
            {
                throw GraphException.BadRequest($"License '{skuId}' cannot be removed: it is not assigned to this {schema.TargetType.ToLowerInvariant()}.", "Request_BadRequest");
            }
            var kept = before.Where(l => !remove.Contains((string?)l?["skuId"] ?? "", StringComparer.OrdinalIgnoreCase)
                && !add.Any(a => string.Equals((string?)a["skuId"], (string?)l?["skuId"], StringComparison.OrdinalIgnoreCase)));
            var after = new JsonArray([.. kept.Select(l => l?.DeepClone()), .. add.Select(a => (JsonNode)a.DeepClone())]);
            var data = target.Data.DeepClone().AsObject();
            data["assignedLicenses"] = after;
            if (!JsonNode.DeepEquals(before, after))
            {
                var changes = new List<ModifiedProperty>
                {
                    new("AssignedLicense", await DescribeAsync(store, audit.TenantId, before, ct), await DescribeAsync(store, audit.TenantId, after, ct)),
                };
                changes.Add(DirectoryKit.Summary(["AssignedLicense"]));
                await writer.CommitAsync(audit, [new UpdateObject(target with { Data = data })],
                    [audit.Entry(activity, [DirectoryKit.Target(schema, target.Id, data, changes)])],
                    _ => [], () => new GraphException(409, "Request_Conflict", "The object is being changed by another request."));
            }
            return data;
        });
    }

    private static (List<JsonObject> Add, List<string> Remove) ReadRequest(JsonObject body)
    {
        foreach (var key in body.Select(p => p.Key).Where(k => k is not "addLicenses" and not "removeLicenses"))
        {
            throw GraphException.BadRequest($"Property '{key}' is not a parameter of assignLicense. Parameters: addLicenses, removeLicenses.");
        }
        if (body["addLicenses"] is not JsonArray addArray || body["removeLicenses"] is not JsonArray removeArray)
        {
            throw GraphException.BadRequest("assignLicense needs both addLicenses (array of {skuId, disabledPlans}) and removeLicenses (array of skuIds); either may be empty.");
        }
        var add = new List<JsonObject>();
        foreach (var item in addArray)
        {
            if (item is not JsonObject license || license["skuId"] is not JsonValue sku || !sku.TryGetValue<string>(out var skuId) || !Guid.TryParse(skuId, out _))
            {
                throw GraphException.BadRequest("Each addLicenses item needs skuId, a GUID.");
            }
            var plans = license["disabledPlans"] as JsonArray ?? [];
            if (plans.Any(p => p is not JsonValue v || !v.TryGetValue<string>(out var plan) || !Guid.TryParse(plan, out _)))
            {
                throw GraphException.BadRequest("addLicenses disabledPlans must be an array of servicePlanId GUIDs.");
            }
            add.Add(new JsonObject { ["disabledPlans"] = plans.DeepClone(), ["skuId"] = skuId.ToLowerInvariant() });
        }
        var remove = new List<string>();
        foreach (var item in removeArray)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var skuId) || !Guid.TryParse(skuId, out _))
            {
                throw GraphException.BadRequest("removeLicenses must be an array of skuId GUIDs.");
            }
            remove.Add(skuId.ToLowerInvariant());
        }
        if (add.Select(a => (string)a["skuId"]!).Intersect(remove).FirstOrDefault() is { } both)
        {
            throw GraphException.BadRequest($"License '{both}' is in both addLicenses and removeLicenses.");
        }
        return (add, remove);
    }

    /// <summary>Entra's AssignedLicense text: <c>[SkuName=ENTERPRISEPACK, AccountId=…, SkuId=…, DisabledPlans=[]]</c> per license.</summary>
    private static async Task<string> DescribeAsync(IDirectoryStore store, Guid tenantId, JsonArray licenses, CancellationToken ct)
    {
        var parts = new List<string>();
        foreach (var license in licenses)
        {
            var skuId = (string?)license?["skuId"] ?? "";
            var sku = await store.FindObjectAsync(tenantId, Schemas.SubscribedSku.Kind, skuId, ct);
            var plans = string.Join(",", (license?["disabledPlans"]?.AsArray() ?? []).Select(p => (string?)p));
            parts.Add($"[SkuName={(string?)sku?.Data["skuPartNumber"]}, AccountId={tenantId}, SkuId={skuId}, DisabledPlans=[{plans}]]");
        }
        return System.Text.Json.JsonSerializer.Serialize(parts);
    }
}
