using System.Net;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.Auth;

/// <summary>The authorization endpoint refuses what the admin center would never send: no PKCE, a foreign redirect, another client.</summary>
public sealed class AuthorizeEndpointTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private const string AdminCenterClientId = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> AuthorizeAsync(string tenant, string clientId, string redirectUri, bool pkce)
    {
        var handler = host.NewHandler();
        handler.AllowAutoRedirect = false;
        using var client = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        var query = $"client_id={clientId}&redirect_uri={Uri.EscapeDataString(redirectUri)}&response_type=code&scope=openid&state=s1"
            + (pkce ? "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256" : "");
        return await client.GetAsync($"/{tenant}/oauth2/v2.0/authorize?{query}", Ct);
    }

    [Fact]
    public async Task A_request_without_PKCE_is_refused_before_any_sign_in_form()
    {
        var tenant = await host.NewTenantAsync();

        var response = await AuthorizeAsync(tenant.Domain, AdminCenterClientId, $"{host.BaseAddress}admin/signin-oidc", pkce: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
        Assert.DoesNotContain("password", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AdminCenterClientId, "https://evil.example/admin/signin-oidc")]
    [InlineData("04b07795-8ddb-461a-bbee-02f9e1bf7b46", null)]
    public async Task A_foreign_redirect_or_another_client_gets_no_redirect(string clientId, string? redirectUri)
    {
        var tenant = await host.NewTenantAsync();

        var response = await AuthorizeAsync(tenant.Id.ToString(), clientId, redirectUri ?? $"{host.BaseAddress}admin/signin-oidc", pkce: true);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain("password", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_form_is_shown_for_a_valid_request_and_an_unknown_tenant_is_refused()
    {
        var tenant = await host.NewTenantAsync();
        var callback = $"{host.BaseAddress}admin/signin-oidc";

        var form = await AuthorizeAsync(tenant.Domain, AdminCenterClientId, callback, pkce: true);
        var unknown = await AuthorizeAsync("nowhere.example", AdminCenterClientId, callback, pkce: true);

        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = await form.Content.ReadAsStringAsync(Ct);
        Assert.Contains("name=\"__RequestVerificationToken\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"code_challenge\"", html, StringComparison.Ordinal);
        Assert.NotNull(form.Content.Headers.ContentType);
        Assert.Contains("default-src 'none'", form.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(unknown.IsSuccessStatusCode);
        Assert.True((int)unknown.StatusCode < 500);
    }
}
