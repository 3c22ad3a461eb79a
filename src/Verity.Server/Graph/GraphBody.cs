using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Server.Graph;

/// <summary>Reads a JSON request body strictly: JSON media type, size limit, well-formed, an object.</summary>
internal static class GraphBody
{
    /// <summary>Bodies larger than this are refused with 413 before they are read.</summary>
    public const int MaxBytes = 1 << 20;

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentLength is 0 || request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            throw GraphException.BadRequest("A request body is required: a JSON object.", "Request_BadRequest");
        }
        if (!request.HasJsonContentType())
        {
            throw new GraphException(415, "UnsupportedMediaType", "The request body must be JSON: set Content-Type to application/json.");
        }
        if (request.ContentLength > MaxBytes)
        {
            throw new GraphException(413, "RequestEntityTooLarge", $"The request body is larger than the limit of {MaxBytes} bytes.");
        }
        JsonNode? node;
        try
        {
            using var limited = new MemoryStream();
            await CopyLimitedAsync(request.Body, limited, request.HttpContext.RequestAborted);
            limited.Position = 0;
            node = await JsonNode.ParseAsync(limited, documentOptions: new JsonDocumentOptions { MaxDepth = 32 },
                cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            throw GraphException.BadRequest($"Unable to read JSON request payload: {e.Message.Split(" Path:")[0]} Please ensure the payload is valid JSON.");
        }
        var body = node as JsonObject ?? throw GraphException.BadRequest("The request body must be a JSON object.");
        Check(body);
        return body;
    }

    /// <summary>
    /// Walks the whole body once: JsonNode builds objects lazily and throws on a duplicate key only when first
    /// touched, and a NUL character cannot be stored in PostgreSQL text. Both are the client's error.
    /// </summary>
    private static void Check(JsonNode? node)
    {
        try
        {
            Walk(node);
        }
        catch (ArgumentException)
        {
            throw GraphException.BadRequest("The request body repeats a property name within one object; send each property once.");
        }
    }

    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    RefuseNul(key);
                    Walk(value);
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Walk(item);
                }
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                RefuseNul(text);
                break;
        }
    }

    private static void RefuseNul(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw GraphException.BadRequest("Strings in the request body may not contain the NUL character (\\u0000).");
        }
    }

    private static async Task CopyLimitedAsync(Stream source, Stream target, CancellationToken ct)
    {
        var buffer = new byte[16384];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > MaxBytes)
            {
                throw new GraphException(413, "RequestEntityTooLarge", $"The request body is larger than the limit of {MaxBytes} bytes.");
            }
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }
}
