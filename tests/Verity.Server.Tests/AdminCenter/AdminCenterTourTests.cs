using System.Net;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>
/// The demo tenant as the printed URL shows it: /admin/ signs in to the bootstrap tenant by default. Walks every
/// screen at 1280×800 and on a phone-sized window, and saves the screenshots the README links.
/// </summary>
public sealed class AdminCenterTourTests(DemoHost host, Chromium chromium) : IClassFixture<DemoHost>, IClassFixture<Chromium>
{
    [Fact]
    public async Task The_bootstrap_tenant_is_the_default_and_every_screen_is_usable_wide_and_narrow()
    {
        await using var context = await chromium.NewContextAsync(host);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/");
        await Expect(page.Locator("#tenant-domain")).ToHaveTextAsync("verity.local");
        await Screenshots.TakeAsync(page, "sign-in");
        await SubmitCredentialsAsync(page, "admin@verity.local", DemoHost.AdminPassword);
        await WaitForRowsAsync(page);
        Assert.NotEmpty(await RowIdsAsync(page));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => [...document.getElementById('log').childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).length"));
        await Screenshots.TakeAsync(page, "audit-log");

        await page.Locator("#range").SelectOptionAsync("30d");
        await page.Locator("#filter-category").SelectOptionAsync("UserManagement");
        await page.Locator("#filter-status").SelectOptionAsync("success");
        await page.Locator("#apply").ClickAsync();
        await WaitForRowsAsync(page);
        await page.Locator("#graph-request summary").ClickAsync();
        await Expect(page.Locator("#graph-url")).ToBeVisibleAsync();
        Assert.Contains("category eq 'UserManagement' and result eq 'success'", FilterOf(await page.Locator("#graph-url").TextContentAsync() ?? ""), StringComparison.Ordinal);
        Assert.All(await ColumnTextsAsync(page, "category"), c => Assert.Equal("UserManagement", c));
        await Screenshots.TakeAsync(page, "filters");

        await page.Locator("#columns-button").ClickAsync();
        await page.Locator("#col-statusReason").CheckAsync();
        await Screenshots.TakeAsync(page, "columns");
        await page.Locator("#columns-button").ClickAsync();

        await page.GotoAsync("/admin/?range=30d&activity=Update%20user");
        await WaitForRowsAsync(page);
        await page.Locator("#entries tr.entry").First.ClickAsync();
        await page.Locator("#details-tab-modified").ClickAsync();
        await Expect(page.Locator("#details-modified-table")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "details");

        // Narrow window: the filters stack, the table scrolls sideways inside its box, the pane takes the width.
        await page.SetViewportSizeAsync(390, 800);
        var paneWidth = await page.Locator("#details").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        Assert.Equal(390, paneWidth, 1.0);
        await Screenshots.TakeAsync(page, "details-narrow");
        await page.Keyboard.PressAsync("Escape");
        var pageWidth = await page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 390, $"The page is {pageWidth}px wide in a 390px window: something does not wrap.");
        await Screenshots.TakeAsync(page, "audit-log-narrow");

        // Insights over the demo history, wide and narrow; a number opens the list behind it.
        await page.SetViewportSizeAsync(1280, 800);
        await page.Locator("#nav-insights").ClickAsync();
        await Expect(page.Locator("#insights")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(page.Locator("article.insight")).ToHaveCountAsync(9);
        Assert.NotEqual("0", await page.Locator("#q-userChangeTypes-number").TextContentAsync());
        await Screenshots.TakeAsync(page, "insights");
        await page.SetViewportSizeAsync(390, 800);
        var insightsWidth = await page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");
        Assert.True(insightsWidth <= 390, $"Insights are {insightsWidth}px wide in a 390px window.");
        await Screenshots.TakeAsync(page, "insights-narrow");
        await page.SetViewportSizeAsync(1280, 800);
        await page.Locator("#q-userChangeTypes-link").ClickAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#advanced-filter")).ToBeVisibleAsync();
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live");
        await Screenshots.TakeAsync(page, "advanced-filter");

        // The download menu after a CSV of the filtered view.
        await page.Locator("#download-button").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-start").ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        await Expect(page.Locator("#download-status")).ToContainTextAsync("Saved ");
        await Screenshots.TakeAsync(page, "download");
    }

    [Fact]
    public async Task The_sign_in_blade_shows_the_demo_tenants_sign_ins_wide_and_narrow()
    {
        var ct = TestContext.Current.CancellationToken;
        // A morning's sign-ins: the administrator, users mistyping passwords (one until locked out), a name that does not
        // exist, one application with its secret and one with a wrong one.
        var form = SignInRequests.Password("admin@verity.local", DemoHost.AdminPassword);
        form["scope"] += " offline_access";
        var (status, token) = await SignInRequests.TokenResponseAsync(host, "verity.local", form, SignInRequests.Edge);
        Assert.Equal(HttpStatusCode.OK, status);
        using var api = host.NewClient((string)token["access_token"]!);
        var refresh = await SignInRequests.RefreshAsync(host, "verity.local", (string)token["refresh_token"]!, SignInRequests.Edge);
        await SignInRequests.RefreshAsync(host, "verity.local", refresh, SignInRequests.Edge);
        var users = (await TestTenant.ExpectAsync(await api.GetAsync("/v1.0/users?$top=10", ct), HttpStatusCode.OK))["value"]!.AsArray()
            .Select(u => (string)u!["userPrincipalName"]!).Where(u => !u.StartsWith("admin@", StringComparison.Ordinal)).ToList();
        await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.Password(users[0], "Summer2025!"), SignInRequests.Firefox);
        await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.Password(users[0], "Summer2025"), SignInRequests.Firefox);
        await SignInRequests.LockAsync(host, "verity.local", users[1]);
        await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.Password(users[2], "password1"), SignInRequests.Edge);
        await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.Password("former.employee@verity.local", "Welcome1"), SignInRequests.Edge);
        var apps = (await TestTenant.ExpectAsync(await api.GetAsync("/v1.0/applications?$top=2", ct), HttpStatusCode.OK))["value"]!.AsArray().Select(a => a!.AsObject()).ToList();
        var secret = await TestTenant.ExpectAsync(await api.PostAsync($"/v1.0/applications/{apps[0]["id"]}/addPassword",
            TestTenant.Json("""{"passwordCredential":{"displayName":"nightly export"}}"""), ct), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.ClientCredentials((string)apps[0]["appId"]!, (string)secret["secretText"]!)));
        await SignInRequests.TokenAsync(host, "verity.local", SignInRequests.ClientCredentials((string)apps[1]["appId"]!, "an-expired-secret"));
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, "admin@verity.local", DemoHost.AdminPassword);

        await page.Locator("#nav-signIns").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Contains("Failure", await ColumnTextsAsync(page, "status"));
        Assert.Contains("Azure Portal", await ColumnTextsAsync(page, "application"));
        await Screenshots.TakeAsync(page, "sign-in-log");

        await page.Locator("#entries tr.entry").Filter(new() { HasText = "Failure" }).First.ClickAsync();
        await Expect(page.Locator("#details-basic")).ToContainTextAsync("Failure reason");
        await Screenshots.TakeAsync(page, "sign-in-details");
        await page.Locator("#details-tab-json").ClickAsync();
        await Expect(page.Locator("#details-json")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page, "sign-in-details-json");

        // Narrow window: the tabs and filters wrap, the pane takes the width.
        await page.SetViewportSizeAsync(390, 800);
        Assert.Equal(390, await page.Locator("#details").EvaluateAsync<double>("e => e.getBoundingClientRect().width"), 1.0);
        await page.Keyboard.PressAsync("Escape");
        var pageWidth = await page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 390, $"The sign-in blade is {pageWidth}px wide in a 390px window.");
        await Screenshots.TakeAsync(page, "sign-in-log-narrow");
        await page.SetViewportSizeAsync(1280, 800);

        await page.Locator("#tab-nonInteractive").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(2, (await RowIdsAsync(page)).Length);

        await page.Locator("#tab-servicePrincipal").ClickAsync();
        await WaitForRowsAsync(page);
        Assert.Equal(["Failure", "Success"], (await ColumnTextsAsync(page, "status")).Take(2));
        await Screenshots.TakeAsync(page, "sign-in-service-principals");

        await page.Locator("#nav-insights").ClickAsync();
        await page.Locator("#insights-log-signIns").ClickAsync();
        await Expect(page.Locator("#insights")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(page.Locator("#q-lockedAccounts-number")).ToHaveTextAsync("1");
        await Screenshots.TakeAsync(page, "insights-sign-ins");
    }
}
