using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

public abstract partial class StoreConformanceTests
{
    /// <summary>Every backend serves the authorization server's entries too.</summary>
    private IOAuthStore OAuth => (IOAuthStore)Directory;

    private static OAuthToken Token(Guid tenant, string status, DateTimeOffset created, DateTimeOffset expires, string? authorization = null,
        string? reference = null) => new()
    {
        TenantId = tenant, Id = Guid.NewGuid().ToString(), Type = "authorization_code", Status = status, Subject = "u1", ApplicationId = "app",
        AuthorizationId = authorization, ReferenceId = reference, Payload = reference is null ? null : "sealed", CreationDate = created,
        ExpirationDate = expires,
    };

    [Fact]
    public async Task A_token_entry_is_updated_once_from_one_version_and_is_found_only_in_its_tenant()
    {
        var tenant = await NewTenantAsync();
        var other = await NewTenantAsync();
        var token = Token(tenant, "valid", T0, T0.AddMinutes(5), reference: "hashed-reference");
        await OAuth.CreateTokenAsync(token, Ct);
        var first = (await OAuth.FindTokenByReferenceAsync(tenant, "hashed-reference", Ct))!;
        var second = (await OAuth.FindTokenAsync(tenant, token.Id, Ct))!;

        first.Status = second.Status = "redeemed";
        first.RedemptionDate = second.RedemptionDate = T0.AddMinutes(1);
        var firstWins = await OAuth.UpdateTokenAsync(first, Ct);
        var secondWins = await OAuth.UpdateTokenAsync(second, Ct);

        Assert.True(firstWins);
        Assert.False(secondWins);
        var stored = (await OAuth.FindTokenAsync(tenant, token.Id, Ct))!;
        Assert.Equal(("redeemed", 1L, T0.AddMinutes(1), T0.AddMinutes(5), "sealed"),
            (stored.Status, stored.Version, stored.RedemptionDate, stored.ExpirationDate, stored.Payload));
        Assert.Null(await OAuth.FindTokenAsync(other, token.Id, Ct));
        Assert.Null(await OAuth.FindTokenByReferenceAsync(other, "hashed-reference", Ct));
    }

    [Fact]
    public async Task Revoking_an_authorization_revokes_its_tokens_and_pruning_deletes_only_what_can_no_longer_be_used()
    {
        var tenant = await NewTenantAsync();
        var old = T0.AddDays(-2);
        var authorization = new OAuthAuthorization
        {
            TenantId = tenant, Id = Guid.NewGuid().ToString(), Type = "ad-hoc", Status = "valid", Subject = "u1", Scopes = """["openid"]""", CreationDate = old,
        };
        await OAuth.CreateAuthorizationAsync(authorization, Ct);
        var redeemedFrom = Token(tenant, "valid", old, T0.AddHours(1), authorization.Id);
        var redeemed = Token(tenant, "redeemed", old, T0.AddHours(1));
        var expired = Token(tenant, "valid", old, old.AddHours(1));
        var usable = Token(tenant, "valid", old, T0.AddHours(1));
        var recent = Token(tenant, "redeemed", T0.AddMinutes(1), T0.AddHours(1));
        foreach (var token in new[] { redeemedFrom, redeemed, expired, usable, recent })
        {
            await OAuth.CreateTokenAsync(token, Ct);
        }

        var revoked = await OAuth.RevokeTokensOfAuthorizationAsync(tenant, authorization.Id, Ct);
        var prunedTokens = await OAuth.PruneTokensAsync(T0, Ct);
        var prunedAuthorizations = await OAuth.PruneAuthorizationsAsync(T0, Ct);

        Assert.Equal(1, revoked);
        Assert.True(prunedTokens >= 3);
        Assert.True(prunedAuthorizations >= 1);
        Assert.Null(await OAuth.FindTokenAsync(tenant, redeemedFrom.Id, Ct));
        Assert.Null(await OAuth.FindTokenAsync(tenant, redeemed.Id, Ct));
        Assert.Null(await OAuth.FindTokenAsync(tenant, expired.Id, Ct));
        Assert.NotNull(await OAuth.FindTokenAsync(tenant, usable.Id, Ct));
        Assert.NotNull(await OAuth.FindTokenAsync(tenant, recent.Id, Ct));
        Assert.Null(await OAuth.FindAuthorizationAsync(tenant, authorization.Id, Ct));
    }
}
