using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>The dictionary rows a writer may skip inserting: only those a committed transaction inserted.</summary>
public sealed class KnownRowsTests
{
    [Fact]
    public void A_row_is_known_only_after_the_transaction_that_staged_it_commits()
    {
        var rows = new KnownRows<string>();

        Assert.False(rows.Stage("Update user"));
        Assert.False(rows.Stage("Update user")); // staged, not yet committed: the insert must still run
        rows.Commit();

        Assert.True(rows.Stage("Update user"));
        Assert.False(rows.Stage("Add group"));
    }

    [Fact]
    public void Concurrent_transactions_insert_what_is_unknown_and_remember_it_only_once_committed()
    {
        var rows = new KnownRows<string>();
        var first = rows.Unknown(["Update user", "Add group"]);
        var second = rows.Unknown(["Update user"]); // a second transaction before the first commits inserts it too

        Assert.Equal(["Update user", "Add group"], first);
        Assert.Equal(["Update user"], second);
        rows.Remember(first);

        Assert.Empty(rows.Unknown(["Update user", "Add group"]));
        Assert.Equal(["Delete user"], rows.Unknown(["Add group", "Delete user"]));
    }

    [Fact]
    public void A_rolled_back_transaction_leaves_its_rows_unknown()
    {
        var rows = new KnownRows<string>();
        Assert.False(rows.Stage("Rolled back"));
        rows.Discard();
        rows.Commit();

        Assert.False(rows.Stage("Rolled back"));
    }

    [Fact]
    public void When_full_it_forgets_what_it_knew_and_keeps_what_just_committed()
    {
        var rows = new KnownRows<int>(capacity: 3);
        foreach (var n in new[] { 1, 2, 3 })
        {
            rows.Stage(n);
        }
        rows.Commit();
        rows.Stage(4);
        rows.Commit();

        Assert.False(rows.Stage(1));
        Assert.True(rows.Stage(4));
    }
}
