using System.Globalization;
using Microsoft.Playwright;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>
/// What a new user found hard to read in the audit blade, mended for every log: the details pane's tabs, one spelling
/// of a status, no empty rows, local time or UTC (remembered), and filters that read in full at 1280 px.
/// </summary>
public sealed class AdminCenterReadabilityTests(SqliteHost host, Chromium chromium) : IClassFixture<SqliteHost>, IClassFixture<Chromium>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestTenant Tenant, HttpClient Admin)> TenantWithAFailureAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "erin", displayName: "Erin Example");
        var duplicate = await admin.PostAsync("/v1.0/users", Json($$$"""{"accountEnabled":true,"displayName":"Erin again","mailNickname":"erin","userPrincipalName":"erin@{{{tenant.Domain}}}","passwordProfile":{"password":"User-Password-1!"}}"""), Ct);
        Assert.False(duplicate.IsSuccessStatusCode);
        return (tenant, admin);
    }

    [Fact]
    public async Task Audit_details_have_Entras_tabs_the_lists_spelling_of_a_status_and_no_empty_rows()
    {
        var (tenant, _) = await TenantWithAFailureAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.GotoAsync("/admin/?activity=Add%20user");
        await WaitForRowsAsync(page);
        var added = (await tenant.AuditAsync()).Where(e => (string?)e["activityDisplayName"] == "Add user").ToList();
        var success = added.Single(e => (string?)e["result"] == "success" && (string?)e["targetResources"]![0]!["userPrincipalName"] == $"erin@{tenant.Domain}");
        var failure = added.Single(e => (string?)e["result"] == "failure");
        Assert.True(string.IsNullOrEmpty((string?)success["resultReason"]));

        var successRow = page.Locator($"#entries tr.entry[data-id='{success["id"]}']");
        await Expect(successRow.Locator("td[data-column=status]")).ToHaveTextAsync("Success");
        await successRow.ClickAsync();

        await Expect(page.Locator("#details-body [role=tab]")).ToHaveTextAsync(["Activity", "Target(s) (1)",
            $"Modified properties ({success["targetResources"]![0]!["modifiedProperties"]!.AsArray().Count})"]);
        await Expect(page.Locator("#details-panel-activity")).ToBeVisibleAsync();
        var activity = await DefinitionsAsync(page, "#details-activity");
        Assert.Equal("Success", activity["Status"]);
        Assert.False(activity.ContainsKey("Status reason"));
        Assert.Equal(0, await page.Locator("#details-body dd").EvaluateAllAsync<int>("dds => dds.filter(d => !d.textContent.trim()).length"));
        // The modified properties are one tab away, not below the fold.
        await page.Locator("#details-tab-modified").ClickAsync();
        await Expect(page.Locator("#details-modified-table")).ToBeInViewportAsync();

        var failureRow = page.Locator($"#entries tr.entry[data-id='{failure["id"]}']");
        await Expect(failureRow.Locator("td[data-column=status]")).ToHaveTextAsync("Failure");
        await failureRow.ClickAsync();
        await page.Locator("#details-tab-activity").ClickAsync();
        await Expect(page.Locator("#details-activity")).ToContainTextAsync((string)failure["resultReason"]!);
        var failed = await DefinitionsAsync(page, "#details-activity");
        Assert.Equal("Failure", failed["Status"]);
        Assert.Equal((string)failure["resultReason"]!, failed["Status reason"]);
    }

    [Fact]
    public async Task Times_switch_between_local_time_and_UTC_and_the_choice_follows_the_user_to_another_browser()
    {
        var (tenant, admin) = await TenantWithAFailureAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        var (_, entries) = await ApiResultAsync(page, admin);
        var newest = DateTimeOffset.Parse((string)entries[0]["activityDateTime"]!, CultureInfo.InvariantCulture);
        var berlin = TimeZoneInfo.ConvertTime(newest, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        var firstDate = page.Locator("#entries tr.entry").First.Locator("td[data-column=date]");

        await Expect(page.Locator("#time-zone")).ToHaveValueAsync("local");
        await Expect(page.Locator("#time-zone option[value=local]")).ToContainTextAsync("Europe/Berlin");
        await Expect(firstDate).ToContainTextAsync(berlin.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await Expect(page.Locator("#timezone")).ToContainTextAsync("Europe/Berlin");

        await page.Locator("#time-zone").SelectOptionAsync("utc");

        await Expect(page.Locator("#time-zone-status")).ToHaveTextAsync("Saved for your account.");
        await Expect(firstDate).ToContainTextAsync(newest.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await Expect(firstDate).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(" UTC$"));
        await Expect(page.Locator("#timezone")).ToHaveTextAsync("Times are shown in UTC.");
        await page.Locator("#entries tr.entry").First.ClickAsync();
        await Expect(page.Locator("#details-activity time").First).ToContainTextAsync(newest.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("Escape");

        // A custom range is typed in the zone shown: in UTC, as it is sent.
        await page.Locator("#range").SelectOptionAsync("custom");
        await page.Locator("#from").FillAsync("2026-01-15T10:00");
        await page.Locator("#to").FillAsync("2099-01-15T10:30");
        await page.Locator("#apply").ClickAsync();
        await WaitForRowsAsync(page);
        var filter = FilterOf(await page.Locator("#graph-url").TextContentAsync() ?? "");
        Assert.StartsWith("activityDateTime ge 2026-01-15T10:00:00Z and activityDateTime le 2099-01-15T10:30:00Z", filter, StringComparison.Ordinal);

        // Back to local time: the same instants, shown in Berlin's winter time.
        await page.Locator("#time-zone").SelectOptionAsync("local");
        await Expect(page.Locator("#from")).ToHaveValueAsync("2026-01-15T11:00");
        await Expect(page.Locator("#time-zone-status")).ToHaveTextAsync("Saved for your account.");
        await page.Locator("#time-zone").SelectOptionAsync("utc");
        await Expect(page.Locator("#time-zone-status")).ToHaveTextAsync("Saved for your account.");
        await Expect(page.Locator("#from")).ToHaveValueAsync("2026-01-15T10:00");

        await page.ReloadAsync();
        await WaitForRowsAsync(page);
        await Expect(page.Locator("#time-zone")).ToHaveValueAsync("utc");
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        await using var elsewhere = await chromium.NewContextAsync(host);
        var again = await SignInAsync(elsewhere, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await Expect(again.Locator("#time-zone")).ToHaveValueAsync("utc");
        await Expect(again.Locator("#entries tr.entry").First.Locator("td[data-column=date]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(" UTC$"));
        await again.Locator("#nav-insights").ClickAsync();
        await Expect(again.Locator("#insights-range")).ToContainTextAsync(" UTC to ");
    }

    /// <summary>
    /// Each filter control whose text (every option of a select, the placeholder of a text box) is wider than the
    /// room inside it, measured with the control's own font: the controls whose text is cut off.
    /// </summary>
    private static Task<string[]> CutOffAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => {
          const context = document.createElement('canvas').getContext('2d');
          const shown = [...document.querySelectorAll('#filters select, #filters input[type=text], #filters label, #toolbar select')]
            .filter(el => el.getClientRects().length > 0);
          return shown.flatMap(el => {
            const style = getComputedStyle(el);
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const texts = el.tagName === 'SELECT' ? [...el.options].map(o => o.text) : el.tagName === 'LABEL' ? [el.textContent] : [el.placeholder];
            const arrow = el.tagName === 'SELECT' ? 16 : 0;
            const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - arrow;
            return texts.filter(t => context.measureText(t).width > room + 0.5).map(t => `${el.id || el.htmlFor}: "${t}" needs ${context.measureText(t).width}px, has ${room}px`);
          });
        }
        """);

    [Fact]
    public async Task Every_filter_label_option_and_placeholder_reads_in_full_at_1280_px()
    {
        var (tenant, _) = await TenantWithAFailureAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        Assert.Equal(1280, await page.EvaluateAsync<int>("() => window.innerWidth"));
        await page.Locator("#filter-category").SelectOptionAsync("UserManagement");
        await page.Locator("#range").SelectOptionAsync("custom");
        await Expect(page.Locator("#custom-range")).ToBeVisibleAsync();

        Assert.Empty(await CutOffAsync(page));
        Assert.Contains("UserManagement", await page.Locator("#filter-category option").AllTextContentsAsync());

        foreach (var tab in new[] { "interactive", "servicePrincipal" })
        {
            await page.GotoAsync($"/admin/signins?tab={tab}");
            await WaitForRowsAsync(page);
            Assert.Empty(await CutOffAsync(page));
        }
        var width = await page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 1280, $"The page is {width}px wide at 1280px.");
    }
}
