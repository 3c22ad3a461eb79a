using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Verity.Server.Auth;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Auth;

/// <summary>
/// Entra's smart lockout with its defaults (10 failed passwords, 60 seconds, each lock twice the one before up to 30
/// minutes), over real token requests and the admin center's sign-in form, on the server's fake clock. Run on both
/// engines, since the state lives in the store.
/// </summary>
public abstract partial class SmartLockoutTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost, IClockHost
{
    private const string AdminCenterClientId = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
    private const string Wrong = "AADSTS50126";
    private const string Locked = "AADSTS50053";
    private const string Ok = "ok";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private void Advance(double seconds) => host.Clock.Advance(TimeSpan.FromSeconds(seconds));

    /// <summary>The password grant's outcome: "ok", or the AADSTS code its error description starts with.</summary>
    private static async Task<string> PasswordGrantAsync(TestTenant tenant, string username, string password)
    {
        var response = await tenant.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = username, ["password"] = password,
            ["scope"] = "https://graph.microsoft.com/.default",
        });
        if (response.IsSuccessStatusCode)
        {
            return Ok;
        }
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("invalid_grant", (string?)body["error"]);
        return ((string)body["error_description"]!).Split(':')[0];
    }

    private static async Task<List<string>> FailAsync(TestTenant tenant, string username, int times, string prefix = "wrong")
    {
        var codes = new List<string>();
        for (var i = 0; i < times; i++)
        {
            codes.Add(await PasswordGrantAsync(tenant, username, $"{prefix}-{i}"));
        }
        return codes;
    }

    [Fact]
    public async Task Ten_failed_passwords_lock_the_name_and_even_the_right_one_gets_50053_until_the_lock_lifts_by_itself()
    {
        var tenant = await host.NewTenantAsync();
        var upper = tenant.AdminUpn.ToUpperInvariant();

        // Any spelling of the name the user lookup accepts counts toward the same lock.
        var failures = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            failures.Add(await PasswordGrantAsync(tenant, i % 2 == 0 ? tenant.AdminUpn : upper, $"wrong-{i}"));
        }
        var rightWhileLocked = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);
        Advance(59);
        var rightAt59Seconds = await PasswordGrantAsync(tenant, upper, tenant.AdminPassword);
        Advance(1);
        var rightAt60Seconds = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);

        Assert.Equal(Enumerable.Repeat(Wrong, 10), failures);
        Assert.Equal([Locked, Locked, Ok], [rightWhileLocked, rightAt59Seconds, rightAt60Seconds]);
    }

    [Fact]
    public async Task Each_further_lock_lasts_twice_as_long_as_the_one_before_up_to_thirty_minutes()
    {
        var tenant = await host.NewTenantAsync();
        var expected = new List<string>();
        var seen = new List<string>();

        Assert.Equal(Enumerable.Repeat(Wrong, 10), await FailAsync(tenant, tenant.AdminUpn, 10));
        foreach (var (lockout, seconds) in new[] { (1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1800), (7, 1800) })
        {
            if (lockout > 1)
            {
                // The lock has lifted: one more new wrong password is evaluated (50126) and locks the name again.
                expected.Add($"lock {lockout} starts: {Wrong}");
                seen.Add($"lock {lockout} starts: {await PasswordGrantAsync(tenant, tenant.AdminUpn, $"again-{lockout}")}");
            }
            Advance(seconds - 1);
            expected.Add($"lock {lockout} after {seconds - 1} s: {Locked}");
            seen.Add($"lock {lockout} after {seconds - 1} s: {await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword)}");
            Advance(1);
        }
        var afterwards = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);

        Assert.Equal(expected, seen);
        Assert.Equal(Ok, afterwards);
    }

    [Fact]
    public async Task Repeating_the_same_wrong_passwords_does_not_lock_the_name()
    {
        var tenant = await host.NewTenantAsync();

        var same = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            same.Add(await PasswordGrantAsync(tenant, tenant.AdminUpn, "Summer2026!"));
        }
        // Three bad passwords in turn are all among the last three: only their first tries count.
        var rotating = new List<string>();
        for (var i = 0; i < 15; i++)
        {
            rotating.Add(await PasswordGrantAsync(tenant, tenant.AdminUpn, $"Winter202{i % 3}!"));
        }
        var right = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);

        Assert.Equal(Enumerable.Repeat(Wrong, 25), same);
        Assert.Equal(Enumerable.Repeat(Wrong, 15), rotating);
        Assert.Equal(Ok, right);
    }

    [Fact]
    public async Task An_unknown_name_goes_through_the_same_answers_as_a_real_one()
    {
        var tenant = await host.NewTenantAsync();

        async Task<List<string>> ScriptAsync(string username)
        {
            var codes = await FailAsync(tenant, username, 10);
            codes.Add(await PasswordGrantAsync(tenant, username, tenant.AdminPassword));
            Advance(60);
            codes.Add(await PasswordGrantAsync(tenant, username, "one-more-wrong"));
            codes.Add(await PasswordGrantAsync(tenant, username, tenant.AdminPassword));
            Advance(119);
            codes.Add(await PasswordGrantAsync(tenant, username, tenant.AdminPassword));
            return codes;
        }
        var real = await ScriptAsync(tenant.AdminUpn);
        var unknown = await ScriptAsync($"nobody@{tenant.Domain}");

        Assert.Equal([.. Enumerable.Repeat(Wrong, 10), Locked, Wrong, Locked, Locked], real);
        Assert.Equal(real, unknown);
    }

    [Fact]
    public async Task A_successful_sign_in_forgets_the_failures_before_it()
    {
        var tenant = await host.NewTenantAsync();

        var first = await FailAsync(tenant, tenant.AdminUpn, 9, "first");
        var success = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);
        var second = await FailAsync(tenant, tenant.AdminUpn, 9, "second");
        var stillOpen = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);
        var third = await FailAsync(tenant, tenant.AdminUpn, 10, "third");
        var locked = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);

        Assert.Equal([.. first, .. second, .. third], Enumerable.Repeat(Wrong, 28));
        Assert.Equal([Ok, Ok, Locked], [success, stillOpen, locked]);
    }

    [Fact]
    public async Task A_lock_in_one_tenant_leaves_the_same_name_in_another_tenant_alone()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();

        await FailAsync(tenant, tenant.AdminUpn, 10);
        var lockedHere = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);
        var sameNameThere = await PasswordGrantAsync(other, tenant.AdminUpn, tenant.AdminPassword);
        var theirAdmin = await PasswordGrantAsync(other, other.AdminUpn, other.AdminPassword);
        var failuresThere = await FailAsync(other, other.AdminUpn, 9);
        var stillOpenThere = await PasswordGrantAsync(other, other.AdminUpn, other.AdminPassword);

        Assert.Equal([Locked, Wrong, Ok, Ok], [lockedHere, sameNameThere, theirAdmin, stillOpenThere]);
        Assert.Equal(Enumerable.Repeat(Wrong, 9), failuresThere);
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]*)">""")]
    private static partial Regex HiddenField();

    [GeneratedRegex("""id="signin-error">(AADSTS\d+):""")]
    private static partial Regex SignInError();

    /// <summary>
    /// The admin center's sign-in form, as a browser posts it (anti-forgery token and cookie included): each call posts
    /// a user name and password and returns "ok" (redirected back with a code) or the AADSTS code the form shows.
    /// </summary>
    private async Task<Func<string, string, Task<string>>> SignInFormAsync(TestTenant tenant, HttpClient browser)
    {
        var callback = $"{host.BaseAddress}admin/signin-oidc";
        var authorize = $"/{tenant.Domain}/oauth2/v2.0/authorize";
        var form = await browser.GetStringAsync($"{authorize}?client_id={AdminCenterClientId}&redirect_uri={Uri.EscapeDataString(callback)}"
            + "&response_type=code&scope=openid&state=s1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", Ct);
        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        return async (username, password) =>
        {
            var response = await browser.PostAsync(authorize, new FormUrlEncodedContent(new Dictionary<string, string>(fields)
            {
                ["username"] = username, ["password"] = password,
            }), Ct);
            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                Assert.StartsWith(callback, response.Headers.Location!.ToString(), StringComparison.Ordinal);
                return Ok;
            }
            var html = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return SignInError().Match(html) is { Success: true } error ? error.Groups[1].Value : html;
        };
    }

    [Fact]
    public async Task The_admin_center_sign_in_form_counts_and_refuses_with_the_token_endpoint()
    {
        var tenant = await host.NewTenantAsync();
        var handler = host.NewHandler();
        handler.AllowAutoRedirect = false;
        using var browser = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        var signIn = await SignInFormAsync(tenant, browser);

        var fromForm = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            fromForm.Add(await signIn(tenant.AdminUpn, $"form-{i}"));
        }
        var fromTokenEndpoint = await FailAsync(tenant, tenant.AdminUpn, 5);
        var formWhileLocked = await signIn(tenant.AdminUpn, tenant.AdminPassword);
        var grantWhileLocked = await PasswordGrantAsync(tenant, tenant.AdminUpn, tenant.AdminPassword);
        var unknownFromForm = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            unknownFromForm.Add(await signIn($"nobody@{tenant.Domain}", $"form-{i}"));
        }
        Advance(60);
        var formAfterwards = await signIn(tenant.AdminUpn, tenant.AdminPassword);

        Assert.Equal([.. Enumerable.Repeat(Wrong, 10)], [.. fromForm, .. fromTokenEndpoint]);
        Assert.Equal([Locked, Locked], [formWhileLocked, grantWhileLocked]);
        Assert.Equal([.. Enumerable.Repeat(Wrong, 10), Locked], unknownFromForm);
        Assert.Equal(Ok, formAfterwards);
    }
}

public sealed class SqliteSmartLockoutTests(SqliteClockHost host) : SmartLockoutTests<SqliteClockHost>(host);

public sealed class PostgresSmartLockoutTests(PostgresClockHost host) : SmartLockoutTests<PostgresClockHost>(host);

public sealed class SmartLockoutOptionsTests
{
    [Theory]
    [InlineData("Threshold", "0", "Verity:Lockout:Threshold must be between 1 and 1,000")]
    [InlineData("Duration", "60", "Verity:Lockout:Duration must be between 00:00:01 and 1.00:00:00")]
    [InlineData("MaxDuration", "00:00:30", "Verity:Lockout:MaxDuration must be at least Verity:Lockout:Duration")]
    public void Bad_lockout_settings_are_refused_saying_what_is_accepted(string setting, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Verity:Lockout:{setting}"] = value }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        SmartLockout.Add(services);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LockoutOptions>>().Value);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_Entras_threshold_and_duration_with_a_thirty_minute_cap()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        SmartLockout.Add(services);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LockoutOptions>>().Value;

        Assert.Equal((10, TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(30)), (options.Threshold, options.Duration, options.MaxDuration));
    }
}
