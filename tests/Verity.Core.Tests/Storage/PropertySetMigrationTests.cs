using Microsoft.Data.Sqlite;
using Npgsql;
using Verity.Core.Model;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Core.Storage.Postgres;
using Verity.Core.Storage.Sqlite;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// A log written before property sets (a row per modified property) is converted by the schema change itself: each
/// target gets the key the application computes for the same names, so old and new entries answer one filter.
/// </summary>
public sealed class PropertySetMigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly string[] Names = ["JobTitle", "Included Updated Properties"];

    [Fact]
    public async Task Sqlite_converts_property_rows_into_the_keys_new_entries_get()
    {
        var file = Path.Combine(Path.GetTempPath(), $"verity-sets-{Guid.NewGuid():N}.db");
        try
        {
            await using (var conn = new SqliteConnection($"Data Source={file};Pooling=false"))
            {
                await conn.OpenAsync(Ct);
                async Task Exec(string sql)
                {
                    await using var cmd = conn.CreateCommand();
                    cmd.CommandText = sql;
                    await cmd.ExecuteNonQueryAsync(Ct);
                }
                await Exec("create table schema_migrations (version integer primary key, applied_at text not null)");
                foreach (var (version, sql) in SchemaScripts.For("Sqlite").Where(s => s.Version < 8))
                {
                    await Exec(sql);
                    await Exec($"insert into schema_migrations values ({version}, 'test')");
                }
                await Exec($"insert into tenants values ('{Tenant:D}', 'Old', 'old.test', 'x')");
                await Exec($"insert into log_heads values ('{Tenant:D}', 1, 2)");
                await Exec("insert into directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, json) " +
                    $"values ('{Tenant:D}', 1, 'old-1', 1, 0, 'UserManagement', 'Update user', 'success', 'Core Directory', 'Update', 'c1', x'7b7d')");
                await Exec($"insert into directory_audit_targets (tenant_id, seq, ordinal, target_id, type) values ('{Tenant:D}', 1, 0, 'user-1', 'User')");
                await Exec($"insert into directory_audit_properties values ('{Tenant:D}', 1, 0, '{Names[0]}'), ('{Tenant:D}', 1, 0, '{Names[1]}')");
            }
            using var store = new SqliteStore($"Data Source={file}");
            await AssertConvertedAsync(store, async () =>
            {
                await using var conn = new SqliteConnection($"Data Source={file};Pooling=false");
                await conn.OpenAsync(Ct);
                await using var cmd = conn.CreateCommand();
                cmd.CommandText = "select property_set from directory_audit_targets where seq = 1";
                return (long)(await cmd.ExecuteScalarAsync(Ct))!;
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task Postgres_converts_property_rows_into_the_keys_new_entries_get()
    {
        await using var database = await TestPostgres.CreateAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        async Task Exec(string sql)
        {
            await using var cmd = dataSource.CreateCommand(sql);
            await cmd.ExecuteNonQueryAsync(Ct);
        }
        await Exec("create table schema_migrations (version int primary key, applied_at timestamptz not null default now())");
        foreach (var (version, sql) in SchemaScripts.For("Postgres").Where(s => s.Version < 7))
        {
            await Exec(sql);
            await Exec($"insert into schema_migrations (version) values ({version})");
        }
        await Exec($"insert into tenants values ('{Tenant:D}', 'Old', 'old.test', now())");
        await Exec($"insert into log_heads values ('{Tenant:D}', 1, 2)");
        await Exec("insert into directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, json) " +
            $"values ('{Tenant:D}', 1, 'old-1', 1, now(), 'UserManagement', 'Update user', 'success', 'Core Directory', 'Update', 'c1', '\\x7b7d')");
        await Exec($"insert into directory_audit_targets (tenant_id, seq, ordinal, target_id, type) values ('{Tenant:D}', 1, 0, 'user-1', 'User')");
        await Exec($"insert into directory_audit_properties values ('{Tenant:D}', 1, 0, '{Names[0]}'), ('{Tenant:D}', 1, 0, '{Names[1]}')");

        await AssertConvertedAsync(new PostgresStore(dataSource), async () =>
        {
            await using var cmd = dataSource.CreateCommand("select property_set from directory_audit_targets where seq = 1");
            return (long)(await cmd.ExecuteScalarAsync(Ct))!;
        });
    }

    private static async Task AssertConvertedAsync<TStore>(TStore store, Func<Task<long>> convertedKey) where TStore : ILogStore, IDirectoryStore
    {
        await store.MigrateAsync(Ct);

        Assert.Equal(PropertySets.KeyOf(Names), await convertedKey());
        var audit = new DirectoryAudit
        {
            Id = $"Directory_{Guid.NewGuid()}_TESTS_2",
            Category = "UserManagement",
            CorrelationId = "c2",
            Result = AuditResult.Success,
            ActivityDisplayName = "Update user",
            ActivityDateTime = SyntheticAudits.Start,
            OperationType = "Update",
            InitiatedBy = new AuditInitiator(new UserIdentity("u1", "Admin", "admin@contoso.test", "203.0.113.5"), null),
            TargetResources = [new TargetResource { Id = "user-1", Type = "User",
                ModifiedProperties = [new ModifiedProperty(Names[1], null, "\"JobTitle\""), new ModifiedProperty(Names[0], "[]", "[\"CEO\"]")] }],
        };
        await store.AppendAsync([DirectoryAuditsLog.Entry(Tenant, audit)], Ct);

        foreach (var (filter, expected) in new[]
        {
            ("targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'JobTitle'))", new long[] { 2, 1 }),
            ("targetResources/any(t: t/modifiedProperties/any(p: startswith(p/displayName, 'Included')))", [2, 1]),
            ("targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'DisplayName'))", []),
        })
        {
            var page = await store.QueryAsync(new LogQuery { TenantId = Tenant, Top = 10, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) }, Ct);
            Assert.Equal(expected, page.Entries.Select(e => e.Seq));
        }
    }
}
