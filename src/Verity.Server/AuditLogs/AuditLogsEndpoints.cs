using System.Globalization;
using System.Text;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;
using Verity.Server.Graph;

namespace Verity.Server.AuditLogs;

/// <summary>
/// <c>GET /v1.0/auditLogs/directoryAudits</c> and <c>/{id}</c> in Graph's envelope. Entries are served as the exact
/// bytes stored at commit. Newest first by commit order; <c>$top</c> 1–1000 (default 100); keyset <c>$skiptoken</c>.
/// </summary>
internal static class AuditLogsEndpoints
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;
    private static readonly string[] Supported = ["$top", "$skiptoken", "$orderby", "$filter", "$count", "$select"];

    /// <summary>The properties $select may name: the structural properties of directoryAudit in the model.</summary>
    private static readonly HashSet<string> Selectable = [.. Microsoft.OData.Edm.ExtensionMethods.StructuralProperties(GraphModel.DirectoryAudit).Select(p => p.Name)];

    public static void MapAuditLogs(this RouteGroupBuilder v1)
    {
        v1.MapGet("/auditLogs/directoryAudits", List).Requires(Permission.ReadAuditLogs).WithName("directoryAudits");
        v1.MapGet("/auditLogs/directoryAudits/$count", Count).Requires(Permission.ReadAuditLogs);
        v1.MapGet("/auditLogs/directoryAudits/download", AuditDownloads.Download).Requires(Permission.ReadAuditLogs)
            .RequireRateLimiting(Throttling.Downloads);
        v1.MapGet("/auditLogs/directoryAudits/live", AuditLive.Stream).Requires(Permission.ReadAuditLogs)
            .RequireRateLimiting(Throttling.LiveStreams);
        v1.MapGet("/auditLogs/directoryAudits/insights", AuditInsights.Get).Requires(Permission.ReadAuditLogs);
        v1.MapGet("/auditLogs/directoryAudits/{id}", Get).Requires(Permission.ReadAuditLogs);
    }

    private static async Task<IResult> Count(HttpContext http, ILogStore logs)
    {
        var count = await logs.CountAsync(new LogQuery { TenantId = http.Audit().TenantId, Top = 1, Filter = ParseFilter(http.Request) }, http.RequestAborted);
        return Results.Text(count.ToString(CultureInfo.InvariantCulture), "text/plain");
    }

    /// <summary><c>$select=a,b</c>: the named properties, validated against the model; null when absent.</summary>
    private static HashSet<string>? ParseSelect(HttpRequest request)
    {
        var text = request.Query["$select"].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var name in names.Where(n => !Selectable.Contains(n)))
        {
            throw GraphException.BadRequest($"$select names '{name}', which is not a property of directoryAudit. Selectable: {string.Join(", ", Selectable.Order(StringComparer.Ordinal))}.");
        }
        return [.. names];
    }

    /// <summary>Copies the selected top-level properties of a stored entry, in their stored order and bytes.</summary>
    private static byte[] Project(byte[] json, HashSet<string> select)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(json.Length);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject().Where(p => select.Contains(p.Name)))
            {
                property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    internal static LogFilter? ParseFilter(HttpRequest request)
    {
        var text = request.Query["$filter"].ToString();
        try
        {
            return text.Length == 0 ? null : FilterParser.Parse(text, DirectoryAuditsLog.Definition);
        }
        catch (QueryException e)
        {
            throw GraphException.BadRequest(e.Message);
        }
    }

    private static async Task List(HttpContext http, ILogStore logs, KeyRing keys)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => !Supported.Contains(k, StringComparer.Ordinal)))
        {
            throw GraphException.BadRequest(key.StartsWith('$')
                ? $"Query option '{key}' is not supported on auditLogs/directoryAudits yet. Supported: {string.Join(", ", Supported)}."
                : $"Unknown query parameter '{key}'. Supported: {string.Join(", ", Supported)}.", "Request_UnsupportedQuery");
        }
        var top = DefaultTop;
        if (request.Query.TryGetValue("$top", out var topText)
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            throw GraphException.BadRequest($"Invalid value '{topText}' for $top: use a whole number from 1 to {MaxTop}.");
        }
        var descending = ParseDescending(request);
        var filter = ParseFilter(request);
        var withCount = request.Query["$count"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw GraphException.BadRequest($"$count must be true or false, not '{other}'."),
        };
        var fingerprint = Fingerprint(http.Audit().TenantId, descending, request.Query["$filter"].ToString());
        long? after = null;
        if (request.Query.TryGetValue("$skiptoken", out var token))
        {
            after = keys.SkipTokens.Decode(token.ToString(), fingerprint)
                ?? throw GraphException.BadRequest("The $skiptoken is invalid, was altered, or belongs to a different query. Follow @odata.nextLink exactly as returned.");
        }
        var query = new LogQuery { TenantId = http.Audit().TenantId, Top = top, Descending = descending, AfterSeq = after, Filter = filter };
        var page = await logs.QueryAsync(query, http.RequestAborted);
        long? count = withCount ? await logs.CountAsync(query, http.RequestAborted) : null;
        var next = page.HasMore ? DirectoryLists.NextLink(request, keys.SkipTokens.Encode(page.Entries[^1].Seq, fingerprint)) : null;
        var select = ParseSelect(request);
        await GraphResults.WriteRawCollectionAsync(http.Response, $"{GraphResults.MetadataUrl(request)}#auditLogs/directoryAudits", next,
            page.Entries.Select(e => select is null ? e.Json : Project(e.Json, select)), count);
    }

    /// <summary><c>$orderby</c>: newest first unless <c>activityDateTime asc</c>.</summary>
    internal static bool ParseDescending(HttpRequest request) => request.Query["$orderby"].ToString() switch
    {
        "" or "activityDateTime desc" => true,
        "activityDateTime asc" or "activityDateTime" => false,
        var other => throw GraphException.BadRequest($"$orderby '{other}' is not supported. Use 'activityDateTime desc' (default) or 'activityDateTime asc'."),
    };

    private static async Task Get(HttpContext http, ILogStore logs, string id)
    {
        var entry = await logs.GetAsync(http.Audit().TenantId, LogName.DirectoryAudits, id, http.RequestAborted)
            ?? throw GraphException.NotFound($"Audit entry '{id}' does not exist in this tenant.");
        http.Response.ContentType = "application/json; charset=utf-8";
        var prefix = Encoding.UTF8.GetBytes($"{{\"@odata.context\":\"{GraphResults.MetadataUrl(http.Request)}#auditLogs/directoryAudits/$entity\",");
        await http.Response.Body.WriteAsync(prefix, http.RequestAborted);
        await http.Response.Body.WriteAsync(entry.Json.AsMemory(1), http.RequestAborted);
    }

    /// <summary>What a skiptoken is bound to: the tenant and every option that shapes the result.</summary>
    internal static string Fingerprint(Guid tenantId, bool descending, string filter) =>
        $"directoryAudits|{tenantId}|{(descending ? "desc" : "asc")}|{filter}";
}
