using System.Net;
using System.Text.RegularExpressions;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>
/// The admin center's authorization code, obtained over plain HTTP as a browser would (form, anti-forgery, password),
/// is redeemed once: OAuth 2.0 (RFC 6749 §4.1.2) wants a second redemption refused and the tokens of the first
/// revoked. Run on both engines, since the codes live in the store.
/// </summary>
public abstract partial class CodeRedemptionTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private const string AdminCenterClientId = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
    // RFC 7636 appendix B: this verifier's S256 challenge.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    private string Callback => $"{host.BaseAddress}admin/signin-oidc";

    /// <summary>Signs in at the authorization endpoint and returns the code the browser would carry back.</summary>
    private async Task<string> CodeAsync(TestTenant tenant)
    {
        var handler = host.NewHandler();
        handler.AllowAutoRedirect = false;
        using var browser = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        var authorize = $"/{tenant.Domain}/oauth2/v2.0/authorize";
        var form = await browser.GetStringAsync($"{authorize}?client_id={AdminCenterClientId}&redirect_uri={Uri.EscapeDataString(Callback)}"
            + $"&response_type=code&scope=openid%20profile&state=s1&code_challenge={Challenge}&code_challenge_method=S256", Ct);
        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["username"] = tenant.AdminUpn;
        fields["password"] = tenant.AdminPassword;

        var response = await browser.PostAsync(authorize, new FormUrlEncodedContent(fields), Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(Callback, location, StringComparison.Ordinal);
        return Uri.UnescapeDataString(location.Split('?')[1].Split('&').Single(p => p.StartsWith("code=", StringComparison.Ordinal))[5..]);
    }

    private Task<HttpResponseMessage> RedeemAsync(TestTenant tenant, string code, string? tenantSegment = null) =>
        tenant.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = AdminCenterClientId, ["code"] = code,
            ["redirect_uri"] = Callback, ["code_verifier"] = Verifier,
        }, tenantSegment);

    [Fact]
    public async Task A_code_is_redeemed_once_and_a_second_redemption_revokes_the_tokens_of_the_first()
    {
        var tenant = await host.NewTenantAsync();
        var code = await CodeAsync(tenant);

        var first = await ExpectAsync(await RedeemAsync(tenant, code), HttpStatusCode.OK);
        using var api = host.NewClient((string)first["access_token"]!);
        await ExpectAsync(await api.GetAsync("/v1.0/organization", Ct), HttpStatusCode.OK);
        var second = await RedeemAsync(tenant, code);

        Assert.NotNull(first["id_token"]);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        var replay = await ExpectAsync(second, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", (string?)replay["error"]);
        Assert.StartsWith("AADSTS54005: ", (string?)replay["error_description"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/v1.0/organization", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_code_issued_in_one_tenant_is_refused_in_another_and_stays_redeemable_in_its_own()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        var code = await CodeAsync(tenant);

        var elsewhere = await RedeemAsync(tenant, code, other.Id.ToString());
        var home = await RedeemAsync(tenant, code);

        Assert.Equal("invalid_grant", (string?)(await ExpectAsync(elsewhere, HttpStatusCode.BadRequest))["error"]);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }
}

public sealed class SqliteCodeRedemptionTests(SqliteHost host) : CodeRedemptionTests<SqliteHost>(host);

public sealed class PostgresCodeRedemptionTests(PostgresHost host) : CodeRedemptionTests<PostgresHost>(host);
