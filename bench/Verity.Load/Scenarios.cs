using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Verity.Load;

/// <summary>Audited directory changes through HTTP: each successful request is one change plus its audit entry, committed.</summary>
internal static class Scenarios
{
    public static Task<string> CreateGroupsAsync(ApiClient api, int serverPid, string engine, LoadOptions options) =>
        RunAsync(api, serverPid, engine, "POST /v1.0/groups (Add group)", options, 201, (http, worker, i) =>
        {
            var body = $$"""{"displayName":"Load group {{worker}}-{{i}}","mailEnabled":false,"mailNickname":"load{{worker}}x{{i}}","securityEnabled":true}""";
            return http.SendAsync(RawHttp.Request("POST", "/v1.0/groups", api.Http.BaseAddress!.Authority, api.Token, body));
        });

    public static async Task<string> UpdateUsersAsync(ApiClient api, int serverPid, string engine, LoadOptions options)
    {
        // Two users per worker, each worker updating only its own: concurrent updates of one object are a conflict to
        // retry, not the throughput this measures.
        var users = new string[2 * options.Concurrency];
        await Parallel.ForAsync(0, users.Length, async (i, ct) =>
        {
            var body = $$$"""{"accountEnabled":true,"displayName":"Load user {{{i}}}","mailNickname":"load{{{i}}}","userPrincipalName":"load{{{i}}}@verity.local","passwordProfile":{"password":"Load-Password-{{{i}}}!"}}""";
            using var response = await api.Http.PostAsync("/v1.0/users", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            users[i] = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["id"]!;
        });
        return await RunAsync(api, serverPid, engine, "PATCH /v1.0/users/{id} (Update user)", options, 204, (http, worker, i) =>
        {
            var body = $$"""{"jobTitle":"Title {{worker}}-{{i}}"}""";
            var path = $"/v1.0/users/{users[(worker + i * options.Concurrency) % users.Length]}";
            return http.SendAsync(RawHttp.Request("PATCH", path, api.Http.BaseAddress!.Authority, api.Token, body));
        });
    }

    /// <summary>The bootstrap admin's password in benchmark runs (the password grant's user).</summary>
    public const string AdminPassword = "Load-Admin-Password-1!";

    /// <summary>Token requests of an application (client credentials): each one a service-principal sign-in where the server logs them.</summary>
    public static Task<string> ClientCredentialsAsync(ApiClient api, int serverPid, string engine, LoadOptions options, string clientId, string secret)
    {
        var form = $"grant_type=client_credentials&client_id={clientId}&client_secret={Uri.EscapeDataString(secret)}&scope={Uri.EscapeDataString("https://graph.microsoft.com/.default")}";
        return RunAsync(api, serverPid, engine, "POST /{tenant}/oauth2/v2.0/token (client credentials)", options, 200, (http, _, _) =>
            http.SendAsync(RawHttp.Form("/verity.local/oauth2/v2.0/token", api.Http.BaseAddress!.Authority, form)));
    }

    /// <summary>Password grants of the bootstrap admin: each one an interactive user sign-in (and a password hash) where the server logs them.</summary>
    public static Task<string> PasswordGrantsAsync(ApiClient api, int serverPid, string engine, LoadOptions options)
    {
        var form = $"grant_type=password&client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&username={Uri.EscapeDataString("admin@verity.local")}" +
            $"&password={Uri.EscapeDataString(AdminPassword)}&scope={Uri.EscapeDataString("https://graph.microsoft.com/.default")}";
        return RunAsync(api, serverPid, engine, "POST /{tenant}/oauth2/v2.0/token (password)", options, 200, (http, _, _) =>
            http.SendAsync(RawHttp.Form("/verity.local/oauth2/v2.0/token", api.Http.BaseAddress!.Authority, form)));
    }

    public static async Task<long> CountAuditEntriesAsync(ApiClient api)
    {
        long count = 0;
        string? next = "/v1.0/auditLogs/directoryAudits?$top=1000";
        while (next is not null)
        {
            var page = JsonNode.Parse(await api.Http.GetStringAsync(next))!;
            count += page["value"]!.AsArray().Count;
            next = (string?)page["@odata.nextLink"];
        }
        return count;
    }

    /// <summary>
    /// Warm-up, then the measured window. <paramref name="operation"/> sends one request on a connection (worker,
    /// iteration) and returns its status; <paramref name="success"/> is that of a served request, and a 429 is counted
    /// apart from other errors.
    /// </summary>
    private static async Task<string> RunAsync(ApiClient api, int serverPid, string engine, string name, LoadOptions options, int success,
        Func<RawHttp, int, int, Task<int>> operation)
    {
        // Warm up first: tiered JIT and dynamic PGO need about fifteen seconds of load to reach steady state on two cores.
        await DriveAsync(api, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), success, operation, 1_000_000);
        var meter = ResourceMeter.Start(serverPid, engine);
        var connections = options.Rate is null ? options.Concurrency : options.Connections ?? options.Concurrency;
        var (latencies, answers, elapsed) = options.Rate is { } rate
            ? await PaceAsync(api, connections, TimeSpan.FromSeconds(options.Seconds), rate, success, operation)
            : await DriveAsync(api, connections, TimeSpan.FromSeconds(options.Seconds), success, operation, 0);
        name += options.Rate is { } offered ? string.Create(CultureInfo.InvariantCulture, $", {offered:N0}/s offered") : "";
        var line = Report.Row(engine, name, connections, latencies.Count / elapsed.TotalSeconds, latencies, answers.Errors,
            meter.PerOperation(latencies.Count), answers.Throttled);
        Console.WriteLine(line);
        Console.WriteLine($"[{engine}] Verity's anonymous RSS each second of the window, MB: {meter.MemorySeries()}");
        return line;
    }

    /// <summary>Answers other than the expected one: 429 (throttled) and any other status.</summary>
    private sealed class Answers
    {
        private int _throttled;
        private int _errors;

        public int Throttled => _throttled;
        public int Errors => _errors;

        public void Refused(int status) => Interlocked.Increment(ref status == 429 ? ref _throttled : ref _errors);
    }

    /// <summary>
    /// Open loop, as wrk2 runs: request k is due at k / <paramref name="rate"/> seconds whether or not earlier ones have
    /// been answered, for <paramref name="duration"/>, over up to <paramref name="connections"/> connections. Latency runs
    /// from the due time (or the send, if that was earlier), so a server that falls behind is charged for the queue it
    /// causes rather than slowing the generator down (coordinated omission). Elapsed time ends with the last answer:
    /// a server that cannot keep up shows a rate below the one offered.
    /// </summary>
    private static async Task<(List<double> Latencies, Answers Answers, TimeSpan Elapsed)> PaceAsync(ApiClient api, int connections, TimeSpan duration,
        double rate, int success, Func<RawHttp, int, int, Task<int>> operation)
    {
        var all = new List<double>[connections];
        var answers = new Answers();
        var due = (long)(rate * duration.TotalSeconds);
        long next = -1;
        var sockets = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => RawHttp.ConnectAsync(api.Http.BaseAddress!)));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = all[worker] = new List<double>(1_000);
            await using var http = sockets[worker];
            for (var i = 0; Interlocked.Increment(ref next) is var k && k < due; i++)
            {
                var at = TimeSpan.FromSeconds(k / rate);
                var early = at - clock.Elapsed;
                if (early > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(early);
                }
                var sent = clock.Elapsed;
                var from = sent < at ? sent : at;
                if (await operation(http, worker, i) is var status && status == success)
                {
                    mine.Add((clock.Elapsed - from).TotalMilliseconds);
                }
                else
                {
                    answers.Refused(status);
                }
            }
        })));
        return ([.. all.SelectMany(l => l)], answers, clock.Elapsed);
    }

    private static async Task<(List<double> Latencies, Answers Answers, TimeSpan Elapsed)> DriveAsync(ApiClient api, int concurrency, TimeSpan duration,
        int success, Func<RawHttp, int, int, Task<int>> operation, int offset)
    {
        var all = new List<double>[concurrency];
        var answers = new Answers();
        var connections = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => RawHttp.ConnectAsync(api.Http.BaseAddress!)));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = all[worker] = new List<double>(100_000);
            await using var http = connections[worker];
            for (var i = offset; clock.Elapsed < duration; i++)
            {
                var start = Stopwatch.GetTimestamp();
                if (await operation(http, worker, i) is var status && status == success)
                {
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                else
                {
                    answers.Refused(status);
                }
            }
        })));
        return ([.. all.SelectMany(l => l)], answers, clock.Elapsed);
    }
}

internal static class Report
{
    /// <summary>
    /// One table row; <paramref name="perOperation"/> holds the <see cref="ResourceMeter"/> cells, or is null where
    /// Verity is not involved (the raw-driver baselines).
    /// </summary>
    public static string Row(string engine, string scenario, int concurrency, double rate, List<double> latencies, int errors, string? perOperation = null,
        int throttled = 0)
    {
        latencies.Sort();
        string P(double q) => latencies.Count == 0 ? "-" : latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)].ToString("0.00", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"| {engine} | {scenario} | {concurrency} | {rate:N0} | {P(0.50)} | {P(0.95)} | {P(0.99)} | {throttled} | {errors} | {perOperation ?? "– | – | – | – | – | –"} |");
    }
}
