namespace Verity.Core.Storage;

/// <summary>Smart lockout's state for one sign-in name in one tenant (see <see cref="ILockoutStore"/>).</summary>
/// <param name="Failures">Failed passwords counted since the last successful sign-in; a repeat of one of the last three is not counted.</param>
/// <param name="LockedUntil">When the current (or the latest) lock ends; null when this run of failures has not locked the name yet.</param>
/// <param name="ExpiresAt">When the state is forgotten: from then on it is neither returned nor counted on, and pruning deletes it.</param>
public sealed record LockoutState(int Failures, DateTimeOffset? LockedUntil, DateTimeOffset ExpiresAt)
{
    public bool IsLockedAt(DateTimeOffset now) => LockedUntil > now;
}

/// <summary>
/// Smart lockout's state, shared by every server on the database so that a lock holds on all of them and outlives a
/// restart. Keyed by tenant and a key of the sign-in name (whether or not a user has that name), never by user id.
/// It is state, not a log: entries are updated in place and deleted when they expire. Password tags are keyed hashes
/// made by the caller; the store never sees a password.
/// </summary>
public interface ILockoutStore
{
    /// <summary>The name's state, or null when it has none or its state expired at <paramref name="now"/>.</summary>
    Task<LockoutState?> GetLockoutAsync(Guid tenantId, string nameKey, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Counts one failed password, atomically (concurrent failures on several servers all count): the count goes up by
    /// one, <paramref name="passwordTag"/> becomes the newest of the last three tags, and the state lives at least until
    /// <paramref name="expiresAt"/>; state that expired at <paramref name="now"/> starts over with this failure. Then,
    /// in the same transaction, <paramref name="lockUntil"/> gets the new count and returns when the lock this failure
    /// starts ends (null: no lock); the state then lives at least that long too. Nothing changes, and null is returned,
    /// while the name is locked at <paramref name="now"/> or when the tag is one of its last three.
    /// </summary>
    /// <returns>The state after the failure, or null when it was not counted.</returns>
    Task<LockoutState?> RecordFailureAsync(Guid tenantId, string nameKey, byte[] passwordTag, DateTimeOffset now, DateTimeOffset expiresAt,
        Func<int, DateTimeOffset?> lockUntil, CancellationToken ct);

    /// <summary>Forgets the name's state (a successful sign-in); nothing happens when it has none.</summary>
    Task ResetLockoutAsync(Guid tenantId, string nameKey, CancellationToken ct);

    /// <summary>Deletes every state expired at <paramref name="now"/>, across all tenants. Returns how many.</summary>
    Task<long> PruneLockoutsAsync(DateTimeOffset now, CancellationToken ct);
}
