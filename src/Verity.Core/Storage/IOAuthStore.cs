namespace Verity.Core.Storage;

/// <summary>
/// An entry of the authorization server for one token it issued (OpenIddict's token entity): an authorization code is
/// redeemable while its <see cref="Status"/> is <c>valid</c>, and redeeming it marks it <c>redeemed</c>. Mutable,
/// because OpenIddict's managers set fields one by one before they create or update the entry.
/// </summary>
public sealed class OAuthToken
{
    public Guid TenantId { get; set; }
    public required string Id { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public string? Subject { get; set; }
    public string? ApplicationId { get; set; }
    public string? AuthorizationId { get; set; }
    /// <summary>For reference tokens (codes): a hash of the value the client holds, never the value itself.</summary>
    public string? ReferenceId { get; set; }
    /// <summary>For reference tokens: the encrypted token the reference stands for.</summary>
    public string? Payload { get; set; }
    /// <summary>A JSON object, or null.</summary>
    public string? Properties { get; set; }
    public DateTimeOffset? CreationDate { get; set; }
    public DateTimeOffset? ExpirationDate { get; set; }
    public DateTimeOffset? RedemptionDate { get; set; }
    /// <summary>Bumped by every update; an update from a stale copy fails (see <see cref="IOAuthStore.UpdateTokenAsync"/>).</summary>
    public long Version { get; set; }
}

/// <summary>The authorization a code and the tokens redeemed from it share (OpenIddict's ad-hoc authorization).</summary>
public sealed class OAuthAuthorization
{
    public Guid TenantId { get; set; }
    public required string Id { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public string? Subject { get; set; }
    public string? ApplicationId { get; set; }
    /// <summary>A JSON array of scope names, or null.</summary>
    public string? Scopes { get; set; }
    /// <summary>A JSON object, or null.</summary>
    public string? Properties { get; set; }
    public DateTimeOffset? CreationDate { get; set; }
}

/// <summary>The authorization server's token and authorization entries. Every lookup is scoped to one tenant.</summary>
public interface IOAuthStore
{
    Task CreateTokenAsync(OAuthToken token, CancellationToken ct);

    Task<OAuthToken?> FindTokenAsync(Guid tenantId, string id, CancellationToken ct);

    Task<OAuthToken?> FindTokenByReferenceAsync(Guid tenantId, string referenceId, CancellationToken ct);

    /// <summary>
    /// Replaces the entry when its stored version still equals <see cref="OAuthToken.Version"/>, then bumps the version
    /// (in the object too). False when another request changed or removed it first: of two concurrent redemptions of
    /// one code, exactly one succeeds.
    /// </summary>
    Task<bool> UpdateTokenAsync(OAuthToken token, CancellationToken ct);

    /// <summary>Marks every entry of the authorization that is not already revoked <c>revoked</c>; returns how many.</summary>
    Task<long> RevokeTokensOfAuthorizationAsync(Guid tenantId, string authorizationId, CancellationToken ct);

    /// <summary>
    /// Deletes the entries created before <paramref name="threshold"/> that can no longer be used: expired before it, or
    /// with a status other than <c>valid</c> and <c>inactive</c>. Returns how many, across all tenants.
    /// </summary>
    Task<long> PruneTokensAsync(DateTimeOffset threshold, CancellationToken ct);

    Task CreateAuthorizationAsync(OAuthAuthorization authorization, CancellationToken ct);

    Task<OAuthAuthorization?> FindAuthorizationAsync(Guid tenantId, string id, CancellationToken ct);

    /// <summary>
    /// Deletes the authorizations created before <paramref name="threshold"/> that are no longer valid, or ad hoc and
    /// without a token entry left. Returns how many, across all tenants.
    /// </summary>
    Task<long> PruneAuthorizationsAsync(DateTimeOffset threshold, CancellationToken ct);
}
