using Npgsql;
using NpgsqlTypes;

namespace Verity.Core.Storage.Postgres;

/// <summary>
/// Smart lockout's state (schema 13), through the point-read pool like settings. A failure is one upsert, which holds
/// the row's lock until its transaction ends: concurrent failures from several servers queue on it and all count.
/// </summary>
public sealed partial class PostgresStore
{
    // An entry expired at @now starts over; otherwise a failure counts unless the name is locked or the tag is one of
    // the last three. When it does not count, the upsert's condition leaves the row alone and returns nothing.
    private const string RecordFailureSql = """
        insert into sign_in_lockouts as l (tenant_id, name_key, failures, locked_until, expires_at, tag1, tag2, tag3)
        values (@t, @k, 1, null, @expires, @tag, null, null)
        on conflict (tenant_id, name_key) do update set
            failures = case when l.expires_at <= @now then 1 else l.failures + 1 end,
            locked_until = case when l.expires_at <= @now then null else l.locked_until end,
            expires_at = case when l.expires_at <= @now then @expires else greatest(l.expires_at, @expires) end,
            tag1 = @tag,
            tag2 = case when l.expires_at <= @now then null else l.tag1 end,
            tag3 = case when l.expires_at <= @now then null else l.tag2 end
        where l.expires_at <= @now
           or ((l.locked_until is null or l.locked_until <= @now)
               and @tag is distinct from l.tag1 and @tag is distinct from l.tag2 and @tag is distinct from l.tag3)
        returning failures, locked_until, expires_at
        """;

    public async Task<LockoutState?> GetLockoutAsync(Guid tenantId, string nameKey, DateTimeOffset now, CancellationToken ct)
    {
        await using var select = Command("select failures, locked_until, expires_at from sign_in_lockouts where tenant_id = @t and name_key = @k and expires_at > @now",
            ("t", tenantId), ("k", nameKey), ("now", now.ToUniversalTime()));
        await using var r = await select.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? LockoutOf(r) : null;
    }

    public async Task<LockoutState?> RecordFailureAsync(Guid tenantId, string nameKey, byte[] passwordTag, DateTimeOffset now, DateTimeOffset expiresAt,
        Func<int, DateTimeOffset?> lockUntil, CancellationToken ct)
    {
        await using var conn = await reads.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        LockoutState? state;
        await using (var upsert = new NpgsqlCommand(RecordFailureSql, conn, tx))
        {
            upsert.Parameters.AddWithValue("t", tenantId);
            upsert.Parameters.AddWithValue("k", nameKey);
            upsert.Parameters.Add(new NpgsqlParameter("tag", NpgsqlDbType.Bytea) { Value = passwordTag });
            upsert.Parameters.AddWithValue("now", now.ToUniversalTime());
            upsert.Parameters.AddWithValue("expires", expiresAt.ToUniversalTime());
            await using var r = await upsert.ExecuteReaderAsync(ct);
            state = await r.ReadAsync(ct) ? LockoutOf(r) : null;
        }
        // Still under the upsert's row lock: no other failure of this name can count before the lock is set.
        if (state is not null && lockUntil(state.Failures) is { } until)
        {
            state = state with { LockedUntil = until, ExpiresAt = until > state.ExpiresAt ? until : state.ExpiresAt };
            await using var update = new NpgsqlCommand(
                "update sign_in_lockouts set locked_until = @until, expires_at = @expires where tenant_id = @t and name_key = @k", conn, tx);
            update.Parameters.AddWithValue("t", tenantId);
            update.Parameters.AddWithValue("k", nameKey);
            update.Parameters.AddWithValue("until", until.ToUniversalTime());
            update.Parameters.AddWithValue("expires", state.ExpiresAt.ToUniversalTime());
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return state;
    }

    public async Task ResetLockoutAsync(Guid tenantId, string nameKey, CancellationToken ct)
    {
        await using var delete = Command("delete from sign_in_lockouts where tenant_id = @t and name_key = @k", ("t", tenantId), ("k", nameKey));
        await delete.ExecuteNonQueryAsync(ct);
    }

    public async Task<long> PruneLockoutsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var delete = Command("delete from sign_in_lockouts where expires_at <= @now", ("now", now.ToUniversalTime()));
        return await delete.ExecuteNonQueryAsync(ct);
    }

    private static LockoutState LockoutOf(NpgsqlDataReader r) =>
        new(r.GetInt32(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1), r.GetFieldValue<DateTimeOffset>(2));
}
