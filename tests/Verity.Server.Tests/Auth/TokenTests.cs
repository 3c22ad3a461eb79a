using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>The OAuth 2.0 / OpenID Connect server at Entra's per-tenant addresses.</summary>
public sealed class TokenTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discovery_advertises_per_tenant_endpoints_and_keys_that_verify_tokens()
    {
        var tenant = await host.NewTenantAsync();
        using var client = host.NewClient();

        var byId = await ExpectAsync(await client.GetAsync($"/{tenant.Id}/v2.0/.well-known/openid-configuration", Ct), HttpStatusCode.OK);
        var byDomain = await ExpectAsync(await client.GetAsync($"/{tenant.Domain}/v2.0/.well-known/openid-configuration", Ct), HttpStatusCode.OK);
        var keys = await ExpectAsync(await client.GetAsync(new Uri((string)byId["jwks_uri"]!).PathAndQuery, Ct), HttpStatusCode.OK);

        Assert.Equal($"{host.BaseAddress.ToString().TrimEnd('/')}/{tenant.Id}/v2.0", (string?)byId["issuer"]);
        Assert.Equal((string?)byId["issuer"], (string?)byDomain["issuer"]);
        Assert.EndsWith($"/{tenant.Id}/oauth2/v2.0/token", (string?)byId["token_endpoint"], StringComparison.Ordinal);
        Assert.NotNull(byId["authorization_endpoint"]);
        Assert.Contains("refresh_token", byId["grant_types_supported"]!.AsArray().Select(g => (string?)g));
        Assert.Contains("offline_access", byId["scopes_supported"]!.AsArray().Select(g => (string?)g));
        Assert.Contains("preferred_username", byId["claims_supported"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("RSA", (string?)keys["keys"]![0]!["kty"]);
        var token = await tenant.AppTokenAsync();
        var header = JsonNode.Parse(Decode(token.Split('.')[0]))!;
        Assert.Equal((string?)keys["keys"]![0]!["kid"], (string?)header["kid"]);
    }

    [Fact]
    public async Task Tokens_carry_tenant_object_and_role_claims_for_users_and_apps()
    {
        var tenant = await host.NewTenantAsync();

        var user = JsonNode.Parse(Decode((await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword)).Split('.')[1]))!;
        var app = JsonNode.Parse(Decode((await tenant.AppTokenAsync()).Split('.')[1]))!;

        Assert.Equal(tenant.Id.ToString(), (string?)user["tid"]);
        Assert.Equal(tenant.AdminId, (string?)user["oid"]);
        Assert.Equal("user", (string?)user["idtyp"]);
        Assert.Equal(tenant.AdminUpn, (string?)user["upn"]);
        Assert.Contains("62e90394-69f5-4237-9190-012177145e10", user["wids"]!.AsArray().Select(w => (string?)w));
        Assert.Equal("00000003-0000-0000-c000-000000000000", (string?)user["aud"]);
        Assert.Equal("app", (string?)app["idtyp"]);
        Assert.Equal(tenant.ClientId, (string?)app["appid"]);
        Assert.Contains("AuditLog.Read.All", app["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Contains("62e90394-69f5-4237-9190-012177145e10", app["wids"]!.AsArray().Select(w => (string?)w));
    }

    [Fact]
    public async Task Bad_credentials_unknown_clients_and_unknown_tenants_get_Entras_errors()
    {
        var tenant = await host.NewTenantAsync();
        Dictionary<string, string> Form(params (string, string)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

        var badPassword = await tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", tenant.AdminUpn), ("password", "wrong")));
        var badSecret = await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", tenant.ClientId), ("client_secret", "wrong")));
        var unknownApp = await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", Guid.NewGuid().ToString()), ("client_secret", "x")));
        var unknownTenant = await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", tenant.ClientId), ("client_secret", tenant.ClientSecret)),
            Guid.NewGuid().ToString());

        Assert.Contains("AADSTS50126", await badPassword.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("AADSTS7000215", await badSecret.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("AADSTS700016", await unknownApp.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("AADSTS90002", await unknownTenant.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.All(new[] { badPassword, badSecret, unknownApp, unknownTenant }, r => Assert.False(r.IsSuccessStatusCode));
    }

    /// <summary>Entra's "Allow public client flows" is off by default: without it the password grant is a confidential client's.</summary>
    [Fact]
    public async Task A_directory_application_is_a_confidential_client_in_the_password_grant_too()
    {
        var tenant = await host.NewTenantAsync();
        Task<HttpResponseMessage> PasswordGrant(string? secret) => tenant.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = tenant.ClientId, ["username"] = tenant.AdminUpn, ["password"] = tenant.AdminPassword,
            ["client_secret"] = secret ?? "",
        });

        var wrong = await PasswordGrant("not-the-secret");
        var none = await PasswordGrant(null);
        var right = await PasswordGrant(tenant.ClientSecret);

        Assert.Contains("AADSTS7000215", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("AADSTS7000218", await none.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "olly", "Olly-Passw0rd");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);

        var response = await tenant.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = $"olly@{tenant.Domain}", ["password"] = "Olly-Passw0rd",
        });

        Assert.Contains("AADSTS50057", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static string Decode(string part)
    {
        var padded = part.Replace('-', '+').Replace('_', '/');
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded.PadRight((padded.Length + 3) / 4 * 4, '=')));
    }
}
