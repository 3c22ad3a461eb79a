using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task A_change_commits_its_rows_and_its_audit_entries_together()
    {
        var tenant = await NewTenantAsync();
        var user = User(tenant, "ada@contoso.test");
        var audit = Audit(targetId: user.Id);

        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [audit] }], Ct);

        var stored = await Directory.GetObjectAsync(tenant, user.Id, Ct);
        Assert.NotNull(stored);
        Assert.Equal(1, stored.Version);
        Assert.Equal("ada@contoso.test", (string?)stored.Data["userPrincipalName"]);
        Assert.Equal(audit.Id, Assert.Single(await AllEntriesAsync(tenant)).Id);
    }

    [Fact]
    public async Task A_change_whose_transaction_fails_leaves_no_entry_and_no_row()
    {
        var tenant = await NewTenantAsync();
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(User(tenant, "dup@contoso.test"))], Audits = [Audit()] }], Ct);
        var innocent = User(tenant, "innocent@contoso.test");
        var duplicate = User(tenant, "dup@contoso.test");

        var conflict = await Assert.ThrowsAsync<ChangeConflictException>(() => Directory.CommitAsync(
        [
            new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(innocent)], Audits = [Audit()] },
            new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(duplicate)], Audits = [Audit()] },
        ], Ct));

        Assert.Contains(conflict.Index, new[] { 1, -1 });
        Assert.Equal(ConflictKind.Duplicate, conflict.Kind);
        Assert.Null(await Directory.GetObjectAsync(tenant, innocent.Id, Ct));
        Assert.Single(await AllEntriesAsync(tenant));
        var next = await Log.AppendAsync([DirectoryAuditsLog.Entry(tenant, Audit())], Ct);
        Assert.Equal([2L], next);
    }

    [Fact]
    public async Task An_update_against_a_stale_version_is_a_conflict_and_changes_nothing()
    {
        var tenant = await NewTenantAsync();
        var user = User(tenant, "ver@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [] }], Ct);
        var v1 = (await Directory.GetObjectAsync(tenant, user.Id, Ct))!;
        var renamed = v1 with { Data = v1.Data.DeepClone().AsObject() };
        renamed.Data["displayName"] = "first";
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(renamed)], Audits = [Audit("Update user")] }], Ct);
        var stale = v1 with { Data = v1.Data.DeepClone().AsObject() };
        stale.Data["displayName"] = "second";

        var conflict = await Assert.ThrowsAsync<ChangeConflictException>(() =>
            Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(stale)], Audits = [Audit("Update user")] }], Ct));

        Assert.Equal(ConflictKind.Stale, conflict.Kind);
        var now = (await Directory.GetObjectAsync(tenant, user.Id, Ct))!;
        Assert.Equal(2, now.Version);
        Assert.Equal("first", (string?)now.Data["displayName"]);
        Assert.Single(await AllEntriesAsync(tenant));
    }

    [Fact]
    public async Task An_update_that_changes_the_lookup_key_moves_it_and_a_stale_one_changes_nothing()
    {
        var tenant = await NewTenantAsync();
        var user = User(tenant, "old@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [] }], Ct);
        var v1 = (await Directory.GetObjectAsync(tenant, user.Id, Ct))!;

        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(v1 with { LookupKey = "new@contoso.test" })], Audits = [] }], Ct);
        var conflict = await Assert.ThrowsAsync<ChangeConflictException>(() => Directory.CommitAsync(
            [new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(v1 with { LookupKey = "third@contoso.test" })], Audits = [] }], Ct));

        Assert.Equal(ConflictKind.Stale, conflict.Kind);
        Assert.Null(await Directory.FindObjectAsync(tenant, "user", "old@contoso.test", Ct));
        Assert.Null(await Directory.FindObjectAsync(tenant, "user", "third@contoso.test", Ct));
        var moved = await Directory.FindObjectAsync(tenant, "user", "new@contoso.test", Ct);
        Assert.Equal((user.Id, 2L), (moved!.Id, moved.Version));
    }

    [Fact]
    public async Task Lookup_keys_are_unique_per_tenant_only()
    {
        var a = await NewTenantAsync();
        var b = await NewTenantAsync();

        await Directory.CommitAsync([new DirectoryChange { TenantId = a, Ops = [new InsertObject(User(a, "same@contoso.test"))], Audits = [] }], Ct);
        await Directory.CommitAsync([new DirectoryChange { TenantId = b, Ops = [new InsertObject(User(b, "same@contoso.test"))], Audits = [] }], Ct);

        var inA = await Directory.FindObjectAsync(a, "user", "same@contoso.test", Ct);
        var inB = await Directory.FindObjectAsync(b, "user", "same@contoso.test", Ct);
        Assert.NotEqual(inA!.Id, inB!.Id);
        Assert.Null(await Directory.GetObjectAsync(b, inA.Id, Ct));
    }

    [Fact]
    public async Task Links_are_added_removed_and_go_with_a_deleted_object()
    {
        var tenant = await NewTenantAsync();
        var group = User(tenant, "group@contoso.test") with { Kind = "group", LookupKey = null };
        var member = User(tenant, "member@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(group), new InsertObject(member), new AddLink(group.Id, "member", member.Id)], Audits = [] }], Ct);

        Assert.Equal([member.Id], await Directory.ListLinkTargetsAsync(tenant, group.Id, "member", Ct));
        await Assert.ThrowsAsync<ChangeConflictException>(() =>
            Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new AddLink(group.Id, "member", member.Id)], Audits = [] }], Ct));

        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new DeleteObject(member.Id, 1)], Audits = [] }], Ct);

        Assert.Empty(await Directory.ListLinkTargetsAsync(tenant, group.Id, "member", Ct));
        Assert.False(await Directory.LinkExistsAsync(tenant, group.Id, "member", member.Id, Ct));
        await Assert.ThrowsAsync<ChangeConflictException>(() =>
            Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new RemoveLink(group.Id, "member", member.Id)], Audits = [] }], Ct));
    }

    [Fact]
    public async Task Objects_list_in_id_order_by_kind_and_by_reference()
    {
        var tenant = await NewTenantAsync();
        var users = Enumerable.Range(0, 5).Select(i => User(tenant, $"u{i}@contoso.test", $"0000000{i}-0000-0000-0000-000000000000")).ToList();
        var assignment = User(tenant, "ra@contoso.test") with { Kind = "roleAssignment", LookupKey = "k", RefId = users[2].Id };
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [.. users.Select(u => new InsertObject(u)), new InsertObject(assignment)], Audits = [] }], Ct);

        var firstPage = await Directory.ListObjectsAsync(tenant, "user", null, 3, Ct);
        var secondPage = await Directory.ListObjectsAsync(tenant, "user", firstPage[^1].Id, 3, Ct);
        var byRef = await Directory.ListObjectsByRefAsync(tenant, "roleAssignment", users[2].Id, Ct);

        Assert.Equal(users.Select(u => u.Id), firstPage.Concat(secondPage).Select(u => u.Id));
        Assert.Equal(assignment.Id, Assert.Single(byRef).Id);
    }

    [Fact]
    public async Task Tenants_are_found_by_id_and_by_domain_ignoring_case()
    {
        var tenant = await NewTenantAsync();

        var byId = await Directory.GetTenantAsync(tenant, Ct);
        var byDomain = await Directory.FindTenantByDomainAsync($"{tenant:N}.TEST", Ct);

        Assert.Equal(tenant, byId!.Id);
        Assert.Equal(tenant, byDomain!.Id);
        Assert.True(await Directory.AnyTenantAsync(Ct));
        Assert.Null(await Directory.GetTenantAsync(Guid.NewGuid(), Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_change_writer_fails_only_the_conflicting_change_of_a_batch_and_records_its_failure(int writers)
    {
        var tenant = await NewTenantAsync();
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(User(tenant, "taken@contoso.test"))], Audits = [] }], Ct);
        await using var writer = new ChangeWriter(Directory, writers);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => writer.SubmitAsync(new DirectoryChange
        {
            TenantId = tenant,
            Ops = [new InsertObject(User(tenant, i == 25 ? "taken@contoso.test" : $"user{i}@contoso.test"))],
            Audits = [Audit()],
            FailureAudits = reason => [Audit("Add user") with { Result = Verity.Core.Model.AuditResult.Failure, ResultReason = reason }],
        })));

        Assert.Equal(49, outcomes.Count(o => o.Committed));
        Assert.Equal(ConflictKind.Duplicate, Assert.Single(outcomes, o => !o.Committed).Conflict);
        var entries = await AllEntriesAsync(tenant);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), entries.Select(e => e.Seq));
        Assert.Single(entries, e => System.Text.Encoding.UTF8.GetString(e.Json).Contains("\"result\":\"failure\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stale_update_among_updates_of_other_objects_in_one_batch_fails_alone()
    {
        var tenant = await NewTenantAsync();
        var users = Enumerable.Range(0, 20).Select(i => User(tenant, $"batch{i}@contoso.test")).ToList();
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [.. users.Select(u => new InsertObject(u))], Audits = [] }], Ct);
        var reads = await Task.WhenAll(users.Select(u => Directory.GetObjectAsync(tenant, u.Id, Ct)));
        await using var writer = new ChangeWriter(Directory);
        DirectoryChange Rename(StoredObject read, long version)
        {
            var data = read.Data.DeepClone().AsObject();
            data["displayName"] = "renamed";
            return new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(read with { Data = data, Version = version })], Audits = [Audit("Update user")] };
        }

        // The 8th was read at a version it no longer has.
        var outcomes = await Task.WhenAll(reads.Select((r, i) => writer.SubmitAsync(Rename(r!, i == 7 ? r!.Version + 5 : r!.Version))));

        Assert.Equal(19, outcomes.Count(o => o.Committed));
        Assert.Equal(ConflictKind.Stale, outcomes[7].Conflict);
        Assert.Equal(19, (await AllEntriesAsync(tenant)).Count);
        Assert.Equal(1, (await Directory.GetObjectAsync(tenant, users[7].Id, Ct))!.Version);
        Assert.Equal("renamed", (string?)(await Directory.GetObjectAsync(tenant, users[8].Id, Ct))!.Data["displayName"]);
        Assert.Equal(2, (await Directory.GetObjectAsync(tenant, users[8].Id, Ct))!.Version);
    }

    [Fact]
    public async Task Two_updates_from_the_same_read_in_one_batch_commit_one_and_report_the_other_stale()
    {
        var tenant = await NewTenantAsync();
        var user = User(tenant, "race@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [] }], Ct);
        var read = (await Directory.GetObjectAsync(tenant, user.Id, Ct))!;
        await using var writer = new ChangeWriter(Directory);
        DirectoryChange Rename(string name)
        {
            var data = read.Data.DeepClone().AsObject();
            data["displayName"] = name;
            return new DirectoryChange { TenantId = tenant, Ops = [new UpdateObject(read with { Data = data })], Audits = [Audit("Update user")] };
        }

        var outcomes = await Task.WhenAll(
            [.. Enumerable.Range(0, 10).Select(i => writer.SubmitAsync(new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(User(tenant, $"other{i}@contoso.test"))], Audits = [Audit()] })),
             writer.SubmitAsync(Rename("first")), writer.SubmitAsync(Rename("second"))]);

        Assert.Equal(11, outcomes.Count(o => o.Committed));
        Assert.Equal(ConflictKind.Stale, Assert.Single(outcomes, o => !o.Committed).Conflict);
        Assert.Equal(11, (await AllEntriesAsync(tenant)).Count);
        Assert.Equal(2, (await Directory.GetObjectAsync(tenant, user.Id, Ct))!.Version);
    }

    [Fact]
    public async Task A_change_audited_in_a_tenant_that_does_not_exist_commits_nothing()
    {
        var tenant = await NewTenantAsync();
        var user = User(tenant, "orphan@contoso.test");
        var unknown = Guid.NewGuid();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Directory.CommitAsync(
            [new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(user)], Audits = [] },
             new DirectoryChange { TenantId = unknown, Ops = [], Audits = [Audit()] }], Ct));

        Assert.Null(await Directory.GetObjectAsync(tenant, user.Id, Ct));
        Assert.Empty(await AllEntriesAsync(unknown));
    }

    [Fact]
    public async Task A_link_to_a_deleted_object_among_other_changes_of_a_batch_fails_alone()
    {
        var tenant = await NewTenantAsync();
        var group = User(tenant, "batch-group@contoso.test") with { Kind = "group", LookupKey = null };
        var gone = User(tenant, "batch-gone@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(group), new InsertObject(gone)], Audits = [] }], Ct);
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new DeleteObject(gone.Id, 1)], Audits = [] }], Ct);
        await using var writer = new ChangeWriter(Directory);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => writer.SubmitAsync(i == 10
            ? new DirectoryChange { TenantId = tenant, Ops = [new AddLink(group.Id, "member", gone.Id)], Audits = [Audit("Add member to group")] }
            : new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(User(tenant, $"batch-user{i}@contoso.test"))], Audits = [Audit()] })));

        Assert.Equal(19, outcomes.Count(o => o.Committed));
        Assert.Equal(ConflictKind.Stale, outcomes[10].Conflict);
        Assert.Empty(await Directory.ListLinkTargetsAsync(tenant, group.Id, "member", Ct));
        Assert.Equal(Enumerable.Range(1, 19).Select(i => (long)i), (await AllEntriesAsync(tenant)).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_link_to_an_object_deleted_meanwhile_is_refused()
    {
        var tenant = await NewTenantAsync();
        var group = User(tenant, "g@contoso.test") with { Kind = "group", LookupKey = null };
        var member = User(tenant, "gone@contoso.test");
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new InsertObject(group), new InsertObject(member)], Audits = [] }], Ct);
        await Directory.CommitAsync([new DirectoryChange { TenantId = tenant, Ops = [new DeleteObject(member.Id, 1)], Audits = [] }], Ct);

        var conflict = await Assert.ThrowsAsync<ChangeConflictException>(() => Directory.CommitAsync(
            [new DirectoryChange { TenantId = tenant, Ops = [new AddLink(group.Id, "member", member.Id)], Audits = [Audit("Add member to group")] }], Ct));

        Assert.Equal(ConflictKind.Stale, conflict.Kind);
        Assert.Empty(await Directory.ListLinkTargetsAsync(tenant, group.Id, "member", Ct));
        Assert.Empty(await AllEntriesAsync(tenant));
    }

    [Fact]
    public async Task A_setting_is_absent_until_set_and_the_last_write_wins()
    {
        var key = $"pref:{Guid.NewGuid()}:user:columns";
        var other = $"pref:{Guid.NewGuid()}:user:columns";

        var before = await Directory.GetSettingAsync(key, Ct);
        await Directory.SetSettingAsync(key, "[\"a\"]", Ct);
        var first = await Directory.GetSettingAsync(key, Ct);
        await Directory.SetSettingAsync(key, "[\"a\",\"b\"]", Ct);

        Assert.Null(before);
        Assert.Equal("[\"a\"]", first);
        Assert.Equal("[\"a\",\"b\"]", await Directory.GetSettingAsync(key, Ct));
        Assert.Null(await Directory.GetSettingAsync(other, Ct));
    }
}
