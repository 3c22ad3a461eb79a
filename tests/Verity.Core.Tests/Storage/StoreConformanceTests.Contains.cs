using Verity.Core.Model;
using Verity.Core.Query;
using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// contains() through the term dictionary: a text held by a few values becomes an in over them, one held by many
/// keeps the commit-order walk, one held by none matches nothing; every path must find exactly what an ordinal,
/// case-sensitive substring test over the entries finds, including entries appended after the dictionary was read.
/// </summary>
public abstract partial class StoreConformanceTests
{
    private static DirectoryAudit Searchable(int n, string upn, string targetUpn) => new()
    {
        Id = $"Directory_contains-{n}_ABCDE_{5000 + n}",
        Category = "UserManagement",
        CorrelationId = $"corr-{n}",
        Result = AuditResult.Success,
        ActivityDisplayName = n % 2 == 0 ? "Update user" : "Add user",
        ActivityDateTime = Day.AddMinutes(n),
        OperationType = "Update",
        InitiatedBy = new AuditInitiator(new UserIdentity($"u-{n}", $"Name {upn}", upn, "203.0.113.9"), null),
        TargetResources = [new TargetResource { Id = $"t-{n}", DisplayName = $"Target {targetUpn}", Type = "User", UserPrincipalName = targetUpn }],
        LoggedByService = "Core Directory",
    };

    [Theory]
    [InlineData("contains(initiatedBy/user/userPrincipalName, 'bulk')", "bulk")]           // 40 values: the walk
    [InlineData("contains(initiatedBy/user/userPrincipalName, 'bulk07')", "bulk07")]       // one value
    [InlineData("contains(initiatedBy/user/userPrincipalName, 'BULK')", "BULK")]           // case counts: none
    [InlineData("contains(initiatedBy/user/userPrincipalName, 'k1')", "k1")]               // 10 values
    [InlineData("contains(initiatedBy/user/displayName, 'Name solo')", "Name solo")]
    [InlineData("targetResources/any(t: contains(t/userPrincipalName, 'x1'))", "x1")]       // 11 target values
    [InlineData("targetResources/any(t: contains(t/displayName, 'Target x3'))", "Target x3")]
    [InlineData("contains(initiatedBy/user/userPrincipalName, 'nothing-like-it')", "nothing-like-it")]
    public async Task Contains_finds_what_a_substring_test_finds_whether_its_text_names_none_few_or_many_values(string filter, string text)
    {
        var tenant = await NewTenantAsync();
        var noise = await NewTenantAsync();
        var audits = Enumerable.Range(0, 40).Select(n => Searchable(n, $"bulk{n:D2}@contoso.test", $"x{n}@contoso.test"))
            .Append(Searchable(40, "solo@contoso.test", "x-solo@contoso.test")).ToList();
        await Log.AppendAsync([.. audits.Select(a => DirectoryAuditsLog.Entry(tenant, a)), .. audits.Select(a => DirectoryAuditsLog.Entry(noise, a))], Ct);
        var parsed = FilterParser.Parse(filter, DirectoryAuditsLog.Definition);
        bool Matches(DirectoryAudit a) => filter.StartsWith("targetResources", StringComparison.Ordinal)
            ? a.TargetResources.Any(t => (filter.Contains("displayName", StringComparison.Ordinal) ? t.DisplayName : t.UserPrincipalName)!.Contains(text, StringComparison.Ordinal))
            : (filter.Contains("displayName", StringComparison.Ordinal) ? a.InitiatedBy.User!.DisplayName : a.InitiatedBy.User!.UserPrincipalName)!.Contains(text, StringComparison.Ordinal);

        var expected = audits.Where(Matches).Select(a => a.Id).Reverse().ToList();
        Assert.Equal(expected, await AllIdsAsync(tenant, parsed, descending: true));
        Assert.Equal(expected.AsEnumerable().Reverse(), await AllIdsAsync(tenant, parsed, descending: false));
        Assert.Equal(expected.Count, await Log.CountAsync(new LogQuery { TenantId = tenant, Top = 1, Filter = parsed }, Ct));

        // A value first seen after the query above is found too: an entry and its terms commit together.
        var late = Searchable(41, $"late-{text}@contoso.test", $"late-{text}@contoso.test");
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, late)], Ct);
        var withLate = (Matches(late) ? new[] { late.Id } : []).Concat(expected).ToList();
        Assert.Equal(withLate, await AllIdsAsync(tenant, parsed, descending: true));
    }

    [Fact]
    public async Task Contains_combines_with_and_or_and_not()
    {
        var tenant = await NewTenantAsync();
        var audits = Enumerable.Range(0, 20).Select(n => Searchable(n, $"bulk{n:D2}@contoso.test", $"x{n}@contoso.test")).ToList();
        await Log.AppendAsync([.. audits.Select(a => DirectoryAuditsLog.Entry(tenant, a))], Ct);

        string Id(int n) => $"Directory_contains-{n}_ABCDE_{5000 + n}";

        Assert.Equal([Id(12)], await AllIdsAsync(tenant, FilterParser.Parse(
            "contains(initiatedBy/user/userPrincipalName, 'bulk1') and activityDisplayName eq 'Update user' and targetResources/any(t: contains(t/userPrincipalName, 'x12'))", DirectoryAuditsLog.Definition), descending: true));
        Assert.Equal([Id(19), Id(3)], await AllIdsAsync(tenant, FilterParser.Parse(
            "contains(initiatedBy/user/userPrincipalName, 'bulk19') or targetResources/any(t: contains(t/userPrincipalName, 'x3@'))", DirectoryAuditsLog.Definition), descending: true));
        Assert.Equal([.. Enumerable.Range(10, 10).Reverse().Select(Id), Id(5)], await AllIdsAsync(tenant, FilterParser.Parse(
            "not(contains(initiatedBy/user/userPrincipalName, 'bulk0')) or contains(initiatedBy/user/userPrincipalName, 'bulk05')", DirectoryAuditsLog.Definition), descending: true));
    }

    /// <summary>Every matching entry's id, paging three at a time.</summary>
    private async Task<List<string>> AllIdsAsync(Guid tenant, LogFilter filter, bool descending)
    {
        var ids = new List<string>();
        long? after = null;
        while (true)
        {
            var page = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 3, Filter = filter, Descending = descending, AfterSeq = after }, Ct);
            ids.AddRange(page.Entries.Select(e => e.Id));
            if (!page.HasMore)
            {
                return ids;
            }
            after = page.Entries[^1].Seq;
        }
    }
}
