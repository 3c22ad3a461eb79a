using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

public abstract partial class StoreConformanceTests
{
    private async Task<Guid> PeopleAsync(params (string Upn, string? DisplayName, bool Enabled)[] people)
    {
        var tenant = await NewTenantAsync();
        var users = people.Select(p =>
        {
            var user = User(tenant, p.Upn);
            user.Data["displayName"] = p.DisplayName;
            user.Data["accountEnabled"] = p.Enabled;
            return new InsertObject(user);
        });
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [.. users], Audits = [] }], Ct);
        return tenant;
    }

    private async Task<List<string?>> NamesAsync(Guid tenant, ObjectFilter filter) =>
        [.. (await Directory.QueryObjectsAsync(new ObjectQuery { TenantId = tenant, Kind = "user", Filter = filter, OrderBy = "displayName" }, Ct))
            .Objects.Select(o => (string?)o.Data["displayName"])];

    [Fact]
    public async Task Object_filters_compare_case_insensitively_and_treat_quotes_and_wildcards_as_text()
    {
        var tenant = await PeopleAsync(("a@x.test", "O'Brien", true), ("b@x.test", "50% off", false), ("c@x.test", "500 Club", true),
            ("d@x.test", "ada_lovelace", true), ("e@x.test", "adaXlovelace", true), ("f@x.test", null, true), ("g@x.test", "Drive-Team (EU)", true));

        Assert.Equal(["O'Brien"], await NamesAsync(tenant, new ObjectCompare("displayName", CompareOp.Eq, "o'brien")));
        Assert.Equal(["50% off"], await NamesAsync(tenant, new ObjectStartsWith("displayName", "50%")));
        Assert.Equal(["ada_lovelace"], await NamesAsync(tenant, new ObjectStartsWith("displayName", "ADA_")));
        Assert.Equal(["ada_lovelace"], await NamesAsync(tenant, new ObjectWordPrefix("displayName", "love")));
        Assert.Equal(["Drive-Team (EU)"], await NamesAsync(tenant, new ObjectAnd(new ObjectWordPrefix("displayName", "team"), new ObjectWordPrefix("displayName", "eu"))));
        Assert.Equal(["50% off"], await NamesAsync(tenant, new ObjectCompare("accountEnabled", CompareOp.Eq, false)));
        Assert.Equal(["50% off"], await NamesAsync(tenant, new ObjectNot(new ObjectCompare("accountEnabled", CompareOp.Eq, true))));
        Assert.Equal([null], await NamesAsync(tenant, new ObjectCompare("displayName", CompareOp.Eq, null)));
        Assert.Equal([null, "50% off"], await NamesAsync(tenant, new ObjectIn("userPrincipalName", ["F@x.test", "b@x.test"])));
        Assert.Equal(6, (await NamesAsync(tenant, new ObjectCompare("displayName", CompareOp.Ne, "500 club"))).Count);
        Assert.Equal(["50% off", "500 Club"], await NamesAsync(tenant, new ObjectAnd(new ObjectCompare("displayName", CompareOp.Ge, "5"),
            new ObjectCompare("displayName", CompareOp.Le, "6"))));
        Assert.Equal(["Drive-Team (EU)"], await NamesAsync(tenant, new ObjectEndsWith("displayName", "(eu)")));
    }

    [Fact]
    public async Task Object_pages_follow_the_sort_key_then_id_and_count_every_match()
    {
        var tenant = await PeopleAsync([.. Enumerable.Range(0, 11).Select(i => ($"u{i}@x.test", i % 4 == 0 ? null : $"Name {i % 3}", true))]);
        var query = new ObjectQuery { TenantId = tenant, Kind = "user", OrderBy = "displayName", Descending = true, Top = 4 };

        var seen = new List<StoredObject>();
        for (ObjectCursor? after = null; ;)
        {
            var page = await Directory.QueryObjectsAsync(query with { After = after }, Ct);
            seen.AddRange(page.Objects);
            if ((after = page.Next) is null)
            {
                break;
            }
        }
        var count = await Directory.CountObjectsAsync(query with { Filter = new ObjectCompare("displayName", CompareOp.Ne, null) }, Ct);

        var expected = seen.OrderByDescending(o => (string?)o.Data["displayName"] ?? "", StringComparer.Ordinal).ThenByDescending(o => o.Id, StringComparer.Ordinal);
        Assert.Equal(11, seen.Select(o => o.Id).Distinct().Count());
        Assert.Equal(expected.Select(o => o.Id), seen.Select(o => o.Id));
        Assert.Equal(8, count);
    }
}
