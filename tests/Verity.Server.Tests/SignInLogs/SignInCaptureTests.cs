using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.SignInLogs;

/// <summary>Every token request writes one signIn, success or failure, readable at once through Graph's auditLogs/signIns.</summary>
public abstract class SignInCaptureTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Form(params (string, string)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    private static async Task<List<JsonObject>> SignInsAsync(HttpClient admin, string filter)
    {
        var page = await ExpectAsync(await admin.GetAsync($"/beta/auditLogs/signIns?$filter={Uri.EscapeDataString(filter)}", Ct), HttpStatusCode.OK);
        return [.. page["value"]!.AsArray().Select(e => e!.AsObject())];
    }

    [Fact]
    public async Task A_password_sign_in_is_an_interactive_user_sign_in_with_every_v1_property()
    {
        var tenant = await host.NewTenantAsync();
        var before = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        var response = await tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", tenant.AdminUpn),
            ("password", tenant.AdminPassword), ("scope", "https://graph.microsoft.com/.default")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var admin = await tenant.AdminAsync();

        var page = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/signIns", Ct), HttpStatusCode.OK);
        var entry = page["value"]!.AsArray().Select(e => e!.AsObject()).Last(); // the first sign-in; AdminAsync signed in again since

        Assert.Equal($"{host.BaseAddress}v1.0/$metadata#auditLogs/signIns", (string?)page["@odata.context"]);
        foreach (var property in new[] { "id", "createdDateTime", "userDisplayName", "userPrincipalName", "userId", "appId", "appDisplayName", "ipAddress",
            "clientAppUsed", "correlationId", "conditionalAccessStatus", "isInteractive", "riskDetail", "riskLevelAggregated", "riskLevelDuringSignIn",
            "riskState", "riskEventTypes", "riskEventTypes_v2", "resourceDisplayName", "resourceId", "status", "deviceDetail", "location",
            "appliedConditionalAccessPolicies" })
        {
            Assert.True(entry.ContainsKey(property), $"signIn lacks {property}");
        }
        Assert.Equal(tenant.AdminId, (string?)entry["userId"]);
        Assert.Equal(tenant.AdminUpn, (string?)entry["userPrincipalName"]);
        Assert.Equal(PublicClientId, (string?)entry["appId"]);
        Assert.Equal("Microsoft Azure CLI", (string?)entry["appDisplayName"]);
        Assert.Equal(0, (int)entry["status"]!["errorCode"]!);
        Assert.True((bool)entry["isInteractive"]!);
        Assert.Equal("notApplied", (string?)entry["conditionalAccessStatus"]);
        Assert.Equal("127.0.0.1", (string?)entry["ipAddress"]);
        Assert.Equal("Microsoft Graph", (string?)entry["resourceDisplayName"]);
        Assert.True(DateTimeOffset.Parse((string)entry["createdDateTime"]!, System.Globalization.CultureInfo.InvariantCulture) >= before);
        var byId = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/signIns/{entry["id"]}", Ct), HttpStatusCode.OK);
        Assert.Equal((string?)entry["id"], (string?)byId["id"]);
    }

    [Fact]
    public async Task Each_refusal_is_logged_with_Entras_error_code_and_no_secret()
    {
        var tenant = await host.NewTenantAsync();
        const string WrongPassword = "Wrong-Password-7f3a";
        const string WrongSecret = "Wrong-Secret-9c2e";
        var unknownApp = Guid.NewGuid().ToString();
        await tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", tenant.AdminUpn), ("password", WrongPassword)));
        await tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", $"nobody@{tenant.Domain}"), ("password", WrongPassword)));
        await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", tenant.ClientId), ("client_secret", WrongSecret)));
        await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", unknownApp), ("client_secret", WrongSecret)));
        await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials")));
        using var admin = await tenant.AdminAsync();

        var failures = await SignInsAsync(admin, "status/errorCode ne 0 and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'servicePrincipal')");
        var codes = failures.Select(f => (int)f["status"]!["errorCode"]!).ToList();

        // No client_id at all: OpenIddict's own refusal, worded as Entra's (AADSTS900144, the missing parameter).
        Assert.Equal([900144, 700016, 7000215, 50126, 50126], codes);
        Assert.Equal(tenant.AdminId, (string?)failures[4]["userId"]);
        Assert.Equal($"nobody@{tenant.Domain}", (string?)failures[3]["userPrincipalName"]);
        Assert.Equal("", (string?)failures[3]["userId"]);
        Assert.Equal(unknownApp, (string?)failures[1]["appId"]);
        Assert.Equal("Error validating credentials due to invalid username or password.", (string?)failures[4]["status"]!["failureReason"]);
        var raw = string.Join("\n", failures.Select(f => f.ToJsonString()));
        Assert.DoesNotContain(WrongPassword, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_credentials_are_service_principal_sign_ins_listed_only_when_asked_for()
    {
        var tenant = await host.NewTenantAsync();
        await tenant.AppTokenAsync();
        using var admin = await tenant.AdminAsync();

        var interactive = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/signIns", Ct), HttpStatusCode.OK);
        var apps = await SignInsAsync(admin, "signInEventTypes/any(t: t eq 'servicePrincipal')");

        Assert.All(interactive["value"]!.AsArray(), e => Assert.True((bool)e!["isInteractive"]!));
        var app = Assert.Single(apps);
        Assert.Equal(tenant.ClientId, (string?)app["appId"]);
        Assert.False((bool)app["isInteractive"]!);
        Assert.NotNull((string?)app["servicePrincipalId"]);
        Assert.Equal((string?)app["appDisplayName"], (string?)app["servicePrincipalName"]);
    }

    [Fact]
    public async Task Sign_ins_filter_by_user_application_status_and_time_and_count()
    {
        var tenant = await host.NewTenantAsync();
        for (var i = 0; i < 3; i++)
        {
            await tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", tenant.AdminUpn), ("password", "nope")));
        }
        using var admin = await tenant.AdminAsync();

        var byUpn = await SignInsAsync(admin, $"startswith(userPrincipalName, '{tenant.AdminUpn[..5]}') and status/errorCode eq 50126");
        var byName = await SignInsAsync(admin, "appDisplayName eq 'Microsoft Azure CLI' and createdDateTime ge 2020-01-01");
        var count = await admin.GetStringAsync("/v1.0/auditLogs/signIns/$count?$filter=status/errorCode in (50126, 50053)", Ct);
        var bad = await admin.GetAsync("/v1.0/auditLogs/signIns?$filter=status/errorCode eq 'x'", Ct);

        Assert.Equal(3, byUpn.Count);
        Assert.Equal(4, byName.Count);
        Assert.Equal("3", count);
        await ExpectErrorAsync(bad, HttpStatusCode.BadRequest, "incompatible types");
    }
}

public sealed class SqliteSignInCaptureTests(SqliteHost host) : SignInCaptureTests<SqliteHost>(host);

public sealed class PostgresSignInCaptureTests(PostgresHost host) : SignInCaptureTests<PostgresHost>(host);
