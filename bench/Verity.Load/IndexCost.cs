using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Verity.Core.Storage;
using Verity.Tests;

namespace Verity.Load;

/// <summary>
/// What the query indexes cost the write path: the store's own append (batches of --batch entries, as group commit
/// makes them) on a fresh database with every index, and again with one group of filter indexes dropped. No HTTP:
/// this isolates the database's share of an audited change. CPU is this process's (the whole engine for SQLite; the
/// driver only for PostgreSQL, whose backends are other processes).
/// </summary>
internal static class IndexCost
{
    private static readonly (string Name, string[] Indexes)[] Variants =
    [
        ("every index", []),
        ("without target indexes (id, name, type, upn)", ["ix_directory_audit_targets_id", "ix_directory_audit_targets_name", "ix_directory_audit_targets_type", "ix_directory_audit_targets_upn"]),
        ("without initiator indexes (6 partial)", ["ix_directory_audits_user_id", "ix_directory_audits_user_name", "ix_directory_audits_user_upn", "ix_directory_audits_app_id", "ix_directory_audits_app_name", "ix_directory_audits_sp_id"]),
        ("without entry-column indexes (activity, category, result, service, operation, correlation)", ["ix_directory_audits_activity", "ix_directory_audits_category", "ix_directory_audits_result", "ix_directory_audits_service", "ix_directory_audits_operation", "ix_directory_audits_correlation"]),
        ("without the modified-property set index", ["ix_directory_audit_targets_properties"]),
    ];

    public static async Task<List<string>> RunAsync(string engine, LoadOptions options)
    {
        var rows = new List<string>();
        var all = Variants.SelectMany(v => v.Indexes).ToArray();
        foreach (var (name, indexes) in Variants.Append(("without any filter index", all)))
        {
            await using var target = await EngineTarget.CreateAsync(engine, options with { Keep = null });
            var stores = Stores.Open(engine, target.ConnectionString);
            await stores.Directory.MigrateAsync(CancellationToken.None);
            await stores.Directory.CreateTenantAsync(new Tenant(target.TenantId, "Index cost", $"{target.TenantId:N}.test", SyntheticAudits.Start), CancellationToken.None);
            await DropAsync(engine, target.ConnectionString, indexes);
            var entries = SyntheticAudits.Generate(target.TenantId, 60_000).ToList();
            foreach (var batch in entries.Take(10_000).Chunk(options.Batch))
            {
                await stores.Log.AppendAsync(batch, CancellationToken.None);
            }
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var batch in entries.Skip(10_000).Chunk(options.Batch))
            {
                await stores.Log.AppendAsync(batch, CancellationToken.None);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
            var row = string.Create(CultureInfo.InvariantCulture, $"| {engine} | {name} | {options.Batch} | {50_000 / seconds:N0} | {used / 50_000:N0} |");
            Console.WriteLine(row);
            rows.Add(row);
            (stores.Log as IDisposable)?.Dispose();
        }
        return rows;
    }

    private static async Task DropAsync(string engine, string connectionString, string[] indexes)
    {
        if (indexes.Length == 0)
        {
            return;
        }
        if (engine == "sqlite")
        {
            await using var conn = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = string.Concat(indexes.Select(i => $"drop index if exists {i};"));
            await cmd.ExecuteNonQueryAsync();
            return;
        }
        await using var pg = new NpgsqlConnection(connectionString);
        await pg.OpenAsync();
        await using var drop = new NpgsqlCommand(string.Concat(indexes.Select(i => $"drop index if exists {i};")), pg);
        await drop.ExecuteNonQueryAsync();
    }
}
