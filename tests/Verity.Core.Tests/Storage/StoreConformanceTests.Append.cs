using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Append_assigns_gap_free_sequence_numbers_per_tenant_in_order()
    {
        var a = await NewTenantAsync();
        var b = await NewTenantAsync();
        var entries = new[] { (a, Audit()), (b, Audit()), (a, Audit()), (a, Audit()), (b, Audit()) }
            .Select(x => DirectoryAuditsLog.Entry(x.Item1, x.Item2)).ToList();

        var seqs = await Log.AppendAsync(entries, Ct);
        var more = await Log.AppendAsync([DirectoryAuditsLog.Entry(a, Audit())], Ct);

        Assert.Equal([1L, 1, 2, 3, 2], seqs);
        Assert.Equal([4L], more);
        Assert.Equal([1L, 2, 3, 4], (await AllEntriesAsync(a)).Select(e => e.Seq));
        Assert.Equal([1L, 2], (await AllEntriesAsync(b)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Bulk_append_continues_the_sequence_and_its_entries_are_filterable()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);
        var generated = SyntheticAudits.Generate(tenant, 2_500).ToList();

        var count = await Log.BulkAppendAsync(generated, 1_000, Ct);
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);

        Assert.Equal(2_500, count);
        var all = await AllEntriesAsync(tenant);
        Assert.Equal(Enumerable.Range(1, 2_502).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.Equal(generated.Select(g => g.Json), all.Skip(1).Take(2_500).Select(e => e.Json));
        var filter = FilterParser.Parse("targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'KeyDescription'))", DirectoryAuditsLog.Definition);
        var expected = generated.Where(g => g.Items.Any(t => t.PropertyNames.Contains("KeyDescription"))).Select(g => g.Id).Reverse().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, (await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 1_000, Filter = filter }, Ct)).Entries.Select(e => e.Id));
    }

    [Fact]
    public async Task Stored_json_is_returned_byte_for_byte()
    {
        var tenant = await NewTenantAsync();
        var audit = Audit() with { ResultReason = "ünïcode “quotes” \\ \"escaped\"" };
        var entry = DirectoryAuditsLog.Entry(tenant, audit);

        await Log.AppendAsync([entry], Ct);
        var read = await Log.GetAsync(tenant, LogName.DirectoryAudits, audit.Id, Ct);

        Assert.NotNull(read);
        Assert.Equal(entry.Json, read.Json);
        Assert.Equal(audit.ActivityDateTime, read.Time);
    }

    [Fact]
    public async Task Entries_of_another_tenant_are_invisible()
    {
        var a = await NewTenantAsync();
        var b = await NewTenantAsync();
        var audit = Audit();
        await Log.AppendAsync([DirectoryAuditsLog.Entry(a, audit)], Ct);

        Assert.Null(await Log.GetAsync(b, LogName.DirectoryAudits, audit.Id, Ct));
        Assert.Empty(await AllEntriesAsync(b));
    }

    [Fact]
    public async Task Query_pages_newest_first_by_commit_order_without_gaps_or_duplicates()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([.. Enumerable.Range(0, 25).Select(_ => DirectoryAuditsLog.Entry(tenant, Audit()))], Ct);
        var seen = new List<long>();
        long? after = null;

        while (true)
        {
            var page = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 7, AfterSeq = after }, Ct);
            seen.AddRange(page.Entries.Select(e => e.Seq));
            if (!page.HasMore)
            {
                break;
            }
            after = page.Entries[^1].Seq;
        }

        Assert.Equal(Enumerable.Range(1, 25).Reverse().Select(i => (long)i), seen);
    }

    [Fact]
    public async Task The_database_refuses_update_and_delete_on_the_log()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);

        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("update directory_audits set category = 'Tampered'"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("delete from directory_audits"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("update directory_audit_targets set type = 'Tampered'"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("delete from directory_audit_targets"));

        var entries = await AllEntriesAsync(tenant);
        Assert.Single(entries);
        Assert.DoesNotContain("Tampered", System.Text.Encoding.UTF8.GetString(entries[0].Json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrating_again_changes_nothing()
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);

        await Directory.MigrateAsync(Ct);

        Assert.Single(await AllEntriesAsync(tenant));
    }

    [Fact]
    public async Task A_deleted_setting_is_gone_and_deleting_a_missing_one_is_harmless()
    {
        var key = "test-" + Guid.NewGuid();
        await Directory.SetSettingAsync(key, "one", Ct);

        await Directory.DeleteSettingAsync(key, Ct);
        await Directory.DeleteSettingAsync(key, Ct);

        Assert.Null(await Directory.GetSettingAsync(key, Ct));
    }
}
