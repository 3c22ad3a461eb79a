using Verity.Core.Model;
using Verity.Core.Query;
using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>The $filter golden table: each query, parsed as a client sends it, must return exactly these entries.</summary>
public abstract partial class StoreConformanceTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Entries e0…e7, oldest first. Their names say what each query should find.</summary>
    private static IEnumerable<(string Name, DirectoryAudit Audit)> GoldenEntries()
    {
        var admin = new AuditInitiator(new UserIdentity("u-admin", "Ada Admin", "ada@contoso.test", "203.0.113.1"), null);
        var helpdesk = new AuditInitiator(new UserIdentity("u-help", "Hal Help", "hal@contoso.test", "203.0.113.2"), null);
        var app = new AuditInitiator(null, new AppIdentity("app-1", "Payroll Sync", "sp-1", "app-1"));
        TargetResource User(string id, string upn, string name) => new() { Id = id, DisplayName = name, Type = "User", UserPrincipalName = upn };
        ModifiedProperty[] Changed(params string[] names) => [.. names.Select(n => new ModifiedProperty(n, "[\"old\"]", "[\"new\"]"))];
        TargetResource Group(string id, string name) => new() { Id = id, DisplayName = name, Type = "Group" };
        DirectoryAudit Entry(int n, string activity, string category, string op, AuditInitiator by, AuditResult result, params TargetResource[] targets) => new()
        {
            Id = $"Directory_golden-{n}_ABCDE_{1000 + n}",
            Category = category,
            CorrelationId = $"corr-{n % 3}",
            Result = result,
            ActivityDisplayName = activity,
            ActivityDateTime = Day.AddHours(n * 12),
            OperationType = op,
            InitiatedBy = by,
            TargetResources = targets,
            LoggedByService = n == 7 ? "Self-service Password Management" : "Core Directory",
        };
        yield return ("e0", Entry(0, "Add user", "UserManagement", "Add", admin, AuditResult.Success, User("t-bob", "bob@contoso.test", "Bob Builder")));
        yield return ("e1", Entry(1, "Update user", "UserManagement", "Update", helpdesk, AuditResult.Success,
            User("t-bob", "bob@contoso.test", "Bob Builder") with { ModifiedProperties = Changed("AccountEnabled", "Included Updated Properties") }));
        yield return ("e2", Entry(2, "Add group", "GroupManagement", "Add", admin, AuditResult.Success, Group("t-fin", "Finance Team")));
        yield return ("e3", Entry(3, "Add member to group", "GroupManagement", "Assign", app, AuditResult.Success,
            User("t-carol", "carol@contoso.test", "Carol Jones"), Group("t-fin", "Finance Team")));
        yield return ("e4", Entry(4, "Add user", "UserManagement", "Add", helpdesk, AuditResult.Failure, User("t-dan", "dan@contoso.test", "Dan Fail")));
        yield return ("e5", Entry(5, "Add application", "ApplicationManagement", "Add", admin, AuditResult.Success,
            new TargetResource { Id = "t-app", DisplayName = "Expense Portal", Type = "Application" }));
        yield return ("e6", Entry(6, "Update user", "UserManagement", "Update", app, AuditResult.Success,
            User("t-carol", "carol@contoso.test", "Carol Jones") with { ModifiedProperties = Changed("DisplayName", "Included Updated Properties") }));
        yield return ("e7", Entry(7, "Reset password (self-service)", "UserManagement", "Update", helpdesk, AuditResult.Success,
            User("t-hal", "hal@contoso.test", "Hal Help")));
    }

    public static TheoryData<string, string> GoldenQueries => new()
    {
        { "activityDateTime ge 2026-03-02T00:00:00Z", "e7 e6 e5 e4 e3 e2" },
        { "activityDateTime le 2026-03-02", "e2 e1 e0" },
        { "activityDateTime gt 2026-03-02T00:00:00Z and activityDateTime lt 2026-03-03T12:00:00Z", "e4 e3" },
        { "activityDateTime eq 2026-03-01T12:00:00Z", "e1" },
        { "activityDisplayName eq 'Add user'", "e4 e0" },
        { "startswith(activityDisplayName, 'Add')", "e5 e4 e3 e2 e0" },
        { "contains(activityDisplayName, 'member')", "e3" },
        { "category eq 'GroupManagement'", "e3 e2" },
        { "category in ('GroupManagement', 'ApplicationManagement')", "e5 e3 e2" },
        { "correlationId eq 'corr-1'", "e7 e4 e1" },
        { "id eq 'Directory_golden-5_ABCDE_1005'", "e5" },
        { "id eq 'Directory_golden-5_ABCDE_1004'", "" },
        { "loggedByService eq 'Self-service Password Management'", "e7" },
        { "result eq 'failure'", "e4" },
        { "result ne 'success'", "e4" },
        { "operationType eq 'Assign'", "e3" },
        { "initiatedBy/user/id eq 'u-help'", "e7 e4 e1" },
        { "initiatedBy/user/displayName eq 'Ada Admin'", "e5 e2 e0" },
        { "initiatedBy/user/userPrincipalName eq 'hal@contoso.test'", "e7 e4 e1" },
        { "startswith(initiatedBy/user/userPrincipalName, 'ad')", "e5 e2 e0" },
        { "initiatedBy/app/appId eq 'app-1'", "e6 e3" },
        { "initiatedBy/app/displayName eq 'Payroll Sync'", "e6 e3" },
        { "initiatedBy/app/servicePrincipalId eq 'sp-1'", "e6 e3" },
        { "targetResources/any(t: t/id eq 't-bob')", "e1 e0" },
        { "targetResources/any(t: t/displayName eq 'Finance Team')", "e3 e2" },
        { "targetResources/any(x: startswith(x/displayName, 'Car'))", "e6 e3" },
        { "targetResources/any(t: t/type eq 'Application')", "e5" },
        { "targetResources/any(t: startswith(t/userPrincipalName, 'carol@'))", "e6 e3" },
        { "targetResources/any(t: t/type eq 'Group' and t/displayName eq 'Finance Team')", "e3 e2" },
        { "category eq 'UserManagement' and result eq 'success'", "e7 e6 e1 e0" },
        { "category eq 'ApplicationManagement' or operationType eq 'Assign'", "e5 e3" },
        { "(category eq 'GroupManagement' or category eq 'ApplicationManagement') and initiatedBy/user/id eq 'u-admin'", "e5 e2" },
        { "not (category eq 'UserManagement')", "e5 e3 e2" },
        { "activityDisplayName eq 'Add user' and targetResources/any(t: t/id eq 't-dan')", "e4" },
        { "startswith(activityDisplayName, 'Reset') and activityDateTime ge 2026-03-04", "e7" },
        { "activityDateTime lt 2026-03-01T12:00:00Z", "e0" },
        { "activityDateTime ne 2026-03-01T00:00:00Z", "e7 e6 e5 e4 e3 e2 e1" },
        { "activityDateTime ge 2026-03-04T00:00:00Z", "e7 e6" },
        { "activityDisplayName eq 'Update user'", "e6 e1" },
        { "activityDisplayName ne 'Update user'", "e7 e5 e4 e3 e2 e0" },
        { "activityDisplayName in ('Add group', 'Add application')", "e5 e2" },
        { "startswith(activityDisplayName, 'Reset password')", "e7" },
        { "contains(activityDisplayName, 'user')", "e6 e4 e1 e0" },
        { "category ne 'UserManagement'", "e5 e3 e2" },
        { "correlationId in ('corr-0', 'corr-2')", "e6 e5 e3 e2 e0" },
        { "id in ('Directory_golden-0_ABCDE_1000', 'Directory_golden-7_ABCDE_1007')", "e7 e0" },
        { "loggedByService eq 'Core Directory'", "e6 e5 e4 e3 e2 e1 e0" },
        { "loggedByService ne 'Core Directory'", "e7" },
        { "result in ('failure', 'timeout')", "e4" },
        { "operationType in ('Add', 'Assign')", "e5 e4 e3 e2 e0" },
        { "operationType ne 'Update'", "e5 e4 e3 e2 e0" },
        { "initiatedBy/user/id in ('u-admin')", "e5 e2 e0" },
        { "contains(initiatedBy/user/displayName, 'Help')", "e7 e4 e1" },
        { "startswith(initiatedBy/app/displayName, 'Pay')", "e6 e3" },
        { "initiatedBy/app/appId eq 'nope'", "" },
        { "targetResources/any(t: t/id in ('t-dan', 't-app'))", "e5 e4" },
        { "targetResources/any(t: contains(t/displayName, 'Jones'))", "e6 e3" },
        { "targetResources/any(t: t/type eq 'User') and category eq 'GroupManagement'", "e3" },
        { "targetResources/any(t: t/userPrincipalName eq 'hal@contoso.test')", "e7" },
        { "not targetResources/any(t: t/type eq 'User')", "e5 e2" },
        { "targetResources/any(t: t/displayName eq 'Finance Team' or t/id eq 't-bob')", "e3 e2 e1 e0" },
        { "result eq microsoft.graph.operationResult'failure'", "e4" },
        { "activityDateTime ge 2026-03-02 and activityDateTime le 2026-03-03 and category eq 'GroupManagement'", "e3 e2" },
        { "startswith(initiatedBy/user/userPrincipalName, 'zz')", "" },
        { "targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'AccountEnabled'))", "e1" },
        { "targetResources/any(t: t/modifiedProperties/any(p: startswith(p/displayName, 'Included')))", "e6 e1" },
        { "targetResources/any(t: t/id eq 't-carol' and t/modifiedProperties/any(p: p/displayName in ('DisplayName', 'AccountEnabled')))", "e6" },
        { "targetResources/any(t: t/id eq 't-bob' and t/modifiedProperties/any(p: p/displayName eq 'DisplayName'))", "" },
        { "contains(activityDisplayName, '%')", "" },
        { "contains(activityDisplayName, 'd_u')", "" },
        { "contains(activityDisplayName, 'd u')", "e4 e0" },
        { "startswith(activityDisplayName, 'Add user')", "e4 e0" },
        { "startswith(activityDisplayName, 'Add userz')", "" },
    };

    [Theory]
    [MemberData(nameof(GoldenQueries))]
    public async Task Golden_filters_return_exactly_their_entries_newest_first(string filter, string expected)
    {
        if (expected == "ERROR")
        {
            Assert.Throws<QueryException>(() => FilterParser.Parse(filter, DirectoryAuditsLog.Definition));
            return;
        }
        var tenant = await NewTenantAsync();
        var noise = await NewTenantAsync();
        var golden = GoldenEntries().ToList();
        await Log.AppendAsync([.. golden.Select(g => DirectoryAuditsLog.Entry(tenant, g.Audit)), .. golden.Select(g => DirectoryAuditsLog.Entry(noise, g.Audit))], Ct);
        var names = golden.ToDictionary(g => g.Audit.Id, g => g.Name);
        var query = new LogQuery { TenantId = tenant, Top = 100, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };

        var page = await Log.QueryAsync(query, Ct);
        var count = await Log.CountAsync(query, Ct);

        var found = string.Join(' ', page.Entries.Select(e => names[e.Id]));
        Assert.Equal(expected, found);
        Assert.Equal(page.Entries.Count, count);
    }

    public static TheoryData<string, string> RenamedTargetQueries() => new()
    {
        { "targetResources/any(t: t/displayName eq 'Old Name')", "r3 r2 r0" },
        { "targetResources/any(t: t/displayName eq 'New Name')", "r4 r1" },
        { "targetResources/any(t: t/displayName eq 'New Name' and t/type eq 'User')", "r4 r1" },
        { "targetResources/any(t: t/displayName in ('Old Name', 'Never'))", "r3 r2 r0" },
        { "targetResources/any(t: startswith(t/displayName, 'Old'))", "r3 r2 r0" },
        { "targetResources/any(t: contains(t/displayName, 'ld Na'))", "r3 r2 r0" },
        { "targetResources/any(t: t/userPrincipalName eq 'old@contoso.test')", "r2 r0" },
        { "targetResources/any(t: t/userPrincipalName eq 'new@contoso.test')", "r4" },
        { "targetResources/any(t: t/displayName eq 'Old Name') and result eq 'failure'", "r2" },
    };

    /// <summary>
    /// A target renamed (and given a new UPN) matches a name only by the entries that carried it; a target without an
    /// id (a failed create) and a second object with the same name are found too. SQLite finds names through the ids
    /// that carried them (TargetKeys), so each of these is a case it must get right.
    /// </summary>
    [Theory]
    [MemberData(nameof(RenamedTargetQueries))]
    public async Task A_target_name_finds_the_entries_that_carried_it_across_renames_and_missing_ids(string filter, string expected)
    {
        var tenant = await NewTenantAsync();
        TargetResource Target(string? id, string name, string? upn) => new() { Id = id, DisplayName = name, Type = "User", UserPrincipalName = upn };
        DirectoryAudit Entry(int n, AuditResult result, TargetResource target) => AdminUpdate("r", n, target) with { Result = result };
        var entries = new (string Name, DirectoryAudit Audit)[]
        {
            ("r0", Entry(0, AuditResult.Success, Target("t-ren", "Old Name", "old@contoso.test"))),
            ("r1", Entry(1, AuditResult.Success, Target("t-ren", "New Name", null))),
            ("r2", Entry(2, AuditResult.Failure, Target(null, "Old Name", "old@contoso.test"))),
            ("r3", Entry(3, AuditResult.Success, Target("t-other", "Old Name", null))),
            ("r4", Entry(4, AuditResult.Success, Target("t-ren", "New Name", "new@contoso.test"))),
        };
        await Log.AppendAsync([.. entries.Select(e => DirectoryAuditsLog.Entry(tenant, e.Audit))], Ct);

        await AssertPagedAsync(tenant, filter, entries.ToDictionary(e => e.Audit.Id, e => e.Name), expected);
    }

    public static TheoryData<string, string> SharedActivityQueries => new()
    {
        { "category eq 'UserManagement'", "k1 k0" },
        { "category eq 'Provisioning'", "k2" },
        { "operationType eq 'Update' and not (category eq 'Provisioning')", "k1" },
        { "category eq 'Provisioning' or category eq 'GroupManagement'", "k3 k2" },
        { "category eq 'Provisioning' or operationType eq 'Add'", "k3 k2 k0" },
        { "category in ('UserManagement', 'Provisioning') and activityDisplayName eq 'Update user'", "k2 k1" },
        { "category eq 'Nothing'", "" },
    };

    /// <summary>
    /// An activity logged under two categories (an import, a later catalogue) must still be told apart by category and
    /// operation type: a store may not assume that an activity names its kind.
    /// </summary>
    [Theory]
    [MemberData(nameof(SharedActivityQueries))]
    public async Task A_category_is_told_apart_when_one_activity_is_logged_under_two(string filter, string expected)
    {
        var tenant = await NewTenantAsync();
        DirectoryAudit Entry(int n, string activity, string category, string op) =>
            AdminUpdate("k", n, new TargetResource { Id = "t-kind", DisplayName = "Kim Kind", Type = "User" }) with { ActivityDisplayName = activity, Category = category, OperationType = op };
        var entries = new (string Name, DirectoryAudit Audit)[]
        {
            ("k0", Entry(0, "Add user", "UserManagement", "Add")),
            ("k1", Entry(1, "Update user", "UserManagement", "Update")),
            ("k2", Entry(2, "Update user", "Provisioning", "Update")),
            ("k3", Entry(3, "Add group", "GroupManagement", "Add")),
        };
        await Log.AppendAsync([.. entries.Select(e => DirectoryAuditsLog.Entry(tenant, e.Audit))], Ct);

        await AssertPagedAsync(tenant, filter, entries.ToDictionary(e => e.Audit.Id, e => e.Name), expected);
    }

    /// <summary>A successful "Update user" of one target by Ada Admin, <paramref name="n"/> hours into <see cref="Day"/>; ids and correlation ids carry <paramref name="label"/>.</summary>
    private static DirectoryAudit AdminUpdate(string label, int n, TargetResource target) => new()
    {
        Id = $"Directory_{label}-{n}_ABCDE_{2000 + n}",
        Category = "UserManagement",
        CorrelationId = $"corr-{label}{n}",
        Result = AuditResult.Success,
        ActivityDisplayName = "Update user",
        ActivityDateTime = Day.AddHours(n),
        OperationType = "Update",
        InitiatedBy = new AuditInitiator(new UserIdentity("u-admin", "Ada Admin", "ada@contoso.test", null), null),
        TargetResources = [target],
        LoggedByService = "Core Directory",
    };

    /// <summary>The filter's matches, by name: as one page, as a count, and one entry per page through the keyset.</summary>
    private async Task AssertPagedAsync(Guid tenant, string filter, Dictionary<string, string> names, string expected)
    {
        var query = new LogQuery { TenantId = tenant, Top = 100, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };

        var page = await Log.QueryAsync(query, Ct);
        var count = await Log.CountAsync(query, Ct);
        var oneByOne = new List<string>();
        for (var next = await Log.QueryAsync(query with { Top = 1 }, Ct); next.Entries.Count > 0; next = await Log.QueryAsync(query with { Top = 1, AfterSeq = next.Entries[^1].Seq }, Ct))
        {
            oneByOne.Add(names[next.Entries[0].Id]);
        }

        Assert.Equal(expected, string.Join(' ', page.Entries.Select(e => names[e.Id])));
        Assert.Equal(page.Entries.Count, count);
        Assert.Equal(expected, string.Join(' ', oneByOne));
    }

    public static TheoryData<string, string> RenamedInitiatorQueries() => new()
    {
        { "initiatedBy/user/displayName eq 'Old Admin'", "i3 i2 i0" },
        { "initiatedBy/user/displayName eq 'New Admin'", "i4 i1" },
        { "initiatedBy/user/userPrincipalName eq 'old@contoso.test'", "i2 i0" },
        { "initiatedBy/user/userPrincipalName in ('new@contoso.test', 'never@contoso.test')", "i4 i1" },
        { "startswith(initiatedBy/user/userPrincipalName, 'old@')", "i2 i0" },
        { "contains(initiatedBy/user/displayName, 'ld Adm')", "i3 i2 i0" },
        { "initiatedBy/user/displayName eq 'Old Admin' and result eq 'failure'", "i2" },
        { "initiatedBy/app/displayName eq 'Robot'", "i6 i5" },
        { "initiatedBy/app/servicePrincipalId eq 'sp-1'", "i5" },
        { "initiatedBy/app/servicePrincipalId eq 'sp-2' or initiatedBy/user/userPrincipalName eq 'new@contoso.test'", "i6 i4 i1" },
    };

    /// <summary>
    /// An initiator renamed (and given a new UPN) matches a name only by the entries that carried it; an initiator
    /// without an id and a second user with the same name are found too. Both stores find initiator names, UPNs and
    /// service principals through the ids that carried them (InitiatorKeys), so each of these is a case they must get right.
    /// </summary>
    [Theory]
    [MemberData(nameof(RenamedInitiatorQueries))]
    public async Task An_initiator_name_finds_the_entries_that_carried_it_across_renames_and_missing_ids(string filter, string expected)
    {
        var tenant = await NewTenantAsync();
        AuditInitiator User(string? id, string name, string upn) => new(new UserIdentity(id, name, upn, null), null);
        AuditInitiator App(string? appId, string name, string spId) => new(null, new AppIdentity(appId, name, spId, name));
        DirectoryAudit Entry(int n, AuditResult result, AuditInitiator initiator) => new()
        {
            Id = $"Directory_initiator-{n}_ABCDE_{3000 + n}",
            Category = "UserManagement",
            CorrelationId = $"corr-i{n}",
            Result = result,
            ActivityDisplayName = "Update user",
            ActivityDateTime = Day.AddHours(n),
            OperationType = "Update",
            InitiatedBy = initiator,
            TargetResources = [new TargetResource { Id = "t-1", DisplayName = "Target", Type = "User" }],
            LoggedByService = "Core Directory",
        };
        var entries = new (string Name, DirectoryAudit Audit)[]
        {
            ("i0", Entry(0, AuditResult.Success, User("u-ren", "Old Admin", "old@contoso.test"))),
            ("i1", Entry(1, AuditResult.Success, User("u-ren", "New Admin", "new@contoso.test"))),
            ("i2", Entry(2, AuditResult.Failure, User(null, "Old Admin", "old@contoso.test"))),
            ("i3", Entry(3, AuditResult.Success, User("u-other", "Old Admin", "other@contoso.test"))),
            ("i4", Entry(4, AuditResult.Success, User("u-ren", "New Admin", "new@contoso.test"))),
            ("i5", Entry(5, AuditResult.Success, App("app-1", "Robot", "sp-1"))),
            ("i6", Entry(6, AuditResult.Success, App(null, "Robot", "sp-2"))),
        };
        await Log.AppendAsync([.. entries.Select(e => DirectoryAuditsLog.Entry(tenant, e.Audit))], Ct);

        await AssertPagedAsync(tenant, filter, entries.ToDictionary(e => e.Audit.Id, e => e.Name), expected);
    }

    [Fact]
    public async Task Filtered_pages_continue_by_commit_order()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([.. GoldenEntries().Select(g => DirectoryAuditsLog.Entry(tenant, g.Audit))], Ct);
        var filter = FilterParser.Parse("category eq 'UserManagement'", DirectoryAuditsLog.Definition);

        var first = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 2, Filter = filter }, Ct);
        var second = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 2, Filter = filter, AfterSeq = first.Entries[^1].Seq }, Ct);
        var third = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 2, Filter = filter, AfterSeq = second.Entries[^1].Seq }, Ct);

        Assert.True(first.HasMore);
        Assert.True(second.HasMore);
        Assert.False(third.HasMore);
        Assert.Equal([8L, 7, 5, 2, 1], first.Entries.Concat(second.Entries).Concat(third.Entries).Select(e => e.Seq));
    }

    [Fact]
    public async Task Aggregates_count_by_day_by_value_and_distinct_targets()
    {
        var tenant = await NewTenantAsync();
        var noise = await NewTenantAsync();
        var golden = GoldenEntries().ToList();
        await Log.AppendAsync([.. golden.Select(g => DirectoryAuditsLog.Entry(tenant, g.Audit)), .. golden.Select(g => DirectoryAuditsLog.Entry(noise, g.Audit))], Ct);
        var users = new LogQuery { TenantId = tenant, Top = 1, Filter = FilterParser.Parse("category eq 'UserManagement'", DirectoryAuditsLog.Definition) };
        var all = new LogQuery { TenantId = tenant, Top = 1 };

        Assert.Equal([new LogBucket("2026-03-01", 2), new("2026-03-03", 1), new("2026-03-04", 2)], await Log.CountByDayAsync(users, Ct));
        Assert.Equal([new LogBucket("Add user", 2), new("Update user", 2)], await Log.CountByAsync(users, DirectoryAuditsLog.ActivityDisplayName, 2, Ct));
        Assert.Equal([new LogBucket("Bob Builder", 2), new("Carol Jones", 2), new("Finance Team", 2)], await Log.CountByAsync(all, DirectoryAuditsLog.TargetDisplayName, 3, Ct));
        Assert.Equal(4, await Log.CountDistinctAsync(all, DirectoryAuditsLog.TargetId, (DirectoryAuditsLog.TargetType, "User"), Ct));
        Assert.Equal(1, await Log.CountDistinctAsync(users with { Filter = FilterParser.Parse("result eq 'failure'", DirectoryAuditsLog.Definition) }, DirectoryAuditsLog.TargetId, (DirectoryAuditsLog.TargetType, "User"), Ct));
    }

    [Theory]
    [InlineData("category eq 'GroupManagement' or operationType eq 'Update' or result eq 'failure'")]
    [InlineData("activityDisplayName in ('Add user', 'Update user', 'Add group')")]
    [InlineData("targetResources/any(t: t/type eq 'User')")]
    [InlineData("targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'Included Updated Properties'))")]
    [InlineData("targetResources/any(t: t/id eq 't-carol') or initiatedBy/user/id eq 'u-admin'")]
    public async Task Pages_of_unions_and_side_table_walks_match_the_whole_result_in_both_orders(string text)
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([.. GoldenEntries().Select(g => DirectoryAuditsLog.Entry(tenant, g.Audit))], Ct);
        var filter = FilterParser.Parse(text, DirectoryAuditsLog.Definition);

        foreach (var descending in new[] { true, false })
        {
            var whole = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 100, Filter = filter, Descending = descending }, Ct);
            var paged = new List<long>();
            long? after = null;
            while (true)
            {
                var page = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 1, Filter = filter, Descending = descending, AfterSeq = after }, Ct);
                paged.AddRange(page.Entries.Select(e => e.Seq));
                if (!page.HasMore)
                {
                    break;
                }
                after = page.Entries[^1].Seq;
            }
            Assert.True(whole.Entries.Count >= 2, text);
            Assert.Equal(whole.Entries.Select(e => e.Seq), paged);
            Assert.Equal(whole.Entries.Count, await Log.CountAsync(new LogQuery { TenantId = tenant, Top = 1, Filter = filter }, Ct));
        }
    }
}
