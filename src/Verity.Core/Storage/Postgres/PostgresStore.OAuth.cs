using Npgsql;
using NpgsqlTypes;

namespace Verity.Core.Storage.Postgres;

/// <summary>The authorization server's entries (schema 11), through the point-read pool like settings.</summary>
public sealed partial class PostgresStore
{
    private const string TokenColumns =
        "tenant_id, id, type, status, subject, application_id, authorization_id, reference_id, payload, properties, created_at, expires_at, redeemed_at, version";

    public async Task CreateTokenAsync(OAuthToken token, CancellationToken ct)
    {
        await using var insert = TokenCommand($"insert into oauth_tokens ({TokenColumns}) values (@t, @id, @type, @status, @subject, @app, @auth, @ref, @payload, @props, @created, @expires, @redeemed, @v)",
            token);
        await insert.ExecuteNonQueryAsync(ct);
    }

    public Task<OAuthToken?> FindTokenAsync(Guid tenantId, string id, CancellationToken ct) =>
        ReadTokenAsync("id = @k", tenantId, id, ct);

    public Task<OAuthToken?> FindTokenByReferenceAsync(Guid tenantId, string referenceId, CancellationToken ct) =>
        ReadTokenAsync("reference_id = @k", tenantId, referenceId, ct);

    public async Task<bool> UpdateTokenAsync(OAuthToken token, CancellationToken ct)
    {
        await using var update = TokenCommand("""
            update oauth_tokens set type = @type, status = @status, subject = @subject, application_id = @app, authorization_id = @auth,
                reference_id = @ref, payload = @payload, properties = @props, created_at = @created, expires_at = @expires,
                redeemed_at = @redeemed, version = @v + 1
            where tenant_id = @t and id = @id and version = @v
            """, token);
        var updated = await update.ExecuteNonQueryAsync(ct) == 1;
        if (updated)
        {
            token.Version++;
        }
        return updated;
    }

    public async Task<long> RevokeTokensOfAuthorizationAsync(Guid tenantId, string authorizationId, CancellationToken ct)
    {
        await using var update = Command(
            "update oauth_tokens set status = 'revoked', version = version + 1 where tenant_id = @t and authorization_id = @a and status <> 'revoked'",
            ("t", tenantId), ("a", authorizationId));
        return await update.ExecuteNonQueryAsync(ct);
    }

    public Task<long> PruneTokensAsync(DateTimeOffset threshold, CancellationToken ct) => DeleteAsync("""
        delete from oauth_tokens where created_at < @before
            and (expires_at < @before or status is null or status not in ('valid', 'inactive'))
        """, threshold, ct);

    public async Task CreateAuthorizationAsync(OAuthAuthorization authorization, CancellationToken ct)
    {
        await using var insert = reads.CreateCommand("""
            insert into oauth_authorizations (tenant_id, id, type, status, subject, application_id, scopes, properties, created_at)
            values (@t, @id, @type, @status, @subject, @app, @scopes, @props, @created)
            """);
        insert.Parameters.AddWithValue("t", authorization.TenantId);
        insert.Parameters.AddWithValue("id", authorization.Id);
        AddText(insert, ("type", authorization.Type), ("status", authorization.Status), ("subject", authorization.Subject),
            ("app", authorization.ApplicationId), ("scopes", authorization.Scopes), ("props", authorization.Properties));
        AddTime(insert, ("created", authorization.CreationDate));
        await insert.ExecuteNonQueryAsync(ct);
    }

    public async Task<OAuthAuthorization?> FindAuthorizationAsync(Guid tenantId, string id, CancellationToken ct)
    {
        await using var select = Command(
            "select type, status, subject, application_id, scopes, properties, created_at from oauth_authorizations where tenant_id = @t and id = @id",
            ("t", tenantId), ("id", id));
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
        delete from oauth_authorizations a where created_at < @before
            and (status is null or status <> 'valid'
                 or (type = 'ad-hoc' and not exists (select 1 from oauth_tokens t where t.tenant_id = a.tenant_id and t.authorization_id = a.id)))
        """, threshold, ct);

    private async Task<OAuthToken?> ReadTokenAsync(string where, Guid tenantId, string key, CancellationToken ct)
    {
        await using var select = Command($"select {TokenColumns} from oauth_tokens where tenant_id = @t and {where}", ("t", tenantId), ("k", key));
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
        await using var delete = Command(sql, ("before", threshold.ToUniversalTime()));
        return await delete.ExecuteNonQueryAsync(ct);
    }

    private NpgsqlCommand TokenCommand(string sql, OAuthToken token)
    {
        var cmd = reads.CreateCommand(sql);
        cmd.Parameters.AddWithValue("t", token.TenantId);
        cmd.Parameters.AddWithValue("id", token.Id);
        cmd.Parameters.AddWithValue("v", token.Version);
        AddText(cmd, ("type", token.Type), ("status", token.Status), ("subject", token.Subject), ("app", token.ApplicationId),
            ("auth", token.AuthorizationId), ("ref", token.ReferenceId), ("payload", token.Payload), ("props", token.Properties));
        AddTime(cmd, ("created", token.CreationDate), ("expires", token.ExpirationDate), ("redeemed", token.RedemptionDate));
        return cmd;
    }

    private static void AddText(NpgsqlCommand cmd, params (string Name, string? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });
        }
    }

    private static void AddTime(NpgsqlCommand cmd, params (string Name, DateTimeOffset? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = (object?)value?.ToUniversalTime() ?? DBNull.Value });
        }
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
