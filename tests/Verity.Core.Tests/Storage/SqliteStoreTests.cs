using Microsoft.Data.Sqlite;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Core.Storage.Sqlite;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

public sealed class SqliteStoreTests : StoreConformanceTests
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"verity-test-{Guid.NewGuid():N}.db");
    private SqliteStore? _store;

    protected override Task<(IDirectoryStore Directory, ILogStore Log)> CreateStoreAsync()
    {
        _store = new SqliteStore($"Data Source={_file}");
        return Task.FromResult<(IDirectoryStore, ILogStore)>((_store, _store));
    }

    [Fact]
    public async Task A_time_range_pages_the_same_entries_whether_read_from_its_index_or_kept_off_it()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([.. SyntheticAudits.Generate(tenant, 600)], Ct);
        var filter = FilterParser.Parse("activityDateTime ge 2026-01-01T00:02:00Z and activityDateTime lt 2026-01-01T00:07:00Z and result eq 'success'", DirectoryAuditsLog.Definition);
        using var wideRangesOnly = new SqliteStore($"Data Source={_file}") { TimeIndexMaxRows = 10 };

        foreach (var descending in new[] { true, false })
        {
            var query = new LogQuery { TenantId = tenant, Top = 1000, Filter = filter, Descending = descending };
            var fromIndex = await Log.QueryAsync(query, Ct);
            var offIndex = await wideRangesOnly.QueryAsync(query, Ct);

            Assert.InRange(fromIndex.Entries.Count, 250, 300);
            Assert.All(fromIndex.Entries, e => Assert.InRange(e.Time, SyntheticAudits.Start.AddMinutes(2), SyntheticAudits.Start.AddMinutes(7).AddTicks(-1)));
            Assert.Equal(fromIndex.Entries.Select(e => e.Seq), offIndex.Entries.Select(e => e.Seq));
            Assert.Equal(descending ? fromIndex.Entries.Select(e => e.Seq).OrderDescending() : fromIndex.Entries.Select(e => e.Seq).Order(), fromIndex.Entries.Select(e => e.Seq));
        }
    }

    [Fact]
    public async Task The_wal_is_copied_back_and_restarted_beside_the_writer_which_never_checkpoints()
    {
        var file = Path.Combine(Path.GetTempPath(), $"verity-wal-{Guid.NewGuid():N}.db");
        try
        {
            using (var store = new SqliteStore($"Data Source={file}") { WalRestartFrames = 64 })
            {
                await store.MigrateAsync(Ct);
                var tenant = Guid.NewGuid();
                await store.CreateTenantAsync(new Tenant(tenant, "WAL", $"{tenant:N}.test", SyntheticAudits.Start), Ct);
                var entries = SyntheticAudits.Generate(tenant, 3000).ToList();
                foreach (var batch in entries.Chunk(100))
                {
                    await store.AppendAsync(batch, Ct);
                }
                // Far more frames than the restart size were written; the checkpointer copies them all back...
                var written = WalIndex(file);
                Assert.True(written.Frames > 64 * 4, $"{written.Frames} frames written");
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (WalIndex(file) is var now && now.Backfilled < now.Frames && waited.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(50, Ct);
                }
                Assert.Equal(WalIndex(file).Frames, WalIndex(file).Backfilled);
                // ...so the next transaction starts the WAL over from its beginning.
                var last = await store.AppendAsync([.. SyntheticAudits.Generate(tenant, 1)], Ct);
                Assert.InRange(WalIndex(file).Frames, 1u, 64u);
                Assert.Equal(last[0], Assert.Single((await store.QueryAsync(new LogQuery { TenantId = tenant, Top = 1 }, Ct)).Entries).Seq);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }
        }
    }

    /// <summary>
    /// The WAL's frame count and how many of them are copied back, from the shared wal-index header (SQLite's file
    /// format: mxFrame at byte 16, nBackfill at byte 96, native byte order). Read without a connection, since a
    /// connection's own checkpoint would do the work under test.
    /// </summary>
    private static (uint Frames, uint Backfilled) WalIndex(string file)
    {
        using var shm = new FileStream(file + "-shm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[100];
        shm.ReadExactly(header);
        return (BitConverter.ToUInt32(header, 16), BitConverter.ToUInt32(header, 96));
    }

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var conn = new SqliteConnection($"Data Source={_file};Pooling=False");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    protected override Task DisposeStoreAsync()
    {
        _store?.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
        return Task.CompletedTask;
    }
}
