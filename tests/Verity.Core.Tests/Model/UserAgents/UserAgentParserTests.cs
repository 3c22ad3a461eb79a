using Verity.Core.Model;
using Verity.Core.Model.UserAgents;

namespace Verity.Core.Tests.Model.UserAgents;

public sealed class UserAgentParserTests
{
    public static TheoryData<string, string, string> RealUserAgents => new()
    {
        // Graph's v1.0 List signIns example shows "Edge 80.0.361" on "Windows 10" for this browser.
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.132 Safari/537.36 Edg/80.0.361.66", "Edge 80.0.361", "Windows 10" },
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge 120.0.0", "Windows 10" },
        { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36", "Chrome 120.0.6099", "Windows 10" },
        { "Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36", "Chrome 109.0.0", "Windows 8.1" },
        { "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "IE 11.0", "Windows 7" },
        { "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121.0", "MacOs" },
        { "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari 17.2", "MacOs" },
        { "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Mobile Safari 17.2", "Ios" },
        { "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Mobile Safari 17.2", "Ios" },
        { "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome Mobile 120.0.0", "Android" },
        { "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115", "Edge Mobile 120.0.2210", "Android" },
        { "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121.0", "Linux" },
        { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120.0.0", "Linux" },
        { "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120.0.0", "Chrome OS" },
        // Client libraries: named as uap names them, with no operating system when the string names none.
        { "python-requests/2.32.3", "Python Requests 2.32", "" },
        { "curl/8.4.0", "curl 8.4.0", "" },
        { "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.2506", "WindowsPowerShell 5.1.22621", "Windows 10" },
        { "azsdk-net-Identity/1.10.4 (.NET 8.0.0; Microsoft Windows 10.0.22631)", "", "Windows 10" },
        { "kiota-dotnet/1.9.0", "", "" },
    };

    [Theory]
    [MemberData(nameof(RealUserAgents))]
    public void Real_user_agents_read_as_Entra_shows_them(string userAgent, string browser, string operatingSystem)
    {
        var info = UserAgentParser.Parse(userAgent);

        Assert.Equal(new UserAgentInfo(browser, operatingSystem), info);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_user_agent_reads_as_unknown(string? userAgent)
    {
        Assert.Equal(new UserAgentInfo("", ""), UserAgentParser.Parse(userAgent));
    }

    [Fact]
    public void The_device_detail_of_a_sign_in_carries_the_parsed_names()
    {
        var detail = DeviceDetail.FromUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0");

        Assert.Equal(new DeviceDetail { Browser = "Firefox 121.0", OperatingSystem = "MacOs" }, detail);
    }

    [Fact]
    public void Only_the_first_512_characters_are_read()
    {
        var parser = new UserAgentParser(UapParsers.LoadEmbedded(), capacity: 16);
        var padding = new string('x', UserAgentParser.MaxLength);

        var beyond = parser.Read("Mozilla/5.0 (Windows NT 10.0) " + padding + " Firefox/121.0");
        var within = parser.Read("Mozilla/5.0 (Windows NT 10.0) Firefox/121.0 " + padding);

        Assert.Equal(new UserAgentInfo("", "Windows 10"), beyond);
        Assert.Equal(new UserAgentInfo("Firefox 121.0", "Windows 10"), within);
    }

    [Fact]
    public void Repeated_user_agents_come_from_the_cache_which_stays_bounded()
    {
        var parser = new UserAgentParser(UapParsers.LoadEmbedded(), capacity: 3);

        var first = parser.Read("curl/8.4.0");
        var again = parser.Read("curl/8.4.0");
        for (var i = 0; i < 10; i++)
        {
            parser.Read($"curl/8.{i}.0");
            Assert.InRange(parser.CachedCount, 1, 3);
        }

        Assert.Same(first, again);
    }

    [Fact]
    public void A_rule_that_backtracks_past_its_timeout_gives_unknown_instead_of_hanging()
    {
        // A classic catastrophic pattern: nested quantifiers that fail only at the end of a long run of letters.
        // Had it finished, the string would read as ("", "Windows"); the timeout makes the whole string unknown.
        using var yaml = new StringReader("""
            user_agent_parsers:
              - regex: '^Windows (\w+\s?)*$'
                family_replacement: 'Slow'
            os_parsers:
              - regex: '(Windows)'
            """);
        var parser = new UserAgentParser(UapParsers.Load(yaml), capacity: 16);
        var hostile = "Windows " + new string('a', 64) + "!";
        var started = System.Diagnostics.Stopwatch.StartNew();

        var info = parser.Read(hostile);

        Assert.Equal(UserAgentInfo.Unknown, info);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void No_embedded_rule_times_out_on_hostile_512_character_strings()
    {
        // Strings that match no rule make every rule run to failure, the worst case for backtracking. Each takes a
        // few milliseconds for all 537 rules; the bound is ten times the production timeout of one rule, loose
        // enough for a busy machine and far below what a catastrophic rule would take.
        var parsers = UapParsers.LoadEmbedded(TimeSpan.FromSeconds(10));
        string[] hostile =
        [
            new string('a', UserAgentParser.MaxLength),
            new string(' ', UserAgentParser.MaxLength),
            string.Concat(Enumerable.Repeat("Mozilla/5.0 (", 40))[..UserAgentParser.MaxLength],
            string.Concat(Enumerable.Repeat("1.", 256)),
            string.Concat(Enumerable.Repeat("; Android ", 52))[..UserAgentParser.MaxLength],
            string.Concat(Enumerable.Repeat("Windows NT 10.0; ", 31))[..UserAgentParser.MaxLength],
            string.Concat(Enumerable.Repeat("/1 CFNetwork", 43))[..UserAgentParser.MaxLength],
        ];

        parsers.ParseUserAgent("warm-up");
        parsers.ParseOs("warm-up");
        foreach (var ua in hostile)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            parsers.ParseUserAgent(ua);
            parsers.ParseOs(ua);
            Assert.InRange(started.Elapsed, TimeSpan.Zero, 10 * UapParsers.DefaultMatchTimeout);
        }
    }
}
