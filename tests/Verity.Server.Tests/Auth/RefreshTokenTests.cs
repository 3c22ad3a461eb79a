using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Identity.Client;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>
/// Refresh tokens over plain HTTP: their rotation, which client may redeem one, and the redirect URI rules that make a
/// directory application a public or a confidential client in the code flow. Run on both engines (the entries of
/// codes and refresh tokens, and the revocation of a sign-in's tokens, are the store's).
/// </summary>
public abstract partial class RefreshTokenTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost, IClockHost
{
    // RFC 7636 appendix B: this verifier's S256 challenge.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    private const string Scopes = "https://graph.microsoft.com/.default openid profile offline_access";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> PasswordGrantAsync(TestTenant tenant, string clientId = PublicClientId, string? secret = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = clientId, ["username"] = tenant.AdminUpn, ["password"] = tenant.AdminPassword, ["scope"] = Scopes,
        };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }
        return await ExpectAsync(await tenant.RequestTokenAsync(form), HttpStatusCode.OK);
    }

    private static Task<HttpResponseMessage> RefreshAsync(TestTenant tenant, string refreshToken, string clientId = PublicClientId, string? secret = null,
        string? origin = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refreshToken };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }
        return PostTokenAsync(tenant, form, origin);
    }

    private static async Task<HttpResponseMessage> PostTokenAsync(TestTenant tenant, Dictionary<string, string> form, string? origin)
    {
        using var client = tenant.Host.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{tenant.Id}/oauth2/v2.0/token") { Content = new FormUrlEncodedContent(form) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await client.SendAsync(request, Ct);
    }

    /// <summary>Asserts an Entra-shaped token error: its error, an error_description starting with the code, and error_codes.</summary>
    private static async Task ExpectTokenErrorAsync(HttpResponseMessage response, string error, int code)
    {
        // OAuth 2.0 (RFC 6749 §5.2) and Entra answer a client that failed to authenticate with 401, other errors with 400.
        var body = await ExpectAsync(response, error == "invalid_client" ? HttpStatusCode.Unauthorized : HttpStatusCode.BadRequest);
        Assert.Equal(error, (string?)body["error"]);
        Assert.StartsWith($"AADSTS{code}: ", (string?)body["error_description"], StringComparison.Ordinal);
        Assert.Equal([code], body["error_codes"]!.AsArray().Select(c => (int)c!));
    }

    [Fact]
    public async Task A_refresh_token_redeemed_again_after_the_leeway_revokes_every_token_of_its_sign_in()
    {
        var tenant = await host.NewTenantAsync();
        var signIn = await PasswordGrantAsync(tenant);
        var first = (string)signIn["refresh_token"]!;
        var second = await ExpectAsync(await RefreshAsync(tenant, first), HttpStatusCode.OK);
        using var api = host.NewClient((string)second["access_token"]!);
        await ExpectAsync(await api.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);

        var retried = await RefreshAsync(tenant, first);
        host.Clock.Advance(TimeSpan.FromSeconds(31));
        var replayed = await RefreshAsync(tenant, first);
        var descendant = await RefreshAsync(tenant, (string)second["refresh_token"]!);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.NotEqual(first, (string?)second["refresh_token"]);
        await ExpectTokenErrorAsync(replayed, "invalid_grant", 70000);
        await ExpectTokenErrorAsync(descendant, "invalid_grant", 70000);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/v1.0/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_is_redeemed_only_by_its_client_as_the_same_kind_of_client()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var publicToken = (string)(await PasswordGrantAsync(tenant))["refresh_token"]!;
        var confidentialToken = (string)(await PasswordGrantAsync(tenant, tenant.ClientId, tenant.ClientSecret))["refresh_token"]!;

        var otherClient = await RefreshAsync(tenant, publicToken, tenant.ClientId, tenant.ClientSecret);
        var withoutSecret = await RefreshAsync(tenant, confidentialToken, tenant.ClientId);
        var withSecret = await RefreshAsync(tenant, confidentialToken, tenant.ClientId, tenant.ClientSecret);

        await ExpectTokenErrorAsync(otherClient, "invalid_grant", 70000);
        await ExpectTokenErrorAsync(withoutSecret, "invalid_client", 7000218);
        Assert.Equal(HttpStatusCode.OK, withSecret.StatusCode);
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    /// <summary>The authorization endpoint's answer to the browser: the sign-in form posted, or the first page's refusal.</summary>
    private async Task<HttpResponseMessage> AuthorizeAsync(TestTenant tenant, string clientId, string redirectUri)
    {
        var handler = host.NewHandler();
        handler.AllowAutoRedirect = false;
        using var browser = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        var authorize = $"/{tenant.Id}/oauth2/v2.0/authorize";
        var page = await browser.GetAsync($"{authorize}?client_id={clientId}&redirect_uri={Uri.EscapeDataString(redirectUri)}"
            + $"&response_type=code&scope={Uri.EscapeDataString(Scopes)}&state=s1&code_challenge={Challenge}&code_challenge_method=S256", Ct);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            return page;
        }
        var fields = HiddenField().Matches(await page.Content.ReadAsStringAsync(Ct)).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["username"] = tenant.AdminUpn;
        fields["password"] = tenant.AdminPassword;
        return await browser.PostAsync(authorize, new FormUrlEncodedContent(fields), Ct);
    }

    private async Task<string> CodeAsync(TestTenant tenant, string clientId, string redirectUri)
    {
        var response = await AuthorizeAsync(tenant, clientId, redirectUri);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(redirectUri, location, StringComparison.Ordinal);
        return Uri.UnescapeDataString(location.Split('?')[1].Split('&').Single(p => p.StartsWith("code=", StringComparison.Ordinal))[5..]);
    }

    private static Task<HttpResponseMessage> RedeemAsync(TestTenant tenant, string clientId, string code, string redirectUri, string? secret = null,
        string? origin = null, string verifier = Verifier)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = code, ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier, ["scope"] = Scopes,
        };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }
        return PostTokenAsync(tenant, form, origin);
    }

    [Fact]
    public async Task The_redirect_uris_platform_makes_the_app_a_confidential_or_a_public_client_as_in_Entra()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var body = TestTenant.Serialize(new
        {
            web = new { redirectUris = new[] { "https://app.example/signin-oidc" } },
            publicClient = new { redirectUris = new[] { "http://127.0.0.1/callback" } },
            spa = new { redirectUris = new[] { "https://spa.example/" } },
        });
        await ExpectAsync(await admin.PatchAsync($"/v1.0/applications/{await ObjectIdOfAsync(admin, tenant.ClientId)}", Json(body), Ct), HttpStatusCode.NoContent);
        var app = tenant.ClientId;
        const string Web = "https://app.example/signin-oidc", Desktop = "http://127.0.0.1:49152/callback", Spa = "https://spa.example/";

        var foreign = await AuthorizeAsync(tenant, app, "https://evil.example/signin-oidc");
        var otherPort = await AuthorizeAsync(tenant, app, "https://app.example:8443/signin-oidc");
        var webWithout = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Web), Web);
        var webWith = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Web), Web, tenant.ClientSecret);
        var desktopWith = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Desktop), Desktop, tenant.ClientSecret);
        var desktopWithout = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Desktop), Desktop);
        var wrongVerifier = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Desktop), Desktop, verifier: new string('x', 43));
        var spaSameOrigin = await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Spa), Spa);
        var spaCrossOrigin = await ExpectAsync(await RedeemAsync(tenant, app, await CodeAsync(tenant, app, Spa), Spa, origin: "https://spa.example"), HttpStatusCode.OK);
        var spaRefreshSameOrigin = await RefreshAsync(tenant, (string)spaCrossOrigin["refresh_token"]!, app);
        var spaRefreshCrossOrigin = await RefreshAsync(tenant, (string)spaCrossOrigin["refresh_token"]!, app, origin: "https://spa.example");

        foreach (var refused in new[] { foreign, otherPort })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
            Assert.Contains("AADSTS50011", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        await ExpectTokenErrorAsync(webWithout, "invalid_client", 7000218);
        Assert.Equal(HttpStatusCode.OK, webWith.StatusCode);
        await ExpectTokenErrorAsync(desktopWith, "invalid_client", 700025);
        Assert.Equal(HttpStatusCode.OK, desktopWithout.StatusCode);
        await ExpectTokenErrorAsync(wrongVerifier, "invalid_grant", 501481);
        await ExpectTokenErrorAsync(spaSameOrigin, "invalid_request", 9002327);
        await ExpectTokenErrorAsync(spaRefreshSameOrigin, "invalid_request", 9002327);
        Assert.Equal(HttpStatusCode.OK, spaRefreshCrossOrigin.StatusCode);
    }

    [Fact]
    public async Task A_disabled_application_cannot_start_a_sign_in()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await ExpectAsync(await admin.PatchAsync($"/v1.0/applications/{await ObjectIdOfAsync(admin, tenant.ClientId)}",
            Json("""{"publicClient":{"redirectUris":["http://localhost"]}}"""), Ct), HttpStatusCode.NoContent);
        var sp = (await ExpectAsync(await admin.GetAsync("/v1.0/servicePrincipals", Ct), HttpStatusCode.OK))["value"]!.AsArray()
            .Single(s => (string?)s!["appId"] == tenant.ClientId)!;
        await ExpectAsync(await admin.PatchAsync($"/v1.0/servicePrincipals/{sp["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);

        var response = await AuthorizeAsync(tenant, tenant.ClientId, "http://localhost");

        Assert.Null(response.Headers.Location);
        Assert.Contains("AADSTS7000112", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static async Task<string> ObjectIdOfAsync(HttpClient admin, string appId) =>
        (string)(await ExpectAsync(await admin.GetAsync("/v1.0/applications", Ct), HttpStatusCode.OK))["value"]!.AsArray()
            .Single(a => (string?)a!["appId"] == appId)!["id"]!;
}

public sealed class SqliteRefreshTokenTests(SqliteClockHost host) : RefreshTokenTests<SqliteClockHost>(host);

public sealed class PostgresRefreshTokenTests(PostgresClockHost host) : RefreshTokenTests<PostgresClockHost>(host);

/// <summary>
/// A refresh token unused for 90 days has expired, as Entra's: on a host of its own, since its clock moves half a year
/// ahead and the API would refuse tokens issued that far from the real time.
/// </summary>
public sealed class RefreshTokenExpiryTests(SqliteClockHost host) : IClassFixture<SqliteClockHost>
{
    private static readonly string[] Graph = ["https://graph.microsoft.com/.default"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refresh_token_unused_for_90_days_has_expired_due_to_inactivity()
    {
        var tenant = await host.NewTenantAsync();
        var app = PublicClientApplicationBuilder.Create(PublicClientId).WithAuthority($"{host.BaseAddress}{tenant.Id}").WithInstanceDiscovery(false)
            .WithHttpClientFactory(new TrustingFactory(host)).Build();
#pragma warning disable CS0618 // MSAL marks its password grant obsolete; Verity serves it.
        var signIn = await app.AcquireTokenByUsernamePassword(Graph, tenant.AdminUpn, tenant.AdminPassword).ExecuteAsync(Ct);
#pragma warning restore CS0618
        host.Clock.Advance(TimeSpan.FromDays(89));
        var kept = await app.AcquireTokenSilent(Graph, signIn.Account).WithForceRefresh(true).ExecuteAsync(Ct);
        host.Clock.Advance(TimeSpan.FromDays(91));

        var refused = await Assert.ThrowsAsync<MsalUiRequiredException>(() => app.AcquireTokenSilent(Graph, signIn.Account).WithForceRefresh(true).ExecuteAsync(Ct));

        Assert.Equal(TokenSource.IdentityProvider, kept.AuthenticationResultMetadata.TokenSource);
        Assert.Equal("invalid_grant", refused.ErrorCode);
        Assert.StartsWith("AADSTS700082: The refresh token has expired due to inactivity.", refused.Message, StringComparison.Ordinal);
    }

    private sealed class TrustingFactory(VerityHost host) : IMsalHttpClientFactory
    {
        private readonly HttpClient _client = new(host.NewHandler());

        public HttpClient GetHttpClient() => _client;
    }
}
