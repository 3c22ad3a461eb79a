using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Verity.Core.Storage;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

/// <summary>Each user activity writes one entry with Entra's name, category, target and real old/new values.</summary>
public sealed class UserActivityTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_user_records_the_new_values_and_never_the_password()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var user = await tenant.CreateUserAsync(admin, "ada", "Secret-Passw0rd!", "Ada Lovelace");
        var entry = await tenant.LastAuditAsync("Add user");

        Assert.Equal("UserManagement", (string?)entry["category"]);
        Assert.Equal("Add", (string?)entry["operationType"]);
        Assert.Equal("success", (string?)entry["result"]);
        Assert.Equal(tenant.AdminUpn, (string?)entry["initiatedBy"]!["user"]!["userPrincipalName"]);
        Assert.Equal(tenant.AdminId, (string?)entry["initiatedBy"]!["user"]!["id"]);
        var target = entry["targetResources"]![0]!.AsObject();
        Assert.Equal((string?)user["id"], (string?)target["id"]);
        Assert.Equal("User", (string?)target["type"]);
        Assert.Equal($"ada@{tenant.Domain}", (string?)target["userPrincipalName"]);
        Assert.Equal("[\"Ada Lovelace\"]", (string?)Property(target, "DisplayName")["newValue"]);
        Assert.Equal("[]", (string?)Property(target, "DisplayName")["oldValue"]);
        Assert.Equal("[true]", (string?)Property(target, "AccountEnabled")["newValue"]);
        Assert.Contains("UserPrincipalName", (string?)Property(target, "Included Updated Properties")["newValue"], StringComparison.Ordinal);
        Assert.DoesNotContain("Secret-Passw0rd!", entry.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_user_after_a_change_made_elsewhere_audits_the_value_the_database_holds()
    {
        // A PATCH starts from the copy this server last committed (ChangeWriter.Objects); a change made by another
        // server (here: straight through the store) must still be what the next entry reports as the old value.
        var (tenant, admin, id) = await UserRenamedElsewhereAsync("Cara");
        using var _ = admin;

        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{id}", Json("""{"displayName":"Cara C"}"""), Ct), HttpStatusCode.NoContent);

        var entries = await tenant.AuditOfAsync("Update user", id);
        Assert.Equal(2, entries.Count);
        var target = entries[^1]["targetResources"]![0]!.AsObject();
        Assert.Equal("[\"Cara B\"]", (string?)Property(target, "DisplayName")["oldValue"]);
        Assert.Equal("[\"Cara C\"]", (string?)Property(target, "DisplayName")["newValue"]);
    }

    [Fact]
    public async Task Update_user_to_the_value_it_had_here_before_a_change_elsewhere_is_still_applied()
    {
        // Measured against the stale copy this PATCH changes nothing; against the database it renames the user back.
        var (tenant, admin, id) = await UserRenamedElsewhereAsync("Dora");
        using var _ = admin;

        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{id}", Json("""{"displayName":"Dora A"}"""), Ct), HttpStatusCode.NoContent);

        var read = await ExpectAsync(await admin.GetAsync($"/v1.0/users/{id}", Ct), HttpStatusCode.OK);
        Assert.Equal("Dora A", (string?)read["displayName"]);
        var target = (await tenant.AuditOfAsync("Update user", id))[^1]["targetResources"]![0]!.AsObject();
        Assert.Equal("[\"Dora B\"]", (string?)Property(target, "DisplayName")["oldValue"]);
        Assert.Equal("[\"Dora A\"]", (string?)Property(target, "DisplayName")["newValue"]);
    }

    /// <summary>
    /// A user named <paramref name="name"/>, renamed to "name A" through this server (which then holds that copy) and
    /// then to "name B" elsewhere.
    /// </summary>
    private async Task<(TestTenant Tenant, HttpClient Admin, string Id)> UserRenamedElsewhereAsync(string name)
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        var id = (string)(await tenant.CreateUserAsync(admin, name.ToLowerInvariant(), displayName: name))["id"]!;
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{id}", Json($$"""{"displayName":"{{name}} A"}"""), Ct), HttpStatusCode.NoContent);
        await RenameElsewhereAsync(tenant, id, $"{name} B");
        return (tenant, admin, id);
    }

    /// <summary>Renames a user the way a second Verity server on the same database would: not through this one.</summary>
    private async Task RenameElsewhereAsync(TestTenant tenant, string id, string name)
    {
        var store = host.Services.GetRequiredService<IDirectoryStore>();
        var user = (await store.GetObjectAsync(tenant.Id, id, Ct))!;
        var data = user.Data.DeepClone().AsObject();
        data["displayName"] = name;
        await store.CommitAsync([new DirectoryChange { TenantId = tenant.Id, Ops = [new UpdateObject(user with { Data = data })], Audits = [] }], Ct);
    }

    [Fact]
    public async Task Update_user_records_old_and_new_values_of_each_changed_property_only()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "bob", displayName: "Bob");

        var response = await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"displayName":"Robert","accountEnabled":false,"jobTitle":"Engineer","mailNickname":"bob"}"""), Ct);
        await ExpectAsync(response, HttpStatusCode.NoContent);
        var entry = await tenant.LastAuditAsync("Update user");

        var target = entry["targetResources"]![0]!.AsObject();
        Assert.Equal("[\"Bob\"]", (string?)Property(target, "DisplayName")["oldValue"]);
        Assert.Equal("[\"Robert\"]", (string?)Property(target, "DisplayName")["newValue"]);
        Assert.Equal("[true]", (string?)Property(target, "AccountEnabled")["oldValue"]);
        Assert.Equal("[false]", (string?)Property(target, "AccountEnabled")["newValue"]);
        Assert.Equal("[]", (string?)Property(target, "JobTitle")["oldValue"]);
        Assert.Equal("[\"Engineer\"]", (string?)Property(target, "JobTitle")["newValue"]);
        Assert.DoesNotContain(target["modifiedProperties"]!.AsArray(), p => (string?)p!["displayName"] == "MailNickname");
        Assert.Equal("\"DisplayName, AccountEnabled, JobTitle\"", (string?)Property(target, "Included Updated Properties")["newValue"]);
        var read = await ExpectAsync(await admin.GetAsync($"/v1.0/users/{user["id"]}", Ct), HttpStatusCode.OK);
        Assert.Equal("Robert", (string?)read["displayName"]);
        Assert.False((bool)read["accountEnabled"]!);
    }

    [Fact]
    public async Task Reset_user_password_is_its_own_entry_and_the_new_password_works()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "carol");

        var response = await admin.PatchAsync($"/v1.0/users/{user["id"]}",
            Json("""{"passwordProfile":{"password":"Brand-New-Passw0rd","forceChangePasswordNextSignIn":true}}"""), Ct);
        await ExpectAsync(response, HttpStatusCode.NoContent);
        var entry = await tenant.LastAuditAsync("Reset user password");

        Assert.Equal("UserManagement", (string?)entry["category"]);
        var target = entry["targetResources"]![0]!.AsObject();
        Assert.Equal((string?)user["id"], (string?)target["id"]);
        var password = Property(target, "Password");
        Assert.Null((string?)password["oldValue"]);
        Assert.Null((string?)password["newValue"]);
        Assert.Equal("[false]", (string?)Property(target, "ForceChangePasswordNextSignIn")["oldValue"]);
        Assert.Equal("[true]", (string?)Property(target, "ForceChangePasswordNextSignIn")["newValue"]);
        Assert.DoesNotContain("Brand-New-Passw0rd", entry.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await tenant.AuditAsync(), a => (string?)a["activityDisplayName"] == "Update user");
        Assert.NotEmpty(await tenant.UserTokenAsync($"carol@{tenant.Domain}", "Brand-New-Passw0rd"));
    }

    [Fact]
    public async Task Change_user_password_is_self_service_and_audited()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "dave", "Old-Passw0rd-1");
        using var dave = host.NewClient(await tenant.UserTokenAsync($"dave@{tenant.Domain}", "Old-Passw0rd-1"));

        var wrong = await dave.PostAsync($"/v1.0/users/{user["id"]}/changePassword", Json("""{"currentPassword":"nope","newPassword":"New-Passw0rd-2"}"""), Ct);
        var ok = await dave.PostAsync($"/v1.0/users/{user["id"]}/changePassword", Json("""{"currentPassword":"Old-Passw0rd-1","newPassword":"New-Passw0rd-2"}"""), Ct);
        // A password change ends the sessions issued before it (continuous access), so Dave signs in again.
        await ExpectErrorAsync(await dave.GetAsync("/v1.0/me", Ct), HttpStatusCode.Unauthorized);
        using var again = host.NewClient(await tenant.UserTokenAsync($"dave@{tenant.Domain}", "New-Passw0rd-2"));
        var forAnother = await again.PostAsync($"/v1.0/users/{tenant.AdminId}/changePassword", Json("""{"currentPassword":"x","newPassword":"New-Passw0rd-3"}"""), Ct);

        await ExpectErrorAsync(wrong, HttpStatusCode.BadRequest, "current password");
        await ExpectAsync(ok, HttpStatusCode.NoContent);
        await ExpectErrorAsync(forAnother, HttpStatusCode.Forbidden);
        var entries = (await tenant.AuditAsync()).Where(a => (string?)a["activityDisplayName"] == "Change user password").ToList();
        Assert.Equal(["failure", "success", "failure"], entries.Select(e => (string?)e["result"]));
        Assert.Equal($"dave@{tenant.Domain}", (string?)entries[1]["initiatedBy"]!["user"]!["userPrincipalName"]);
        Assert.Equal((string?)user["id"], (string?)entries[1]["targetResources"]![0]!["id"]);
        Assert.Contains("current password", (string?)entries[0]["resultReason"], StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(await tenant.UserTokenAsync($"dave@{tenant.Domain}", "New-Passw0rd-2"));
    }

    [Fact]
    public async Task Delete_user_removes_it_and_its_role_assignments_with_an_entry_each()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "erin");
        await tenant.AssignRoleAsync(admin, (string)user["id"]!, "f2ef992c-3afb-46b9-b7cf-a126ee74c451");

        await ExpectAsync(await admin.DeleteAsync($"/v1.0/users/{user["id"]}", Ct), HttpStatusCode.NoContent);

        await ExpectErrorAsync(await admin.GetAsync($"/v1.0/users/{user["id"]}", Ct), HttpStatusCode.NotFound);
        var deleted = await tenant.LastAuditAsync("Delete user");
        Assert.Equal("Delete", (string?)deleted["operationType"]);
        Assert.Equal((string?)user["id"], (string?)deleted["targetResources"]![0]!["id"]);
        var removed = await tenant.LastAuditAsync("Remove member from role");
        Assert.Equal((string?)deleted["correlationId"], (string?)removed["correlationId"]);
        Assert.Equal("\"Global Reader\"", (string?)Property(removed["targetResources"]![0]!.AsObject(), "Role.DisplayName")["oldValue"]);
    }

    [Fact]
    public async Task Change_user_license_records_assigned_licenses_before_and_after()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "fay");
        const string e3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";

        var response = await admin.PostAsync($"/v1.0/users/{user["id"]}/assignLicense",
            Json($$"""{"addLicenses":[{"skuId":"{{e3}}","disabledPlans":[]}],"removeLicenses":[]}"""), Ct);
        var updated = await ExpectAsync(response, HttpStatusCode.OK);
        var entry = await tenant.LastAuditAsync("Change user license");
        var skus = await ExpectAsync(await admin.GetAsync("/v1.0/subscribedSkus", Ct), HttpStatusCode.OK);

        Assert.Equal(e3, (string?)updated["assignedLicenses"]![0]!["skuId"]);
        var license = Property(entry["targetResources"]![0]!.AsObject(), "AssignedLicense");
        Assert.Equal("[]", (string?)license["oldValue"]);
        Assert.Contains("SkuName=ENTERPRISEPACK", (string?)license["newValue"], StringComparison.Ordinal);
        Assert.Contains(e3, (string?)license["newValue"], StringComparison.Ordinal);
        Assert.Equal(1, (int)skus["value"]!.AsArray().Single(s => (string?)s!["skuId"] == e3)!["consumedUnits"]!);
    }

    [Fact]
    public async Task Users_are_listed_and_read_by_id_or_user_principal_name()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        for (var i = 0; i < 3; i++)
        {
            await tenant.CreateUserAsync(admin, $"list{i}");
        }

        var page1 = await ExpectAsync(await admin.GetAsync("/v1.0/users?$top=2", Ct), HttpStatusCode.OK);
        var page2 = await ExpectAsync(await admin.GetAsync(new Uri((string)page1["@odata.nextLink"]!).PathAndQuery, Ct), HttpStatusCode.OK);
        var byUpn = await ExpectAsync(await admin.GetAsync($"/v1.0/users/list1@{tenant.Domain}", Ct), HttpStatusCode.OK);
        var me = await ExpectAsync(await admin.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);

        Assert.Equal(4, page1["value"]!.AsArray().Count + page2["value"]!.AsArray().Count);
        Assert.Null(page2["@odata.nextLink"]);
        Assert.EndsWith("$metadata#users", (string)page1["@odata.context"]!, StringComparison.Ordinal);
        Assert.Equal($"list1@{tenant.Domain}", (string?)byUpn["userPrincipalName"]);
        Assert.Null(byUpn["passwordProfile"]);
        Assert.Equal(tenant.AdminId, (string?)me["id"]);
    }
}
