using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>
/// Authorization follows the directory at once: a token that was valid a moment ago is refused on the very next
/// request after its account is disabled, deleted, has its password reset or changed, or its sessions revoked; roles
/// are the ones held now. Run on both engines.
/// </summary>
public abstract class ContinuousAccessTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    private const string ReportsReader = "4a5d8f65-41da-4de4-8968-e035b65339cf";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestTenant Tenant, HttpClient Admin, JsonObject User, HttpClient AsUser)> ReaderAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = host.NewClient(await tenant.AppTokenAsync());
        var user = await tenant.CreateUserAsync(admin, "reader");
        await tenant.AssignRoleAsync(admin, (string)user["id"]!, GlobalReader);
        var asUser = host.NewClient(await tenant.UserTokenAsync($"reader@{tenant.Domain}", "User-Password-1!"));
        await ExpectAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.OK);
        return (tenant, admin, user, asUser);
    }

    private static async Task<JsonObject> ExpectClaimsChallengeAsync(HttpResponseMessage response, string code)
    {
        var error = await ExpectErrorAsync(response, HttpStatusCode.Unauthorized, code);
        Assert.Equal("InvalidAuthenticationToken", (string?)error["code"]);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"insufficient_claims\"", challenge.Parameter, StringComparison.Ordinal);
        var claims = System.Text.RegularExpressions.Regex.Match(challenge.Parameter!, "claims=\"([^\"]+)\"").Groups[1].Value;
        var requested = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(claims)))!;
        Assert.True((bool)requested["access_token"]!["nbf"]!["essential"]!);
        return error;
    }

    [Fact]
    public async Task A_disabled_account_is_refused_on_the_next_request_with_a_claims_challenge()
    {
        var (_, admin, user, asUser) = await ReaderAsync();

        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);

        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), "UserDisabled");
        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/me", Ct), "UserDisabled");
    }

    [Fact]
    public async Task A_deleted_account_is_refused_on_the_next_request()
    {
        var (_, admin, user, asUser) = await ReaderAsync();

        await ExpectAsync(await admin.DeleteAsync($"/v1.0/users/{user["id"]}", Ct), HttpStatusCode.NoContent);

        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), "UserDeleted");
    }

    [Fact]
    public async Task A_password_reset_refuses_tokens_issued_before_it_and_a_new_sign_in_works()
    {
        var (tenant, admin, user, asUser) = await ReaderAsync();

        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}",
            Json("""{"passwordProfile":{"password":"Reset-Password-2!","forceChangePasswordNextSignIn":false}}"""), Ct), HttpStatusCode.NoContent);

        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), "TokenIssuedBeforeRevocationTimestamp");
        using var again = host.NewClient(await tenant.UserTokenAsync($"reader@{tenant.Domain}", "Reset-Password-2!"));
        await ExpectAsync(await again.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Changing_ones_own_password_ends_the_sessions_issued_before_it()
    {
        var (tenant, _, user, asUser) = await ReaderAsync();

        await ExpectAsync(await asUser.PostAsync($"/v1.0/users/{user["id"]}/changePassword",
            Json("""{"currentPassword":"User-Password-1!","newPassword":"Changed-Password-3!"}"""), Ct), HttpStatusCode.NoContent);

        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/me", Ct), "TokenIssuedBeforeRevocationTimestamp");
        using var again = host.NewClient(await tenant.UserTokenAsync($"reader@{tenant.Domain}", "Changed-Password-3!"));
        await ExpectAsync(await again.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task RevokeSignInSessions_refuses_older_tokens_is_audited_and_sets_signInSessionsValidFromDateTime()
    {
        var (tenant, admin, user, asUser) = await ReaderAsync();

        var revoked = await ExpectAsync(await admin.PostAsync($"/v1.0/users/{user["id"]}/revokeSignInSessions", null, Ct), HttpStatusCode.OK);

        Assert.True((bool)revoked["value"]!);
        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), "TokenIssuedBeforeRevocationTimestamp");
        using var again = host.NewClient(await tenant.UserTokenAsync($"reader@{tenant.Domain}", "User-Password-1!"));
        var me = await ExpectAsync(await again.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty((string?)me["signInSessionsValidFromDateTime"]));
        var entry = (await tenant.AuditOfAsync("Update user", (string)user["id"]!)).Last();
        var property = Property(entry["targetResources"]![0]!.AsObject(), "StsRefreshTokensValidFrom");
        Assert.Equal($"[\"{me["signInSessionsValidFromDateTime"]}\"]", (string?)property["newValue"]);
    }

    [Fact]
    public async Task A_user_may_revoke_their_own_sessions_but_not_someone_elses()
    {
        var (tenant, admin, user, asUser) = await ReaderAsync();
        var other = await tenant.CreateUserAsync(admin, "other");

        await ExpectErrorAsync(await asUser.PostAsync($"/v1.0/users/{other["id"]}/revokeSignInSessions", null, Ct), HttpStatusCode.Forbidden);
        await ExpectAsync(await asUser.PostAsync($"/v1.0/users/{user["id"]}/revokeSignInSessions", null, Ct), HttpStatusCode.OK);

        await ExpectClaimsChallengeAsync(await asUser.GetAsync("/v1.0/me", Ct), "TokenIssuedBeforeRevocationTimestamp");
    }

    [Fact]
    public async Task A_removed_role_is_refused_and_an_added_role_is_granted_on_the_next_request()
    {
        var (tenant, admin, user, asUser) = await ReaderAsync();
        var assignment = (await ExpectAsync(await admin.GetAsync($"/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{user["id"]}'", Ct),
            HttpStatusCode.OK))["value"]![0]!["id"]!.ToString();

        await ExpectAsync(await admin.DeleteAsync($"/v1.0/roleManagement/directory/roleAssignments/{assignment}", Ct), HttpStatusCode.NoContent);
        await ExpectErrorAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.Forbidden);
        await tenant.AssignRoleAsync(admin, (string)user["id"]!, ReportsReader);

        await ExpectAsync(await asUser.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_disabled_service_principal_loses_its_app_token_on_the_next_request()
    {
        var tenant = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        using var admin = await tenant.AdminAsync();
        var sp = (await ExpectAsync(await admin.GetAsync("/v1.0/servicePrincipals", Ct), HttpStatusCode.OK))["value"]!.AsArray()
            .Single(s => (string?)s!["appId"] == tenant.ClientId)!;

        await ExpectAsync(await admin.PatchAsync($"/v1.0/servicePrincipals/{sp["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);

        await ExpectClaimsChallengeAsync(await app.GetAsync("/v1.0/users", Ct), "ServicePrincipalDisabled");
    }
}

public sealed class SqliteContinuousAccessTests(SqliteHost host) : ContinuousAccessTests<SqliteHost>(host);

public sealed class PostgresContinuousAccessTests(PostgresHost host) : ContinuousAccessTests<PostgresHost>(host);
