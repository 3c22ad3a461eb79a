using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Verity.Load;

/// <summary>
/// Raw-driver baselines against the same engine: rows shaped like a directory object plus an audit entry (~900 B
/// JSON), inserted with no HTTP, no JSON building and no auth. "Single-row" commits each change on its own (what a
/// naive one-transaction-per-request design gets); "batched" commits 100 per transaction (the driver's ceiling).
/// </summary>
internal static class Baseline
{
    private static readonly byte[] Payload = System.Text.Encoding.UTF8.GetBytes(
        "{\"id\":\"Directory_x\",\"category\":\"GroupManagement\",\"activityDisplayName\":\"Add group\",\"result\":\"success\"," +
        "\"targetResources\":[{\"modifiedProperties\":[" + string.Join(",", Enumerable.Repeat("{\"displayName\":\"DisplayName\",\"oldValue\":\"[]\",\"newValue\":\"[\\\"Load group\\\"]\"}", 9)) + "]}]}");

    public static Task<string> SingleRowInsertsAsync(EngineTarget target, LoadOptions options) => RunAsync(target, options, batch: 1);

    public static Task<string> BatchedInsertsAsync(EngineTarget target, LoadOptions options) => RunAsync(target, options, batch: 100);

    private static async Task<string> RunAsync(EngineTarget target, LoadOptions options, int batch)
    {
        var name = batch == 1 ? "raw driver: 1 change per transaction" : $"raw driver: {batch} changes per transaction";
        // SQLite has a single writer; more connections only add lock waits.
        var concurrency = target.Engine == "sqlite" ? 1 : Math.Min(options.Concurrency, 16);
        var table = "baseline_" + Guid.NewGuid().ToString("N")[..8];
        await ExecAsync(target, $"create table {table} (tenant_id text not null, seq bigint not null, id text not null, kind text not null, " +
            $"activity_at bigint not null, category text not null, activity text not null, json {(target.Engine == "sqlite" ? "blob" : "bytea")} not null, " +
            $"primary key (tenant_id, seq)); create unique index ux_{table} on {table} (tenant_id, id); create index ix_{table} on {table} (tenant_id, activity_at);");
        long next = 0;
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = [];
            await using var conn = await OpenAsync(target);
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await using var tx = await conn.BeginTransactionAsync();
                for (var i = 0; i < batch; i++)
                {
                    // Two rows per change: the directory object and its audit entry.
                    for (var row = 0; row < 2; row++)
                    {
                        var seq = Interlocked.Increment(ref next);
                        await using var cmd = conn.CreateCommand();
                        cmd.Transaction = tx;
                        cmd.CommandText = $"insert into {table} (tenant_id, seq, id, kind, activity_at, category, activity, json) values (@t, @s, @id, 'group', @at, 'GroupManagement', 'Add group', @j)";
                        AddParameter(cmd, "t", "tenant");
                        AddParameter(cmd, "s", seq);
                        AddParameter(cmd, "id", "Directory_" + Guid.NewGuid());
                        AddParameter(cmd, "at", Stopwatch.GetTimestamp());
                        AddParameter(cmd, "j", Payload);
                        await cmd.ExecuteNonQueryAsync();
                    }
                }
                await tx.CommitAsync();
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                for (var i = 0; i < batch; i++)
                {
                    mine.Add(ms);
                }
            }
        })));
        var all = latencies.SelectMany(l => l).ToList();
        var line = Report.Row(target.Engine, name, concurrency, all.Count / clock.Elapsed.TotalSeconds, all, 0);
        Console.WriteLine(line);
        return line;
    }

    private static async Task<System.Data.Common.DbConnection> OpenAsync(EngineTarget target)
    {
        System.Data.Common.DbConnection conn = target.Engine == "sqlite" ? new SqliteConnection(target.ConnectionString) : new NpgsqlConnection(target.ConnectionString);
        await conn.OpenAsync();
        if (conn is SqliteConnection)
        {
            await using var pragma = conn.CreateCommand();
            pragma.CommandText = "pragma journal_mode=WAL; pragma synchronous=FULL; pragma busy_timeout=10000;";
            await pragma.ExecuteNonQueryAsync();
        }
        return conn;
    }

    private static async Task ExecAsync(EngineTarget target, string sql)
    {
        await using var conn = await OpenAsync(target);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private static void AddParameter(System.Data.Common.DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
