using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>
/// Lists of directory objects with Graph's list options: <c>$top</c> (1–999, default 100) and an opaque keyset
/// <c>$skiptoken</c> everywhere; on users, groups, applications and servicePrincipals also <c>$filter</c>,
/// <c>$orderby</c>, <c>$select</c>, <c>$search</c> and <c>$count</c>, with Graph's advanced-query rules
/// (aad-advanced-queries): <c>$search</c> and <c>/$count</c> need <c>ConsistencyLevel: eventual</c>; ne, not,
/// endsWith, null comparisons, some properties and sorts, and <c>$filter</c> with <c>$orderby</c> need that header
/// and <c>$count=true</c>; <c>$count=true</c> without the header is ignored, as Graph does.
/// </summary>
internal static class DirectoryLists
{
    public const int DefaultTop = 100;
    public const int MaxTop = 999;
    private static readonly string[] Paging = ["$top", "$skiptoken"];
    private static readonly string[] Options = ["$top", "$skiptoken", "$filter", "$orderby", "$select", "$search", "$count"];
    private const string AdvancedHelp = "is not supported because the required parameters might be missing. Try adding $count=true query parameter "
        + "and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information.";

    public static async Task<IResult> ListAsync(HttpContext http, IDirectoryStore store, ObjectSchema schema)
    {
        var request = http.Request;
        var type = DirectoryFields.For(schema.Kind);
        var supported = type is null ? Paging : Options;
        foreach (var key in request.Query.Keys.Where(k => k.StartsWith('$') && !supported.Contains(k, StringComparer.Ordinal)))
        {
            throw GraphException.BadRequest($"Query option '{key}' is not supported on {request.Path}. Supported: {string.Join(", ", supported)}.", "Request_UnsupportedQuery");
        }
        var top = ReadTop(request);
        var eventual = IsEventual(request);
        var count = request.Query["$count"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw GraphException.BadRequest($"$count must be true or false, not '{other}'."),
        };
        var (query, advanced) = type is null ? (new ObjectQuery { TenantId = http.Audit().TenantId, Kind = schema.Kind }, null) : Parse(http, type);
        if (advanced is not null && !(eventual && count))
        {
            throw GraphException.BadRequest($"{advanced} {AdvancedHelp}", "Request_UnsupportedQuery");
        }
        var select = ReadSelect(request, schema);
        var orderSpec = request.Query["$orderby"].ToString();
        query = query with { Top = top, After = DecodeSkipToken(request.Query["$skiptoken"], orderSpec) };

        var page = await store.QueryObjectsAsync(query, http.RequestAborted);
        // Graph counts only in advanced queries and silently leaves @odata.count out otherwise.
        long? total = count && eventual ? await store.CountObjectsAsync(query, http.RequestAborted) : null;
        var next = page.Next is { } cursor ? NextLink(request, EncodeSkipToken(cursor, orderSpec)) : null;
        var context = select is null ? schema.EntitySet : $"{schema.EntitySet}({string.Join(',', select)})";
        return GraphResults.Collection(request, context, page.Objects.Select(o => Project(o.Data, select)), next, total);
    }

    /// <summary><c>GET /{collection}/$count</c>: the number of matching objects as text; Graph requires <c>ConsistencyLevel: eventual</c>.</summary>
    public static async Task<IResult> CountAsync(HttpContext http, IDirectoryStore store, ObjectSchema schema)
    {
        var request = http.Request;
        if (!IsEventual(request))
        {
            throw GraphException.BadRequest("$count is not currently supported. Counting directory objects needs the header 'ConsistencyLevel: eventual'.", "Request_BadRequest");
        }
        foreach (var key in request.Query.Keys.Where(k => k.StartsWith('$') && k is not "$filter" and not "$search"))
        {
            throw GraphException.BadRequest($"Query option '{key}' is not supported on {request.Path}. Supported: $filter, $search.", "Request_UnsupportedQuery");
        }
        var (query, _) = Parse(http, DirectoryFields.For(schema.Kind)!);
        var count = await store.CountObjectsAsync(query, http.RequestAborted);
        return Results.Text(count.ToString(CultureInfo.InvariantCulture), "text/plain");
    }

    /// <summary>$filter, $search and $orderby as an <see cref="ObjectQuery"/>, and the first part that needs an advanced query.</summary>
    private static (ObjectQuery Query, string? Advanced) Parse(HttpContext http, DirectoryType type)
    {
        var request = http.Request;
        var query = new ObjectQuery { TenantId = http.Audit().TenantId, Kind = type.Kind };
        string? advanced = null;
        try
        {
            if (request.Query.ContainsKey("$filter"))
            {
                var filter = DirectoryQueryParser.ParseFilter(type, request.Query["$filter"].ToString());
                (query, advanced) = (query with { Filter = filter.Value }, filter.Advanced);
            }
            if (request.Query.ContainsKey("$search"))
            {
                if (!IsEventual(request))
                {
                    throw GraphException.BadRequest("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'.",
                        "Request_UnsupportedQuery");
                }
                var search = DirectoryQueryParser.ParseSearch(type, request.Query["$search"].ToString());
                query = query with { Filter = query.Filter is null ? search : new ObjectAnd(query.Filter, search) };
            }
            if (request.Query.ContainsKey("$orderby"))
            {
                var order = DirectoryQueryParser.ParseOrderBy(type, request.Query["$orderby"].ToString());
                query = query with { OrderBy = order.Value.Property, Descending = order.Value.Descending };
                advanced ??= order.Advanced ?? (request.Query.ContainsKey("$filter") ? "Sorting with $orderby and $filter in the same query" : null);
            }
        }
        catch (QueryException e)
        {
            throw GraphException.BadRequest(e.Message, "Request_UnsupportedQuery");
        }
        return (query, advanced);
    }

    private static bool IsEventual(HttpRequest request) =>
        string.Equals(request.Headers["ConsistencyLevel"].ToString(), "eventual", StringComparison.OrdinalIgnoreCase);

    private static int ReadTop(HttpRequest request)
    {
        var top = DefaultTop;
        if (request.Query.TryGetValue("$top", out var topText)
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            throw GraphException.BadRequest($"Invalid value '{topText}' for $top: use a whole number from 1 to {MaxTop}.");
        }
        return top;
    }

    /// <summary><c>$select=a,b</c>: the named properties (a resource's stored properties), in the order given; null when absent.</summary>
    private static List<string>? ReadSelect(HttpRequest request, ObjectSchema schema)
    {
        if (!request.Query.TryGetValue("$select", out var text))
        {
            return null;
        }
        var selectable = schema.Props.Where(p => !p.Flags.HasFlag(PropFlags.WriteOnly)).Select(p => p.Name).ToList();
        var names = new List<string>();
        foreach (var name in text.ToString().Split(',', StringSplitOptions.TrimEntries))
        {
            var prop = selectable.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase))
                ?? throw GraphException.BadRequest($"Parsing OData Select and Expand failed: Could not find a property named '{name}' on type '{schema.GraphType}'. "
                    + $"Selectable: {string.Join(", ", selectable)}.", "Request_BadRequest");
            if (!names.Contains(prop))
            {
                names.Add(prop);
            }
        }
        return names;
    }

    private static JsonObject Project(JsonObject data, List<string>? select)
    {
        if (select is null)
        {
            return data;
        }
        var projected = new JsonObject();
        foreach (var name in select)
        {
            projected[name] = data[name]?.DeepClone();
        }
        return projected;
    }

    /// <summary>An opaque keyset token: the sort it belongs to, the last sort key and id, as base64url JSON.</summary>
    private static string EncodeSkipToken(ObjectCursor cursor, string orderSpec) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonArray(orderSpec, cursor.Key, cursor.Id).ToJsonString()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ObjectCursor? DecodeSkipToken(string? token, string orderSpec)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        JsonNode? parts = null;
        try
        {
            parts = JsonNode.Parse(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/').PadRight((token.Length + 3) / 4 * 4, '=')));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
        }
        return parts is JsonArray { Count: 3 } array && array[0] is JsonValue order && order.TryGetValue<string>(out var spec) && spec == orderSpec
            && (array[1] is null || array[1] is JsonValue k && k.TryGetValue<string>(out _))
            && array[2] is JsonValue i && i.TryGetValue<string>(out var id) && id.Length is > 0 and <= 64
            ? new ObjectCursor((string?)array[1], id)
            : throw GraphException.BadRequest("The $skiptoken is not valid for this query. Use the @odata.nextLink of the previous page as it is.");
    }

    public static string NextLink(HttpRequest request, string skipToken)
    {
        var query = request.Query.Where(q => q.Key != "$skiptoken").ToDictionary(q => q.Key, q => (string?)q.Value.ToString());
        query["$skiptoken"] = skipToken;
        return QueryHelpers.AddQueryString(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path), query);
    }
}
