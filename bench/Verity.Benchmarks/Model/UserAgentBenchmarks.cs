using BenchmarkDotNet.Attributes;
using Verity.Core.Model;
using Verity.Core.Model.UserAgents;

namespace Verity.Benchmarks.Model;

/// <summary>
/// What a sign-in pays to name its browser and operating system: a User-Agent seen before is a dictionary hit
/// (the baseline); one never seen runs uap-core's rules until the first match, with every regex already built.
/// </summary>
[MemoryDiagnoser]
public class UserAgentBenchmarks
{
    private static readonly Dictionary<string, string> Clients = new()
    {
        ["edge-windows"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
        ["safari-iphone"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        ["python-requests"] = "python-requests/2.32.3",
        // Matches no rule, so every rule runs: the worst case for a string never seen.
        ["unknown"] = "kiota-dotnet/1.9.0",
    };

    [Params("edge-windows", "safari-iphone", "python-requests", "unknown")]
    public string Client { get; set; } = "";

    private UserAgentParser _parser = null!;
    private string _userAgent = "";

    [GlobalSetup]
    public void Setup()
    {
        _parser = new UserAgentParser(UapParsers.LoadEmbedded(), 4096);
        _userAgent = Clients[Client];
        _parser.Read("warm-up: builds every regex");
        _parser.Read(_userAgent);
    }

    [Benchmark(Baseline = true)]
    public UserAgentInfo Cached() => _parser.Read(_userAgent);

    [Benchmark]
    public UserAgentInfo FirstSight() => _parser.ReadUncached(_userAgent);
}

/// <summary>
/// The one-time costs: reading regexes.yaml's two parser lists, and the first User-Agent after it, which also builds
/// the regexes it tries (Edge on Windows stops at rule 189 of 347 and OS rule 43 of 190).
/// </summary>
[MemoryDiagnoser]
public class UserAgentStartupBenchmarks
{
    private const string Edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0";

    [Benchmark(Baseline = true)]
    public object LoadRules() => UapParsers.LoadEmbedded();

    [Benchmark]
    public UserAgentInfo LoadRulesAndReadFirst() => new UserAgentParser(UapParsers.LoadEmbedded(), 16).ReadUncached(Edge);
}

/// <summary>The sign-in's own bytes: written once per token request.</summary>
[MemoryDiagnoser]
public class SignInJsonBenchmarks
{
    private readonly SignIn _signIn = new()
    {
        Id = "66ea54eb-6301-4ee5-be62-ff5a759b0100",
        CreatedDateTime = new DateTimeOffset(2025, 3, 13, 19, 15, 41, TimeSpan.Zero),
        UserDisplayName = "Test User",
        UserPrincipalName = "test@contoso.example",
        UserId = "26be570a-ae82-4189-b4e2-a37c6808512d",
        AppId = "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        AppDisplayName = "Graph Explorer",
        IpAddress = "203.0.113.37",
        ClientAppUsed = SignInClientApps.Browser,
        UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
        CorrelationId = "d79f5bee-5860-4832-928f-3133e22ae912",
        IsInteractive = true,
        SignInEventTypes = [SignInEventType.InteractiveUser],
        ResourceDisplayName = "Microsoft Graph",
        ResourceId = "00000003-0000-0000-c000-000000000000",
        ResourceTenantId = "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55",
        HomeTenantId = "0b4e4c6a-5f33-4a7e-9d1c-3f0e2a7c1d55",
        Status = SignInStatus.Success,
        DeviceDetail = new DeviceDetail { Browser = "Edge 120.0.0", OperatingSystem = "Windows 10" },
    };

    [Benchmark]
    public byte[] ToUtf8() => SignInJson.ToUtf8(_signIn);
}
