using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Verity.Server.Graph;

/// <summary>
/// Limits on a request's address and headers, answered in Graph's error shape. Kestrel refuses a request line or
/// header block over its own limits with an empty 414 or 431 that no middleware sees, so Kestrel's limits are set
/// well above these and Verity refuses first, with a body that says which limit was crossed. Only a request beyond
/// Kestrel's limits (<see cref="KestrelCeiling"/>) still gets Kestrel's empty answer.
/// </summary>
internal static class RequestLimits
{
    public const int MaxUrlLength = 32 * 1024;
    public const int MaxHeaderBytes = 64 * 1024;
    public const int MaxHeaderCount = 200;
    public const int KestrelCeiling = 256 * 1024;

    public static void Configure(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = KestrelCeiling;
        limits.MaxRequestHeadersTotalSize = KestrelCeiling;
        limits.MaxRequestHeaderCount = 4 * MaxHeaderCount;
        limits.MaxRequestBufferSize = 2 * KestrelCeiling;
        limits.Http2.MaxRequestHeaderFieldSize = KestrelCeiling;
    }

    /// <summary>Null when the request is within limits; else the status, code and message to answer with.</summary>
    public static (int Status, string Code, string Message)? Check(HttpRequest request)
    {
        var url = (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);
        if (url > MaxUrlLength)
        {
            return (414, "Request_UriTooLong",
                $"The request URL is {url} characters long; the limit is {MaxUrlLength}. Shorten $filter, or download with fewer conditions per request.");
        }
        if (request.Headers.Count > MaxHeaderCount)
        {
            return (431, "Request_HeaderFieldsTooLarge", $"The request has {request.Headers.Count} header fields; the limit is {MaxHeaderCount}.");
        }
        var bytes = 0L;
        foreach (var (name, values) in request.Headers)
        {
            bytes += name.Length;
            foreach (var value in values)
            {
                bytes += value?.Length ?? 0;
            }
        }
        return bytes > MaxHeaderBytes
            ? (431, "Request_HeaderFieldsTooLarge", $"The request headers add up to {bytes} bytes; the limit is {MaxHeaderBytes}.")
            : null;
    }
}
