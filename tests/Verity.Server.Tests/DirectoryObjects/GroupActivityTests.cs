using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

public sealed class GroupActivityTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> CreateGroupAsync(HttpClient client, string name) =>
        await ExpectAsync(await client.PostAsync("/v1.0/groups",
            Json($$"""{"displayName":"{{name}}","mailEnabled":false,"mailNickname":"{{name.Replace(" ", "", StringComparison.Ordinal)}}","securityEnabled":true}"""), Ct),
            HttpStatusCode.Created);

    [Fact]
    public async Task Add_update_and_delete_group_record_their_values()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var group = await CreateGroupAsync(admin, "Finance Team");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/groups/{group["id"]}", Json("""{"description":"Money people","displayName":"Finance"}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/groups/{group["id"]}", Ct), HttpStatusCode.NoContent);

        var added = await tenant.LastAuditAsync("Add group");
        Assert.Equal("GroupManagement", (string?)added["category"]);
        var target = added["targetResources"]![0]!.AsObject();
        Assert.Equal("Group", (string?)target["type"]);
        Assert.Equal("azureAD", (string?)target["groupType"]);
        Assert.Equal("[true]", (string?)Property(target, "SecurityEnabled")["newValue"]);
        var updated = (await tenant.LastAuditAsync("Update group"))["targetResources"]![0]!.AsObject();
        Assert.Equal("[\"Finance Team\"]", (string?)Property(updated, "DisplayName")["oldValue"]);
        Assert.Equal("[\"Finance\"]", (string?)Property(updated, "DisplayName")["newValue"]);
        Assert.Equal("[\"Money people\"]", (string?)Property(updated, "Description")["newValue"]);
        Assert.Equal((string?)group["id"], (string?)(await tenant.LastAuditAsync("Delete group"))["targetResources"]![0]!["id"]);
    }

    [Fact]
    public async Task Members_and_owners_are_added_and_removed_with_Entras_two_target_shape()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var group = await CreateGroupAsync(admin, "Engineering");
        var user = await tenant.CreateUserAsync(admin, "gus");
        var reference = Json($$"""{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{{user["id"]}}"}""");

        await ExpectAsync(await admin.PostAsync($"/v1.0/groups/{group["id"]}/members/$ref", reference, Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.PostAsync($"/v1.0/groups/{group["id"]}/owners/$ref",
            Json($$"""{"@odata.id":"https://graph.microsoft.com/v1.0/users/{{user["id"]}}"}"""), Ct), HttpStatusCode.NoContent);
        var members = await ExpectAsync(await admin.GetAsync($"/v1.0/groups/{group["id"]}/members", Ct), HttpStatusCode.OK);
        var again = await admin.PostAsync($"/v1.0/groups/{group["id"]}/members/$ref",
            Json($$"""{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{{user["id"]}}"}"""), Ct);
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/groups/{group["id"]}/members/{user["id"]}/$ref", Ct), HttpStatusCode.NoContent);
        var afterRemove = await ExpectAsync(await admin.GetAsync($"/v1.0/groups/{group["id"]}/members", Ct), HttpStatusCode.OK);

        Assert.Equal((string?)user["id"], (string?)members["value"]![0]!["id"]);
        Assert.Equal("#microsoft.graph.user", (string?)members["value"]![0]!["@odata.type"]);
        await ExpectErrorAsync(again, HttpStatusCode.BadRequest, "already exist");
        Assert.Empty(afterRemove["value"]!.AsArray());
        var add = await tenant.LastAuditAsync("Add member to group");
        Assert.Equal("Assign", (string?)add["operationType"]);
        var member = add["targetResources"]![0]!.AsObject();
        Assert.Equal((string?)user["id"], (string?)member["id"]);
        Assert.Equal("User", (string?)member["type"]);
        Assert.Equal($"\"{group["id"]}\"", (string?)Property(member, "Group.ObjectID")["newValue"]);
        Assert.Equal("\"Engineering\"", (string?)Property(member, "Group.DisplayName")["newValue"]);
        Assert.Equal((string?)group["id"], (string?)add["targetResources"]![1]!["id"]);
        Assert.Equal("Group", (string?)add["targetResources"]![1]!["type"]);
        var remove = await tenant.LastAuditAsync("Remove member from group");
        Assert.Equal("Unassign", (string?)remove["operationType"]);
        Assert.Equal("\"Engineering\"", (string?)Property(remove["targetResources"]![0]!.AsObject(), "Group.DisplayName")["oldValue"]);
        Assert.Null((string?)Property(remove["targetResources"]![0]!.AsObject(), "Group.DisplayName")["newValue"]);
        var owner = await tenant.LastAuditAsync("Add owner to group");
        Assert.Equal((string?)user["id"], (string?)owner["targetResources"]![0]!["id"]);
        var failed = (await tenant.AuditAsync()).Single(a => (string?)a["activityDisplayName"] == "Add member to group" && (string?)a["result"] == "failure");
        Assert.Contains("already exist", (string?)failed["resultReason"], StringComparison.Ordinal);
        Assert.Equal([(string?)user["id"], (string?)group["id"]], failed["targetResources"]!.AsArray().Select(t => (string?)t!["id"]));
    }

    [Fact]
    public async Task Set_group_license_records_the_assignment()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var group = await CreateGroupAsync(admin, "Licensed");

        var response = await admin.PostAsync($"/v1.0/groups/{group["id"]}/assignLicense",
            Json("""{"addLicenses":[{"skuId":"efccb6f7-5641-4e0e-bd10-b4976e1bf68e"}],"removeLicenses":[]}"""), Ct);

        await ExpectAsync(response, HttpStatusCode.OK);
        var entry = await tenant.LastAuditAsync("Set group license");
        Assert.Contains("SkuName=EMS", (string?)Property(entry["targetResources"]![0]!.AsObject(), "AssignedLicense")["newValue"], StringComparison.Ordinal);
    }
}
