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
        var filter = FilterParser.Parse("activityDateTime ge 2026-01-01T00:02:00Z and activityDateTime lt 2026-01-01T00:07:00Z and result eq 'success'");
        using var wideRangesOnly = new SqliteStore($"Data Source={_file}") { TimeIndexMaxRows = 10 };

        foreach (var descending in new[] { true, false })
        {
            var query = new LogQuery { TenantId = tenant, Top = 1000, Filter = filter, Descending = descending };
            var fromIndex = await Log.QueryAsync(query, Ct);
            var offIndex = await wideRangesOnly.QueryAsync(query, Ct);

            Assert.InRange(fromIndex.Entries.Count, 250, 300);
            Assert.All(fromIndex.Entries, e => Assert.InRange(e.ActivityDateTime, SyntheticAudits.Start.AddMinutes(2), SyntheticAudits.Start.AddMinutes(7).AddTicks(-1)));
            Assert.Equal(fromIndex.Entries.Select(e => e.Seq), offIndex.Entries.Select(e => e.Seq));
            Assert.Equal(descending ? fromIndex.Entries.Select(e => e.Seq).OrderDescending() : fromIndex.Entries.Select(e => e.Seq).Order(), fromIndex.Entries.Select(e => e.Seq));
        }
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
