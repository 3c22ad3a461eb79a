using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Lists of directory objects: <c>$top</c> (1–999, default 100) and an opaque <c>$skiptoken</c>.</summary>
internal static class DirectoryLists
{
    public const int DefaultTop = 100;
    public const int MaxTop = 999;

    public static async Task<IResult> ListAsync(HttpContext http, IDirectoryStore store, ObjectSchema schema, Func<StoredObject, JsonObject>? project = null)
    {
        var (top, after) = ReadPaging(http.Request);
        var items = await store.ListObjectsAsync(http.Audit().TenantId, schema.Kind, after, top + 1, http.RequestAborted);
        var page = items.Take(top).ToList();
        var next = items.Count > top ? NextLink(http.Request, DirectoryKit.EncodeSkipToken(page[^1].Id)) : null;
        return GraphResults.Collection(http.Request, schema.EntitySet, page.Select(o => project?.Invoke(o) ?? o.Data), next);
    }

    public static (int Top, string? After) ReadPaging(HttpRequest request)
    {
        foreach (var key in request.Query.Keys.Where(k => k.StartsWith('$') && k is not "$top" and not "$skiptoken"))
        {
            throw GraphException.BadRequest($"Query option '{key}' is not supported on {request.Path}. Supported: $top, $skiptoken.", "Request_UnsupportedQuery");
        }
        var top = DefaultTop;
        if (request.Query.TryGetValue("$top", out var topText)
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            throw GraphException.BadRequest($"Invalid value '{topText}' for $top: use a whole number from 1 to {MaxTop}.");
        }
        return (top, DirectoryKit.DecodeSkipToken(request.Query["$skiptoken"]));
    }

    public static string NextLink(HttpRequest request, string skipToken)
    {
        var query = request.Query.Where(q => q.Key != "$skiptoken").ToDictionary(q => q.Key, q => (string?)q.Value.ToString());
        query["$skiptoken"] = skipToken;
        return QueryHelpers.AddQueryString(UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path), query);
    }
}
