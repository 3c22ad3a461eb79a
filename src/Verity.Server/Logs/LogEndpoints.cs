using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;
using Verity.Server.Graph;

namespace Verity.Server.Logs;

/// <summary>
/// <c>GET /v1.0/auditLogs/{log}</c> and <c>/{id}</c> in Graph's envelope, for every log (<see cref="LogApi"/>), with
/// its <c>$count</c>, download and live feed. Entries are served as the exact bytes stored at commit. Newest first by
/// commit order; <c>$top</c> 1–1000 (default 100); keyset <c>$skiptoken</c>.
/// </summary>
internal static class LogEndpoints
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;
    private static readonly string[] Supported = ["$top", "$skiptoken", "$orderby", "$filter", "$count", "$select"];

    /// <summary>Maps every log's endpoints on a version's route group (v1.0 and beta serve the same logs).</summary>
    public static void MapLogs(this RouteGroupBuilder version)
    {
        foreach (var api in LogApi.All)
        {
            version.MapGet(api.Route, (HttpContext http, ILogStore logs, KeyRing keys) => List(http, logs, keys, api)).Requires(api.Read);
            version.MapGet($"{api.Route}/$count", (HttpContext http, ILogStore logs) => Count(http, logs, api)).Requires(api.Read);
            version.MapGet($"{api.Route}/download", (HttpContext http, ILogStore logs, KeyRing keys, IOptions<DownloadOptions> options, TimeProvider time) =>
                LogDownloads.Download(http, logs, keys, options, time, api)).Requires(api.Read).RequireRateLimiting(Throttling.Downloads);
            version.MapGet($"{api.Route}/live", (HttpContext http, ILogStore logs, LogSignal signal, KeyRing keys) => LogLive.Stream(http, logs, signal, keys, api))
                .Requires(api.Read).RequireRateLimiting(Throttling.LiveStreams);
            version.MapGet($"{api.Route}/insights", (HttpContext http, ILogStore logs, TimeProvider time) => LogInsights.Get(http, logs, time, api)).Requires(api.Read);
            version.MapGet($"{api.Route}/{{id}}", (HttpContext http, ILogStore logs, string id) => Get(http, logs, id, api)).Requires(api.Read);
        }
    }

    private static async Task<IResult> Count(HttpContext http, ILogStore logs, LogApi api)
    {
        var query = new LogQuery { Log = api.Log.Name, TenantId = http.Audit().TenantId, Top = 1, Filter = ParseFilter(http.Request, api) };
        var count = await logs.CountAsync(query, http.RequestAborted);
        return Results.Text(count.ToString(CultureInfo.InvariantCulture), "text/plain");
    }

    private static readonly Dictionary<LogName, HashSet<string>> s_selectable = LogApi.All.ToDictionary(a => a.Log.Name,
        a => Microsoft.OData.Edm.ExtensionMethods.StructuralProperties(GraphModel.Entity(a.Log)).Select(p => p.Name).ToHashSet());

    /// <summary><c>$select=a,b</c>: the named properties, validated against the model; null when absent.</summary>
    private static HashSet<string>? ParseSelect(HttpRequest request, LogApi api)
    {
        var text = request.Query["$select"].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        var selectable = s_selectable[api.Log.Name];
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var name in names.Where(n => !selectable.Contains(n)))
        {
            throw GraphException.BadRequest($"$select names '{name}', which is not a property of {api.Log.EntityType}. Selectable: {string.Join(", ", selectable.Order(StringComparer.Ordinal))}.");
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

    /// <summary>The request's <c>$filter</c> within what the log lists when the filter does not say (<see cref="LogApi.Scope"/>).</summary>
    internal static LogFilter? ParseFilter(HttpRequest request, LogApi api)
    {
        var text = request.Query["$filter"].ToString();
        try
        {
            return api.Scope(text.Length == 0 ? null : FilterParser.Parse(text, api.Log));
        }
        catch (QueryException e)
        {
            throw GraphException.BadRequest(e.Message);
        }
    }

    private static async Task List(HttpContext http, ILogStore logs, KeyRing keys, LogApi api)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => !Supported.Contains(k, StringComparer.Ordinal)))
        {
            throw GraphException.BadRequest(key.StartsWith('$')
                ? $"Query option '{key}' is not supported on auditLogs/{api.Log.EntitySet} yet. Supported: {string.Join(", ", Supported)}."
                : $"Unknown query parameter '{key}'. Supported: {string.Join(", ", Supported)}.", "Request_UnsupportedQuery");
        }
        var top = DefaultTop;
        if (request.Query.TryGetValue("$top", out var topText)
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            throw GraphException.BadRequest($"Invalid value '{topText}' for $top: use a whole number from 1 to {MaxTop}.");
        }
        var descending = ParseDescending(request, api);
        var filter = ParseFilter(request, api);
        var withCount = request.Query["$count"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw GraphException.BadRequest($"$count must be true or false, not '{other}'."),
        };
        var fingerprint = Fingerprint(api, http.Audit().TenantId, descending, request.Query["$filter"].ToString());
        long? after = null;
        if (request.Query.TryGetValue("$skiptoken", out var token))
        {
            after = keys.SkipTokens.Decode(token.ToString(), fingerprint)
                ?? throw GraphException.BadRequest("The $skiptoken is invalid, was altered, or belongs to a different query. Follow @odata.nextLink exactly as returned.");
        }
        var query = new LogQuery { Log = api.Log.Name, TenantId = http.Audit().TenantId, Top = top, Descending = descending, AfterSeq = after, Filter = filter };
        var page = await logs.QueryAsync(query, http.RequestAborted);
        long? count = withCount ? await logs.CountAsync(query, http.RequestAborted) : null;
        var next = page.HasMore ? DirectoryLists.NextLink(request, keys.SkipTokens.Encode(page.Entries[^1].Seq, fingerprint)) : null;
        var select = ParseSelect(request, api);
        await GraphResults.WriteRawCollectionAsync(http.Response, $"{GraphResults.MetadataUrl(request)}#auditLogs/{api.Log.EntitySet}", next,
            page.Entries.Select(e => select is null ? e.Json : Project(e.Json, select)), count);
    }

    /// <summary><c>$orderby</c>: newest first unless <c>{time} asc</c> (the log's time property: activityDateTime, createdDateTime).</summary>
    internal static bool ParseDescending(HttpRequest request, LogApi api)
    {
        var time = api.Log.Time.Path;
        var text = request.Query["$orderby"].ToString();
        return text == "" || text == $"{time} desc" ? true
            : text == $"{time} asc" || text == time ? false
            : throw GraphException.BadRequest($"$orderby '{text}' is not supported. Use '{time} desc' (default) or '{time} asc'.");
    }

    private static async Task Get(HttpContext http, ILogStore logs, string id, LogApi api)
    {
        var entry = await logs.GetAsync(http.Audit().TenantId, api.Log.Name, id, http.RequestAborted)
            ?? throw GraphException.NotFound($"{api.Noun} '{id}' does not exist in this tenant.");
        http.Response.ContentType = "application/json; charset=utf-8";
        var prefix = Encoding.UTF8.GetBytes($"{{\"@odata.context\":\"{GraphResults.MetadataUrl(http.Request)}#auditLogs/{api.Log.EntitySet}/$entity\",");
        await http.Response.Body.WriteAsync(prefix, http.RequestAborted);
        await http.Response.Body.WriteAsync(entry.Json.AsMemory(1), http.RequestAborted);
    }

    /// <summary>What a skiptoken is bound to: the tenant and every option that shapes the result.</summary>
    internal static string Fingerprint(LogApi api, Guid tenantId, bool descending, string filter) =>
        $"{api.Log.EntitySet}|{tenantId}|{(descending ? "desc" : "asc")}|{filter}";
}
