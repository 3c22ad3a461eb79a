using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

public abstract partial class StoreConformanceTests
{
    /// <summary>Every backend keeps smart lockout's state too.</summary>
    private ILockoutStore Lockout => (ILockoutStore)Directory;

    private static byte[] BadTag(string password) => System.Text.Encoding.UTF8.GetBytes(password.PadRight(32, '.'));

    private static readonly Func<int, DateTimeOffset?> NeverLock = _ => null;

    private Task<LockoutState?> FailAsync(Guid tenant, string name, string password, DateTimeOffset now, Func<int, DateTimeOffset?>? lockUntil = null) =>
        Lockout.RecordFailureAsync(tenant, name, BadTag(password), now, now.AddDays(1), lockUntil ?? NeverLock, Ct);

    [Fact]
    public async Task A_failure_counts_unless_its_password_is_one_of_the_last_three_counted()
    {
        var tenant = await NewTenantAsync();
        var counts = new List<int?>();

        foreach (var password in new[] { "a", "b", "a", "c", "b", "d", "a", "a" })
        {
            counts.Add((await FailAsync(tenant, "name", password, T0))?.Failures);
        }

        // "a" is forgotten once b, c and d came after it; a repeat of a counted one changes nothing.
        Assert.Equal([1, 2, null, 3, null, 4, 5, null], counts);
        Assert.Equal(new LockoutState(5, null, T0.AddDays(1)), await Lockout.GetLockoutAsync(tenant, "name", T0, Ct));
    }

    [Fact]
    public async Task A_lock_set_with_a_failure_refuses_to_count_until_it_ends_and_keeps_the_state_at_least_that_long()
    {
        var tenant = await NewTenantAsync();
        var seen = new List<int>();
        Func<int, DateTimeOffset?> LockAtThree(DateTimeOffset until) => failures =>
        {
            seen.Add(failures);
            return failures >= 3 ? until : null;
        };

        await FailAsync(tenant, "name", "a", T0, LockAtThree(T0.AddHours(12)));
        await FailAsync(tenant, "name", "b", T0, LockAtThree(T0.AddHours(12)));
        var locked = await FailAsync(tenant, "name", "c", T0, LockAtThree(T0.AddHours(12)));
        var whileLocked = await FailAsync(tenant, "name", "d", T0.AddHours(6), LockAtThree(T0.AddDays(9)));
        var stillLocked = await Lockout.GetLockoutAsync(tenant, "name", T0.AddHours(12).AddSeconds(-1), Ct);
        var lockedAgain = await FailAsync(tenant, "name", "e", T0.AddHours(12), LockAtThree(T0.AddDays(3)));

        Assert.Equal([1, 2, 3, 4], seen);
        Assert.Equal(new LockoutState(3, T0.AddHours(12), T0.AddDays(1)), locked);
        Assert.Null(whileLocked);
        Assert.Equal(locked, stillLocked);
        Assert.Equal(new LockoutState(4, T0.AddDays(3), T0.AddDays(3)), lockedAgain);
        Assert.True((await Lockout.GetLockoutAsync(tenant, "name", T0.AddDays(2), Ct))!.IsLockedAt(T0.AddDays(2)));
    }

    [Fact]
    public async Task Expired_state_is_not_returned_starts_over_on_the_next_failure_and_is_pruned()
    {
        var tenant = await NewTenantAsync();
        await FailAsync(tenant, "old", "a", T0);
        await FailAsync(tenant, "old", "b", T0);
        await FailAsync(tenant, "gone", "a", T0);
        await FailAsync(tenant, "recent", "a", T0.AddHours(12));

        var expired = await Lockout.GetLockoutAsync(tenant, "old", T0.AddDays(1), Ct);
        var again = await FailAsync(tenant, "old", "a", T0.AddDays(1));
        var pruned = await Lockout.PruneLockoutsAsync(T0.AddDays(1), Ct);

        Assert.Null(expired);
        Assert.Equal(new LockoutState(1, null, T0.AddDays(2)), again);
        Assert.True(pruned >= 1);
        Assert.Null(await Lockout.GetLockoutAsync(tenant, "gone", T0, Ct));
        Assert.NotNull(await Lockout.GetLockoutAsync(tenant, "recent", T0.AddDays(1), Ct));
        Assert.NotNull(await Lockout.GetLockoutAsync(tenant, "old", T0.AddDays(1), Ct));
    }

    [Fact]
    public async Task Resetting_forgets_one_name_in_one_tenant_only()
    {
        var tenant = await NewTenantAsync();
        var other = await NewTenantAsync();
        await FailAsync(tenant, "name", "a", T0);
        await FailAsync(tenant, "other name", "a", T0);
        await FailAsync(other, "name", "a", T0);
        await FailAsync(other, "name", "b", T0);

        await Lockout.ResetLockoutAsync(tenant, "name", Ct);
        await Lockout.ResetLockoutAsync(tenant, "never failed", Ct);

        Assert.Null(await Lockout.GetLockoutAsync(tenant, "name", T0, Ct));
        Assert.Equal(1, (await Lockout.GetLockoutAsync(tenant, "other name", T0, Ct))?.Failures);
        Assert.Equal(2, (await Lockout.GetLockoutAsync(other, "name", T0, Ct))?.Failures);
        Assert.Equal(1, (await FailAsync(tenant, "name", "a", T0))?.Failures);
    }

    [Fact]
    public async Task Concurrent_failures_of_one_name_all_count_and_only_the_one_reaching_the_threshold_locks()
    {
        // Servers sharing a database: each failure is one atomic upsert, so none is lost and one crosses the threshold.
        var tenant = await NewTenantAsync();
        var locks = 0;
        DateTimeOffset? LockAtTwenty(int failures)
        {
            if (failures == 20)
            {
                Interlocked.Increment(ref locks);
                return T0.AddMinutes(1);
            }
            return null;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => FailAsync(tenant, "name", $"password {i}", T0, LockAtTwenty))));

        Assert.Equal(Enumerable.Range(1, 20), results.Select(r => r!.Failures).Order());
        Assert.Equal(1, locks);
        Assert.Equal(new LockoutState(20, T0.AddMinutes(1), T0.AddDays(1)), await Lockout.GetLockoutAsync(tenant, "name", T0, Ct));
    }
}
