using System.Text.Json.Nodes;
using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>The copies a PATCH may start from: the newest committed version only, and never one a conflict put in doubt.</summary>
public sealed class CommittedObjectsTests
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly ChangeOutcome Committed = new(true);

    private static StoredObject User(long version, string name) =>
        new() { TenantId = Tenant, Kind = "user", Id = "u1", Version = version, Data = new JsonObject { ["displayName"] = name }, LookupKey = "u1@x" };

    private static DirectoryChange Change(DirectoryOp op) => new() { TenantId = Tenant, Ops = [op], Audits = [] };

    [Fact]
    public void An_update_is_held_at_the_version_it_committed_and_reports_arriving_late_do_not_roll_it_back()
    {
        var objects = new CommittedObjects();
        objects.Record(Change(new UpdateObject(User(2, "second"))), Committed);
        objects.Record(Change(new UpdateObject(User(1, "first"))), Committed);

        var held = objects.Get(Tenant, "u1")!;
        Assert.Equal(3, held.Version);
        Assert.Equal("second", (string?)held.Data["displayName"]);
        Assert.Equal("u1@x", held.LookupKey);
    }

    [Fact]
    public void Each_get_is_a_copy_of_its_own()
    {
        var objects = new CommittedObjects();
        objects.Record(Change(new UpdateObject(User(1, "name"))), Committed);

        objects.Get(Tenant, "u1")!.Data["displayName"] = "changed by a caller";

        Assert.Equal("name", (string?)objects.Get(Tenant, "u1")!.Data["displayName"]);
    }

    [Fact]
    public void A_stale_update_a_delete_or_a_forget_drops_the_copy()
    {
        var objects = new CommittedObjects();
        objects.Record(Change(new UpdateObject(User(1, "a"))), Committed);
        objects.Record(Change(new UpdateObject(User(5, "b"))), new ChangeOutcome(false, ConflictKind.Stale));
        Assert.Null(objects.Get(Tenant, "u1"));

        objects.Record(Change(new UpdateObject(User(1, "a"))), Committed);
        objects.Record(Change(new DeleteObject("u1", 2)), Committed);
        Assert.Null(objects.Get(Tenant, "u1"));

        objects.Record(Change(new UpdateObject(User(1, "a"))), Committed);
        objects.Forget(Tenant, "u1");
        Assert.Null(objects.Get(Tenant, "u1"));
        Assert.Null(objects.Get(Guid.NewGuid(), "u1"));
    }

    [Fact]
    public void New_objects_are_not_held()
    {
        var objects = new CommittedObjects();
        objects.Record(Change(new InsertObject(User(0, "new"))), Committed);
        Assert.Null(objects.Get(Tenant, "u1"));
    }
}
