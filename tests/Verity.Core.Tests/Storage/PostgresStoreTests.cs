using Npgsql;
using Verity.Core.Storage;
using Verity.Core.Storage.Postgres;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

public sealed class PostgresStoreTests : StoreConformanceTests
{
    private TestPostgres? _database;
    private NpgsqlDataSource? _dataSource;

    protected override async Task<(IDirectoryStore Directory, ILogStore Log)> CreateStoreAsync()
    {
        _database = await TestPostgres.CreateAsync();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var store = new PostgresStore(_dataSource);
        return (store, store);
    }

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var cmd = _dataSource!.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task The_database_refuses_truncate_on_the_log()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([LogEntry.FromDirectoryAudit(tenant, Audit())], Ct);

        await Assert.ThrowsAsync<PostgresException>(() => ExecuteRawAsync("truncate directory_audits"));

        Assert.Single(await AllEntriesAsync(tenant));
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
