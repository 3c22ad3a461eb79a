using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>Live updates of the list and the Insights page in Chromium, checked against the Graph API.</summary>
public sealed class AdminCenterLiveAndInsightsTests(SqliteHost host, Chromium chromium) : IClassFixture<SqliteHost>, IClassFixture<Chromium>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task AddGroupAsync(HttpClient admin, string name) =>
        ExpectAsync(admin.PostAsync("/v1.0/groups", Json($$"""{"displayName":"{{name}}","mailEnabled":false,"mailNickname":"{{name.ToLowerInvariant()}}","securityEnabled":true}"""), Ct),
            HttpStatusCode.Created);

    private static async Task<JsonObject> ExpectAsync(Task<HttpResponseMessage> response, HttpStatusCode status) => await TestTenant.ExpectAsync(await response, status);

    [Fact]
    public async Task A_new_entry_appears_at_the_top_live_while_the_details_pane_stays_open_and_a_scrolled_reader_keeps_their_place()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "first", displayName: "First User");
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live");
        var before = await RowIdsAsync(page);
        await page.Locator("#entries tr.entry").Nth(1).ClickAsync();
        var openId = before[1];
        await Expect(page.Locator("#details-body")).ToContainTextAsync(openId);
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        var created = await tenant.CreateUserAsync(admin, "live", displayName: "Live Arrival");

        await Expect(page.Locator("#entries tr.entry").First.Locator("td[data-column=targets]")).ToHaveTextAsync("Live Arrival");
        await Expect(page.Locator("#entries tr.entry").First).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("fresh"));
        var (_, entries) = await ApiResultAsync(page, admin);
        Assert.Equal(entries.Select(e => (string)e["id"]!), await RowIdsAsync(page));
        Assert.Equal(before, (await RowIdsAsync(page)).Skip(entries.Count - before.Length));
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "The page reloaded.");
        await Expect(page.Locator("#details")).ToBeVisibleAsync();
        await Expect(page.Locator("#details-body")).ToContainTextAsync(openId);
        await Expect(page.Locator($"#entries tr.entry[data-id='{openId}']")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#count")).ToHaveTextAsync($"{entries.Count} entries shown.");
        Assert.Contains(entries, e => (string?)e["targetResources"]![0]!["id"] == (string?)created["id"]);

        // A reader who has scrolled down keeps the row they look at where it was, and a pill offers the new entries.
        await page.Keyboard.PressAsync("Escape");
        for (var i = 0; i < 40; i++)
        {
            await AddGroupAsync(admin, $"Filler{i}");
        }
        await Expect(page.Locator("#entries tr.entry")).ToHaveCountAsync(entries.Count + 40);
        var watched = page.Locator("#entries tr.entry").Nth(30);
        await watched.ScrollIntoViewIfNeededAsync();
        await page.EvaluateAsync("() => window.scrollBy(0, 200)");
        var watchedId = await watched.GetAttributeAsync("data-id");
        var top = await page.Locator($"#entries tr.entry[data-id='{watchedId}']").EvaluateAsync<double>("r => r.getBoundingClientRect().top");
        var pill = page.Locator("#new-entries");
        await Expect(pill).ToBeHiddenAsync();

        await AddGroupAsync(admin, "While scrolled");

        await Expect(pill).ToHaveTextAsync("1 new entry ↑");
        await Screenshots.TakeAsync(page, "live");
        Assert.Equal(top, await page.Locator($"#entries tr.entry[data-id='{watchedId}']").EvaluateAsync<double>("r => r.getBoundingClientRect().top"), 1.0);
        await pill.ClickAsync();
        await Expect(pill).ToBeHiddenAsync();
        await page.WaitForFunctionAsync("() => window.scrollY === 0");
        await Expect(page.Locator("#entries tr.entry").First.Locator("td[data-column=targets]")).ToHaveTextAsync("While scrolled");

        // Oldest first: new entries belong at the end, so the list does not go live.
        await page.Locator("#sort-date").ClickAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "off");
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Live updates only in newest-first order");
    }

    [Fact]
    public async Task Live_updates_follow_the_filter_after_it_changes()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await AddGroupAsync(admin, "Existing");
        await using var context = await chromium.NewContextAsync(host);
        var live = new List<string>();
        context.Request += (_, request) =>
        {
            if (request.Url.Contains("/directoryAudits/live", StringComparison.Ordinal))
            {
                live.Add(Uri.UnescapeDataString(request.Url));
            }
        };
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.Locator("#filter-category").SelectOptionAsync("GroupManagement");
        await page.Locator("#apply").ClickAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live");
        Assert.Contains(live, u => u.Contains("category eq 'GroupManagement'", StringComparison.Ordinal));
        var before = await RowIdsAsync(page);

        await tenant.CreateUserAsync(admin, "ignored");
        await AddGroupAsync(admin, "Arrives");

        await Expect(page.Locator("#entries tr.entry").First.Locator("td[data-column=targets]")).ToHaveTextAsync("Arrives");
        Assert.Equal(before.Length + 1, (await RowIdsAsync(page)).Length);
        Assert.All(await ColumnTextsAsync(page, "category"), c => Assert.Equal("GroupManagement", c));
    }

    [Fact]
    public async Task Each_insights_number_equals_the_api_and_the_list_behind_its_filter_and_links_to_that_list()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var users = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await tenant.CreateUserAsync(admin, $"insight{i}"));
        }
        await ExpectAsync(admin.PatchAsync($"/v1.0/users/{users[0]["id"]}", Json("""{"jobTitle":"Lead"}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(admin.PatchAsync($"/v1.0/users/{users[1]["id"]}", Json("""{"passwordProfile":{"password":"Reset-Password-1!"}}"""), Ct), HttpStatusCode.NoContent);
        var group = await ExpectAsync(admin.PostAsync("/v1.0/groups", Json("""{"displayName":"Insight group","mailEnabled":false,"mailNickname":"ig","securityEnabled":true}"""), Ct),
            HttpStatusCode.Created);
        await ExpectAsync(admin.PostAsync($"/v1.0/groups/{group["id"]}/owners/$ref",
            Json($$"""{"@odata.id":"https://graph.microsoft.com/v1.0/users/{{users[2]["id"]}}"}"""), Ct), HttpStatusCode.NoContent);
        var app = await ExpectAsync(admin.PostAsync("/v1.0/applications", Json("""{"displayName":"Old name"}"""), Ct), HttpStatusCode.Created);
        await ExpectAsync(admin.PatchAsync($"/v1.0/applications/{app["id"]}", Json("""{"displayName":"New name"}"""), Ct), HttpStatusCode.NoContent);
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        await page.Locator("#nav-insights").ClickAsync();
        await Expect(page.Locator("#days-30")).ToHaveAttributeAsync("aria-current", "page");
        await page.Locator("#days-7").ClickAsync();
        await Expect(page.Locator("#days-7")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator("#insights")).Not.ToHaveAttributeAsync("aria-busy", "true");
        Assert.EndsWith("/admin/insights?days=7", page.Url, StringComparison.Ordinal);

        var insights = await TestTenant.ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits/insights?days=7", Ct), HttpStatusCode.OK);
        var questions = insights["questions"]!.AsArray().Select(q => q!.AsObject()).ToList();
        Assert.Equal(9, questions.Count);
        Assert.Equal(questions.Select(q => (string)q["id"]!), await page.Locator("article.insight").EvaluateAllAsync<string[]>("a => a.map(x => x.dataset.question)"));
        foreach (var q in questions)
        {
            var id = (string)q["id"]!;
            var filter = (string)q["filter"]!;
            var shown = long.Parse((await page.Locator($"#q-{id}-number").TextContentAsync())!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            long expected;
            if (id == "usersChanged")
            {
                var list = await TestTenant.ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=1000&$filter={Uri.EscapeDataString(filter)}", Ct), HttpStatusCode.OK);
                expected = list["value"]!.AsArray().SelectMany(e => e!["targetResources"]!.AsArray()).Where(t => (string?)t!["type"] == "User")
                    .Select(t => (string?)t!["id"]).Distinct().Count();
            }
            else
            {
                expected = long.Parse(await admin.GetStringAsync($"/v1.0/auditLogs/directoryAudits/$count?$filter={Uri.EscapeDataString(filter)}", Ct), CultureInfo.InvariantCulture);
            }
            Assert.True(expected == shown, $"{id}: the page shows {shown}, the list behind it has {expected}");
            Assert.Equal((long)q["number"]!, shown);
            // The caption states the same number as the headline, never a sum of the bars (issue 23: 51 users vs 106).
            var caption = await page.Locator($"#q-{id} figcaption").TextContentAsync();
            Assert.StartsWith($"{shown} {(string)q["unit"]!} from ", caption, StringComparison.Ordinal);
            await Expect(page.Locator($"#q-{id} svg.chart rect.bar")).ToHaveCountAsync(7);
            Assert.False(string.IsNullOrWhiteSpace(await page.Locator($"#q-{id} svg.chart").GetAttributeAsync("aria-label")));
            await Expect(page.Locator($"#q-{id} .chart-table tbody tr")).ToHaveCountAsync(7);
            await Expect(page.Locator($"#q-{id} .insight-items li")).ToHaveCountAsync(q["items"]!.AsArray().Count);
        }
        Assert.Equal(1, (long)questions.Single(q => (string)q["id"]! == "groupsAdded")["number"]!);

        // The number links to the list with exactly the question's filter, shown as an advanced filter that can be removed.
        var groupsAdded = questions.Single(q => (string)q["id"]! == "groupsAdded");
        await page.Locator("#q-groupsAdded-link").ClickAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#advanced-filter-text")).ToHaveTextAsync((string)groupsAdded["filter"]!);
        var (url, entries) = await ApiResultAsync(page, admin);
        Assert.Equal((string)groupsAdded["filter"]!, FilterOf(url));
        Assert.Equal(entries.Select(e => (string)e["id"]!), await RowIdsAsync(page));
        Assert.Equal(["Add group"], await ColumnTextsAsync(page, "activity"));

        await page.Locator("#advanced-filter-remove").ClickAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#advanced-filter")).ToHaveCountAsync(0);
        Assert.DoesNotContain("filter=", page.Url, StringComparison.Ordinal);
        Assert.True((await RowIdsAsync(page)).Length > 1);

        // An item of a breakdown links to its own entries.
        await page.GoBackAsync();
        await page.GoBackAsync();
        await Expect(page.Locator("#q-userChangeTypes .insight-items li")).Not.ToHaveCountAsync(0);
        var item = page.Locator("#q-userChangeTypes .insight-items li").First;
        var itemCount = int.Parse((await item.Locator(".item-count").TextContentAsync())!, CultureInfo.InvariantCulture);
        await item.Locator("a").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(itemCount, (await RowIdsAsync(page)).Length);
    }

    [Fact]
    public async Task Insights_show_the_apis_error_and_are_refused_without_the_role()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "plain");
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        await page.GotoAsync("/admin/insights?days=400");
        var error = await ExpectErrorAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits/insights?days=400", Ct), HttpStatusCode.BadRequest);
        await Expect(page.Locator("#insights-error")).ToHaveTextAsync((string)error["message"]!);

        await page.Locator("#sign-out").ClickAsync();
        var plain = await SignInAsync(context, $"plain@{tenant.Domain}", "User-Password-1!", tenant.Domain, expectList: false);
        Assert.Equal(403, (await plain.GotoAsync("/admin/insights"))!.Status);
        await Expect(plain.Locator("#no-access")).ToBeVisibleAsync();
    }
}
