using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

/// <summary>The --demo switch: a newcomer's first tenant has people, groups, apps and weeks of history.</summary>
public sealed class DemoTenantTests(DemoHost host) : IClassFixture<DemoHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_demo_tenant_has_a_realistic_directory_and_four_weeks_of_ordered_history()
    {
        using var anonymous = host.NewClient();
        var token = await anonymous.PostAsync("/verity.local/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = "admin@verity.local", ["password"] = DemoHost.AdminPassword,
        }), Ct);
        using var admin = host.NewClient((string)(await token.Content.ReadFromJsonAsync<JsonObject>(Ct))!["access_token"]!);

        async Task<int> CountAsync(string set) =>
            (await ExpectAsync(await admin.GetAsync($"/v1.0/{set}?$top=999", Ct), HttpStatusCode.OK))["value"]!.AsArray().Count;
        var audit = (await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1000", Ct), HttpStatusCode.OK))["value"]!.AsArray();
        var times = audit.Select(a => DateTimeOffset.Parse((string)a!["activityDateTime"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var groups = (await ExpectAsync(await admin.GetAsync("/v1.0/groups", Ct), HttpStatusCode.OK))["value"]!.AsArray();
        var members = await ExpectAsync(await admin.GetAsync($"/v1.0/groups/{groups[0]!["id"]}/members", Ct), HttpStatusCode.OK);
        var owners = await ExpectAsync(await admin.GetAsync($"/v1.0/groups/{groups[0]!["id"]}/owners", Ct), HttpStatusCode.OK);
        var roles = await ExpectAsync(await admin.GetAsync("/v1.0/roleManagement/directory/roleAssignments", Ct), HttpStatusCode.OK);

        Assert.InRange(await CountAsync("users"), 50, 60);
        Assert.Equal(10, groups.Count);
        Assert.Equal(5, await CountAsync("applications"));
        Assert.Equal(5, await CountAsync("servicePrincipals"));
        Assert.NotEmpty(members["value"]!.AsArray());
        Assert.Single(owners["value"]!.AsArray());
        Assert.True(roles["value"]!.AsArray().Count >= 6);
        Assert.True(times.SequenceEqual(times.OrderByDescending(t => t)), "newest first, in time order");
        Assert.InRange((times[0] - times[^1]).TotalDays, 14, 29);
        Assert.Contains(audit, a => (string?)a!["activityDisplayName"] == "Change user license");
        Assert.Contains(audit, a => (string?)a!["activityDisplayName"] == "Update application");
    }
}
