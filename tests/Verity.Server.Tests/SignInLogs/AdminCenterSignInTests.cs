using System.Net;
using System.Text.RegularExpressions;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.SignInLogs;

/// <summary>
/// An admin-center sign-in, driven as a browser does it over HTTP: a refused password on the form and the successful
/// sign-in are one signIn each, with the browser's address and User-Agent (not the server's back channel that redeems the code).
/// </summary>
public sealed partial class AdminCenterSignInTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    private static FormUrlEncodedContent Form(string page, string username, string password)
    {
        var fields = HiddenField().Matches(page).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["username"] = username;
        fields["password"] = password;
        return new FormUrlEncodedContent(fields);
    }

    [Fact]
    public async Task A_refused_and_a_successful_admin_center_sign_in_are_one_browser_sign_in_each()
    {
        var tenant = await host.NewTenantAsync();
        var handler = host.NewHandler();
        handler.AllowAutoRedirect = false;
        using var browser = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        browser.DefaultRequestHeaders.UserAgent.ParseAdd(Chrome);

        var start = await browser.GetAsync($"/admin/signin?tenant={tenant.Domain}", Ct);
        var authorize = start.Headers.Location!;
        var form = await (await browser.GetAsync(authorize, Ct)).Content.ReadAsStringAsync(Ct);
        var refused = await browser.PostAsync(authorize, Form(form, tenant.AdminUpn, "not-the-password"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var signedIn = await browser.PostAsync(authorize, Form(await refused.Content.ReadAsStringAsync(Ct), tenant.AdminUpn, tenant.AdminPassword), Ct);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var callback = await browser.GetAsync(signedIn.Headers.Location, Ct);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        var page = await ExpectAsync(await browser.GetAsync("/v1.0/auditLogs/signIns", Ct), HttpStatusCode.OK);

        var entries = page["value"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Equal(2, entries.Count);
        var (success, failure) = (entries[0], entries[1]);
        Assert.Equal(0, (int)success["status"]!["errorCode"]!);
        Assert.Equal(50126, (int)failure["status"]!["errorCode"]!);
        Assert.All(entries, e =>
        {
            Assert.Equal("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", (string?)e["appId"]);
            Assert.Equal("Browser", (string?)e["clientAppUsed"]);
            Assert.Equal(Chrome, (string?)e["userAgent"]);
            Assert.StartsWith("Chrome 131", (string?)e["deviceDetail"]!["browser"], StringComparison.Ordinal);
            Assert.Equal("127.0.0.1", (string?)e["ipAddress"]);
            Assert.Equal(tenant.AdminId, (string?)e["userId"]);
            Assert.True((bool)e["isInteractive"]!);
        });
    }
}
