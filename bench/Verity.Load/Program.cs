using Verity.Load;

// Whole-system load: starts a Release build of Verity.Server per engine, drives it over HTTP, and runs raw-driver
// baselines against the same engine in the same run. See docs/benchmarks.md (or scripts/bench.sh) for the command.
var options = LoadOptions.Parse(args);
var report = new List<string>
{
    "| engine | scenario | concurrency | ops/s | p50 ms | p95 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|---|---|",
};
foreach (var engine in options.Engines)
{
    await using var target = await EngineTarget.CreateAsync(engine, options);
    await using (var server = await VerityProcess.StartAsync(options, target))
    {
        using var api = await ApiClient.ConnectAsync(server.BaseAddress, server.ClientId, server.ClientSecret);
        report.Add(await Scenarios.CreateGroupsAsync(api, engine, options));
        report.Add(await Scenarios.UpdateUsersAsync(api, engine, options));
        Console.WriteLine($"[{engine}] audit entries read back through the API: {await Scenarios.CountAuditEntriesAsync(api)}");
    }
    report.Add(await Baseline.SingleRowInsertsAsync(target, options));
    report.Add(await Baseline.BatchedInsertsAsync(target, options));
}
Console.WriteLine();
report.ForEach(Console.WriteLine);
