using System.Net;
using Verity.Server.Tests.AdminCenter;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.AdminCenter.AdminPage;

namespace Verity.Server.Tests.Auth;

/// <summary>What the server logs at its default levels: no codes, tokens, secrets or passwords, and not a line per request.</summary>
public sealed class LogHygieneTests(LogCaptureHost host, Chromium chromium) : IClassFixture<LogCaptureHost>, IClassFixture<Chromium>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sign_ins_and_api_calls_log_no_code_token_secret_or_password_and_no_line_per_request()
    {
        var tenant = await host.NewTenantAsync();
        var appToken = await tenant.AppTokenAsync();
        var userToken = await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword);
        await using var context = await chromium.NewContextAsync(host);
        var callbacks = new List<string>();
        context.Request += (_, request) =>
        {
            if (request.Url.Contains("/admin/signin-oidc", StringComparison.Ordinal))
            {
                callbacks.Add(request.Url);
            }
        };
        await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain);
        var code = new Uri(callbacks.Single()).Query.Split('&').Select(p => p.TrimStart('?')).Single(p => p.StartsWith("code=", StringComparison.Ordinal))[5..];
        var before = host.Logs.Lines.Count;

        using var api = host.NewClient(appToken);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct)).StatusCode);
        }

        var text = string.Join('\n', host.Logs.Lines.Select(l => $"{l.Category} {l.Level} {l.Text}"));
        Assert.True(code.Length > 20, code);
        Assert.DoesNotContain(Uri.UnescapeDataString(code), text, StringComparison.Ordinal);
        Assert.DoesNotContain(code, text, StringComparison.Ordinal);
        foreach (var secret in new[] { appToken, userToken, tenant.ClientSecret, tenant.AdminPassword })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret.Split('.')[^1], text, StringComparison.Ordinal);
        }
        var perRequest = host.Logs.Lines.Count - before;
        Assert.True(perRequest <= 2, $"200 API requests wrote {perRequest} log lines:\n{string.Join('\n', host.Logs.Lines.Skip(before).Take(10).Select(l => l.Category + ": " + l.Text))}");
        var information = host.Logs.Lines.Count(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Information);
        Assert.True(information <= 30, $"Start-up, a sign-in and 200 requests wrote {information} lines at Information or above.");
    }
}
