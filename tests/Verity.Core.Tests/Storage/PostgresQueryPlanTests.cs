using System.Text.Json.Nodes;
using Npgsql;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Core.Storage.Postgres;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// Proves on PostgreSQL's own plans that every filter family is answered from an index: a tenant of realistic
/// entries (bulk-appended, analyzed) beside a noise tenant, then EXPLAIN of each page query.
/// </summary>
public sealed class PostgresQueryPlanTests(PostgresQueryPlanTests.Database db) : IClassFixture<PostgresQueryPlanTests.Database>
{
    private const int Entries = 60_000;

    public sealed class Database : IAsyncLifetime
    {
        private TestPostgres? _database;
        private NpgsqlDataSource? _dataSource;

        public PostgresStore Store { get; private set; } = null!;
        public Guid Tenant { get; } = Guid.NewGuid();

        public async ValueTask InitializeAsync()
        {
            _database = await TestPostgres.CreateAsync();
            _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
            Store = new PostgresStore(_dataSource);
            await Store.MigrateAsync(CancellationToken.None);
            var noise = Guid.NewGuid();
            foreach (var tenant in new[] { Tenant, noise })
            {
                await Store.CreateTenantAsync(new Tenant(tenant, "Plan", $"{tenant:N}.test", SyntheticAudits.Start), CancellationToken.None);
            }
            await Store.BulkAppendAsync(SyntheticAudits.Generate(noise, Entries / 10, seed: 3), 5_000, CancellationToken.None);
            await Store.BulkAppendAsync(SyntheticAudits.Generate(Tenant, Entries), 5_000, CancellationToken.None);
            await Store.BulkAppendAsync(SyntheticSignIns.Entries(noise, Entries / 10, seed: 3), 5_000, CancellationToken.None);
            await Store.BulkAppendAsync(SyntheticSignIns.Entries(Tenant, Entries), 5_000, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
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

    /// <summary>A representative filter of each family and an index its plan must use.</summary>
    public static TheoryData<string, string> Families => new()
    {
        { "activityDisplayName eq 'Add member to role'", "ix_directory_audits_activity" },
        { "startswith(activityDisplayName, 'Remove member from r')", "ix_directory_audits_activity" },
        { "activityDisplayName in ('Add member to role', 'Remove member from role')", "ix_directory_audits_activity" },
        // A rare contains() text is looked up in the term dictionary and read through the values' own indexes.
        { "contains(activityDisplayName, 'to role')", "ix_directory_audits_activity" },
        { "category eq 'RoleManagement'", "ix_directory_audits_category" },
        // Result and service index only their uncommon values (FilterSql.UncommonGuard).
        { "result eq 'failure'", "ix_directory_audits_result" },
        { "result in ('failure', 'timeout')", "ix_directory_audits_result" },
        { "loggedByService eq 'Self-service Password Management'", "ix_directory_audits_service" },
        { "result eq 'failure' and category eq 'ApplicationManagement'", "ix_directory_audits_" },
        { "operationType eq 'Unassign' and activityDisplayName eq 'Remove member from role'", "ix_directory_audits_activity" },
        { $"correlationId eq '{new Guid(1234, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8)}'", "ix_directory_audits_correlation" },
        { "id eq 'Directory_x_SYNTH_1767225600001234'", "ix_directory_audits_id_key" },
        { "activityDateTime ge 2026-01-01T03:00:00Z and activityDateTime le 2026-01-01T03:05:00Z", "ix_directory_audits_time" },
        { "initiatedBy/user/id eq '00000000-0000-4000-c000-000000000042'", "ix_directory_audits_user_id" },
        // Initiator names, UPNs and service principals are read through the ids that carried them (InitiatorKeys).
        { "initiatedBy/user/userPrincipalName eq 'admin042@contoso.test'", "ix_directory_audits_user_id" },
        { "startswith(initiatedBy/user/userPrincipalName, 'admin042@')", "ix_directory_audits_user_id" },
        { "initiatedBy/user/displayName eq 'Admin 042'", "ix_directory_audits_user_id" },
        { "contains(initiatedBy/user/userPrincipalName, 'min042@')", "ix_directory_audits_user_id" },
        { "initiatedBy/app/appId eq '00000000-0000-4000-a000-000000000007'", "ix_directory_audits_app_id" },
        { "initiatedBy/app/displayName eq 'Automation 07'", "ix_directory_audits_app_id" },
        { "initiatedBy/app/servicePrincipalId eq '00000000-0000-4000-b000-000000000007'", "ix_directory_audits_app_id" },
        { "targetResources/any(t: t/id eq '10000000-0000-4000-8000-000000012345')", "ix_directory_audit_targets_id" },
        // Target names and UPNs likewise, through target ids (TargetKeys).
        { "targetResources/any(t: t/displayName eq 'Group 0123')", "ix_directory_audit_targets_id" },
        { "targetResources/any(t: startswith(t/displayName, 'Group 012'))", "ix_directory_audit_targets_" },
        { "targetResources/any(t: t/type eq 'Role')", "ix_directory_audit_targets_type" },
        { "targetResources/any(t: startswith(t/userPrincipalName, 'user01234'))", "ix_directory_audit_targets_id" },
        { "targetResources/any(t: contains(t/userPrincipalName, 'r01234'))", "ix_directory_audit_targets_id" },
        { "targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'KeyDescription'))", "ix_directory_audit_targets_properties" },
        { "activityDisplayName eq 'Add member to role' or initiatedBy/user/id eq '00000000-0000-4000-c000-000000000042'", "ix_directory_audits_user_id" },
    };

    /// <summary>The sign-in log's filters of §3.1 (v1.0 scope: the list adds "interactive user" unless the event type is named).</summary>
    public static TheoryData<string, string> SignInFamilies => new()
    {
        { "userId eq '00000000-0000-4000-e000-000000001234'", "ix_sign_ins_user_id" },
        { "userPrincipalName eq 'user01234@contoso.test'", "ix_sign_ins_user_id" },
        { "startswith(userPrincipalName, 'user0123')", "ix_sign_ins_user_id" },
        { "userDisplayName eq 'User 01234'", "ix_sign_ins_user_id" },
        { "contains(userPrincipalName, 'r01234@')", "ix_sign_ins_user_id" },
        { "appId eq '00000000-0000-4000-d000-000000000007'", "ix_sign_ins_app_id" },
        { "appDisplayName eq 'Line-of-business app 07'", "ix_sign_ins_app_id" },
        { "ipAddress eq '198.51.34.34'", "ix_sign_ins_ip" },
        { "startswith(ipAddress, '198.51.34.')", "ix_sign_ins_ip" },
        { "status/errorCode eq 50053", "ix_sign_ins_error_code" },
        { "status/errorCode ne 0 and signInEventTypes/any(t: t eq 'servicePrincipal')", "ix_sign_ins_" },
        { "signInEventTypes/any(t: t eq 'servicePrincipal')", "ix_sign_ins_event_type" },
        { $"correlationId eq '{new Guid(1234, 11, 1, 0, 0, 0, 0, 0, 0, 0, 0)}'", "ix_sign_ins_correlation" },
        { "createdDateTime ge 2026-02-01T03:00:00Z and createdDateTime le 2026-02-01T03:05:00Z", "ix_sign_ins_time" },
        { "deviceDetail/browser eq 'Firefox 133.0'", "ix_sign_ins_browser" },
        { "startswith(deviceDetail/operatingSystem, 'Ios')", "ix_sign_ins_os" },
        { "clientAppUsed eq 'Browser'", "ix_sign_ins_" },
        { "resourceId eq '00000003-0000-0000-c000-000000000000' and status/errorCode eq 50126", "ix_sign_ins_error_code" },
        { "riskState eq 'atRisk'", "ix_sign_ins_risk_state" },
        { "conditionalAccessStatus eq 'failure'", "ix_sign_ins_ca_status" },
        { "location/city eq 'Redmond'", "ix_sign_ins_city" },
    };

    [Theory]
    [MemberData(nameof(SignInFamilies))]
    public async Task Every_sign_in_filter_is_answered_from_an_index(string filter, string index) =>
        await AssertIndexedAsync(new LogQuery
        {
            Log = LogName.SignIns, TenantId = db.Tenant, Top = 100, Filter = FilterParser.Parse(filter, SignInsLog.Definition),
        }, index);

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Every_filter_family_is_answered_from_an_index(string filter, string index) =>
        await AssertIndexedAsync(new LogQuery { TenantId = db.Tenant, Top = 100, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) }, index);

    private async Task AssertIndexedAsync(LogQuery query, string index)
    {

        var plan = JsonNode.Parse(await db.Store.ExplainAsync(query, TestContext.Current.CancellationToken))![0]!["Plan"]!;
        var nodes = Flatten(plan).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(plan.ToJsonString());

        var scans = nodes.Where(n => ((string)n["Node Type"]!).Contains("Scan", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(scans, n => (string)n["Node Type"]! == "Seq Scan");
        // A bitmap heap scan reads the rows its bitmap index scan child found; every other scan names its index.
        Assert.All(scans.Where(n => (string)n["Node Type"]! != "Bitmap Heap Scan"), n => Assert.NotNull(n["Index Name"]));
        Assert.Contains(scans, n => (string?)n["Index Name"] is { } name && name.StartsWith(index, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("result eq 'success'")]
    [InlineData("loggedByService eq 'Core Directory'")]
    [InlineData("contains(initiatedBy/user/userPrincipalName, '@contoso')")]
    public async Task Common_values_walk_the_commit_order_and_stop_after_a_page(string filter)
    {
        var query = new LogQuery { TenantId = db.Tenant, Top = 100, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };

        var plan = JsonNode.Parse(await db.Store.ExplainAsync(query, TestContext.Current.CancellationToken))![0]!["Plan"]!;

        Assert.Equal("Limit", (string)plan["Node Type"]!);
        Assert.DoesNotContain(Flatten(plan), n => (string)n["Node Type"]! is "Seq Scan" or "Sort");
    }

    [Theory]
    [InlineData("activityDisplayName eq 'Add member to role' or initiatedBy/user/id eq '00000000-0000-4000-c000-000000000042'")]
    [InlineData("activityDisplayName in ('Add member to role', 'Remove member from role', 'Delete application')")]
    [InlineData("targetResources/any(t: t/type eq 'Role')")]
    [InlineData("targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'KeyDescription'))")]
    [InlineData("startswith(activityDisplayName, 'Add member')")]
    [InlineData("startswith(initiatedBy/user/userPrincipalName, 'admin04')")]
    [InlineData("targetResources/any(t: contains(t/userPrincipalName, 'r01234'))")]
    public async Task Ors_ins_prefixes_and_side_tables_read_at_most_a_page_per_index_walk(string filter)
    {
        var query = new LogQuery { TenantId = db.Tenant, Top = 100, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };

        var plan = JsonNode.Parse(await db.Store.ExplainAsync(query, TestContext.Current.CancellationToken))![0]!["Plan"]!;

        // Every walk is cut at a page (Limit under the union or group), so whatever is sorted is a few pages, not every match.
        var nodes = Flatten(plan).ToList();
        Assert.Contains(nodes.Skip(1), n => (string)n["Node Type"]! == "Limit");
        Assert.All(nodes.Where(n => (string)n["Node Type"]! == "Sort"), n => Assert.True((double)n["Plan Rows"]! <= 16 * 101, plan.ToJsonString()));
    }

    private static IEnumerable<JsonNode> Flatten(JsonNode node) =>
        new[] { node }.Concat((node["Plans"]?.AsArray() ?? []).SelectMany(child => Flatten(child!)));
}
