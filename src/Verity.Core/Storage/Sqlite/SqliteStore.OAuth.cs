using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>The authorization server's entries (schema 10); times as Unix milliseconds.</summary>
public sealed partial class SqliteStore
{
    private const string TokenColumns =
        "tenant_id, id, type, status, subject, application_id, authorization_id, reference_id, payload, properties, created_at, expires_at, redeemed_at, version";

    public async Task CreateTokenAsync(OAuthToken token, CancellationToken ct) =>
        await WriteAsync(async (conn, tx) =>
        {
            using var insert = Command(conn, tx, $"insert into oauth_tokens ({TokenColumns}) values (@t, @id, @type, @status, @subject, @app, @auth, @ref, @payload, @props, @created, @expires, @redeemed, @v)",
                TokenArgs(token));
            await insert.ExecuteNonQueryAsync(ct);
        }, ct);

    public Task<OAuthToken?> FindTokenAsync(Guid tenantId, string id, CancellationToken ct) =>
        ReadTokenAsync("id = @k", tenantId, id, ct);

    public Task<OAuthToken?> FindTokenByReferenceAsync(Guid tenantId, string referenceId, CancellationToken ct) =>
        ReadTokenAsync("reference_id = @k", tenantId, referenceId, ct);

    public async Task<bool> UpdateTokenAsync(OAuthToken token, CancellationToken ct)
    {
        var updated = 0;
        await WriteAsync(async (conn, tx) =>
        {
            using var update = Command(conn, tx, """
                update oauth_tokens set type = @type, status = @status, subject = @subject, application_id = @app, authorization_id = @auth,
                    reference_id = @ref, payload = @payload, properties = @props, created_at = @created, expires_at = @expires,
                    redeemed_at = @redeemed, version = @v + 1
                where tenant_id = @t and id = @id and version = @v
                """, TokenArgs(token));
            updated = await update.ExecuteNonQueryAsync(ct);
        }, ct);
        if (updated == 1)
        {
            token.Version++;
        }
        return updated == 1;
    }

    public async Task<long> RevokeTokensOfAuthorizationAsync(Guid tenantId, string authorizationId, CancellationToken ct)
    {
        var revoked = 0;
        await WriteAsync(async (conn, tx) =>
        {
            using var update = Command(conn, tx,
                "update oauth_tokens set status = 'revoked', version = version + 1 where tenant_id = @t and authorization_id = @a and status <> 'revoked'",
                ("@t", Key(tenantId)), ("@a", authorizationId));
            revoked = await update.ExecuteNonQueryAsync(ct);
        }, ct);
        return revoked;
    }

    public Task<long> PruneTokensAsync(DateTimeOffset threshold, CancellationToken ct) => DeleteAsync("""
        delete from oauth_tokens where created_at < @before
            and (expires_at < @before or status is null or status not in ('valid', 'inactive'))
        """, threshold, ct);

    public async Task CreateAuthorizationAsync(OAuthAuthorization authorization, CancellationToken ct) =>
        await WriteAsync(async (conn, tx) =>
        {
            using var insert = Command(conn, tx, """
                insert into oauth_authorizations (tenant_id, id, type, status, subject, application_id, scopes, properties, created_at)
                values (@t, @id, @type, @status, @subject, @app, @scopes, @props, @created)
                """,
                ("@t", Key(authorization.TenantId)), ("@id", authorization.Id), ("@type", Db(authorization.Type)), ("@status", Db(authorization.Status)),
                ("@subject", Db(authorization.Subject)), ("@app", Db(authorization.ApplicationId)), ("@scopes", Db(authorization.Scopes)),
                ("@props", Db(authorization.Properties)), ("@created", Db(Millis(authorization.CreationDate))));
            await insert.ExecuteNonQueryAsync(ct);
        }, ct);

    public async Task<OAuthAuthorization?> FindAuthorizationAsync(Guid tenantId, string id, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var select = Command(conn, null,
            "select type, status, subject, application_id, scopes, properties, created_at from oauth_authorizations where tenant_id = @t and id = @id",
            ("@t", Key(tenantId)), ("@id", id));
        await using var r = await select.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new OAuthAuthorization
            {
                TenantId = tenantId, Id = id, Type = Text(r, 0), Status = Text(r, 1), Subject = Text(r, 2), ApplicationId = Text(r, 3),
                Scopes = Text(r, 4), Properties = Text(r, 5), CreationDate = Time(r, 6),
            }
            : null;
    }

    public Task<long> PruneAuthorizationsAsync(DateTimeOffset threshold, CancellationToken ct) => DeleteAsync("""
        delete from oauth_authorizations where created_at < @before
            and (status is null or status <> 'valid'
                 or (type = 'ad-hoc' and not exists (select 1 from oauth_tokens t
                                                      where t.tenant_id = oauth_authorizations.tenant_id and t.authorization_id = oauth_authorizations.id)))
        """, threshold, ct);

    private async Task<OAuthToken?> ReadTokenAsync(string where, Guid tenantId, string key, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var select = Command(conn, null, $"select {TokenColumns} from oauth_tokens where tenant_id = @t and {where}", ("@t", Key(tenantId)), ("@k", key));
        await using var r = await select.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new OAuthToken
            {
                TenantId = tenantId, Id = r.GetString(1), Type = Text(r, 2), Status = Text(r, 3), Subject = Text(r, 4), ApplicationId = Text(r, 5),
                AuthorizationId = Text(r, 6), ReferenceId = Text(r, 7), Payload = Text(r, 8), Properties = Text(r, 9),
                CreationDate = Time(r, 10), ExpirationDate = Time(r, 11), RedemptionDate = Time(r, 12), Version = r.GetInt64(13),
            }
            : null;
    }

    private async Task<long> DeleteAsync(string sql, DateTimeOffset threshold, CancellationToken ct)
    {
        var deleted = 0;
        await WriteAsync(async (conn, tx) =>
        {
            using var delete = Command(conn, tx, sql, ("@before", threshold.ToUnixTimeMilliseconds()));
            deleted = await delete.ExecuteNonQueryAsync(ct);
        }, ct);
        return deleted;
    }

    private static (string, object)[] TokenArgs(OAuthToken token) =>
    [
        ("@t", Key(token.TenantId)), ("@id", token.Id), ("@type", Db(token.Type)), ("@status", Db(token.Status)), ("@subject", Db(token.Subject)),
        ("@app", Db(token.ApplicationId)), ("@auth", Db(token.AuthorizationId)), ("@ref", Db(token.ReferenceId)), ("@payload", Db(token.Payload)),
        ("@props", Db(token.Properties)), ("@created", Db(Millis(token.CreationDate))), ("@expires", Db(Millis(token.ExpirationDate))),
        ("@redeemed", Db(Millis(token.RedemptionDate))), ("@v", token.Version),
    ];

    private static object Db(object? value) => value ?? DBNull.Value;

    private static long? Millis(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
}
