using Microsoft.Data.Sqlite;
using Verity.Core.Storage;
using Verity.Core.Storage.Sqlite;

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
