using System.Net;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

public sealed class ApplicationActivityTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_rename_and_delete_application_record_their_values()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var app = await ExpectAsync(await admin.PostAsync("/v1.0/applications", Json("""{"displayName":"Payroll"}"""), Ct), HttpStatusCode.Created);
        await ExpectAsync(await admin.PatchAsync($"/v1.0/applications/{app["id"]}", Json("""{"displayName":"Payroll v2"}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/applications/{app["id"]}", Ct), HttpStatusCode.NoContent);

        Assert.True(Guid.TryParse((string?)app["appId"], out _));
        var added = (await tenant.LastAuditAsync("Add application"))["targetResources"]![0]!.AsObject();
        Assert.Equal("Application", (string?)added["type"]);
        Assert.Equal($"[\"{app["appId"]}\"]", (string?)Property(added, "AppId")["newValue"]);
        var renamed = await tenant.LastAuditAsync("Update application");
        Assert.Equal("ApplicationManagement", (string?)renamed["category"]);
        Assert.Equal("[\"Payroll\"]", (string?)Property(renamed["targetResources"]![0]!.AsObject(), "DisplayName")["oldValue"]);
        Assert.Equal("[\"Payroll v2\"]", (string?)Property(renamed["targetResources"]![0]!.AsObject(), "DisplayName")["newValue"]);
        Assert.Equal("Delete", (string?)(await tenant.LastAuditAsync("Delete application"))["operationType"]);
    }

    [Fact]
    public async Task Secrets_are_added_and_removed_with_key_descriptions_never_the_secret_and_they_sign_in()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var app = await ExpectAsync(await admin.PostAsync("/v1.0/applications", Json("""{"displayName":"CRM Sync"}"""), Ct), HttpStatusCode.Created);
        await ExpectAsync(await admin.PostAsync("/v1.0/servicePrincipals", Json($$"""{"appId":"{{app["appId"]}}"}"""), Ct), HttpStatusCode.Created);

        var credential = await ExpectAsync(await admin.PostAsync($"/v1.0/applications/{app["id"]}/addPassword",
            Json("""{"passwordCredential":{"displayName":"ci"}}"""), Ct), HttpStatusCode.OK);
        var secret = (string)credential["secretText"]!;
        var token = await tenant.AppTokenAsync((string)app["appId"]!, secret);
        var read = await ExpectAsync(await admin.GetAsync($"/v1.0/applications/{app["id"]}", Ct), HttpStatusCode.OK);
        await ExpectAsync(await admin.PostAsync($"/v1.0/applications/{app["id"]}/removePassword", Json($$"""{"keyId":"{{credential["keyId"]}}"}"""), Ct),
            HttpStatusCode.NoContent);
        var afterRemoval = await tenant.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = (string)app["appId"]!, ["client_secret"] = secret,
            ["scope"] = "https://graph.microsoft.com/.default",
        });

        Assert.Equal(40, secret.Length);
        Assert.NotEmpty(token);
        Assert.Null((string?)read["passwordCredentials"]![0]!["secretText"]);
        Assert.Equal(secret[..3], (string?)read["passwordCredentials"]![0]!["hint"]);
        Assert.False(afterRemoval.IsSuccessStatusCode);
        var entries = await tenant.AuditOfAsync("Update application – Certificates and secrets management", (string)app["id"]!);
        Assert.Equal(2, entries.Count);
        var added = Property(entries[0]["targetResources"]![0]!.AsObject(), "KeyDescription");
        Assert.Equal("[]", (string?)added["oldValue"]);
        Assert.Contains($"KeyIdentifier={credential["keyId"]}", (string?)added["newValue"], StringComparison.Ordinal);
        Assert.Contains("KeyType=Password", (string?)added["newValue"], StringComparison.Ordinal);
        var removed = Property(entries[1]["targetResources"]![0]!.AsObject(), "KeyDescription");
        Assert.Equal("[]", (string?)removed["newValue"]);
        Assert.DoesNotContain(secret, (await tenant.AuditAsync()).Select(a => a.ToJsonString()).Aggregate((a, b) => a + b), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_update_and_remove_service_principal_are_audited_and_a_second_one_conflicts()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var app = await ExpectAsync(await admin.PostAsync("/v1.0/applications", Json("""{"displayName":"Expense Portal"}"""), Ct), HttpStatusCode.Created);

        var sp = await ExpectAsync(await admin.PostAsync("/v1.0/servicePrincipals", Json($$"""{"appId":"{{app["appId"]}}"}"""), Ct), HttpStatusCode.Created);
        var duplicate = await admin.PostAsync("/v1.0/servicePrincipals", Json($$"""{"appId":"{{app["appId"]}}"}"""), Ct);
        await ExpectAsync(await admin.PatchAsync($"/v1.0/servicePrincipals/{sp["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/servicePrincipals/{sp["id"]}", Ct), HttpStatusCode.NoContent);

        Assert.Equal("Expense Portal", (string?)sp["displayName"]);
        await ExpectErrorAsync(duplicate, HttpStatusCode.Conflict, "already exists");
        var added = (await tenant.AuditAsync()).Where(a => (string?)a["activityDisplayName"] == "Add service principal").Skip(1).ToList();
        Assert.Equal(["success", "failure"], added.Select(a => (string?)a["result"]));
        Assert.Contains("already exists", (string?)added[1]["resultReason"], StringComparison.Ordinal);
        Assert.Equal("ServicePrincipal", (string?)added[0]["targetResources"]![0]!["type"]);
        Assert.Equal($"[\"{app["appId"]}\"]", (string?)Property(added[0]["targetResources"]![0]!.AsObject(), "AppId")["newValue"]);
        var updated = (await tenant.LastAuditAsync("Update service principal"))["targetResources"]![0]!.AsObject();
        Assert.Equal("[true]", (string?)Property(updated, "AccountEnabled")["oldValue"]);
        Assert.Equal("[false]", (string?)Property(updated, "AccountEnabled")["newValue"]);
        Assert.Equal((string?)sp["id"], (string?)(await tenant.LastAuditAsync("Remove service principal"))["targetResources"]![0]!["id"]);
    }

    [Fact]
    public async Task A_service_principal_needs_an_application_of_the_same_tenant()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        var foreignApp = await ExpectAsync(await otherAdmin.PostAsync("/v1.0/applications", Json("""{"displayName":"Elsewhere"}"""), Ct), HttpStatusCode.Created);

        var response = await admin.PostAsync("/v1.0/servicePrincipals", Json($$"""{"appId":"{{foreignApp["appId"]}}"}"""), Ct);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, "does not reference a valid application");
        Assert.DoesNotContain((await ExpectAsync(await admin.GetAsync("/v1.0/servicePrincipals", Ct), HttpStatusCode.OK))["value"]!.AsArray(),
            s => (string?)s!["appId"] == (string?)foreignApp["appId"]);
    }
}
