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
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);

        await Assert.ThrowsAsync<PostgresException>(() => ExecuteRawAsync("truncate directory_audits"));

        Assert.Single(await AllEntriesAsync(tenant));
    }

    [Fact]
    public async Task A_burst_of_point_reads_leaves_the_writers_pool_holding_only_the_writers_connections()
    {
        // Npgsql hands out idle connections oldest first. When point reads shared the writers' pool, a burst of them
        // left dozens of idle backends there and every batch then ran on a different, cold one: PostgreSQL's CPU per
        // change tripled (docs/benchmarks.md, session 16).
        var tenant = await NewTenantAsync();
        var stores = Stores.Open("postgres", _database!.ConnectionString);
        var users = Enumerable.Range(0, 64).Select(i => User(tenant, $"pool{i}@contoso.test")).ToList();
        await stores.Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [.. users.Select(u => new InsertObject(u))], Audits = [] }], Ct);

        var read = await Task.WhenAll(users.Select(u => Task.Run(() => stores.Directory.GetObjectAsync(tenant, u.Id, Ct))));
        await using (var writer = new ChangeWriter(stores.Directory, stores.Writers))
        {
            await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => writer.SubmitAsync(new DirectoryChange { TenantId = tenant, Audits = [Audit()] })));
        }

        Assert.All(read, Assert.NotNull);
        Assert.Equal(64, (await AllEntriesAsync(tenant)).Count);
        await using var cmd = _dataSource!.CreateCommand(
            "select application_name, count(*)::int from pg_stat_activity where datname = current_database() group by application_name");
        var backends = new Dictionary<string, int>();
        await using (var r = await cmd.ExecuteReaderAsync(Ct))
        {
            while (await r.ReadAsync(Ct))
            {
                backends[r.GetString(0)] = r.GetInt32(1);
            }
        }
        Assert.InRange(backends.GetValueOrDefault("verity writes"), 1, stores.Writers);
        Assert.InRange(backends.GetValueOrDefault("verity reads"), 1, users.Count);
    }

    [Fact]
    public async Task Two_processes_writing_one_tenant_at_once_number_its_log_without_gaps_or_duplicates()
    {
        // A second store is a second process: nothing in memory is shared, so only the database keeps the numbering
        // gap-free and in commit order (a guard for any numbering a future write path does in-process).
        var tenant = await NewTenantAsync();
        var other = new PostgresStore(_dataSource!);
        var stores = new[] { (IDirectoryStore)Directory, other };

        var writes = Enumerable.Range(0, 40).Select(i => Task.Run(() => stores[i % 2].CommitAsync(
            [.. Enumerable.Range(0, 1 + i % 5).Select(_ => new DirectoryChange { TenantId = tenant, Audits = [Audit()] })], Ct)));
        await Task.WhenAll(writes);

        var expected = Enumerable.Range(0, 40).Sum(i => 1 + i % 5);
        var all = await AllEntriesAsync(tenant);
        Assert.Equal(Enumerable.Range(1, expected).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.Equal(expected, all.Select(e => e.Id).Distinct().Count());
        Assert.Equal([expected + 1L], await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct));
    }

    [Fact]
    public async Task Batches_in_flight_behind_a_rolled_back_batch_commit_without_a_gap()
    {
        // A third of the batches roll back (duplicate UPN) while others are in flight: none may leave a hole behind.
        var tenant = await NewTenantAsync();
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(User(tenant, "taken@contoso.test"))], Audits = [Audit()] }], Ct);

        var writes = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            var user = User(tenant, i % 3 == 0 ? "taken@contoso.test" : $"user{i}@contoso.test");
            try
            {
                await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [Audit()] }], Ct);
                return true;
            }
            catch (ChangeConflictException conflict) when (conflict.Kind == ConflictKind.Duplicate)
            {
                return false;
            }
        }));
        var committed = (await Task.WhenAll(writes)).Count(ok => ok);

        Assert.Equal(40, committed);
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), (await AllEntriesAsync(tenant)).Select(e => e.Seq));
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
