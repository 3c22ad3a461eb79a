using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>The admin center in Chromium against a running Verity: sign-in, filters checked against the Graph API, columns, details, roles.</summary>
public sealed class AdminCenterTests(SqliteHost host, Chromium chromium) : IClassFixture<SqliteHost>, IClassFixture<Chromium>
{
    private const string ReportsReader = "4a5d8f65-41da-4de4-8968-e035b65339cf";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A tenant with users, a group, a refused attempt and a change made by an application.</summary>
    private async Task<(TestTenant Tenant, HttpClient Admin)> SeededTenantAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        admin.DefaultRequestHeaders.UserAgent.ParseAdd("verity-tests/1.0");
        await tenant.CreateUserAsync(admin, "alice", displayName: "Alice Archer");
        var bob = await tenant.CreateUserAsync(admin, "bob", displayName: "Bob Old");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{bob["id"]}", Json("""{"displayName":"Bob New"}"""), Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await admin.PostAsync("/v1.0/groups", Json("""{"displayName":"Auditors","mailEnabled":false,"mailNickname":"auditors","securityEnabled":true}"""), Ct),
            HttpStatusCode.Created);
        var duplicate = await admin.PostAsync("/v1.0/users", Json($$$"""{"accountEnabled":true,"displayName":"Alice again","mailNickname":"alice","userPrincipalName":"alice@{{{tenant.Domain}}}","passwordProfile":{"password":"User-Password-1!"}}"""), Ct);
        Assert.False(duplicate.IsSuccessStatusCode); // audited as a failure
        using var app = host.NewClient(await tenant.AppTokenAsync());
        await tenant.CreateUserAsync(app, "carol", displayName: "Carol Robot");
        return (tenant, admin);
    }

    [Fact]
    public async Task Sign_in_goes_through_the_authorization_code_flow_with_PKCE_and_shows_the_tenants_audit_log()
    {
        var (tenant, admin) = await SeededTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var authorizeRequests = new List<string>();
        context.Request += (_, request) =>
        {
            if (request.Url.Contains("/oauth2/v2.0/authorize", StringComparison.Ordinal) && request.Method == "GET")
            {
                authorizeRequests.Add(request.Url);
            }
        };

        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        var authorize = Assert.Single(authorizeRequests);
        Assert.StartsWith($"{host.BaseAddress}{tenant.Domain}/oauth2/v2.0/authorize?", authorize, StringComparison.Ordinal);
        Assert.Contains("response_type=code", authorize, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", authorize, StringComparison.Ordinal);
        Assert.Contains("code_challenge=", authorize, StringComparison.Ordinal);
        Assert.EndsWith("/admin/", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#signed-in-user")).ToHaveTextAsync(tenant.AdminUpn);
        Assert.Equal(["date", "service", "category", "activity", "status", "targets", "initiatedBy"], await HeadersAsync(page));
        var (url, entries) = await ApiResultAsync(page, admin);
        Assert.Equal(entries.Select(e => (string)e["id"]!), await RowIdsAsync(page));
        Assert.Contains("Carol Robot", await ColumnTextsAsync(page, "targets"));
        Assert.StartsWith($"{host.BaseAddress}v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%20", url, StringComparison.Ordinal);

        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Signed out");
        var again = await page.GotoAsync("/admin/");
        Assert.Contains("/oauth2/v2.0/authorize", page.Url, StringComparison.Ordinal);
        Assert.Equal(200, again!.Status);
        await Expect(page.Locator("#password")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_wrong_password_is_refused_on_the_form_and_the_Graph_api_stays_closed_to_the_browser()
    {
        var tenant = await host.NewTenantAsync();
        await using var context = await chromium.NewContextAsync(host);

        var page = await SignInAsync(context, tenant.AdminUpn, "not-the-password", tenant.Domain, expectList: false);

        await Expect(page.Locator("#signin-error")).ToContainTextAsync("invalid username or password");
        await Expect(page.Locator("#username")).ToHaveValueAsync(tenant.AdminUpn);
        await Expect(page.Locator("#tenant-domain")).ToHaveTextAsync(tenant.Domain);
        var api = await context.APIRequest.GetAsync("/v1.0/auditLogs/directoryAudits");
        Assert.Equal(401, api.Status);

        // The tenant picker on the form leads to the same form for another organization.
        var other = await host.NewTenantAsync();
        await page.Locator("text=Choose the tenant").ClickAsync();
        await page.Locator("#tenant").FillAsync(other.Id.ToString());
        await page.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("#tenant-domain")).ToHaveTextAsync(other.Domain);
    }

    [Fact]
    public async Task Each_filter_shows_exactly_the_rows_the_Graph_api_returns_for_its_filter()
    {
        var (tenant, admin) = await SeededTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        async Task<List<JsonObject>> ApplyAsync(Func<Task> set, string expectedClause, string urlParameter)
        {
            await page.Locator("#reset").ClickAsync();
            await WaitForRowsAsync(page);
            await set();
            await page.Locator("#apply").ClickAsync();
            await WaitForRowsAsync(page);
            var (url, entries) = await ApiResultAsync(page, admin);
            Assert.Contains(expectedClause, FilterOf(url), StringComparison.Ordinal);
            Assert.Contains(urlParameter, Uri.UnescapeDataString(page.Url).Replace('+', ' '), StringComparison.Ordinal);
            Assert.NotEmpty(entries);
            Assert.Equal(entries.Select(e => (string)e["id"]!), await RowIdsAsync(page));
            return entries;
        }

        var service = await ApplyAsync(() => page.Locator("#filter-service").SelectOptionAsync("Core Directory"), "loggedByService eq 'Core Directory'", "service=Core Directory");
        Assert.All(service, e => Assert.Equal("Core Directory", (string?)e["loggedByService"]));

        var groups = await ApplyAsync(() => page.Locator("#filter-category").SelectOptionAsync("GroupManagement"), "category eq 'GroupManagement'", "category=GroupManagement");
        Assert.Equal(["Add group"], groups.Select(e => (string)e["activityDisplayName"]!));

        var options = await page.Locator("#filter-activity-options option").EvaluateAllAsync<string[]>("o => o.map(x => x.value)");
        Assert.Contains("Update application – Certificates and secrets management", options);
        var updates = await ApplyAsync(() => page.Locator("#filter-activity").FillAsync("Update user"), "activityDisplayName eq 'Update user'", "activity=Update user");
        Assert.All(await ColumnTextsAsync(page, "activity"), a => Assert.Equal("Update user", a));
        Assert.Single(updates);

        var failures = await ApplyAsync(() => page.Locator("#filter-status").SelectOptionAsync("failure"), "result eq 'failure'", "status=failure");
        Assert.All(await ColumnTextsAsync(page, "status"), s => Assert.Equal("Failure", s));
        Assert.Contains(failures, e => (string?)e["activityDisplayName"] == "Add user");

        var targets = await ApplyAsync(() => page.Locator("#filter-target").FillAsync("alice"), "startswith(t/userPrincipalName, 'alice')", "target=alice");
        Assert.All(targets, e => Assert.Contains(e["targetResources"]!.AsArray(), t => ((string?)t!["userPrincipalName"] ?? "").StartsWith("alice", StringComparison.Ordinal)));

        var byApp = await ApplyAsync(() => page.Locator("#filter-actor").FillAsync("Verity automation"), "startswith(initiatedBy/app/displayName, 'Verity automation')", "actor=Verity automation");
        Assert.Contains(byApp, e => (string?)e["targetResources"]![0]!["userPrincipalName"] == $"carol@{tenant.Domain}");
        Assert.All(await ColumnTextsAsync(page, "initiatedBy"), a => Assert.Equal("Verity automation", a));

        var lastDay = await ApplyAsync(() => page.Locator("#range").SelectOptionAsync("24h"), "activityDateTime ge ", "range=24h");
        Assert.Equal((await tenant.AuditAsync()).Count, lastDay.Count);

        // Custom range: typed in the browser's time zone (shown), sent as UTC.
        await Expect(page.Locator("#timezone")).ToContainTextAsync("Europe/Berlin (UTC+01:00)");
        var newest = DateTimeOffset.Parse((string)lastDay[0]["activityDateTime"]!, System.Globalization.CultureInfo.InvariantCulture);
        var berlin = newest.ToOffset(TimeSpan.FromHours(1));
        var custom = await ApplyAsync(async () =>
        {
            await page.Locator("#range").SelectOptionAsync("custom");
            await page.Locator("#from").FillAsync(berlin.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            await page.Locator("#to").FillAsync(berlin.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        }, $"activityDateTime ge {newest.UtcDateTime.AddHours(-2):yyyy-MM-dd'T'HH:mm}:00Z and activityDateTime le {newest.UtcDateTime.AddHours(2):yyyy-MM-dd'T'HH:mm}:00Z", "range=custom");
        Assert.Equal(lastDay.Count, custom.Count);

        // Bookmarkable: the URL alone brings back the filters and the same rows.
        await page.GotoAsync("/admin/?category=GroupManagement&status=success");
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#filter-category")).ToHaveValueAsync("GroupManagement");
        await Expect(page.Locator("#filter-status")).ToHaveValueAsync("success");
        Assert.Equal(groups.Select(e => (string)e["id"]!), await RowIdsAsync(page));
    }

    [Fact]
    public async Task A_filter_the_api_rejects_shows_the_apis_message_and_no_rows()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        await page.GotoAsync("/admin/?range=custom&from=yesterday");
        await WaitForRowsAsync(page);

        var url = await page.Locator("#graph-url").TextContentAsync();
        var error = await ExpectErrorAsync(await admin.GetAsync(url, Ct), HttpStatusCode.BadRequest);
        await Expect(page.Locator("#error")).ToHaveTextAsync((string)error["message"]!);
        Assert.Empty(await RowIdsAsync(page));
    }

    [Fact]
    public async Task Chosen_columns_are_saved_for_the_user_on_the_server_and_follow_them_to_another_browser_but_not_to_another_user()
    {
        var tenant = await host.NewTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        await page.Locator("#columns-button").ClickAsync();
        await Expect(page.Locator("#col-activity")).ToBeDisabledAsync();
        await page.Locator("#col-statusReason").CheckAsync();
        await page.Locator("#col-userAgent").CheckAsync();
        await page.Locator("#col-targets").UncheckAsync();
        await Expect(page.Locator("#columns-status")).ToHaveTextAsync("Saved for your account.");
        string[] chosen = ["date", "service", "category", "activity", "status", "statusReason", "initiatedBy", "userAgent"];
        Assert.Equal(chosen, await HeadersAsync(page));
        Assert.Contains(await ColumnTextsAsync(page, "userAgent"), ua => ua.Length > 0);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));

        await page.ReloadAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(chosen, await HeadersAsync(page));

        // Another browser profile (nothing shared but the server): the same user sees the same columns.
        await using var elsewhere = await chromium.NewContextAsync(host);
        var again = await SignInAsync(elsewhere, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        Assert.Equal(chosen, await HeadersAsync(again));

        // Another user of the same tenant, in a third browser, starts from the defaults.
        using var admin = await tenant.AdminAsync();
        var other = await tenant.CreateUserAsync(admin, "reader");
        await tenant.AssignRoleAsync(admin, (string)other["id"]!, ReportsReader);
        await using var third = await chromium.NewContextAsync(host);
        var readerPage = await SignInAsync(third, $"reader@{tenant.Domain}", "User-Password-1!", tenant.Domain);
        Assert.Equal(["date", "service", "category", "activity", "status", "targets", "initiatedBy"], await HeadersAsync(readerPage));

        // Reset goes back to the defaults for this user only.
        await again.Locator("#columns-button").ClickAsync();
        await again.Locator("#columns-reset").ClickAsync();
        await Expect(again.Locator("#columns-status")).ToHaveTextAsync("Saved for your account.");
        await page.ReloadAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(["date", "service", "category", "activity", "status", "targets", "initiatedBy"], await HeadersAsync(page));
    }

    [Fact]
    public async Task The_preferences_api_needs_the_session_the_anti_forgery_token_and_small_valid_json()
    {
        var tenant = await host.NewTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        var token = await page.EvaluateAsync<string>("() => document.body.dataset.antiforgery");
        const string Url = "/admin/api/preferences/columns.directoryAudits";
        async Task<(int Status, string Body)> PutAsync(string body, string? antiforgery, string contentType = "application/json")
        {
            var headers = new Dictionary<string, string> { ["Content-Type"] = contentType };
            if (antiforgery is not null)
            {
                headers["X-Verity-Antiforgery"] = antiforgery;
            }
            var response = await context.APIRequest.PutAsync(Url, new() { DataByte = System.Text.Encoding.UTF8.GetBytes(body), Headers = headers });
            return (response.Status, await response.TextAsync());
        }

        Assert.Equal(204, (await context.APIRequest.GetAsync(Url)).Status);
        var noToken = await PutAsync("""["date"]""", null);
        Assert.Equal(400, noToken.Status);
        Assert.Contains("anti-forgery", noToken.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await PutAsync("""["date" """, token)).Status);
        Assert.Equal(415, (await PutAsync("""["date"]""", token, "text/plain")).Status);
        var tooBig = await PutAsync(Serialize(new string('x', 5000)), token);
        Assert.Equal(413, tooBig.Status);
        Assert.Contains("RequestEntityTooLarge", tooBig.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await context.APIRequest.GetAsync("/admin/api/preferences/not%20a%20name")).Status);
        Assert.Equal(204, (await PutAsync("""[ "date",  "status" ]""", token)).Status);
        Assert.Equal("""["date","status"]""", await (await context.APIRequest.GetAsync(Url)).TextAsync());

        await using var anonymous = await chromium.NewContextAsync(host);
        var refused = await anonymous.APIRequest.GetAsync(Url);
        Assert.Equal(401, refused.Status);
        Assert.Contains("\"error\"", await refused.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Details_open_from_the_keyboard_with_old_and_new_values_and_link_every_entry_of_the_correlation()
    {
        var (tenant, admin) = await SeededTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        var update = await tenant.LastAuditAsync("Update user");
        var displayName = Property(update["targetResources"]![0]!.AsObject(), "DisplayName");

        await page.GotoAsync("/admin/?activity=Update%20user");
        await WaitForRowsAsync(page);
        var row = page.Locator("#entries tr.entry").First;
        await row.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#details")).ToBeVisibleAsync();
        await Expect(page.Locator("#details-title")).ToBeFocusedAsync();
        // Entra's tabs (reference §6.4): Activity first; Tab reaches the tab list, the arrow keys move along it.
        await Expect(page.Locator("#details-panel-activity")).ToBeVisibleAsync();
        await Expect(page.Locator("#details-panel-modified")).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#details-tab-activity")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#details-tab-modified")).ToBeFocusedAsync();
        await Expect(page.Locator("#details-tab-modified")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#details-panel-modified")).ToBeVisibleAsync();
        await Expect(page.Locator("#details-panel-activity")).ToBeHiddenAsync();
        var modified = page.Locator("#details-modified-table tbody tr").Filter(new() { HasText = "DisplayName" }).First;
        var cells = await modified.Locator("td").AllTextContentsAsync();
        var target = update["targetResources"]![0]!;
        var targetName = new[] { (string?)target["displayName"], (string?)target["userPrincipalName"], (string?)target["id"] }.First(n => !string.IsNullOrEmpty(n));
        Assert.Equal([targetName!, "DisplayName", (string)displayName["oldValue"]!, (string)displayName["newValue"]!], cells);
        Assert.Contains("Bob Old", cells[2], StringComparison.Ordinal);
        Assert.Contains("Bob New", cells[3], StringComparison.Ordinal);
        await Expect(page.Locator("#details-targets-table")).ToContainTextAsync((string)update["targetResources"]![0]!["id"]!);
        await Expect(page.Locator("#details-body")).ToContainTextAsync(tenant.AdminUpn);
        await Expect(page.Locator("#details-additional-table")).ToContainTextAsync("verity-tests/1.0");
        await Screenshots.TakeAsync(page, "details-keyboard");

        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#details")).ToBeHiddenAsync();
        await Expect(row).ToBeFocusedAsync();

        // The pane opens again on the tab last chosen.
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#details-panel-modified")).ToBeVisibleAsync();
        await page.Locator("#details-tab-activity").ClickAsync();
        await page.Locator("#correlation-link").ClickAsync();
        await WaitForRowsAsync(page);
        var correlationId = (string)update["correlationId"]!;
        Assert.Contains($"correlationId={correlationId}", page.Url, StringComparison.Ordinal);
        var (url, entries) = await ApiResultAsync(page, admin);
        Assert.Contains($"correlationId eq '{correlationId}'", FilterOf(url), StringComparison.Ordinal);
        var sharing = (await tenant.AuditAsync()).Where(e => (string?)e["correlationId"] == correlationId).Select(e => (string)e["id"]!).Reverse();
        Assert.Equal(sharing, await RowIdsAsync(page));
        Assert.Equal(sharing, entries.Select(e => (string)e["id"]!));
    }

    [Fact]
    public async Task Paging_follows_nextLink_and_the_date_header_reverses_the_order()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        for (var i = 0; i < 55; i++)
        {
            await ExpectAsync(await admin.PostAsync("/v1.0/groups", Json($$"""{"displayName":"G{{i}}","mailEnabled":false,"mailNickname":"g{{i}}","securityEnabled":true}"""), Ct),
                HttpStatusCode.Created);
        }
        var all = (await tenant.AuditAsync()).Select(e => (string)e["id"]!).ToList();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        Assert.Equal(Enumerable.Reverse(all).Take(50), await RowIdsAsync(page));
        await page.Locator("#load-more").ClickAsync();
        await Expect(page.Locator("#entries tr.entry")).ToHaveCountAsync(all.Count);
        await Expect(page.Locator("#load-more")).ToBeHiddenAsync();
        Assert.Equal(Enumerable.Reverse(all), await RowIdsAsync(page));

        await page.Locator("#sort-date").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Contains("sort=asc", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("th[data-column=date]")).ToHaveAttributeAsync("aria-sort", "ascending");
        Assert.Equal(all.Take(50), await RowIdsAsync(page));
        var (url, _) = await ApiResultAsync(page, admin);
        Assert.Contains("$orderby=activityDateTime%20asc", url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_a_log_reading_role_is_refused_and_a_reports_reader_is_let_in()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "plain");
        var reader = await tenant.CreateUserAsync(admin, "auditor");
        await tenant.AssignRoleAsync(admin, (string)reader["id"]!, ReportsReader);
        await using var context = await chromium.NewContextAsync(host);

        var page = await SignInAsync(context, $"plain@{tenant.Domain}", "User-Password-1!", tenant.Domain, expectList: false);
        await Expect(page.Locator("#no-access h1")).ToHaveTextAsync("You don't have access");
        await Expect(page.Locator("#no-access")).ToContainTextAsync("Reports Reader");
        Assert.Equal(403, (await page.ReloadAsync())!.Status);
        Assert.Equal(403, (await context.APIRequest.GetAsync("/v1.0/auditLogs/directoryAudits")).Status);
        Assert.Equal(403, (await context.APIRequest.GetAsync("/admin/api/catalogue")).Status);
        await Screenshots.TakeAsync(page, "no-access");

        await page.Locator("#sign-out").ClickAsync();
        var allowed = await SignInAsync(context, $"auditor@{tenant.Domain}", "User-Password-1!", tenant.Domain);
        await Expect(allowed.Locator("#signed-in-user")).ToHaveTextAsync($"auditor@{tenant.Domain}");
        Assert.NotEmpty(await RowIdsAsync(allowed));

        // The session follows the directory: losing the role refuses the next request, a disabled account loses the session.
        var assignment = (await ExpectAsync(await admin.GetAsync($"/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '{reader["id"]}'", Ct),
            HttpStatusCode.OK))["value"]![0]!["id"]!.ToString();
        await ExpectAsync(await admin.DeleteAsync($"/v1.0/roleManagement/directory/roleAssignments/{assignment}", Ct), HttpStatusCode.NoContent);
        Assert.Equal(403, (await allowed.ReloadAsync())!.Status);
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{reader["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);
        await allowed.ReloadAsync();
        await Expect(allowed.Locator("#password")).ToBeVisibleAsync();
        await SubmitCredentialsAsync(allowed, $"auditor@{tenant.Domain}", "User-Password-1!");
        await Expect(allowed.Locator("#signin-error")).ToContainTextAsync("disabled");
    }

    [Fact]
    public async Task Revoked_sign_in_sessions_and_a_password_reset_end_the_admin_center_session_on_the_next_request()
    {
        var tenant = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        var reader = await tenant.CreateUserAsync(app, "revoked");
        await tenant.AssignRoleAsync(app, (string)reader["id"]!, ReportsReader);
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, $"revoked@{tenant.Domain}", "User-Password-1!", tenant.Domain);

        await ExpectAsync(await app.PostAsync($"/v1.0/users/{reader["id"]}/revokeSignInSessions", null, Ct), HttpStatusCode.OK);

        Assert.Equal(401, (await context.APIRequest.GetAsync("/v1.0/auditLogs/directoryAudits")).Status);
        await page.ReloadAsync();
        await Expect(page.Locator("#password")).ToBeVisibleAsync();
        var again = await SignInAsync(context, $"revoked@{tenant.Domain}", "User-Password-1!", tenant.Domain);
        await ExpectAsync(await app.PatchAsync($"/v1.0/users/{reader["id"]}",
            Json("""{"passwordProfile":{"password":"Reset-Password-2!","forceChangePasswordNextSignIn":false}}"""), Ct), HttpStatusCode.NoContent);
        await again.ReloadAsync();
        await Expect(again.Locator("#password")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Pages_forbid_inline_script_and_the_browser_cookie_cannot_change_the_directory()
    {
        var tenant = await host.NewTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        var response = await page.ReloadAsync();
        var csp = response!.Headers["content-security-policy"];
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("script:not([src])").CountAsync());
        var write = await context.APIRequest.PostAsync("/v1.0/groups", new() { DataObject = new { displayName = "X", mailEnabled = false, mailNickname = "x", securityEnabled = true } });
        Assert.Equal(401, write.Status);
        var signOutWithoutToken = await context.APIRequest.PostAsync("/admin/signout", new() { Form = context.APIRequest.CreateFormData() });
        Assert.Equal(400, signOutWithoutToken.Status);
        await page.ReloadAsync();
        await WaitForRowsAsync(page);
    }
}
