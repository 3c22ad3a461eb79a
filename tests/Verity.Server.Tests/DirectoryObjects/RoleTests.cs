using System.Net;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

/// <summary>Role assignments are audited, and roles decide who may write and who may read the audit log.</summary>
public sealed class RoleTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    private const string ReportsReader = "4a5d8f65-41da-4de4-8968-e035b65339cf";
    private const string UserAdministrator = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_and_remove_member_from_role_use_Entras_role_properties()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "hal");

        var assignment = await tenant.AssignRoleAsync(admin, (string)user["id"]!, GlobalReader);
        var listed = await ExpectAsync(await admin.GetAsync($"/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{user["id"]}'", Ct), HttpStatusCode.OK);
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/roleManagement/directory/roleAssignments/{assignment}", Ct), HttpStatusCode.NoContent);

        Assert.Equal(assignment, (string?)listed["value"]![0]!["id"]);
        var added = await tenant.LastAuditAsync("Add member to role");
        Assert.Equal("RoleManagement", (string?)added["category"]);
        var principal = added["targetResources"]![0]!.AsObject();
        Assert.Equal((string?)user["id"], (string?)principal["id"]);
        Assert.Equal("\"Global Reader\"", (string?)Property(principal, "Role.DisplayName")["newValue"]);
        Assert.Equal($"\"{GlobalReader}\"", (string?)Property(principal, "Role.TemplateId")["newValue"]);
        Assert.Equal("\"GlobalReaders\"", (string?)Property(principal, "Role.WellKnownObjectName")["newValue"]);
        Assert.Equal("Role", (string?)added["targetResources"]![1]!["type"]);
        var removed = await tenant.LastAuditAsync("Remove member from role");
        Assert.Equal("Unassign", (string?)removed["operationType"]);
        Assert.Equal("\"Global Reader\"", (string?)Property(removed["targetResources"]![0]!.AsObject(), "Role.DisplayName")["oldValue"]);
    }

    [Fact]
    public async Task A_global_reader_reads_everything_but_a_write_is_403_and_audited_as_a_failure()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var reader = await tenant.CreateUserAsync(admin, "ivy", "Reader-Passw0rd");
        await tenant.AssignRoleAsync(admin, (string)reader["id"]!, GlobalReader);
        using var client = host.NewClient(await tenant.UserTokenAsync($"ivy@{tenant.Domain}", "Reader-Passw0rd"));
        var usersBefore = (await ExpectAsync(await admin.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK))["value"]!.AsArray().Count;

        var list = await client.GetAsync("/v1.0/users", Ct);
        var audit = await client.GetAsync("/v1.0/auditLogs/directoryAudits", Ct);
        var write = await client.PostAsync("/v1.0/users", Json($$$"""{"accountEnabled":true,"displayName":"X","mailNickname":"x","userPrincipalName":"x@{{{tenant.Domain}}}","passwordProfile":{"password":"Xx-Passw0rd"}}"""), Ct);

        await ExpectAsync(list, HttpStatusCode.OK);
        await ExpectAsync(audit, HttpStatusCode.OK);
        await ExpectErrorAsync(write, HttpStatusCode.Forbidden, "Insufficient privileges");
        Assert.Equal(usersBefore, (await ExpectAsync(await admin.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK))["value"]!.AsArray().Count);
        var failure = (await tenant.AuditAsync()).Last(a => (string?)a["activityDisplayName"] == "Add user");
        Assert.Equal("failure", (string?)failure["result"]);
        Assert.Equal($"ivy@{tenant.Domain}", (string?)failure["initiatedBy"]!["user"]!["userPrincipalName"]);
        Assert.Contains("Insufficient privileges", (string?)failure["resultReason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_roles_that_may_read_logs_read_the_audit_log()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var plain = await tenant.CreateUserAsync(admin, "jay", "Plain-Passw0rd");
        var reports = await tenant.CreateUserAsync(admin, "kim", "Reports-Passw0rd");
        var userAdmin = await tenant.CreateUserAsync(admin, "lea", "UserAdmin-Passw0rd");
        await tenant.AssignRoleAsync(admin, (string)reports["id"]!, ReportsReader);
        await tenant.AssignRoleAsync(admin, (string)userAdmin["id"]!, UserAdministrator);

        using var plainClient = host.NewClient(await tenant.UserTokenAsync($"jay@{tenant.Domain}", "Plain-Passw0rd"));
        using var reportsClient = host.NewClient(await tenant.UserTokenAsync($"kim@{tenant.Domain}", "Reports-Passw0rd"));
        using var userAdminClient = host.NewClient(await tenant.UserTokenAsync($"lea@{tenant.Domain}", "UserAdmin-Passw0rd"));

        await ExpectErrorAsync(await plainClient.GetAsync("/v1.0/auditLogs/directoryAudits", Ct), HttpStatusCode.Forbidden);
        await ExpectAsync(await reportsClient.GetAsync("/v1.0/auditLogs/directoryAudits", Ct), HttpStatusCode.OK);
        await ExpectErrorAsync(await userAdminClient.GetAsync("/v1.0/auditLogs/directoryAudits", Ct), HttpStatusCode.Forbidden);
        await ExpectAsync(await plainClient.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK);
        await ExpectErrorAsync(await reportsClient.PatchAsync($"/v1.0/users/{plain["id"]}", Json("""{"jobTitle":"x"}"""), Ct), HttpStatusCode.Forbidden);
        await ExpectAsync(await userAdminClient.PatchAsync($"/v1.0/users/{plain["id"]}", Json("""{"jobTitle":"x"}"""), Ct), HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_user_administrator_cannot_take_over_an_administrator_or_a_privileged_app()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var helpdesk = await tenant.CreateUserAsync(admin, "uma", "Uma-Passw0rd-1");
        var plain = await tenant.CreateUserAsync(admin, "pat", "Pat-Passw0rd-1");
        await tenant.AssignRoleAsync(admin, (string)helpdesk["id"]!, UserAdministrator);
        var appAdmin = await tenant.CreateUserAsync(admin, "abe", "Abe-Passw0rd-1");
        await tenant.AssignRoleAsync(admin, (string)appAdmin["id"]!, "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3");
        using var uma = host.NewClient(await tenant.UserTokenAsync($"uma@{tenant.Domain}", "Uma-Passw0rd-1"));
        using var abe = host.NewClient(await tenant.UserTokenAsync($"abe@{tenant.Domain}", "Abe-Passw0rd-1"));
        var automation = (await ExpectAsync(await admin.GetAsync("/v1.0/applications", Ct), HttpStatusCode.OK))["value"]!.AsArray()
            .Single(a => (string?)a!["appId"] == tenant.ClientId)!;

        var resetAdmin = await uma.PatchAsync($"/v1.0/users/{tenant.AdminId}", Json("""{"passwordProfile":{"password":"Pwn3d-Passw0rd"}}"""), Ct);
        var deleteAdmin = await uma.DeleteAsync($"/v1.0/users/{tenant.AdminId}", Ct);
        var resetPlain = await uma.PatchAsync($"/v1.0/users/{plain["id"]}", Json("""{"passwordProfile":{"password":"New-Passw0rd-2"}}"""), Ct);
        var mintSecret = await abe.PostAsync($"/v1.0/applications/{automation["id"]}/addPassword", Json("{}"), Ct);

        await ExpectErrorAsync(resetAdmin, HttpStatusCode.Forbidden, "directory role");
        await ExpectErrorAsync(deleteAdmin, HttpStatusCode.Forbidden, "directory role");
        await ExpectAsync(resetPlain, HttpStatusCode.NoContent);
        await ExpectErrorAsync(mintSecret, HttpStatusCode.Forbidden, "directory role");
        Assert.NotEmpty(await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword));
        var refused = (await tenant.AuditAsync()).Where(a => (string?)a["result"] == "failure").Select(a => (string?)a["activityDisplayName"]).ToList();
        Assert.Contains("Update user", refused);
        Assert.Contains("Delete user", refused);
        Assert.Contains("Update application – Certificates and secrets management", refused);
    }
}
