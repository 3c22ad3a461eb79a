using Verity.Core.Model;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.AuditLogs;

/// <summary>
/// Everything an audit entry needs from the request that caused it: the initiator, the correlation id (the
/// client's <c>client-request-id</c>, else a new one), the User-Agent and the clock.
/// </summary>
internal sealed class AuditScope(Caller caller, string? clientRequestId, string? userAgent, TimeProvider time)
{
    public Caller Caller { get; } = caller;
    public Guid TenantId => Caller.TenantId;
    // Generated ids are time-ordered (UUIDv7), so the correlation index grows at its end instead of at a random page.
    public string CorrelationId { get; } = IsUsable(clientRequestId) ? clientRequestId! : RequestIds.NewVersion7(time.GetUtcNow()).ToString();

    /// <summary>The targets named in a failure entry when the request is refused; set by handlers once they know them.</summary>
    public IReadOnlyList<TargetResource>? Targets { get; set; }

    public DateTimeOffset Now()
    {
        // Microsecond precision: what PostgreSQL's timestamptz keeps, so the promoted column and the JSON agree.
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
    }

    public DirectoryAudit Entry(Activity activity, IReadOnlyList<TargetResource> targets, AuditResult result = AuditResult.Success, string reason = "") => new()
    {
        Id = $"Directory_{CorrelationId}_{RequestIds.AuditSuffix()}_{AuditIds.Next(time)}",
        Category = activity.Category,
        CorrelationId = CorrelationId,
        Result = result,
        ResultReason = reason,
        ActivityDisplayName = activity.DisplayName,
        ActivityDateTime = Now(),
        LoggedByService = activity.Service,
        OperationType = activity.OperationType,
        InitiatedBy = Caller.ToInitiator(),
        TargetResources = targets,
        AdditionalDetails = userAgent is { Length: > 0 } ua ? [new KeyValue("User-Agent", ua.Length > 512 ? ua[..512] : ua)] : [],
    };

    private static bool IsUsable(string? id) => id is { Length: > 0 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>
/// The integer that ends an audit id (Entra's ids end in one): microseconds since 1970, made strictly increasing
/// in this process. Stores index this key rather than the whole id, so the index grows at its end.
/// </summary>
internal static class AuditIds
{
    private static long _last;

    public static long Next(TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
