using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Verity.Core.Model;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>Token requests as clients send them: each one writes a sign-in, whatever its outcome.</summary>
internal static class SignInRequests
{
    public const string Firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    public const string Edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

    public static Dictionary<string, string> Password(string upn, string password) => new()
    {
        ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = upn, ["password"] = password,
        ["scope"] = "https://graph.microsoft.com/.default",
    };

    public static Dictionary<string, string> ClientCredentials(string clientId, string secret) => new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "https://graph.microsoft.com/.default",
    };

    /// <summary>Posts to the tenant's token endpoint (tenant id or domain) and returns the answer's status.</summary>
    public static async Task<HttpStatusCode> TokenAsync(VerityHost host, string tenant, Dictionary<string, string> form, string? userAgent = null) =>
        (await TokenResponseAsync(host, tenant, form, userAgent)).Status;

    /// <summary>Posts to the tenant's token endpoint and returns the answer's status and JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> TokenResponseAsync(VerityHost host, string tenant, Dictionary<string, string> form,
        string? userAgent = null)
    {
        using var client = host.NewClient();
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }
        using var response = await client.PostAsync($"/{tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject());
    }

    /// <summary>A refresh-token redemption: a non-interactive sign-in. Returns the rotated refresh token.</summary>
    public static async Task<string> RefreshAsync(VerityHost host, string tenant, string refreshToken, string? userAgent = null)
    {
        var (status, body) = await TokenResponseAsync(host, tenant, new() { ["grant_type"] = "refresh_token", ["client_id"] = PublicClientId, ["refresh_token"] = refreshToken },
            userAgent);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return (string)body["refresh_token"]!;
    }

    /// <summary>Wrong passwords, each a different one (smart lockout ignores repeats), until the name is locked (AADSTS50053).</summary>
    public static async Task LockAsync(VerityHost host, string tenant, string upn)
    {
        for (var i = 0; i < 11; i++)
        {
            Assert.NotEqual(HttpStatusCode.OK, await TokenAsync(host, tenant, Password(upn, $"wrong-password-{i}"), Firefox));
        }
    }
}

/// <summary>The sign-in logs blade in Chromium: its three tabs, filters, details, columns, download, live rows, insights and roles, each checked against the Graph API.</summary>
public sealed class AdminCenterSignInLogTests(SqliteHost host, Chromium chromium) : IClassFixture<SqliteHost>, IClassFixture<Chromium>
{
    private const string SecurityOperator = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
    private static readonly string[] UserColumns = ["date", "requestId", "user", "application", "status", "ipAddress", "location", "conditionalAccess"];
    private static readonly string[] ServicePrincipalColumns = ["date", "requestId", "servicePrincipalName", "servicePrincipalId", "appId", "status", "ipAddress", "resource"];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A tenant whose sign-in log holds interactive successes and failures, three non-interactive sign-ins (refresh
    /// tokens redeemed) and two service principal sign-ins (one with a wrong secret).
    /// </summary>
    private async Task<(TestTenant Tenant, HttpClient Admin)> SignedInTenantAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "dana", displayName: "Dana Scully");
        var t = tenant.Id.ToString();
        Assert.NotEqual(HttpStatusCode.OK, await SignInRequests.TokenAsync(host, t, SignInRequests.Password($"dana@{tenant.Domain}", "not-her-password"), SignInRequests.Firefox));
        var withRefresh = SignInRequests.Password($"dana@{tenant.Domain}", "User-Password-1!");
        withRefresh["scope"] += " offline_access";
        var (status, body) = await SignInRequests.TokenResponseAsync(host, t, withRefresh, SignInRequests.Edge);
        Assert.Equal(HttpStatusCode.OK, status);
        var refresh = (string)body["refresh_token"]!;
        for (var i = 0; i < 3; i++)
        {
            refresh = await SignInRequests.RefreshAsync(host, t, refresh, SignInRequests.Edge);
        }
        Assert.NotEqual(HttpStatusCode.OK, await SignInRequests.TokenAsync(host, t, SignInRequests.Password($"nobody@{tenant.Domain}", "whatever")));
        await tenant.AppTokenAsync();
        Assert.NotEqual(HttpStatusCode.OK, await SignInRequests.TokenAsync(host, t, SignInRequests.ClientCredentials(tenant.ClientId, "not-the-secret")));
        return (tenant, admin);
    }

    private static string[] Ids(IEnumerable<JsonObject> entries) => [.. entries.Select(e => (string)e["id"]!)];

    private static async Task<IPage> SignInsPageAsync(IBrowserContext context, TestTenant tenant)
    {
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.Locator("#nav-signIns").ClickAsync();
        await WaitForRowsAsync(page);
        return page;
    }

    [Fact]
    public async Task The_three_tabs_list_what_the_api_lists_for_each_kind_of_sign_in_with_Entras_columns()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await using var context = await chromium.NewContextAsync(host);

        var page = await SignInsPageAsync(context, tenant);

        Assert.EndsWith("/admin/signins", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#nav-signIns")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator("#log-tabs a")).ToHaveTextAsync(["User sign-ins (interactive)", "User sign-ins (non-interactive)", "Service principal sign-ins"]);
        await Expect(page.Locator("#tab-interactive")).ToHaveAttributeAsync("aria-current", "page");
        Assert.Equal(UserColumns, await HeadersAsync(page));
        var (url, entries) = await ApiResultAsync(page, admin);
        Assert.StartsWith($"{host.BaseAddress}v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%20", url, StringComparison.Ordinal);
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
        Assert.All(entries, e => Assert.Equal("interactiveUser", (string?)e["signInEventTypes"]![0]));
        // The browser's own sign-in to the admin center is there, with the others of the seed.
        Assert.Contains("Azure Portal", await ColumnTextsAsync(page, "application"));
        Assert.Contains("Dana Scully", await ColumnTextsAsync(page, "user"));
        Assert.Equal(entries.Select(e => (int)e["status"]!["errorCode"]! == 0 ? "Success" : "Failure"), await ColumnTextsAsync(page, "status"));
        Assert.All(await ColumnTextsAsync(page, "conditionalAccess"), c => Assert.Equal("Not applied", c));
        Assert.All(await ColumnTextsAsync(page, "ipAddress"), ip => Assert.Equal("127.0.0.1", ip));

        await page.Locator("#tab-nonInteractive").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Contains("tab=nonInteractive", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#tab-nonInteractive")).ToHaveAttributeAsync("aria-current", "page");
        (url, entries) = await ApiResultAsync(page, admin);
        Assert.StartsWith($"{host.BaseAddress}beta/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20'nonInteractiveUser')%20and%20createdDateTime%20ge%20",
            url, StringComparison.Ordinal);
        Assert.Equal(3, entries.Count);
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
        Assert.Equal(UserColumns, await HeadersAsync(page));
        Assert.All(await ColumnTextsAsync(page, "user"), u => Assert.Equal("Dana Scully", u));

        await page.Locator("#tab-servicePrincipal").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(ServicePrincipalColumns, await HeadersAsync(page));
        (url, entries) = await ApiResultAsync(page, admin);
        Assert.Contains("signInEventTypes/any(t: t eq 'servicePrincipal')", FilterOf(url), StringComparison.Ordinal);
        Assert.Equal(2, entries.Count);
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
        Assert.Equal(["Failure", "Success"], await ColumnTextsAsync(page, "status"));
        Assert.All(await ColumnTextsAsync(page, "appId"), a => Assert.Equal(tenant.ClientId, a));
        Assert.All(await ColumnTextsAsync(page, "resource"), r => Assert.Equal("Microsoft Graph", r));
        Assert.Equal(entries.Select(e => (string?)e["servicePrincipalName"] ?? ""), await ColumnTextsAsync(page, "servicePrincipalName"));
        Assert.Contains(await ColumnTextsAsync(page, "servicePrincipalId"), id => id.Length > 0);
        // Only the filters that mean something for applications.
        await Expect(page.Locator("#filter-user")).ToHaveCountAsync(0);
        await Expect(page.Locator("#filter-clientApp")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Each_sign_in_filter_shows_exactly_the_rows_the_Graph_api_returns_for_its_filter()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInsPageAsync(context, tenant);

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
            Assert.Equal(Ids(entries), await RowIdsAsync(page));
            return entries;
        }

        var dana = await ApplyAsync(() => page.Locator("#filter-user").FillAsync("Dana"), "(startswith(userDisplayName, 'Dana') or startswith(userPrincipalName, 'Dana'))", "user=Dana");
        Assert.Equal(2, dana.Count);
        Assert.All(await ColumnTextsAsync(page, "user"), u => Assert.Equal("Dana Scully", u));

        var portal = await ApplyAsync(() => page.Locator("#filter-application").FillAsync("Azure Portal"), "startswith(appDisplayName, 'Azure Portal')", "application=Azure Portal");
        Assert.All(portal, e => Assert.Equal("Browser", (string?)e["clientAppUsed"]));

        var failures = await ApplyAsync(() => page.Locator("#filter-status").SelectOptionAsync("failure"), "status/errorCode ne 0", "status=failure");
        Assert.Equal(2, failures.Count);
        Assert.All(await ColumnTextsAsync(page, "status"), s => Assert.Equal("Failure", s));

        var local = await ApplyAsync(() => page.Locator("#filter-ipAddress").FillAsync("127.0"), "startswith(ipAddress, '127.0')", "ipAddress=127.0");
        Assert.All(local, e => Assert.StartsWith("127.0", (string?)e["ipAddress"], StringComparison.Ordinal));

        // The client is told 50126 for a name without an account (no user enumeration); the log says 50034, as Entra's.
        var unknown = await ApplyAsync(() => page.Locator("#filter-errorCode").FillAsync("50034"), "status/errorCode eq 50034", "errorCode=50034");
        Assert.Equal($"nobody@{tenant.Domain}", (string?)Assert.Single(unknown)["userPrincipalName"]);

        var options = await page.Locator("#filter-clientApp option").AllTextContentsAsync();
        Assert.Equal(["All", "Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync", "IMAP", "MAPI", "SMTP", "POP", "Other clients"], options);
        var browser = await ApplyAsync(() => page.Locator("#filter-clientApp").SelectOptionAsync("Browser"), "clientAppUsed eq 'Browser'", "clientApp=Browser");
        Assert.All(await ColumnTextsAsync(page, "application"), a => Assert.Equal("Azure Portal", a));
        Assert.Single(browser);

        // An application id finds the service principal's sign-ins on its tab; the tab and the filter stay in the URL.
        await page.Locator("#tab-servicePrincipal").ClickAsync();
        await WaitForRowsAsync(page);
        var byAppId = await ApplyAsync(() => page.Locator("#filter-application").FillAsync(tenant.ClientId), $"appId eq '{tenant.ClientId}'", "tab=servicePrincipal");
        Assert.Equal(2, byAppId.Count);

        // A sign-in error code must be a number: the browser says so before anything is sent.
        await page.Locator("#filter-errorCode").FillAsync("fifty");
        await page.Locator("#apply").ClickAsync();
        Assert.False(await page.Locator("#filter-errorCode").EvaluateAsync<bool>("e => e.validity.valid"));
        Assert.DoesNotContain("errorCode=fifty", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Details_of_a_sign_in_show_Entras_sections_from_the_keyboard_and_the_raw_entry_for_copy()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await SignInsPageAsync(context, tenant);
        await page.GotoAsync("/admin/signins?user=Dana&errorCode=50126");
        await WaitForRowsAsync(page);
        var (_, entries) = await ApiResultAsync(page, admin);
        var failed = Assert.Single(entries);
        var stored = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/signIns/{failed["id"]}", Ct), HttpStatusCode.OK);
        stored.Remove("@odata.context");

        var row = page.Locator("#entries tr.entry").First;
        await row.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#details-title")).ToBeFocusedAsync();
        await Expect(page.Locator("#details-title")).ToHaveTextAsync("Activity details: sign-ins");
        await Expect(page.Locator("#details-body [role=tab]")).ToHaveTextAsync(["Basic info", "Location", "Device info", "Authentication details", "Conditional Access", "Raw JSON"]);
        var basic = await DefinitionsAsync(page, "#details-basic");
        Assert.Equal((string)failed["id"]!, basic["Request ID"]);
        Assert.Equal((string)failed["correlationId"]!, basic["Correlation ID"]);
        Assert.Equal("Dana Scully", basic["User"]);
        Assert.Equal($"dana@{tenant.Domain}", basic["Username"]);
        Assert.Equal((string)failed["userId"]!, basic["User ID"]);
        Assert.Equal("Microsoft Azure CLI", basic["Application"]);
        Assert.Equal(TestTenant.PublicClientId, basic["Application ID"]);
        Assert.Equal("Microsoft Graph", basic["Resource"]);
        Assert.Equal("Mobile Apps and Desktop clients", basic["Client app"]);
        Assert.Equal("Failure", basic["Status"]);
        Assert.Equal("50126", basic["Sign-in error code"]);
        Assert.Equal((string)failed["status"]!["failureReason"]!, basic["Failure reason"]);
        Assert.Equal("Interactive user", basic["Sign-in type"]);
        Assert.All(basic.Values, v => Assert.False(string.IsNullOrWhiteSpace(v)));

        // Tab reaches the tab list; the arrow keys walk Entra's sections.
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#details-tab-basic")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#details-panel-location")).ToBeVisibleAsync();
        Assert.Equal("127.0.0.1", (await DefinitionsAsync(page, "#details-location"))["IP address"]);
        await page.Keyboard.PressAsync("ArrowRight");
        var device = await DefinitionsAsync(page, "#details-device");
        Assert.Equal((string)failed["deviceDetail"]!["browser"]!, device["Browser"]);
        Assert.Equal((string)failed["deviceDetail"]!["operatingSystem"]!, device["Operating system"]);
        Assert.Equal("No", device["Compliant"]);
        Assert.Equal("No", device["Managed"]);
        Assert.False(device.ContainsKey("Device ID")); // "" for an unregistered device: no empty row
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#details-authentication-note")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        Assert.Equal("Not applied", (await DefinitionsAsync(page, "#details-conditional-access"))["Conditional Access"]);
        await Expect(page.Locator("#details-policies-none")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("End");
        await Expect(page.Locator("#details-tab-json")).ToBeFocusedAsync();
        var json = JsonNode.Parse(await page.Locator("#details-json").TextContentAsync() ?? "")!;
        Assert.True(JsonNode.DeepEquals(stored, json), json.ToJsonString());
        await page.Locator("#details-json-copy").ClickAsync();
        await Expect(page.Locator("#details-json-copy")).ToHaveTextAsync("Copied");
        Assert.True(JsonNode.DeepEquals(stored, JsonNode.Parse(await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"))));
        await page.Locator("#details-tab-json").FocusAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(page.Locator("#details-tab-basic")).ToBeFocusedAsync();
        await Expect(page.Locator("#details-panel-basic")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#details")).ToBeHiddenAsync();
        await Expect(row).ToBeFocusedAsync();

        // A success has no error code or failure reason rows; its correlation id lists every sign-in sharing it.
        await page.GotoAsync("/admin/signins?tab=servicePrincipal&status=success");
        await WaitForRowsAsync(page);
        await page.Locator("#entries tr.entry").First.ClickAsync();
        var success = await DefinitionsAsync(page, "#details-basic");
        Assert.Equal("Success", success["Status"]);
        Assert.False(success.ContainsKey("Sign-in error code"));
        Assert.False(success.ContainsKey("Failure reason"));
        Assert.False(success.ContainsKey("User"));
        Assert.Equal("Service principal", success["Sign-in type"]);
        var correlationId = success["Correlation ID"];
        await page.Locator("#correlation-link").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Contains("tab=servicePrincipal", page.Url, StringComparison.Ordinal);
        var (url, sharing) = await ApiResultAsync(page, admin);
        Assert.Contains($"correlationId eq '{correlationId}'", FilterOf(url), StringComparison.Ordinal);
        Assert.Equal(Ids(sharing), await RowIdsAsync(page));
        Assert.NotEmpty(sharing);
    }

    [Fact]
    public async Task A_Security_Operator_reads_sign_ins_but_is_told_they_have_no_access_to_audit_logs()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var secops = await tenant.CreateUserAsync(admin, "secops");
        await tenant.AssignRoleAsync(admin, (string)secops["id"]!, SecurityOperator);
        using var asOperator = host.NewClient(await tenant.UserTokenAsync($"secops@{tenant.Domain}", "User-Password-1!"));
        await using var context = await chromium.NewContextAsync(host);

        var page = await SignInAsync(context, $"secops@{tenant.Domain}", "User-Password-1!", tenant.Domain, expectList: false);

        await Expect(page.Locator("#no-access h1")).ToHaveTextAsync("You don't have access");
        await Expect(page.Locator("#no-access")).ToContainTextAsync("reading audit logs needs one of these directory roles");
        await Expect(page.Locator("#no-access")).Not.ToContainTextAsync("Security Operator");
        Assert.Equal(403, (await page.ReloadAsync())!.Status);
        await Expect(page.Locator("#nav-signIns")).ToBeVisibleAsync();
        await page.Locator("#no-access a[href='/admin/signins']").ClickAsync();
        await WaitForRowsAsync(page);
        var (_, entries) = await ApiResultAsync(page, asOperator);
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
        Assert.Contains($"secops@{tenant.Domain}", entries.Select(e => (string?)e["userPrincipalName"]));
        await page.Locator("#columns-button").ClickAsync();
        await page.Locator("#col-clientApp").CheckAsync();
        await Expect(page.Locator("#columns-status")).ToHaveTextAsync("Saved for your account.");

        // Insights: the sign-in questions open; the audit ones are refused like the audit log.
        await Expect(page.Locator("#nav-insights")).ToHaveAttributeAsync("href", "/admin/insights?log=signIns");
        await page.Locator("#nav-insights").ClickAsync();
        await Expect(page.Locator("#insights")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(page.Locator("article.insight")).Not.ToHaveCountAsync(0);
        await page.Locator("#insights-log-directoryAudits").ClickAsync();
        await Expect(page.Locator("#no-access h1")).ToHaveTextAsync("You don't have access");
        Assert.Equal(403, (await context.APIRequest.GetAsync("/v1.0/auditLogs/directoryAudits")).Status);
    }

    [Fact]
    public async Task Sign_in_insights_match_the_api_and_each_number_opens_the_list_of_its_exact_filter()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await SignInRequests.LockAsync(host, tenant.Id.ToString(), $"dana@{tenant.Domain}");
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);

        await page.Locator("#nav-insights").ClickAsync();
        await page.Locator("#insights-log-signIns").ClickAsync();
        await page.Locator("#days-7").ClickAsync();
        await Expect(page.Locator("#insights")).Not.ToHaveAttributeAsync("aria-busy", "true");
        Assert.EndsWith("/admin/insights?log=signIns&days=7", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#insights-log-signIns")).ToHaveAttributeAsync("aria-current", "page");

        var insights = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/signIns/insights?days=7", Ct), HttpStatusCode.OK);
        var questions = insights["questions"]!.AsArray().Select(q => q!.AsObject()).ToList();
        Assert.Equal(questions.Select(q => (string)q["id"]!), await page.Locator("article.insight").EvaluateAllAsync<string[]>("a => a.map(x => x.dataset.question)"));
        Assert.Contains("failuresByErrorCode", questions.Select(q => (string)q["id"]!));
        Assert.Contains("signInsPerApplication", questions.Select(q => (string)q["id"]!));
        foreach (var q in questions)
        {
            var id = (string)q["id"]!;
            var filter = (string)q["filter"]!;
            var shown = long.Parse((await page.Locator($"#q-{id}-number").TextContentAsync())!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            var list = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/signIns?$top=1000&$filter={Uri.EscapeDataString(filter)}", Ct), HttpStatusCode.OK);
            var matching = list["value"]!.AsArray();
            // "Accounts locked" and "users with failures" count distinct accounts; the others count sign-ins.
            long expected = (string)q["unit"]! is "accounts locked" or "users with failures"
                ? matching.Select(e => (string?)e!["userPrincipalName"]).Distinct().Count()
                : matching.Count;
            Assert.True(expected == shown, $"{id}: the page shows {shown}, the list behind it has {expected}");
            await Expect(page.Locator($"#q-{id} .insight-items li")).ToHaveCountAsync(q["items"]!.AsArray().Count);
        }
        await Expect(page.Locator("#q-lockedAccounts-number")).ToHaveTextAsync("1");
        await Expect(page.Locator("#q-lockedAccounts .insight-items li a")).ToHaveTextAsync([$"dana@{tenant.Domain}"]);
        await Expect(page.Locator("#q-failuresByErrorCode .insight-items")).ToContainTextAsync("50053: Account is locked");

        // The number opens the sign-in list with exactly its filter, every kind it names, no tab chosen.
        var locked = questions.Single(q => (string)q["id"]! == "lockedAccounts");
        await page.Locator("#q-lockedAccounts-link").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Contains("/admin/signins?", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#advanced-filter-text")).ToHaveTextAsync((string)locked["filter"]!);
        await Expect(page.Locator("#log-tabs a[aria-current]")).ToHaveCountAsync(0);
        var (url, entries) = await ApiResultAsync(page, admin);
        Assert.Equal((string)locked["filter"]!, FilterOf(url));
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
        Assert.All(entries, e => Assert.Equal(SignInErrorCodes.IdsLocked, (int)e["status"]!["errorCode"]!));
        Assert.Contains("eventType", await HeadersAsync(page));

        // A breakdown's item opens its own sign-ins.
        await page.GoBackAsync();
        var item = page.Locator("#q-failuresByErrorCode .insight-items li").Filter(new() { HasText = "50126" });
        var itemCount = int.Parse((await item.Locator(".item-count").TextContentAsync())!, CultureInfo.InvariantCulture);
        await item.Locator("a").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(itemCount, (await RowIdsAsync(page)).Length);
        Assert.All(await ColumnTextsAsync(page, "status"), s => Assert.Equal("Failure", s));
    }

    [Fact]
    public async Task Columns_are_chosen_per_tab_and_a_download_holds_the_rows_of_the_tab_on_screen()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInsPageAsync(context, tenant);

        await page.Locator("#tab-servicePrincipal").ClickAsync();
        await WaitForRowsAsync(page);
        await page.Locator("#columns-button").ClickAsync();
        await Expect(page.Locator("#col-date")).ToBeDisabledAsync();
        await page.Locator("#col-errorCode").CheckAsync();
        await page.Locator("#col-resource").UncheckAsync();
        await Expect(page.Locator("#columns-status")).ToHaveTextAsync("Saved for your account.");
        string[] chosen = ["date", "requestId", "servicePrincipalName", "servicePrincipalId", "appId", "status", "errorCode", "ipAddress"];
        Assert.Equal(chosen, await HeadersAsync(page));
        await page.ReloadAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(chosen, await HeadersAsync(page));
        await page.Locator("#tab-interactive").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(UserColumns, await HeadersAsync(page));

        // CSV of the interactive tab: Entra's sign-in columns, the rows the list's filter matches, in its order.
        var (url, _) = await ApiResultAsync(page, admin);
        var filter = FilterOf(url);
        var expected = await AllIdsAsync(admin, "/v1.0/auditLogs/signIns", filter);
        await page.Locator("#download-button").ClickAsync();
        var stamp = DateTimeOffset.Parse(await page.EvaluateAsync<string>("() => new Date().toISOString()"), CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Expect(page.Locator("#download-name")).ToHaveValueAsync($"InteractiveSignIns_{stamp}.csv");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-start").ClickAsync());
        await using (var stream = await download.CreateReadStreamAsync())
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Ct);
            var rows = AuditFiles.ParseCsv(copy.ToArray()[3..]);
            Assert.Equal(["Date (UTC)", "Request ID", "User agent", "Correlation ID"], rows[0][..4]);
            Assert.Equal(expected, rows.Skip(1).Select(r => r[1]));
        }
        Assert.Equal($"InteractiveSignIns_{stamp}.csv", download.SuggestedFilename);
        await Expect(page.Locator("#download-status")).ToContainTextAsync($"{expected.Count} rows");

        // JSON of the service principal tab, through beta.
        await page.Locator("#tab-servicePrincipal").ClickAsync();
        await WaitForRowsAsync(page);
        var spIds = await RowIdsAsync(page);
        await page.Locator("#download-button").ClickAsync();
        await page.Locator("#download-json").CheckAsync();
        await Expect(page.Locator("#download-name")).ToHaveValueAsync($"ApplicationSignIns_{stamp}.json");
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        var json = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-start").ClickAsync());
        await using (var stream = await json.CreateReadStreamAsync())
        {
            var entries = (await JsonNode.ParseAsync(stream, cancellationToken: Ct))!.AsArray();
            Assert.Equal(spIds, entries.Select(e => (string)e!["id"]!));
        }
        Assert.Contains(requests, r => r.Contains("/beta/auditLogs/signIns/download?", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Contains("/beta/auditLogs/signIns/$count?", StringComparison.Ordinal));
    }

    private static async Task<List<string>> AllIdsAsync(HttpClient api, string path, string filter)
    {
        var body = await ExpectAsync(await api.GetAsync($"{path}?$top=1000&$filter={Uri.EscapeDataString(filter)}", Ct), HttpStatusCode.OK);
        return [.. body["value"]!.AsArray().Select(e => (string)e!["id"]!)];
    }

    [Fact]
    public async Task A_new_sign_in_arrives_live_at_the_top_of_its_tab_only()
    {
        var (tenant, admin) = await SignedInTenantAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInsPageAsync(context, tenant);
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live");
        var before = await RowIdsAsync(page);
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await tenant.AppTokenAsync(); // a service principal sign-in: not this tab's
        Assert.NotEqual(HttpStatusCode.OK, await SignInRequests.TokenAsync(host, tenant.Id.ToString(),
            SignInRequests.Password($"dana@{tenant.Domain}", "live-wrong-password"), SignInRequests.Firefox));

        var first = page.Locator("#entries tr.entry").First;
        await Expect(first.Locator("td[data-column=user]")).ToHaveTextAsync("Dana Scully");
        await Expect(first.Locator("td[data-column=status]")).ToHaveTextAsync("Failure");
        await Expect(first).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("fresh"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "The page reloaded.");
        var (_, entries) = await ApiResultAsync(page, admin);
        Assert.Equal(before.Length + 1, entries.Count);
        Assert.Equal(Ids(entries), await RowIdsAsync(page));
    }
}
