using System.Text;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.Logs;

/// <summary>
/// <c>GET /v1.0/auditLogs/{log}/live?$filter=…</c>: new matching entries as server-sent events, from the
/// moment of connection. Each event is <c>event: entry</c>, <c>id: &lt;cursor&gt;</c> and <c>data: &lt;the entry as the
/// list serves it&gt;</c>. Entries are read back from the store in commit order after the last one sent, so nothing is
/// skipped or repeated; a reconnecting EventSource sends <c>Last-Event-ID</c> and resumes after it. Commits of this
/// server wake the stream at once; commits of other servers on the same database are found by a poll.
/// </summary>
internal static class LogLive
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task Stream(HttpContext http, ILogStore logs, LogSignal signal, KeyRing keys, LogApi api)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => k != "$filter"))
        {
            throw GraphException.BadRequest($"Unknown query parameter '{key}' for the live feed. Supported: $filter.", "Request_UnsupportedQuery");
        }
        var filter = LogEndpoints.ParseFilter(request, api);
        var tenant = http.Audit().TenantId;
        var fingerprint = "live|" + LogEndpoints.Fingerprint(api, tenant, descending: false, request.Query["$filter"].ToString());
        long last;
        if (request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastEventId)
        {
            last = keys.SkipTokens.Decode(lastEventId, fingerprint)
                ?? throw GraphException.BadRequest("Last-Event-ID is not a cursor of this feed: reconnect without it to start from now.");
        }
        else
        {
            var newest = await logs.QueryAsync(new LogQuery { Log = api.Log.Name, TenantId = tenant, Top = 1 }, http.RequestAborted);
            last = newest.Entries.Count > 0 ? newest.Entries[0].Seq : 0;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
        var body = http.Response.Body;
        var ct = http.RequestAborted;
        try
        {
            await body.WriteAsync("retry: 2000\n\n"u8.ToArray(), ct);
            await body.FlushAsync(ct);
            var quietSince = TimeProvider.System.GetTimestamp();
            while (!ct.IsCancellationRequested)
            {
                var woken = signal.Next(tenant); // taken before the read, so a commit in between is not missed
                var page = await logs.QueryAsync(new LogQuery { Log = api.Log.Name, TenantId = tenant, Top = 100, Descending = false, AfterSeq = last, Filter = filter }, ct);
                foreach (var entry in page.Entries)
                {
                    last = entry.Seq;
                    await body.WriteAsync(Encoding.UTF8.GetBytes($"event: entry\nid: {keys.SkipTokens.Encode(last, fingerprint)}\ndata: "), ct);
                    await body.WriteAsync(entry.Json, ct);
                    await body.WriteAsync("\n\n"u8.ToArray(), ct);
                }
                if (page.Entries.Count > 0)
                {
                    await body.FlushAsync(ct);
                    quietSince = TimeProvider.System.GetTimestamp();
                }
                if (page.HasMore)
                {
                    continue;
                }
                if (TimeProvider.System.GetElapsedTime(quietSince) >= KeepAlive)
                {
                    await body.WriteAsync(": keep-alive\n\n"u8.ToArray(), ct);
                    await body.FlushAsync(ct);
                    quietSince = TimeProvider.System.GetTimestamp();
                }
                await Task.WhenAny(woken, Task.Delay(Poll, ct));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && ct.IsCancellationRequested)
        {
            // The client went away: the normal end of a live feed.
        }
    }
}
