using System.Collections.Immutable;
using System.Text.Json;
using OpenIddict.Abstractions;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

/// <summary>
/// OpenIddict's token entries on Verity's storage (<see cref="IOAuthStore"/>), in the tenant of the request's address.
/// Only what the server's flows use is supported: create, find by id or reference, update with a concurrency check (so
/// a code is redeemed once), revoke by authorization, prune. Queries OpenIddict offers for management are not.
/// </summary>
internal sealed class TokenStore(IOAuthStore store, IHttpContextAccessor accessor) : IOpenIddictTokenStore<OAuthToken>
{
    private Guid Tenant => OAuthEntries.TenantOf(accessor);

    public async ValueTask CreateAsync(OAuthToken token, CancellationToken ct)
    {
        token.TenantId = Tenant;
        await store.CreateTokenAsync(token, ct);
    }

    public async ValueTask UpdateAsync(OAuthToken token, CancellationToken ct)
    {
        if (!await store.UpdateTokenAsync(token, ct))
        {
            throw new OpenIddictExceptions.ConcurrencyException($"The token entry {token.Id} was changed by another request (e.g. a concurrent redemption).");
        }
    }

    public ValueTask<OAuthToken> InstantiateAsync(CancellationToken ct) => new(new OAuthToken { Id = Guid.NewGuid().ToString() });
    public async ValueTask<OAuthToken?> FindByIdAsync(string identifier, CancellationToken ct) => await store.FindTokenAsync(Tenant, identifier, ct);
    public async ValueTask<OAuthToken?> FindByReferenceIdAsync(string identifier, CancellationToken ct) =>
        await store.FindTokenByReferenceAsync(Tenant, identifier, ct);
    public async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken ct) =>
        await store.RevokeTokensOfAuthorizationAsync(Tenant, identifier, ct);
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken ct) => await store.PruneTokensAsync(threshold, ct);

    public ValueTask<string?> GetApplicationIdAsync(OAuthToken token, CancellationToken ct) => new(token.ApplicationId);
    public ValueTask<string?> GetAuthorizationIdAsync(OAuthToken token, CancellationToken ct) => new(token.AuthorizationId);
    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OAuthToken token, CancellationToken ct) => new(token.CreationDate);
    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(OAuthToken token, CancellationToken ct) => new(token.ExpirationDate);
    public ValueTask<string?> GetIdAsync(OAuthToken token, CancellationToken ct) => new(token.Id);
    public ValueTask<string?> GetPayloadAsync(OAuthToken token, CancellationToken ct) => new(token.Payload);
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthToken token, CancellationToken ct) => new(OAuthEntries.Read(token.Properties));
    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(OAuthToken token, CancellationToken ct) => new(token.RedemptionDate);
    public ValueTask<string?> GetReferenceIdAsync(OAuthToken token, CancellationToken ct) => new(token.ReferenceId);
    public ValueTask<string?> GetStatusAsync(OAuthToken token, CancellationToken ct) => new(token.Status);
    public ValueTask<string?> GetSubjectAsync(OAuthToken token, CancellationToken ct) => new(token.Subject);
    public ValueTask<string?> GetTypeAsync(OAuthToken token, CancellationToken ct) => new(token.Type);

    public ValueTask SetApplicationIdAsync(OAuthToken token, string? identifier, CancellationToken ct) => Set(() => token.ApplicationId = identifier);
    public ValueTask SetAuthorizationIdAsync(OAuthToken token, string? identifier, CancellationToken ct) => Set(() => token.AuthorizationId = identifier);
    public ValueTask SetCreationDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken ct) => Set(() => token.CreationDate = date);
    public ValueTask SetExpirationDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken ct) => Set(() => token.ExpirationDate = date);
    public ValueTask SetPayloadAsync(OAuthToken token, string? payload, CancellationToken ct) => Set(() => token.Payload = payload);
    public ValueTask SetPropertiesAsync(OAuthToken token, ImmutableDictionary<string, JsonElement> properties, CancellationToken ct) =>
        Set(() => token.Properties = OAuthEntries.Write(properties));
    public ValueTask SetRedemptionDateAsync(OAuthToken token, DateTimeOffset? date, CancellationToken ct) => Set(() => token.RedemptionDate = date);
    public ValueTask SetReferenceIdAsync(OAuthToken token, string? identifier, CancellationToken ct) => Set(() => token.ReferenceId = identifier);
    public ValueTask SetStatusAsync(OAuthToken token, string? status, CancellationToken ct) => Set(() => token.Status = status);
    public ValueTask SetSubjectAsync(OAuthToken token, string? subject, CancellationToken ct) => Set(() => token.Subject = subject);
    public ValueTask SetTypeAsync(OAuthToken token, string? type, CancellationToken ct) => Set(() => token.Type = type);

    private static ValueTask Set(Action set)
    {
        set();
        return default;
    }

    public ValueTask<long> CountAsync(CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthToken>, IQueryable<TResult>> query, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask DeleteAsync(OAuthToken token, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthToken> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken ct) =>
        throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthToken> FindByApplicationIdAsync(string identifier, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthToken> FindByAuthorizationIdAsync(string identifier, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthToken> FindBySubjectAsync(string subject, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken ct) =>
        throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthToken> ListAsync(int? count, int? offset, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken ct) =>
        throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken ct) => throw OAuthEntries.Unsupported();
}

/// <summary>
/// OpenIddict's ad hoc authorizations on Verity's storage: one is made per authorization code, and the tokens redeemed
/// from the code carry its id, so a replayed code revokes them (RFC 6749 §4.1.2). Created, read and pruned only.
/// </summary>
internal sealed class AuthorizationStore(IOAuthStore store, IHttpContextAccessor accessor) : IOpenIddictAuthorizationStore<OAuthAuthorization>
{
    public async ValueTask CreateAsync(OAuthAuthorization authorization, CancellationToken ct)
    {
        authorization.TenantId = OAuthEntries.TenantOf(accessor);
        await store.CreateAuthorizationAsync(authorization, ct);
    }

    public ValueTask<OAuthAuthorization> InstantiateAsync(CancellationToken ct) => new(new OAuthAuthorization { Id = Guid.NewGuid().ToString() });
    public async ValueTask<OAuthAuthorization?> FindByIdAsync(string identifier, CancellationToken ct) =>
        await store.FindAuthorizationAsync(OAuthEntries.TenantOf(accessor), identifier, ct);
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken ct) => await store.PruneAuthorizationsAsync(threshold, ct);

    public ValueTask<string?> GetApplicationIdAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.ApplicationId);
    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.CreationDate);
    public ValueTask<string?> GetIdAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.Id);
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthAuthorization authorization, CancellationToken ct) =>
        new(OAuthEntries.Read(authorization.Properties));
    public ValueTask<ImmutableArray<string>> GetScopesAsync(OAuthAuthorization authorization, CancellationToken ct) =>
        new(authorization.Scopes is null ? [] : JsonSerializer.Deserialize<ImmutableArray<string>>(authorization.Scopes));
    public ValueTask<string?> GetStatusAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.Status);
    public ValueTask<string?> GetSubjectAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.Subject);
    public ValueTask<string?> GetTypeAsync(OAuthAuthorization authorization, CancellationToken ct) => new(authorization.Type);

    public ValueTask SetApplicationIdAsync(OAuthAuthorization authorization, string? identifier, CancellationToken ct) =>
        Set(() => authorization.ApplicationId = identifier);
    public ValueTask SetCreationDateAsync(OAuthAuthorization authorization, DateTimeOffset? date, CancellationToken ct) =>
        Set(() => authorization.CreationDate = date);
    public ValueTask SetPropertiesAsync(OAuthAuthorization authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken ct) =>
        Set(() => authorization.Properties = OAuthEntries.Write(properties));
    public ValueTask SetScopesAsync(OAuthAuthorization authorization, ImmutableArray<string> scopes, CancellationToken ct) =>
        Set(() => authorization.Scopes = scopes.IsDefaultOrEmpty ? null : JsonSerializer.Serialize(scopes));
    public ValueTask SetStatusAsync(OAuthAuthorization authorization, string? status, CancellationToken ct) => Set(() => authorization.Status = status);
    public ValueTask SetSubjectAsync(OAuthAuthorization authorization, string? subject, CancellationToken ct) => Set(() => authorization.Subject = subject);
    public ValueTask SetTypeAsync(OAuthAuthorization authorization, string? type, CancellationToken ct) => Set(() => authorization.Type = type);

    private static ValueTask Set(Action set)
    {
        set();
        return default;
    }

    public ValueTask<long> CountAsync(CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthAuthorization>, IQueryable<TResult>> query, CancellationToken ct) =>
        throw OAuthEntries.Unsupported();
    public ValueTask DeleteAsync(OAuthAuthorization authorization, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthAuthorization> FindAsync(string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes,
        CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthAuthorization> FindByApplicationIdAsync(string identifier, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthAuthorization> FindBySubjectAsync(string subject, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthAuthorization>, TState, IQueryable<TResult>> query, TState state,
        CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<OAuthAuthorization> ListAsync(int? count, int? offset, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthAuthorization>, TState, IQueryable<TResult>> query, TState state,
        CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken ct) => throw OAuthEntries.Unsupported();
    public ValueTask UpdateAsync(OAuthAuthorization authorization, CancellationToken ct) => throw OAuthEntries.Unsupported();
}

internal static class OAuthEntries
{
    /// <summary>The tenant of the OpenIddict endpoint being served (<c>/{tenant}/oauth2/v2.0/…</c>): entries never cross tenants.</summary>
    public static Guid TenantOf(IHttpContextAccessor accessor) =>
        accessor.HttpContext is { } http && TokenEndpoints.TenantOf(http) is { } tenant
            ? tenant
            : throw new InvalidOperationException("OpenIddict's entries are per tenant: they are only read and written while serving /{tenant}/oauth2/v2.0/….");

    public static ImmutableDictionary<string, JsonElement> Read(string? json) =>
        json is null ? ImmutableDictionary<string, JsonElement>.Empty : JsonSerializer.Deserialize<ImmutableDictionary<string, JsonElement>>(json)!;

    public static string? Write(ImmutableDictionary<string, JsonElement> properties) => properties.IsEmpty ? null : JsonSerializer.Serialize(properties);

    public static NotSupportedException Unsupported() =>
        new("Verity's OpenIddict stores serve the authorization server's own flows; listing, querying and managing entries is not supported.");
}
