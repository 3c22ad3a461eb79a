using System.Buffers;
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
        var (buffer, length) = await ReadLimitedAsync(request.Body, request.ContentLength, request.HttpContext.RequestAborted);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.AsSpan(0, length), documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw GraphException.BadRequest($"Unable to read JSON request payload: {e.Message.Split(" Path:")[0]} Please ensure the payload is valid JSON.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var body = node as JsonObject ?? throw GraphException.BadRequest("The request body must be a JSON object.");
        Check(body);
        return body;
    }

    /// <summary>
    /// Walks the whole body once, reading every name and string: JsonNode builds objects lazily and throws on a
    /// duplicate key only when first touched, and transcodes a string only when it is read, which is when invalid
    /// UTF-8 or an escaped lone surrogate (<c>"\ud800"</c>) shows. A NUL character cannot be stored in PostgreSQL
    /// text. All of these are the client's error, found here before any handler reads the body.
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
        catch (InvalidOperationException)
        {
            throw GraphException.BadRequest("The request body is not valid UTF-8 text, or a string in it holds an unpaired surrogate escape (such as \\ud800). Send JSON encoded as UTF-8.");
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

    /// <summary>
    /// The whole body in a pooled buffer (the caller returns it), sized by Content-Length when there is one; more than
    /// <see cref="MaxBytes"/> is refused with 413 as soon as it is seen.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadLimitedAsync(Stream source, long? contentLength, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(contentLength is long n ? (int)n + 1 : 4096);
        var length = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            {
                length += read;
                if (length > MaxBytes)
                {
                    throw new GraphException(413, "RequestEntityTooLarge", $"The request body is larger than the limit of {MaxBytes} bytes.");
                }
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
