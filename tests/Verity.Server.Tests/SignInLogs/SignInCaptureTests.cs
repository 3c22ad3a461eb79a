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
        using var admin = await tenant.AdminAsync();
        var disabled = await tenant.CreateUserAsync(admin, "gone", "Gone-Password-1!");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{disabled["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);
        await tenant.CreateUserAsync(admin, "locky", "Locky-Password-1!");
        const string WrongPassword = "Wrong-Password-7f3a";
        const string WrongSecret = "Wrong-Secret-9c2e";
        var unknownApp = Guid.NewGuid().ToString();
        Task<HttpResponseMessage> Password(string user, string password) =>
            tenant.RequestTokenAsync(Form(("grant_type", "password"), ("client_id", PublicClientId), ("username", user), ("password", password)));

        var answers = new List<HttpResponseMessage>
        {
            await Password(tenant.AdminUpn, WrongPassword),
            await Password($"nobody@{tenant.Domain}", WrongPassword),
            await Password($"gone@{tenant.Domain}", "Gone-Password-1!"),
            await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", tenant.ClientId), ("client_secret", WrongSecret))),
            await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", unknownApp), ("client_secret", WrongSecret))),
            await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"))),
        };
        using (var raw = host.NewClient())
        {
            answers.Add(await raw.PostAsync($"/{tenant.Id}/oauth2/v2.0/token", Json("""{"grant_type":"client_credentials"}"""), Ct));
        }
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await Password($"locky@{tenant.Domain}", $"{WrongPassword}{i}"));
        }
        var locked = await Password($"locky@{tenant.Domain}", "Locky-Password-1!");
        var unknownTenant = await tenant.RequestTokenAsync(Form(("grant_type", "client_credentials"), ("client_id", tenant.ClientId), ("client_secret", tenant.ClientSecret)),
            Guid.NewGuid().ToString());

        Assert.All(answers, a => Assert.False(a.IsSuccessStatusCode));
        Assert.Contains("AADSTS50126", await answers[1].Content.ReadAsStringAsync(Ct), StringComparison.Ordinal); // the client cannot tell
        Assert.Contains("AADSTS50053", await locked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("AADSTS90002", await unknownTenant.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var failures = await SignInsAsync(admin, "status/errorCode ne 0 and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'servicePrincipal')");
        var codes = failures.Select(f => (int)f["status"]!["errorCode"]!).Reverse().ToList();

        Assert.Equal([50126, 50034, 50057, 7000215, 700016, 900144, 9002313, .. Enumerable.Repeat(50126, 10), 50053], codes);
        var oldest = Enumerable.Reverse(failures).ToList();
        Assert.Equal(tenant.AdminId, (string?)oldest[0]["userId"]);
        Assert.Equal("Error validating credentials due to invalid username or password.", (string?)oldest[0]["status"]!["failureReason"]);
        Assert.Equal($"nobody@{tenant.Domain}", (string?)oldest[1]["userPrincipalName"]);
        Assert.Equal("", (string?)oldest[1]["userId"]);
        Assert.Equal("The user account does not exist in this directory.", (string?)oldest[1]["status"]!["failureReason"]);
        Assert.Equal((string?)disabled["id"], (string?)oldest[2]["userId"]);
        Assert.Equal(unknownApp, (string?)oldest[4]["appId"]);
        Assert.Equal($"locky@{tenant.Domain}", (string?)oldest[^1]["userPrincipalName"]);
        var logged = string.Join("\n", failures.Select(f => f.ToJsonString()));
        Assert.DoesNotContain(WrongPassword, logged, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, logged, StringComparison.Ordinal);
        Assert.DoesNotContain("Locky-Password-1!", logged, StringComparison.Ordinal);
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
