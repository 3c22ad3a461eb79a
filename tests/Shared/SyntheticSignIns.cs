using Verity.Core.Model;
using Verity.Core.Storage;

namespace Verity.Tests;

/// <summary>
/// A deterministic stream of realistic sign-ins for one tenant, for the log engine's conformance suite, query-plan
/// tests and benchmarks. Skewed as a real tenant's sign-in log is: most entries are non-interactive refreshes and
/// service principals, a few percent fail (mostly wrong passwords), 20,000 users, 60 applications, entries one second
/// apart, oldest first.
/// </summary>
public static class SyntheticSignIns
{
    public static readonly DateTimeOffset Start = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    ];

    private static readonly int[] Failures =
    [
        SignInErrorCodes.InvalidUserNameOrPassword, SignInErrorCodes.InvalidUserNameOrPassword, SignInErrorCodes.InvalidUserNameOrPassword,
        SignInErrorCodes.IdsLocked, SignInErrorCodes.UserDisabled, SignInErrorCodes.UserAccountNotFound, SignInErrorCodes.InvalidClientSecret,
        SignInErrorCodes.ApplicationNotFound,
    ];

    public static string UserPrincipalName(int n) => $"user{n:D5}@contoso.test";

    public static string AppName(int n) => $"Line-of-business app {n:D2}";

    public static string AppId(int n) => $"00000000-0000-4000-d000-{n:D12}";

    /// <summary>Sign-ins <paramref name="first"/> … first + count - 1 of the stream.</summary>
    public static IEnumerable<SignIn> Generate(long count, int seed = 11, long first = 0)
    {
        var random = new Random(seed + (int)first);
        for (var i = first; i < first + count; i++)
        {
            var roll = random.Next(100);
            var kind = roll < 55 ? SignInEventType.NonInteractiveUser : roll < 85 ? SignInEventType.InteractiveUser : SignInEventType.ServicePrincipal;
            var failed = random.Next(100) < 4;
            var code = !failed ? SignInErrorCodes.Success
                : kind == SignInEventType.ServicePrincipal ? SignInErrorCodes.InvalidClientSecret
                : Failures[random.Next(Failures.Length)];
            var user = random.Next(20_000);
            var app = random.Next(60);
            var agent = Agents[random.Next(Agents.Length)];
            var isUser = kind != SignInEventType.ServicePrincipal;
            var at = Start.AddSeconds(i);
            var ms = at.ToUnixTimeMilliseconds();
            yield return new SignIn
            {
                // A version 7 GUID: its time-ordered start is the indexed key.
                Id = new Guid((int)(ms >> 16), (short)ms, (short)(0x7000 | (i & 0x0FFF)), 0x80, (byte)seed, 0, (byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i, 0).ToString(),
                CreatedDateTime = at,
                UserId = isUser && code != SignInErrorCodes.UserAccountNotFound ? $"00000000-0000-4000-e000-{user:D12}" : "",
                UserDisplayName = isUser && code != SignInErrorCodes.UserAccountNotFound ? $"User {user:D5}" : null,
                UserPrincipalName = isUser ? UserPrincipalName(user) : null,
                AppId = AppId(app),
                AppDisplayName = AppName(app),
                IpAddress = $"198.51.{user % 200}.{user % 250}",
                ClientAppUsed = isUser ? (random.Next(3) == 0 ? SignInClientApps.Browser : SignInClientApps.MobileAppsAndDesktopClients) : null,
                UserAgent = isUser ? agent : "Microsoft.Identity.Client/4.92.0",
                CorrelationId = new Guid((int)i, (short)seed, 1, 0, 0, 0, 0, 0, 0, 0, 0).ToString(),
                IsInteractive = kind == SignInEventType.InteractiveUser,
                SignInEventTypes = [kind],
                ResourceDisplayName = "Microsoft Graph",
                ResourceId = "00000003-0000-0000-c000-000000000000",
                ServicePrincipalId = isUser ? null : $"00000000-0000-4000-f000-{app:D12}",
                ServicePrincipalName = isUser ? null : AppName(app),
                Status = SignInErrorCodes.Status(code),
                DeviceDetail = new DeviceDetail
                {
                    Browser = isUser ? agent.Contains("Firefox", StringComparison.Ordinal) ? "Firefox 133.0" : agent.Contains("Chrome", StringComparison.Ordinal) ? "Chrome 131.0.0" : "Safari 17.4" : null,
                    OperatingSystem = isUser ? agent.Contains("Windows", StringComparison.Ordinal) ? "Windows 10" : agent.Contains("iPhone", StringComparison.Ordinal) ? "Ios" : agent.Contains("Mac", StringComparison.Ordinal) ? "MacOs" : "Linux" : null,
                },
            };
        }
    }

    public static IEnumerable<LogEntry> Entries(Guid tenantId, long count, int seed = 11, long first = 0) =>
        Generate(count, seed, first).Select(s => SignInsLog.Entry(tenantId, s));
}
