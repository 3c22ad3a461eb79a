using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>
/// The Microsoft clients' own flows, unchanged, against Verity: MSAL.NET's public and confidential client applications
/// (password, authorization code with PKCE through its interactive flow, client credentials, silent refresh from its
/// token cache) and Azure.Identity's credentials, configured as a user of Entra would with only the authority changed.
/// Run on both engines: refresh tokens have entries in the store.
/// </summary>
public abstract partial class MsalFlowTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
    private const string DefaultUserRole = "b79fbf4d-3ef9-4689-8143-76b194e85509";
    private static readonly string[] Graph = ["https://graph.microsoft.com/.default"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Authority(TestTenant tenant) => $"{host.BaseAddress}{tenant.Id}";

    /// <summary>What a user writes for Entra, with Verity's address as the authority and no instance discovery.</summary>
    private IPublicClientApplication PublicClient(TestTenant tenant, string clientId = PublicClientId, string? redirectUri = null)
    {
        var builder = PublicClientApplicationBuilder.Create(clientId)
            .WithAuthority(Authority(tenant))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new TrustingFactory(host));
        return (redirectUri is null ? builder : builder.WithRedirectUri(redirectUri)).Build();
    }

    // AcquireTokenByUsernamePassword is marked obsolete (Microsoft steers apps away from the password grant); Verity
    // serves it, and tests that MSAL's own implementation of it works.
#pragma warning disable CS0618
    private static Task<AuthenticationResult> SignInAsync(IPublicClientApplication app, string upn, string password) =>
        app.AcquireTokenByUsernamePassword(Graph, upn, password).ExecuteAsync(Ct);
#pragma warning restore CS0618

    private async Task<(TestTenant Tenant, HttpClient Admin, JsonObject User)> UserAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "ada", "Ada-Password-1!", "Ada Lovelace");
        return (tenant, admin, user);
    }

    [Fact]
    public async Task The_password_grant_fills_Msals_account_and_tokens_carry_Entras_claims()
    {
        var (tenant, _, user) = await UserAsync();
        var app = PublicClient(tenant);

        var result = await SignInAsync(app, $"ada@{tenant.Domain}", "Ada-Password-1!");

        Assert.Equal($"ada@{tenant.Domain}", result.Account.Username);
        Assert.Equal((string?)user["id"], result.Account.HomeAccountId.ObjectId);
        Assert.Equal(tenant.Id.ToString(), result.Account.HomeAccountId.TenantId);
        Assert.Equal(tenant.Id.ToString(), result.TenantId);
        Assert.Equal((string?)user["id"], result.UniqueId);
        Assert.Equal("Ada Lovelace", result.ClaimsPrincipal.FindFirst("name")?.Value);
        var account = Assert.Single(await app.GetAccountsAsync());
        Assert.Equal(result.Account.HomeAccountId.Identifier, account.HomeAccountId.Identifier);
        var access = Payload(result.AccessToken);
        Assert.Equal(tenant.Id.ToString(), (string?)access["tid"]);
        Assert.Equal((string?)user["id"], (string?)access["oid"]);
        Assert.Equal((string?)user["id"], (string?)access["sub"]);
        Assert.Equal($"ada@{tenant.Domain}", (string?)access["preferred_username"]);
        Assert.Equal("Ada Lovelace", (string?)access["name"]);
        Assert.Equal("2.0", (string?)access["ver"]);
        Assert.Equal($"{Authority(tenant)}/v2.0", (string?)access["iss"]);
        Assert.Equal("00000003-0000-0000-c000-000000000000", (string?)access["aud"]);
        Assert.Contains("Directory.AccessAsUser.All", ((string?)access["scp"])!.Split(' '));
        Assert.Equal([DefaultUserRole], access["wids"]!.AsArray().Select(w => (string?)w));
        var id = Payload(result.IdToken);
        Assert.Equal(PublicClientId, (string?)id["aud"]);
        Assert.Equal((string?)user["id"], (string?)id["oid"]);
        Assert.Equal(tenant.Id.ToString(), (string?)id["tid"]);
        Assert.Equal($"ada@{tenant.Domain}", (string?)id["preferred_username"]);
        Assert.Null(id["scp"]);
        using var api = host.NewClient(result.AccessToken);
        Assert.Equal((string?)user["id"], (string?)(await ExpectAsync(await api.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK))["id"]);
    }

    [Fact]
    public async Task A_forced_silent_call_redeems_the_refresh_token_for_a_new_access_token_with_current_roles()
    {
        var (tenant, admin, user) = await UserAsync();
        var app = PublicClient(tenant);
        var first = await SignInAsync(app, $"ada@{tenant.Domain}", "Ada-Password-1!");
        await tenant.AssignRoleAsync(admin, (string)user["id"]!, GlobalAdministrator);

        var refreshed = await app.AcquireTokenSilent(Graph, first.Account).WithForceRefresh(true).ExecuteAsync(Ct);

        Assert.Equal(TokenSource.IdentityProvider, refreshed.AuthenticationResultMetadata.TokenSource);
        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        Assert.Equal(first.Account.HomeAccountId.Identifier, refreshed.Account.HomeAccountId.Identifier);
        Assert.Contains(GlobalAdministrator, Payload(refreshed.AccessToken)["wids"]!.AsArray().Select(w => (string?)w));
        using var api = host.NewClient(refreshed.AccessToken);
        await ExpectAsync(await api.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_silent_call_after_the_access_token_expired_redeems_the_refresh_token()
    {
        var (tenant, _, _) = await UserAsync();
        var app = PublicClient(tenant);
        var cache = new SerializedCache(app.UserTokenCache);
        var first = await SignInAsync(app, $"ada@{tenant.Domain}", "Ada-Password-1!");
        var cached = await app.AcquireTokenSilent(Graph, first.Account).ExecuteAsync(Ct);

        cache.ExpireAccessTokens();
        var refreshed = await app.AcquireTokenSilent(Graph, first.Account).ExecuteAsync(Ct);

        Assert.Equal(TokenSource.Cache, cached.AuthenticationResultMetadata.TokenSource);
        Assert.Equal(TokenSource.IdentityProvider, refreshed.AuthenticationResultMetadata.TokenSource);
        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        using var api = host.NewClient(refreshed.AccessToken);
        await ExpectAsync(await api.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("revoke", "AADSTS50173")]
    [InlineData("reset", "AADSTS50173")]
    [InlineData("change", "AADSTS50173")]
    [InlineData("disable", "AADSTS50057")]
    [InlineData("delete", "AADSTS50034")]
    public async Task A_refresh_after_the_account_changed_needs_a_new_sign_in_with_Entras_code(string change, string code)
    {
        var (tenant, admin, user) = await UserAsync();
        var app = PublicClient(tenant);
        var first = await SignInAsync(app, $"ada@{tenant.Domain}", "Ada-Password-1!");
        var id = (string)user["id"]!;
        using var asUser = host.NewClient(first.AccessToken);
        var response = change switch
        {
            "revoke" => await admin.PostAsync($"/v1.0/users/{id}/revokeSignInSessions", null, Ct),
            "reset" => await admin.PatchAsync($"/v1.0/users/{id}", Json("""{"passwordProfile":{"password":"Reset-Password-2!","forceChangePasswordNextSignIn":false}}"""), Ct),
            "change" => await asUser.PostAsync($"/v1.0/users/{id}/changePassword",
                Json("""{"currentPassword":"Ada-Password-1!","newPassword":"Changed-Password-3!"}"""), Ct),
            "disable" => await admin.PatchAsync($"/v1.0/users/{id}", Json("""{"accountEnabled":false}"""), Ct),
            _ => await admin.DeleteAsync($"/v1.0/users/{id}", Ct),
        };
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));

        var refused = await Assert.ThrowsAsync<MsalUiRequiredException>(() => app.AcquireTokenSilent(Graph, first.Account).WithForceRefresh(true).ExecuteAsync(Ct));

        Assert.Equal("invalid_grant", refused.ErrorCode);
        Assert.StartsWith($"{code}: ", refused.Message, StringComparison.Ordinal);
        var filter = Uri.EscapeDataString("signInEventTypes/any(t: t eq 'nonInteractiveUser') and status/errorCode ne 0");
        var logged = Assert.Single((await ExpectAsync(await admin.GetAsync($"/beta/auditLogs/signIns?$filter={filter}", Ct), HttpStatusCode.OK))["value"]!.AsArray());
        Assert.Equal(int.Parse(code[6..], System.Globalization.CultureInfo.InvariantCulture), (int)logged!["status"]!["errorCode"]!);
        Assert.Equal(id, (string?)logged["userId"]);
    }

    [Fact]
    public async Task Msal_signs_in_interactively_with_PKCE_at_a_public_client_redirect_uri_and_refreshes_silently()
    {
        var (tenant, admin, user) = await UserAsync();
        var application = await ExpectAsync(await admin.PostAsJsonAsync("/v1.0/applications",
            new { displayName = "Desktop app", publicClient = new { redirectUris = new[] { "http://localhost" } } }, Ct), HttpStatusCode.Created);
        var appId = (string)application["appId"]!;
        // A loopback redirect URI matches on any port (Entra's localhost exception): a desktop app listens where it can.
        var app = PublicClient(tenant, appId, "http://localhost:51234");
        var browser = new FormSignIn(host, $"ada@{tenant.Domain}", "Ada-Password-1!");

        var result = await app.AcquireTokenInteractive(Graph).WithCustomWebUi(browser).ExecuteAsync(Ct);
        var refreshed = await app.AcquireTokenSilent(Graph, result.Account).WithForceRefresh(true).ExecuteAsync(Ct);

        Assert.Contains("code_challenge=", browser.AuthorizationUri!.Query, StringComparison.Ordinal);
        Assert.Contains("Desktop app", browser.SignInPage, StringComparison.Ordinal);
        Assert.Equal($"ada@{tenant.Domain}", result.Account.Username);
        Assert.Equal((string?)user["id"], result.Account.HomeAccountId.ObjectId);
        Assert.Equal(tenant.Id.ToString(), result.Account.HomeAccountId.TenantId);
        Assert.Equal(appId, (string?)Payload(result.IdToken)["aud"]);
        Assert.Equal(appId, (string?)Payload(result.AccessToken)["appid"]);
        Assert.Equal(TokenSource.IdentityProvider, refreshed.AuthenticationResultMetadata.TokenSource);
        Assert.NotEqual(result.AccessToken, refreshed.AccessToken);
        using var api = host.NewClient(refreshed.AccessToken);
        await ExpectAsync(await api.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_directory_app_uses_the_password_grant_as_a_public_client_only_when_it_allows_public_client_flows()
    {
        var (tenant, admin, _) = await UserAsync();
        var closed = (string)(await ExpectAsync(await admin.PostAsJsonAsync("/v1.0/applications", new { displayName = "Script" }, Ct), HttpStatusCode.Created))["appId"]!;
        var open = (string)(await ExpectAsync(await admin.PostAsJsonAsync("/v1.0/applications",
            new { displayName = "Script", isFallbackPublicClient = true }, Ct), HttpStatusCode.Created))["appId"]!;

        var refused = await Assert.ThrowsAnyAsync<MsalServiceException>(() => SignInAsync(PublicClient(tenant, closed), $"ada@{tenant.Domain}", "Ada-Password-1!"));
        var result = await SignInAsync(PublicClient(tenant, open), $"ada@{tenant.Domain}", "Ada-Password-1!");

        Assert.Contains("AADSTS7000218", refused.Message, StringComparison.Ordinal);
        Assert.Equal(open, (string?)Payload(result.AccessToken)["appid"]);
    }

    [Fact]
    public async Task Msal_client_credentials_get_app_roles_and_a_bad_secret_is_AADSTS7000215()
    {
        var tenant = await host.NewTenantAsync();
        IConfidentialClientApplication App(string secret) => ConfidentialClientApplicationBuilder.Create(tenant.ClientId)
            .WithClientSecret(secret)
            .WithAuthority(Authority(tenant))
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new TrustingFactory(host))
            .Build();

        var result = await App(tenant.ClientSecret).AcquireTokenForClient(Graph).ExecuteAsync(Ct);
        var refused = await Assert.ThrowsAsync<MsalServiceException>(() => App("not-the-secret").AcquireTokenForClient(Graph).ExecuteAsync(Ct));

        var token = Payload(result.AccessToken);
        Assert.Equal("app", (string?)token["idtyp"]);
        Assert.Contains("AuditLog.Read.All", token["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Contains(GlobalAdministrator, token["wids"]!.AsArray().Select(w => (string?)w));
        Assert.Null(token["scp"]);
        Assert.Equal("invalid_client", refused.ErrorCode);
        Assert.Contains("AADSTS7000215", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azure_Identity_credentials_get_tokens_and_report_Entras_errors()
    {
        var (tenant, _, user) = await UserAsync();
        var transport = new HttpClientTransport(new HttpClient(host.NewHandler()));
        // UsernamePasswordCredential is obsolete for the same reason as MSAL's password grant; it is MSAL underneath.
#pragma warning disable CS0618
        var password = new UsernamePasswordCredential($"ada@{tenant.Domain}", "Ada-Password-1!", tenant.Id.ToString(), PublicClientId,
            new UsernamePasswordCredentialOptions { AuthorityHost = host.BaseAddress, DisableInstanceDiscovery = true, Transport = transport });
#pragma warning restore CS0618
        var secret = new ClientSecretCredential(tenant.Id.ToString(), tenant.ClientId, tenant.ClientSecret,
            new ClientSecretCredentialOptions { AuthorityHost = host.BaseAddress, DisableInstanceDiscovery = true, Transport = transport });
        var wrong = new ClientSecretCredential(tenant.Id.ToString(), tenant.ClientId, "not-the-secret",
            new ClientSecretCredentialOptions { AuthorityHost = host.BaseAddress, DisableInstanceDiscovery = true, Transport = transport });

        var userToken = await password.GetTokenAsync(new TokenRequestContext(Graph), Ct);
        var again = await password.GetTokenAsync(new TokenRequestContext(Graph), Ct);
        var appToken = await secret.GetTokenAsync(new TokenRequestContext(Graph), Ct);
        var refused = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await wrong.GetTokenAsync(new TokenRequestContext(Graph), Ct));

        Assert.Equal((string?)user["id"], (string?)Payload(userToken.Token)["oid"]);
        Assert.Equal(userToken.Token, again.Token);
        Assert.Equal("app", (string?)Payload(appToken.Token)["idtyp"]);
        var cause = Assert.IsType<MsalServiceException>(refused.InnerException);
        Assert.Equal("invalid_client", cause.ErrorCode);
        Assert.Contains("AADSTS7000215", cause.Message, StringComparison.Ordinal);
    }

    private static JsonObject Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(part.PadRight((part.Length + 3) / 4 * 4, '=')))!.AsObject();
    }

    private sealed class TrustingFactory(VerityHost host) : IMsalHttpClientFactory
    {
        private readonly HttpClient _client = new(host.NewHandler());

        public HttpClient GetHttpClient() => _client;
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    /// <summary>
    /// The browser's part of MSAL's interactive sign-in, over HTTP: open the authorization URI, post the sign-in form
    /// with its anti-forgery token and the user's password, and hand MSAL the redirect that carries the code.
    /// </summary>
    private sealed class FormSignIn(VerityHost host, string username, string password) : ICustomWebUi
    {
        public Uri? AuthorizationUri { get; private set; }
        public string SignInPage { get; private set; } = "";

        public async Task<Uri> AcquireAuthorizationCodeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
        {
            AuthorizationUri = authorizationUri;
            var handler = host.NewHandler();
            handler.AllowAutoRedirect = false;
            using var browser = new HttpClient(handler);
            var page = await browser.GetAsync(authorizationUri, cancellationToken);
            SignInPage = await page.Content.ReadAsStringAsync(cancellationToken);
            Assert.True(page.StatusCode == HttpStatusCode.OK, SignInPage);
            var fields = HiddenField().Matches(SignInPage).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
            fields["username"] = username;
            fields["password"] = password;

            var response = await browser.PostAsync(authorizationUri, new FormUrlEncodedContent(fields), cancellationToken);

            Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(cancellationToken));
            return response.Headers.Location!;
        }
    }

    /// <summary>MSAL's token cache kept as its serialized bytes, so a test can age what it holds.</summary>
    private sealed class SerializedCache
    {
        private byte[]? _state;

        public SerializedCache(ITokenCache cache)
        {
            cache.SetBeforeAccess(args => args.TokenCache.DeserializeMsalV3(_state));
            cache.SetAfterAccess(args =>
            {
                if (args.HasStateChanged)
                {
                    _state = args.TokenCache.SerializeMsalV3();
                }
            });
        }

        /// <summary>Moves every cached access token's expiry into the past, as an hour's wait would.</summary>
        public void ExpireAccessTokens()
        {
            var cache = JsonNode.Parse(_state!)!.AsObject();
            foreach (var (_, token) in cache["AccessToken"]!.AsObject())
            {
                token!["expires_on"] = "1000000000";
                token["extended_expires_on"] = "1000000000";
            }
            _state = System.Text.Encoding.UTF8.GetBytes(cache.ToJsonString());
        }
    }
}

public sealed class SqliteMsalFlowTests(SqliteHost host) : MsalFlowTests<SqliteHost>(host);

public sealed class PostgresMsalFlowTests(PostgresHost host) : MsalFlowTests<PostgresHost>(host);
