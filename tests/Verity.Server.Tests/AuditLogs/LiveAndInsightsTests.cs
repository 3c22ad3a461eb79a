using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AuditLogs;

/// <summary>The live feed (server-sent events) and the insights aggregates, over HTTP against a running server.</summary>
public sealed class LiveAndInsightsTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private const string Live = "/v1.0/auditLogs/directoryAudits/live";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task New_matching_entries_arrive_live_in_commit_order_and_a_reconnect_resumes_after_the_last_one()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "before"); // written before the stream opens: not sent
        var filter = Uri.EscapeDataString("category eq 'UserManagement'");

        string lastId;
        using (var stream = await EventStream.OpenAsync(admin, $"{Live}?$filter={filter}"))
        {
            await ExpectAsync(await admin.PostAsync("/v1.0/groups", Json("""{"displayName":"Not a user change","mailEnabled":false,"mailNickname":"nu","securityEnabled":true}"""), Ct), HttpStatusCode.Created);
            var first = await tenant.CreateUserAsync(admin, "first");
            var (id, entry) = await stream.NextAsync();
            Assert.Equal("Add user", (string?)entry["activityDisplayName"]);
            Assert.Equal((string?)first["id"], (string?)entry["targetResources"]![0]!["id"]);
            lastId = id;
        }
        var second = await tenant.CreateUserAsync(admin, "second");
        var third = await tenant.CreateUserAsync(admin, "third");

        using var resumed = await EventStream.OpenAsync(admin, $"{Live}?$filter={filter}", lastId);
        var (_, a) = await resumed.NextAsync();
        var (_, b) = await resumed.NextAsync();

        Assert.Equal((string?)second["id"], (string?)a["targetResources"]![0]!["id"]);
        Assert.Equal((string?)third["id"], (string?)b["targetResources"]![0]!["id"]);
        var api = await tenant.AuditAsync(admin);
        Assert.Equal(api.Single(e => (string?)e["id"] == (string?)a["id"]).ToJsonString(), a.ToJsonString());
    }

    [Theory]
    [InlineData("?$filter=category%20eq", null, "Invalid $filter")]
    [InlineData("?$top=5", null, "Unknown query parameter '$top'")]
    [InlineData("", "not-a-cursor", "Last-Event-ID is not a cursor")]
    public async Task A_bad_live_request_is_400_before_any_event(string query, string? lastEventId, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, Live + query);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        await ExpectErrorAsync(await admin.SendAsync(request, Ct), HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task Each_insight_number_matches_the_list_behind_its_filter()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var users = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await tenant.CreateUserAsync(admin, $"insight{i}"));
        }
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{users[0]["id"]}", Json("""{"jobTitle":"Lead"}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{users[1]["id"]}", Json("""{"passwordProfile":{"password":"Reset-Password-1!"}}"""), Ct), HttpStatusCode.NoContent);
        var group = await ExpectAsync(await admin.PostAsync("/v1.0/groups", Json("""{"displayName":"Insight group","mailEnabled":false,"mailNickname":"ig","securityEnabled":true}"""), Ct), HttpStatusCode.Created);
        await ExpectAsync(await admin.PostAsync($"/v1.0/groups/{group["id"]}/owners/$ref",
            Json($$"""{"@odata.id":"https://graph.microsoft.com/v1.0/users/{{users[2]["id"]}}"}"""), Ct), HttpStatusCode.NoContent);
        var app = await ExpectAsync(await admin.PostAsync("/v1.0/applications", Json("""{"displayName":"Old name"}"""), Ct), HttpStatusCode.Created);
        await ExpectAsync(await admin.PatchAsync($"/v1.0/applications/{app["id"]}", Json("""{"displayName":"New name"}"""), Ct), HttpStatusCode.NoContent);

        var insights = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits/insights?days=7", Ct), HttpStatusCode.OK);
        var questions = insights["questions"]!.AsArray().Select(q => q!.AsObject()).ToDictionary(q => (string)q["id"]!);

        Assert.Equal(9, questions.Count);
        foreach (var (id, q) in questions)
        {
            var filter = Uri.EscapeDataString((string)q["filter"]!);
            var count = long.Parse(await admin.GetStringAsync($"/v1.0/auditLogs/directoryAudits/$count?$filter={filter}", Ct), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(7, q["series"]!.AsArray().Count);
            Assert.Equal(count, q["series"]!.AsArray().Sum(d => (long)d!["count"]!));
            if (id != "usersChanged")
            {
                Assert.Equal(count, (long)q["number"]!);
                Assert.Equal((string?)q["unit"], (string?)q["seriesUnit"]);
            }
            foreach (var item in q["items"]!.AsArray())
            {
                var itemFilter = Uri.EscapeDataString((string)item!["filter"]!);
                var items = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$filter={itemFilter}&$count=true", Ct), HttpStatusCode.OK);
                Assert.True((long)items["@odata.count"]! >= 1, $"{id}: {item.ToJsonString()}");
                if (item["count"] is { } itemCount)
                {
                    Assert.Equal((long)itemCount, (long)items["@odata.count"]!);
                }
            }
        }
        // Distinct users changed: every user target of the successful user-management entries behind the question.
        var changed = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=1000&$filter={Uri.EscapeDataString((string)questions["usersChanged"]["filter"]!)}", Ct), HttpStatusCode.OK);
        var distinct = changed["value"]!.AsArray().SelectMany(e => e!["targetResources"]!.AsArray()).Where(t => (string?)t!["type"] == "User").Select(t => (string?)t!["id"]).ToHashSet();
        Assert.Equal(distinct.Count, (long)questions["usersChanged"]["number"]!);
        // The series counts the entries (changes), not users: one user created then updated is two changes, one user.
        Assert.True((long)changed["value"]!.AsArray().Count > distinct.Count);
        Assert.Equal("users", (string?)questions["usersChanged"]["unit"]);
        Assert.Equal("changes", (string?)questions["usersChanged"]["seriesUnit"]);
        Assert.All(users, u => Assert.Contains((string?)u["id"], distinct));
        Assert.Equal(1, (long)questions["passwordsChanged"]["number"]!);
        Assert.Equal(1, (long)questions["groupsAdded"]["number"]!);
        Assert.Equal(1, (long)questions["groupOwnersChanged"]["number"]!);
        Assert.Equal(1, (long)questions["applicationNamesChanged"]["number"]!);
        Assert.Equal("Update application: New name", (string?)questions["applicationNamesChanged"]["items"]![0]!["label"]);
    }

    [Theory]
    [InlineData("days=0")]
    [InlineData("days=91")]
    [InlineData("days=x")]
    [InlineData("since=2026-01-01")]
    public async Task Bad_insight_requests_are_400(string query)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await ExpectErrorAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits/insights?{query}", Ct), HttpStatusCode.BadRequest);
    }
}
