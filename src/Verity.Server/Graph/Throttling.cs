using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;
using Verity.Server.Auth;

namespace Verity.Server.Graph;

/// <summary>
/// Overload is answered, not queued: limits past which a <c>/v1.0</c> request gets Graph's 429 with <c>Retry-After</c>.
/// The defaults sit above what two cores can serve, so they only bite when an operator lowers them.
/// </summary>
internal sealed class ThrottlingOptions
{
    public const string Section = "Verity:Throttling";

    /// <summary>Directory changes waiting for the group-commit writer, at most; one more is refused.</summary>
    [Range(1, 1_000_000)]
    public int WriteQueueCapacity { get; set; } = ChangeWriter.DefaultCapacity;

    /// <summary>The window the request limits count in, in seconds (Graph's identity and access reports: 10).</summary>
    [Range(1, 3_600)]
    public int WindowSeconds { get; set; } = 10;

    /// <summary>Requests one application (token <c>appid</c>) may make in one tenant per window.</summary>
    [Range(1, int.MaxValue)]
    public int RequestsPerAppPerTenant { get; set; } = 300_000;

    /// <summary>Requests all callers together may make in one tenant per window.</summary>
    [Range(1, int.MaxValue)]
    public int RequestsPerTenant { get; set; } = 600_000;

    /// <summary>
    /// Requests being served at once, server-wide; one more is refused before its token or body is read, so an
    /// overload's backlog waits in the clients, not in this server's memory. Live feeds do not count (they have their cap).
    /// </summary>
    [Range(1, 1_000_000)]
    public int RequestsInFlight { get; set; } = 1_024;

    /// <summary>Live feeds (<c>directoryAudits/live</c>) open at once in one tenant.</summary>
    [Range(1, 100_000)]
    public int LiveStreamsPerTenant { get; set; } = 50;

    /// <summary>Downloads (<c>directoryAudits/download</c>) running at once in one tenant.</summary>
    [Range(1, 100_000)]
    public int DownloadsPerTenant { get; set; } = 5;
}

/// <summary>
/// Graph's throttling (reference §10): HTTP 429, error code <c>TooManyRequests</c>, and <c>Retry-After</c> in seconds.
/// Request counts are ASP.NET Core's fixed-window limiters, chained per (tenant, app) and per tenant; live feeds and
/// downloads hold a per-tenant concurrency slot for as long as their response runs, client disconnects included.
/// </summary>
internal static class Throttling
{
    public const string LiveStreams = "live-streams";
    public const string Downloads = "downloads";

    /// <summary>
    /// A full write queue drains in well under a second at the rates Verity commits; an open stream slot frees
    /// only when another stream ends, so its clients wait longer.
    /// </summary>
    private const int WriteRetryAfterSeconds = 1;
    private const int StreamRetryAfterSeconds = 10;

    public static IServiceCollection AddGraphThrottling(this IServiceCollection services)
    {
        services.AddOptions<ThrottlingOptions>().BindConfiguration(ThrottlingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddSingleton<RequestsInFlight>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ThrottlingOptions>>((limiter, throttling) =>
        {
            var o = throttling.Value;
            var window = TimeSpan.FromSeconds(o.WindowSeconds);
            FixedWindowRateLimiterOptions Window(int permits) => new() { PermitLimit = permits, Window = window, QueueLimit = 0 };
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, (string, string)>(http => GraphCaller(http) is var (tenant, app)
                    ? RateLimitPartition.GetFixedWindowLimiter((tenant, app), _ => Window(o.RequestsPerAppPerTenant))
                    : RateLimitPartition.GetNoLimiter(("", ""))),
                PartitionedRateLimiter.Create<HttpContext, string>(http => GraphCaller(http) is var (tenant, _)
                    ? RateLimitPartition.GetFixedWindowLimiter(tenant, _ => Window(o.RequestsPerTenant))
                    : RateLimitPartition.GetNoLimiter("")));
            limiter.AddPolicy(LiveStreams, http => Slots(http, o.LiveStreamsPerTenant));
            limiter.AddPolicy(Downloads, http => Slots(http, o.DownloadsPerTenant));
            limiter.OnRejected = (context, _) => new ValueTask(RejectAsync(context.HttpContext, context.Lease, o));
        });
        return services;
    }

    /// <summary>After authentication: the limits are keyed by the caller's token.</summary>
    public static WebApplication UseGraphThrottling(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Graph's 429 for a request over one of the limits, with the seconds to wait.</summary>
    public static Task TooManyRequestsAsync(HttpContext http, int retryAfterSeconds, string message)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, retryAfterSeconds).ToString(CultureInfo.InvariantCulture);
        return GraphErrorHandler.WriteAsync(http, StatusCodes.Status429TooManyRequests, "TooManyRequests", message);
    }

    /// <summary>Graph's 429 for a change the write queue has no room for (<see cref="ChangeQueueFullException"/>).</summary>
    public static Task WriteQueueFullAsync(HttpContext http) =>
        TooManyRequestsAsync(http, WriteRetryAfterSeconds,
            "Too many directory changes are waiting to be committed. Please retry after the number of seconds in Retry-After.");

    /// <summary>Tenant and app id of a signed-in caller of a Graph endpoint; null for any other request.</summary>
    private static (string Tenant, string App)? GraphCaller(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<RequiresPermission>() is not null && http.User.FindFirstValue("tid") is { } tenant
            ? (tenant, http.User.FindFirstValue("appid") ?? "")
            : null;

    private static RateLimitPartition<string> Slots(HttpContext http, int perTenant) => GraphCaller(http) is var (tenant, _)
        ? RateLimitPartition.GetConcurrencyLimiter(tenant, _ => new ConcurrencyLimiterOptions { PermitLimit = perTenant, QueueLimit = 0 })
        : RateLimitPartition.GetNoLimiter("");

    private static Task RejectAsync(HttpContext http, RateLimitLease lease, ThrottlingOptions o)
    {
        // Only the fixed windows know when a permit comes back; a concurrency slot frees when a stream ends.
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
        {
            return TooManyRequestsAsync(http, (int)Math.Ceiling(wait.TotalSeconds),
                $"Too many requests: an application may make {o.RequestsPerAppPerTenant} requests per {o.WindowSeconds} seconds in a tenant, " +
                $"and a tenant {o.RequestsPerTenant}. Please retry after the number of seconds in Retry-After.");
        }
        var (what, limit) = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == LiveStreams
            ? ("live feeds are open", o.LiveStreamsPerTenant)
            : ("downloads are running", o.DownloadsPerTenant);
        return TooManyRequestsAsync(http, StreamRetryAfterSeconds,
            $"Too many {what} in this tenant: at most {limit} at once. Close one, or retry after the number of seconds in Retry-After.");
    }

}

/// <summary>
/// The first gate, ahead of authentication (<see cref="ThrottlingOptions.RequestsInFlight"/>): requests being served at
/// once, counted server-wide. Live feeds are left out: they last for minutes and have a cap of their own.
/// </summary>
internal sealed class RequestsInFlight(IOptions<ThrottlingOptions> options)
{
    private long _count;

    /// <summary>Requests being served now.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>False, with Graph's 429 written, when the limit is reached; a true answer is paired with <see cref="Leave"/>.</summary>
    public async ValueTask<bool> TryEnterAsync(HttpContext http)
    {
        if (IsLiveFeed(http))
        {
            return true;
        }
        var limit = options.Value.RequestsInFlight;
        if (Interlocked.Increment(ref _count) <= limit)
        {
            return true;
        }
        Interlocked.Decrement(ref _count);
        await Throttling.TooManyRequestsAsync(http, 1,
            $"The server is serving {limit} requests at once, its limit. Please retry after the number of seconds in Retry-After.");
        return false;
    }

    public void Leave(HttpContext http)
    {
        if (!IsLiveFeed(http))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private static bool IsLiveFeed(HttpContext http) => http.Request.Path.Value?.EndsWith("/live", StringComparison.Ordinal) == true;
}
