using Verity.Core.Storage;
using Verity.Load;

// Whole-system load: starts a Release build of Verity.Server per engine, drives it over HTTP, and runs baselines
// against the same engine in the same run. See docs/benchmarks.md (or scripts/bench.sh) for the commands.
//   --mode write: audited changes/s (POST groups, PATCH users) beside raw-driver inserts. With --rate R the measured
//                 window is an open loop (as wrk2): R requests/s offered over --concurrency connections, latency from
//                 each request's due time, so a server that falls behind shows a lower rate and the queue it built.
//                 --scenarios add-group,update-user,baselines picks and orders them (update-user alone: a fresh database).
//                 --connections N spreads the open loop over N connections (default --concurrency), enough to offer
//                 an overloaded server more requests than it can hold; 429 answers are counted apart from errors.
//                 signin-visibility: token response → the sign-in in the list and on the live feed, under --concurrency
//                 token requests in flight; --requests probes (row: engine | concurrency | probes | list p50/p99/max ms | live p50/p99/max ms).
//   --mode read:  bulk-fill --entries, then first-page latency per filter family and a full skiptoken pull, beside
//                 the same queries straight on the store.
//   --mode index-cost: the store's append rate with every index and with each group of filter indexes dropped.
// Before any socket is used: this process's socket completions run on its epoll threads, not via the thread pool.
// The generator shares the server's two cores, and the hop cost it a third of its CPU per request. The server gets
// the setting only if the caller set it (VerityProcess passes the caller's value on).
InlineCompletions.EnableForThisProcess();
var options = LoadOptions.Parse(args);
if (options.Mode == "index-cost")
{
    var costs = new List<string> { "| engine | schema | entries per append | entries/s | CPU µs per entry (this process) |", "|---|---|---|---|---|" };
    foreach (var engine in options.Engines)
    {
        costs.AddRange(await IndexCost.RunAsync(engine, options));
    }
    Console.WriteLine();
    costs.ForEach(Console.WriteLine);
    return;
}
var report = options.Mode == "read"
    ? new List<string>()
    : ["| engine | scenario | concurrency | ops/s | p50 ms | p95 ms | p99 ms | 429 | other errors | Verity CPU µs/op | database CPU µs/op | generator CPU µs/op | disk KB/op | idle % | Verity anon RSS MB start / peak / end |",
       "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"];
var downloads = new List<string>
{
    "| engine | format | rows | time | size | peak server RSS |",
    "|---|---|---|---|---|---|",
};
var pulls = new List<string>
{
    "| engine | rows over HTTP | time | rows/s | rows from the store | time | rows/s | store rows/s, first read from disk |",
    "|---|---|---|---|---|---|---|---|",
};
foreach (var engine in options.Engines)
{
    await using var target = await EngineTarget.CreateAsync(engine, options);
    await using (var server = await VerityProcess.StartAsync(options, target))
    {
        if (options.Mode == "read")
        {
            var stores = Stores.Open(engine, target.ConnectionString);
            if (target.FilledEntries < options.Entries)
            {
                await ReadScenarios.FillAsync(stores.Log, target.TenantId, target.FilledEntries, options.Entries - target.FilledEntries, engine);
                target.MarkFilled(options.Entries);
            }
            // The token is taken after the fill, which can outlast its lifetime.
            using var reader = await ApiClient.ConnectAsync(server.BaseAddress, server.ClientId, server.ClientSecret);
            if (report.Count == 0)
            {
                report.Add("| engine | filter family | rows on page | HTTP p50 / p95 / p99 ms (samples) | store p50 / p95 / p99 ms (samples) |");
                report.Add("|---|---|---|---|---|");
            }
            if (options.Scenarios.Contains("first-pages"))
            {
                report.AddRange(await ReadScenarios.FirstPagesAsync(reader, stores.Log, target.TenantId, engine, options.Requests));
            }
            if (options.Scenarios.Contains("downloads"))
            {
                downloads.AddRange(await ReadScenarios.DownloadsAsync(reader, stores.Log, target.TenantId, engine, server.ProcessId));
            }
            if (options.Scenarios.Contains("pull"))
            {
                pulls.AddRange(await ReadScenarios.PullAsync(reader, stores.Log, target.TenantId, engine, options.PullRows));
            }
            continue;
        }
        using var api = await ApiClient.ConnectAsync(server.BaseAddress, server.ClientId, server.ClientSecret);
        foreach (var scenario in options.Scenarios.Where(s => s != "baselines"))
        {
            report.Add(scenario switch
            {
                "add-group" => await Scenarios.CreateGroupsAsync(api, server.ProcessId, engine, options),
                "update-user" => await Scenarios.UpdateUsersAsync(api, server.ProcessId, engine, options),
                "token-client-credentials" => await Scenarios.ClientCredentialsAsync(api, server.ProcessId, engine, options, server.ClientId, server.ClientSecret),
                "signin-visibility" => await Visibility.SignInsAsync(api, engine, options, server.ClientId, server.ClientSecret, options.Requests),
                _ => await Scenarios.PasswordGrantsAsync(api, server.ProcessId, engine, options),
            });
        }
        Console.WriteLine($"[{engine}] audit entries read back through the API: {await Scenarios.CountAuditEntriesAsync(api)}");
    }
    if (options.Mode == "write" && options.Scenarios.Contains("baselines"))
    {
        report.Add(await Baseline.SingleRowInsertsAsync(target, options));
        report.Add(await Baseline.BatchedInsertsAsync(target, options));
    }
}
Console.WriteLine();
report.ForEach(Console.WriteLine);
if (options.Mode == "read")
{
    Console.WriteLine();
    downloads.ForEach(Console.WriteLine);
    Console.WriteLine();
    pulls.ForEach(Console.WriteLine);
}
