using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>Smart lockout's state (schema 12); times as Unix milliseconds. Writes go through the one writer, so a count is never lost.</summary>
public sealed partial class SqliteStore
{
    // An entry expired at @now starts over; otherwise a failure counts unless the name is locked or the tag is one of
    // the last three. When it does not count, the upsert's condition leaves the row alone and returns nothing.
    private const string RecordFailureSql = """
        insert into sign_in_lockouts as l (tenant_id, name_key, failures, locked_until, expires_at, tag1, tag2, tag3)
        values (@t, @k, 1, null, @expires, @tag, null, null)
        on conflict (tenant_id, name_key) do update set
            failures = case when l.expires_at <= @now then 1 else l.failures + 1 end,
            locked_until = case when l.expires_at <= @now then null else l.locked_until end,
            expires_at = case when l.expires_at <= @now then @expires else max(l.expires_at, @expires) end,
            tag1 = @tag,
            tag2 = case when l.expires_at <= @now then null else l.tag1 end,
            tag3 = case when l.expires_at <= @now then null else l.tag2 end
        where l.expires_at <= @now
           or ((l.locked_until is null or l.locked_until <= @now) and @tag is not l.tag1 and @tag is not l.tag2 and @tag is not l.tag3)
        returning failures, locked_until, expires_at
        """;

    public async Task<LockoutState?> GetLockoutAsync(Guid tenantId, string nameKey, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var select = Command(conn, null,
            "select failures, locked_until, expires_at from sign_in_lockouts where tenant_id = @t and name_key = @k and expires_at > @now",
            ("@t", Key(tenantId)), ("@k", nameKey), ("@now", now.ToUnixTimeMilliseconds()));
        await using var r = await select.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? LockoutOf(r) : null;
    }

    public async Task<LockoutState?> RecordFailureAsync(Guid tenantId, string nameKey, byte[] passwordTag, DateTimeOffset now, DateTimeOffset expiresAt,
        Func<int, DateTimeOffset?> lockUntil, CancellationToken ct)
    {
        LockoutState? state = null;
        await WriteAsync(async (conn, tx) =>
        {
            using (var upsert = Command(conn, tx, RecordFailureSql, ("@t", Key(tenantId)), ("@k", nameKey), ("@tag", passwordTag),
                ("@now", now.ToUnixTimeMilliseconds()), ("@expires", expiresAt.ToUnixTimeMilliseconds())))
            await using (var r = await upsert.ExecuteReaderAsync(ct))
            {
                state = await r.ReadAsync(ct) ? LockoutOf(r) : null;
            }
            if (state is not null && lockUntil(state.Failures) is { } until)
            {
                state = state with { LockedUntil = until, ExpiresAt = until > state.ExpiresAt ? until : state.ExpiresAt };
                using var update = Command(conn, tx, "update sign_in_lockouts set locked_until = @until, expires_at = @expires where tenant_id = @t and name_key = @k",
                    ("@t", Key(tenantId)), ("@k", nameKey), ("@until", until.ToUnixTimeMilliseconds()), ("@expires", state.ExpiresAt.ToUnixTimeMilliseconds()));
                await update.ExecuteNonQueryAsync(ct);
            }
        }, ct);
        return state;
    }

    public async Task ResetLockoutAsync(Guid tenantId, string nameKey, CancellationToken ct) =>
        await WriteAsync(async (conn, tx) =>
        {
            using var delete = Command(conn, tx, "delete from sign_in_lockouts where tenant_id = @t and name_key = @k", ("@t", Key(tenantId)), ("@k", nameKey));
            await delete.ExecuteNonQueryAsync(ct);
        }, ct);

    public async Task<long> PruneLockoutsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var deleted = 0;
        await WriteAsync(async (conn, tx) =>
        {
            using var delete = Command(conn, tx, "delete from sign_in_lockouts where expires_at <= @now", ("@now", now.ToUnixTimeMilliseconds()));
            deleted = await delete.ExecuteNonQueryAsync(ct);
        }, ct);
        return deleted;
    }

    private static LockoutState LockoutOf(SqliteDataReader r) =>
        new(r.GetInt32(0), r.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)));
}
