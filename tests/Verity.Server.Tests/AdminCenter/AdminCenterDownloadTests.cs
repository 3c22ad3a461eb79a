using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Verity.Core.Storage;
using Verity.Server.Tests.Support;
using Verity.Tests;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;
using static Verity.Server.Tests.Support.AuditFiles;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>A host whose download files hold 400 rows, so a thousand entries need three parts.</summary>
public sealed class SmallDownloadHost : SqliteHost
{
    public const int MaxRows = 400;

    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync()) { ["Verity:Download:MaxRows"] = MaxRows.ToString(CultureInfo.InvariantCulture) };
}

/// <summary>The list's Download menu in Chromium: the filtered view as CSV or JSON, its progress, its parts, its errors.</summary>
public sealed class AdminCenterDownloadTests(SmallDownloadHost host, Chromium chromium) : IClassFixture<SmallDownloadHost>, IClassFixture<Chromium>
{
    private const int Synthetic = 1_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestTenant Tenant, HttpClient Admin)> TenantWithHistoryAsync()
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "dana", displayName: "Dana, \"Quoted\"\nTwo lines");
        await host.Services.GetRequiredService<ILogStore>().BulkAppendAsync(SyntheticAudits.Generate(tenant.Id, Synthetic), 500, Ct);
        return (tenant, admin);
    }

    private static async Task<long> CountAsync(HttpClient admin, string filter) =>
        long.Parse(await admin.GetStringAsync($"/v1.0/auditLogs/directoryAudits/$count?$filter={Uri.EscapeDataString(filter)}", Ct), CultureInfo.InvariantCulture);

    /// <summary>Clicks the button and returns the file the browser saved: its suggested name and bytes.</summary>
    private static async Task<(string Name, byte[] Bytes)> SaveAsync(IPage page, string button)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(button).ClickAsync());
        await using var stream = await download.CreateReadStreamAsync();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return (download.SuggestedFilename, copy.ToArray());
    }

    /// <summary>Records every text the status line shows while a download runs, with the progress bar's state then.</summary>
    private static Task WatchProgressAsync(IPage page) => page.EvaluateAsync("""
        () => {
          window.progressSeen = [];
          const status = document.getElementById('download-status');
          const progress = document.getElementById('download-progress');
          new MutationObserver(() => window.progressSeen.push({ text: status.textContent, visible: !progress.hidden,
            busy: document.getElementById('download-menu').getAttribute('aria-busy') === 'true', value: progress.value, max: progress.max }))
            .observe(status, { childList: true, characterData: true, subtree: true });
        }
        """);

    [Fact]
    public async Task Csv_download_of_the_filtered_view_has_the_Entra_header_shows_progress_and_its_parts_add_up_to_the_count()
    {
        var (tenant, admin) = await TenantWithHistoryAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.GotoAsync("/admin/?range=all&status=success");
        await WaitForRowsAsync(page);
        var filter = FilterOf(await page.Locator("#graph-url").TextContentAsync() ?? "");
        Assert.Equal("result eq 'success'", filter);
        var count = await CountAsync(admin, filter);
        Assert.True(count > 2 * SmallDownloadHost.MaxRows, $"{count} rows should need three files");
        var expected = (await AllFromApiAsync(admin, filter)).Select(e => (string)e["correlationId"]!).ToList();

        await page.Locator("#download-button").ClickAsync();
        var stamp = DateTimeOffset.Parse(await page.EvaluateAsync<string>("() => new Date().toISOString()"), CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Expect(page.Locator("#download-name")).ToHaveValueAsync($"AuditLogs_{stamp}.csv");
        await WatchProgressAsync(page);
        var (name, first) = await SaveAsync(page, "#download-start");

        Assert.Equal($"AuditLogs_{stamp}.csv", name);
        Assert.Equal([0xEF, 0xBB, 0xBF], first[..3]);
        var rows = ParseCsv(first[3..]);
        Assert.Equal(87, rows[0].Length);
        Assert.Equal(["Date (UTC)", "CorrelationId"], rows[0][..2]);
        Assert.Equal(SmallDownloadHost.MaxRows, rows.Count - 1);
        await Expect(page.Locator("#download-status")).ToContainTextAsync($"Saved {name}: 400 rows");
        await Expect(page.Locator("#download-progress")).ToHaveJSPropertyAsync("value", SmallDownloadHost.MaxRows);
        var seen = await page.EvaluateAsync<string>("() => JSON.stringify(window.progressSeen)");
        Assert.True(await page.EvaluateAsync<bool>("() => window.progressSeen.some(s => s.visible && s.busy && s.max === 400 && / of 400 rows \\(/.test(s.text))"),
            $"No progress was shown while the download ran: {seen}");

        // The rest comes in further parts, each where the last stopped, as the API's Link header says.
        var all = rows.Skip(1).Select(r => r[1]).ToList();
        var part = 2;
        while (await page.Locator("#download-next").IsVisibleAsync())
        {
            var (partName, bytes) = await SaveAsync(page, "#download-next");
            Assert.Equal($"AuditLogs_{stamp}_part{part}.csv", partName);
            var partRows = ParseCsv(bytes[3..]);
            Assert.Equal(rows[0], partRows[0]);
            all.AddRange(partRows.Skip(1).Select(r => r[1]));
            part++;
        }
        Assert.Equal(4, part);
        Assert.Equal(count, all.Count);
        Assert.Equal(expected, all);
    }

    [Fact]
    public async Task Json_download_holds_the_first_file_of_the_list_in_its_order_and_cancel_stops_a_running_download()
    {
        var (tenant, admin) = await TenantWithHistoryAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.GotoAsync("/admin/?range=all&sort=asc");
        await WaitForRowsAsync(page);
        var (url, _) = await ApiResultAsync(page, admin);
        Assert.Contains("$orderby=activityDateTime%20asc", url, StringComparison.Ordinal);
        var count = long.Parse(await admin.GetStringAsync("/v1.0/auditLogs/directoryAudits/$count", Ct), CultureInfo.InvariantCulture);
        var oldest = (await tenant.AuditAsync()).Take(SmallDownloadHost.MaxRows).Select(e => (string)e["id"]!);

        await page.Locator("#download-button").ClickAsync();
        await page.Locator("#download-json").CheckAsync();
        Assert.EndsWith(".json", await page.Locator("#download-name").InputValueAsync(), StringComparison.Ordinal);
        await page.Locator("#download-name").FillAsync("oldest.json");
        var (name, bytes) = await SaveAsync(page, "#download-start");

        Assert.Equal("oldest.json", name);
        var entries = JsonNode.Parse(bytes)!.AsArray();
        Assert.Equal(oldest, entries.Select(e => (string)e!["id"]!));
        await Expect(page.Locator("#download-status")).ToContainTextAsync($"Saved oldest.json: {SmallDownloadHost.MaxRows} rows");
        await Expect(page.Locator("#download-status")).ToHaveAttributeAsync("data-rows", SmallDownloadHost.MaxRows.ToString(CultureInfo.InvariantCulture));
        Assert.True(count > SmallDownloadHost.MaxRows);
        await Expect(page.Locator("#download-next")).ToBeVisibleAsync();

        // A download the server has not answered yet: Cancel aborts it and nothing is saved.
        await page.RouteAsync("**/directoryAudits/download?**", _ => Task.CompletedTask);
        await page.Locator("#download-start").ClickAsync();
        await Expect(page.Locator("#download-cancel")).ToBeVisibleAsync();
        await Expect(page.Locator("#download-progress")).ToBeVisibleAsync();
        await page.Locator("#download-cancel").ClickAsync();
        await Expect(page.Locator("#download-status")).ToHaveTextAsync("Download cancelled.");
        await Expect(page.Locator("#download-cancel")).ToBeHiddenAsync();
        await Expect(page.Locator("#download-start")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_download_the_api_refuses_shows_the_apis_message()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await using var context = await chromium.NewContextAsync(host);
        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        await page.GotoAsync("/admin/?range=all&filter=" + Uri.EscapeDataString("nonsense eq 1"));
        await WaitForRowsAsync(page);
        var error = await ExpectErrorAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits/download?format=csv&$filter=" + Uri.EscapeDataString("nonsense eq 1"), Ct),
            HttpStatusCode.BadRequest);

        await page.Locator("#download-button").ClickAsync();
        await page.Locator("#download-start").ClickAsync();

        await Expect(page.Locator("#download-error")).ToHaveTextAsync((string)error["message"]!);
        await Expect(page.Locator("#download-progress")).ToBeHiddenAsync();
    }
}
