using Microsoft.Identity.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.Auth;

/// <summary>Standard OAuth/OIDC clients that know nothing of Verity work from the discovery document alone.</summary>
public sealed class StandardClientTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Msal_with_a_generic_oidc_authority_gets_a_token_by_client_credentials()
    {
        var tenant = await host.NewTenantAsync();
        var app = ConfidentialClientApplicationBuilder.Create(tenant.ClientId)
            .WithClientSecret(tenant.ClientSecret)
            .WithOidcAuthority($"{host.BaseAddress}{tenant.Id}/v2.0")
            .WithHttpClientFactory(new TrustingFactory(host))
            .Build();

        var result = await app.AcquireTokenForClient(["https://graph.microsoft.com/.default"]).ExecuteAsync(Ct);
        using var client = host.NewClient(result.AccessToken);
        var organization = await client.GetAsync("/v1.0/organization", Ct);

        Assert.True(organization.IsSuccessStatusCode);
    }

    [Fact]
    public async Task An_oidc_configuration_retriever_finds_keys_that_validate_verity_tokens()
    {
        var tenant = await host.NewTenantAsync();
        var issuer = $"{host.BaseAddress}{tenant.Id}/v2.0";
        var manager = new ConfigurationManager<OpenIdConnectConfiguration>($"{issuer}/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever(new HttpClient(host.NewHandler())));

        var configuration = await manager.GetConfigurationAsync(Ct);
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword),
            new TokenValidationParameters
            {
                ValidIssuer = configuration.Issuer,
                ValidAudience = "00000003-0000-0000-c000-000000000000",
                IssuerSigningKeys = configuration.SigningKeys,
            });

        Assert.Equal(issuer, configuration.Issuer);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(tenant.Id.ToString(), validation.Claims["tid"]);
    }

    private sealed class TrustingFactory(VerityHost host) : IMsalHttpClientFactory
    {
        public HttpClient GetHttpClient() => new(host.NewHandler());
    }
}
