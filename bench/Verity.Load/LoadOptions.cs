using System.Globalization;

namespace Verity.Load;

internal sealed record LoadOptions(string[] Engines, string? Postgres, string ServerDll, int Seconds, int Concurrency, int WarmupSeconds)
{
    /// <summary>write (audited changes/s) or read (filter latency and skiptoken pull over a bulk-filled log).</summary>
    public string Mode { get; init; } = "write";

    /// <summary>Read mode: how many entries the tenant holds.</summary>
    public long Entries { get; init; } = 10_000_000;

    /// <summary>Read mode: measured first-page requests per filter family (after a tenth as many to warm up).</summary>
    public int Requests { get; init; } = 200;

    /// <summary>Read mode: how many of the newest entries the skiptoken pull reads (all by default).</summary>
    public long PullRows { get; init; } = long.MaxValue;

    /// <summary>Index-cost mode: entries per append, as group commit batches them.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>
    /// Which measurements run, in the order given. Read mode: first-pages, downloads, pull (all by default). Write mode:
    /// add-group, update-user, baselines (all, in that order, by default); "update-user" alone measures updates on a
    /// fresh database, without the log Add group leaves behind.
    /// </summary>
    public IReadOnlyList<string> Scenarios { get; init; } = ReadScenarioNames;

    private static readonly string[] ReadScenarioNames = ["first-pages", "downloads", "pull"];
    private static readonly string[] WriteScenarioNames = ["add-group", "update-user", "token-client-credentials", "token-password", "signin-visibility", "baselines"];

    /// <summary>
    /// Write mode: when set, each scenario's measured window offers this many requests per second (an open loop over
    /// --concurrency connections) instead of keeping --concurrency requests in flight.
    /// </summary>
    public double? Rate { get; init; }

    /// <summary>Write mode with --rate: connections the open loop uses (the warm-up keeps --concurrency).</summary>
    public int? Connections { get; init; }

    /// <summary>A directory whose databases are kept and reused by later runs (read mode fills them once).</summary>
    public string? Keep { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var engine = Get("--engine", "sqlite");
        var engines = engine == "both" ? new[] { "sqlite", "postgres" } : [engine];
        var postgres = Get("--postgres", Environment.GetEnvironmentVariable("VERITY_TEST_POSTGRES") ?? "");
        if (engines.Contains("postgres") && postgres.Length == 0)
        {
            throw new ArgumentException("--postgres <connection string of a server where databases may be created> is required for the postgres engine.");
        }
        var mode = Get("--mode", "write");
        if (mode is not ("write" or "read" or "index-cost"))
        {
            throw new ArgumentException("--mode is write, read or index-cost.");
        }
        var known = mode == "read" ? ReadScenarioNames : WriteScenarioNames;
        var scenarios = Get("--scenarios", string.Join(',', known)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
        if (scenarios.Length == 0 || scenarios.Except(known).Any())
        {
            throw new ArgumentException($"--scenarios in {mode} mode is a comma-separated list of {string.Join(", ", known)}.");
        }
        double? rate = null;
        if (Get("--rate", "") is { Length: > 0 } text)
        {
            rate = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
        }
        if (rate is <= 0 or double.NaN or double.PositiveInfinity)
        {
            throw new ArgumentException("--rate is the requests per second to offer, a positive number.");
        }
        return new LoadOptions(engines, postgres, Path.GetFullPath(Get("--server", FindServer())),
            int.Parse(Get("--seconds", "10"), CultureInfo.InvariantCulture), int.Parse(Get("--concurrency", "64"), CultureInfo.InvariantCulture),
            int.Parse(Get("--warmup", "15"), CultureInfo.InvariantCulture))
        {
            Mode = mode,
            Entries = long.Parse(Get("--entries", "10000000"), CultureInfo.InvariantCulture),
            Requests = int.Parse(Get("--requests", "200"), CultureInfo.InvariantCulture),
            PullRows = long.Parse(Get("--pull-rows", long.MaxValue.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            Scenarios = scenarios,
            Batch = int.Parse(Get("--batch", "64"), CultureInfo.InvariantCulture),
            Rate = rate,
            Connections = Get("--connections", "") is { Length: > 0 } connections ? int.Parse(connections, CultureInfo.InvariantCulture) : null,
            Keep = Get("--keep", "") is { Length: > 0 } keep ? Path.GetFullPath(keep) : null,
        };
    }

    private static string FindServer()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Verity.slnx")))
        {
            dir = dir.Parent;
        }
        return dir is null ? "Verity.Server.dll" : Path.Combine(dir.FullName, "src/Verity.Server/bin/Release/net10.0/Verity.Server.dll");
    }
}
