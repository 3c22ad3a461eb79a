using Npgsql;
using Verity.Core.Model;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Core.Storage.Postgres;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// A PostgreSQL log written before schema 11 (category and operation type indexed on their own) answers category and
/// operation type filters after it: the migration fills the kinds dictionary from the entries already there, and
/// entries appended afterwards add their own kinds.
/// </summary>
public sealed class KindsMigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Postgres_fills_the_kinds_of_an_existing_log_and_keeps_answering_its_filters()
    {
        var tenant = Guid.NewGuid();
        await using var database = await TestPostgres.CreateAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        async Task Exec(string sql)
        {
            await using var cmd = dataSource.CreateCommand(sql);
            await cmd.ExecuteNonQueryAsync(Ct);
        }
        await Exec("create table schema_migrations (version int primary key, applied_at timestamptz not null default now())");
        foreach (var (version, sql) in SchemaScripts.For("Postgres").Where(s => s.Version < 11))
        {
            await Exec(sql);
            await Exec($"insert into schema_migrations (version) values ({version})");
        }
        await Exec($"insert into tenants values ('{tenant:D}', 'Old', 'old.test', now())");
        await Exec($"insert into log_heads values ('{tenant:D}', 1, 3)");
        foreach (var (seq, category, activity, op) in new[] { (1, "UserManagement", "Update user", "Update"), (2, "GroupManagement", "Add group", "Add") })
        {
            await Exec("insert into directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, json) " +
                $"values ('{tenant:D}', {seq}, 'old-{seq}', {seq}, now(), '{category}', '{activity}', 'success', 'Core Directory', '{op}', 'c{seq}', '\\x7b7d')");
        }
        var store = new PostgresStore(dataSource);

        await store.MigrateAsync(Ct);
        var audit = new DirectoryAudit
        {
            Id = $"Directory_{Guid.NewGuid()}_TESTS_3",
            Category = "UserManagement",
            CorrelationId = "c3",
            Result = AuditResult.Success,
            ActivityDisplayName = "Add user",
            ActivityDateTime = SyntheticAudits.Start,
            OperationType = "Add",
            InitiatedBy = new AuditInitiator(new UserIdentity("u1", "Admin", "admin@contoso.test", "203.0.113.5"), null),
            TargetResources = [new TargetResource { Id = "user-2", Type = "User" }],
        };
        await store.AppendAsync([LogEntry.FromDirectoryAudit(tenant, audit)], Ct);

        foreach (var (filter, expected) in new[]
        {
            ("category eq 'UserManagement'", new long[] { 3, 1 }),
            ("operationType eq 'Add'", [3, 2]),
            ("category eq 'GroupManagement' or operationType eq 'Update'", [2, 1]),
            ("category ne 'UserManagement'", [2]),
        })
        {
            var query = new LogQuery { TenantId = tenant, Top = 10, Filter = FilterParser.Parse(filter) };
            var page = await store.QueryAsync(query, Ct);
            Assert.Equal(expected, page.Entries.Select(e => e.Seq));
            Assert.Equal(expected.Length, await store.CountAsync(query, Ct));
        }
        await using var indexes = dataSource.CreateCommand(
            "select count(*) from pg_indexes where indexname in ('ix_directory_audits_category', 'ix_directory_audits_operation')");
        Assert.Equal(0L, await indexes.ExecuteScalarAsync(Ct));
    }
}
