using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Server.Graph;

/// <summary>Graph response envelopes: <c>@odata.context</c> first, then the resource or <c>value</c>.</summary>
internal static class GraphResults
{
    public static string MetadataUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/v1.0/$metadata";

    public static IResult Entity(HttpRequest request, string contextFragment, JsonObject resource, int status = 200)
    {
        var body = new JsonObject { ["@odata.context"] = $"{MetadataUrl(request)}#{contextFragment}/$entity" };
        foreach (var (key, value) in resource)
        {
            body[key] = value?.DeepClone();
        }
        return Results.Json(body, statusCode: status);
    }

    public static IResult Collection(HttpRequest request, string contextFragment, IEnumerable<JsonObject> items, string? nextLink = null, long? count = null)
    {
        var body = new JsonObject { ["@odata.context"] = $"{MetadataUrl(request)}#{contextFragment}" };
        if (count is not null)
        {
            body["@odata.count"] = count;
        }
        if (nextLink is not null)
        {
            body["@odata.nextLink"] = nextLink;
        }
        body["value"] = new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]);
        return Results.Json(body);
    }

    /// <summary>
    /// Writes a collection whose items are stored UTF-8 JSON, copied byte for byte into the response's pipe (pooled
    /// buffers, handed to the socket every 64 items), so a 1,000-entry page allocates no buffer of its own.
    /// </summary>
    public static async Task WriteRawCollectionAsync(HttpResponse response, string context, string? nextLink, IEnumerable<byte[]> items, long? count = null)
    {
        response.ContentType = "application/json; charset=utf-8";
        var ct = response.HttpContext.RequestAborted;
        await using var w = new Utf8JsonWriter(response.BodyWriter);
        w.WriteStartObject();
        w.WriteString("@odata.context", context);
        if (count is { } total)
        {
            w.WriteNumber("@odata.count", total);
        }
        if (nextLink is not null)
        {
            w.WriteString("@odata.nextLink", nextLink);
        }
        w.WriteStartArray("value");
        var written = 0;
        foreach (var item in items)
        {
            w.WriteRawValue(item, skipInputValidation: true);
            if (++written % 64 == 0)
            {
                w.Flush();
                await response.BodyWriter.FlushAsync(ct);
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        await response.BodyWriter.FlushAsync(ct);
    }
}
