using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>What the tests do on the admin center, through the browser like a person would.</summary>
internal static class AdminPage
{
    /// <summary>Opens the admin center (for a tenant, or the default one), signs in on Verity's sign-in form, waits for the list.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext context, string upn, string password, string? tenant = null, bool expectList = true)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(tenant is null ? "/admin/" : $"/admin/signin?tenant={Uri.EscapeDataString(tenant)}");
        await SubmitCredentialsAsync(page, upn, password);
        if (expectList)
        {
            await WaitForRowsAsync(page);
        }
        return page;
    }

    public static async Task SubmitCredentialsAsync(IPage page, string upn, string password)
    {
        await page.Locator("#username").FillAsync(upn);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("button[type=submit]").ClickAsync();
    }

    /// <summary>Waits until the page's request has finished and its rows (or its error) are on screen.</summary>
    public static async Task WaitForRowsAsync(IPage page)
    {
        await Expect(page.Locator("#entries")).ToBeVisibleAsync();
        await Expect(page.Locator("#log")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(page.Locator("#count")).Not.ToBeEmptyAsync();
    }

    public static async Task<string[]> RowIdsAsync(IPage page) =>
        await page.Locator("#entries tr.entry").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");

    public static async Task<string[]> ColumnTextsAsync(IPage page, string column) =>
        await page.Locator($"#entries tr.entry td[data-column={column}]").EvaluateAllAsync<string[]>("cells => cells.map(c => c.textContent)");

    public static async Task<string[]> HeadersAsync(IPage page) =>
        await page.Locator("#entries thead th").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.column)");

    /// <summary>The Graph request the page shows for copy, sent by the test with a bearer token: its entries.</summary>
    public static async Task<(string Url, List<JsonObject> Entries)> ApiResultAsync(IPage page, HttpClient api)
    {
        var url = await page.Locator("#graph-url").TextContentAsync() ?? "";
        var body = await TestTenant.ExpectAsync(await api.GetAsync(url, TestContext.Current.CancellationToken), HttpStatusCode.OK);
        return (url, [.. body["value"]!.AsArray().Select(v => v!.AsObject())]);
    }

    /// <summary>The label → value pairs of a list in the details pane (hidden tabs included).</summary>
    public static async Task<Dictionary<string, string>> DefinitionsAsync(IPage page, string list) =>
        await page.Locator(list).EvaluateAsync<Dictionary<string, string>>(
            "dl => Object.fromEntries([...dl.querySelectorAll('.kv')].map(kv => [kv.querySelector('dt').textContent, kv.querySelector('dd').textContent]))");

    /// <summary>The decoded $filter of the page's Graph request.</summary>
    public static string FilterOf(string url) =>
        Uri.UnescapeDataString(new Uri(url).Query.TrimStart('?').Split('&').Single(p => p.StartsWith("$filter=", StringComparison.Ordinal))["$filter=".Length..]);
}
