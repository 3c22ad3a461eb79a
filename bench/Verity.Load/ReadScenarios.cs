using System.Diagnostics;
using System.Globalization;
using System.Text;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Tests;

namespace Verity.Load;

/// <summary>
/// The query side at scale: a tenant filled through the store's own bulk append, then first-page latency over HTTP
/// for each filter family and a full skiptoken pull, each beside the same query run straight on the store (the SQL
/// Verity generates, through the driver, no HTTP, no JSON handling) in the same run.
/// </summary>
internal static class ReadScenarios
{
    /// <summary>A filter of each family, with values the synthetic log holds (see SyntheticAudits).</summary>
    private static readonly (string Family, string? Filter)[] Families =
    [
        ("no filter", null),
        ("activity eq (rare)", "activityDisplayName eq 'Add member to role'"),
        ("activity eq (common)", "activityDisplayName eq 'Update user'"),
        ("activity startswith", "startswith(activityDisplayName, 'Add member')"),
        ("activity contains", "contains(activityDisplayName, 'password')"),
        ("category eq", "category eq 'ApplicationManagement'"),
        ("result eq failure", "result eq 'failure'"),
        ("correlationId eq", $"correlationId eq '{new Guid(1_234_567, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8)}'"),
        ("id eq", $"id eq 'Directory_{new Guid(1_234_567, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8)}_SYNTH_{SyntheticAudits.Start.ToUnixTimeMilliseconds() * 1000 + 3_703_701}'"),
        ("activityDateTime 1 h window", "activityDateTime ge 2026-02-10T10:00:00Z and activityDateTime lt 2026-02-10T11:00:00Z"),
        ("initiator upn eq", "initiatedBy/user/userPrincipalName eq 'admin042@contoso.test'"),
        ("initiator upn startswith", "startswith(initiatedBy/user/userPrincipalName, 'admin04')"),
        ("initiator app eq", "initiatedBy/app/displayName eq 'Automation 07'"),
        ("target id", "targetResources/any(t: t/id eq '10000000-0000-4000-8000-000000012345')"),
        ("target name startswith", "targetResources/any(t: startswith(t/displayName, 'Group 012'))"),
        ("target type (rare)", "targetResources/any(t: t/type eq 'Role')"),
        ("target upn contains", "targetResources/any(t: contains(t/userPrincipalName, 'r012345@'))"),
        ("modified property", "targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'KeyDescription'))"),
        ("and: category, result, time", "category eq 'UserManagement' and result eq 'failure' and activityDateTime ge 2026-03-01"),
        ("or: activity or initiator", "activityDisplayName eq 'Add member to role' or initiatedBy/user/id eq '00000000-0000-4000-c000-000000000042'"),
    ];

    public static async Task<long> FillAsync(ILogStore log, Guid tenant, long first, long entries, string engine)
    {
        var clock = Stopwatch.StartNew();
        // SQLite rewrites every page a transaction dirties into its log once per transaction; with random keys in the
        // target indexes, ten times the rows per transaction costs far fewer page writes per row.
        var batch = engine == "sqlite" ? 100_000 : 10_000;
        var count = await log.BulkAppendAsync(Progress(SyntheticAudits.Generate(tenant, entries, first: first), engine), batch, CancellationToken.None);
        var line = string.Create(CultureInfo.InvariantCulture, $"[{engine}] bulk append: {count:N0} entries in {clock.Elapsed.TotalSeconds:N0} s ({count / clock.Elapsed.TotalSeconds:N0} entries/s, generation included)");
        Console.WriteLine(line);
        return count;
    }

    private static IEnumerable<LogEntry> Progress(IEnumerable<LogEntry> entries, string engine)
    {
        long n = 0;
        var clock = Stopwatch.StartNew();
        foreach (var entry in entries)
        {
            if (++n % 1_000_000 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{engine}]   {n:N0} entries after {clock.Elapsed.TotalSeconds:N0} s"));
            }
            yield return entry;
        }
    }

    /// <summary>One row per family: HTTP first page (the default $top of 100) and the same page straight from the store.</summary>
    public static async Task<List<string>> FirstPagesAsync(ApiClient api, ILogStore log, Guid tenant, string engine, int requests)
    {
        var rows = new List<string>();
        foreach (var (family, filter) in Families)
        {
            var path = filter is null ? "/v1.0/auditLogs/directoryAudits" : $"/v1.0/auditLogs/directoryAudits?$filter={Uri.EscapeDataString(filter)}";
            var query = new LogQuery { TenantId = tenant, Top = 100, Filter = filter is null ? null : FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };
            var found = 0;
            var http = await TimeAsync(requests, async () =>
            {
                using var response = await api.Http.GetAsync(path);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
                }
                found = Count(body, "\"activityDateTime\":"u8);
            });
            var sql = await TimeAsync(requests, async () => await log.QueryAsync(query, CancellationToken.None));
            var row = string.Create(CultureInfo.InvariantCulture,
                $"| {engine} | {family} | {found} | {P(http, 0.5)} / {P(http, 0.95)} / {P(http, 0.99)} ({http.Count}) | {P(sql, 0.5)} / {P(sql, 0.95)} / {P(sql, 0.99)} ({sql.Count}) |");
            Console.WriteLine(row);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// The newest <paramref name="limit"/> entries, 1,000 per page: over HTTP following @odata.nextLink, then straight
    /// from the store. The store reads them once first (reported, not compared), so both timed pulls find the same
    /// pages in the OS cache: the databases are larger than the box's memory.
    /// </summary>
    public static async Task<List<string>> PullAsync(ApiClient api, ILogStore log, Guid tenant, string engine, long limit)
    {
        var (coldRows, cold) = await ReadFromStoreAsync(log, tenant, limit);
        var clock = Stopwatch.StartNew();
        long rows = 0;
        string? next = "/v1.0/auditLogs/directoryAudits?$top=1000";
        while (next is not null && rows < limit)
        {
            var body = await api.Http.GetByteArrayAsync(next);
            rows += Count(body, "\"activityDateTime\":"u8);
            next = NextLink(body);
        }
        var http = clock.Elapsed;
        var (direct, sql) = await ReadFromStoreAsync(log, tenant, limit);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {rows:N0} | {http.TotalSeconds:N1} s | {rows / http.TotalSeconds:N0} | {direct:N0} | {sql.TotalSeconds:N1} s | {direct / sql.TotalSeconds:N0} | {coldRows / cold.TotalSeconds:N0} |");
        Console.WriteLine(line);
        return [line];
    }

    /// <summary>
    /// CSV and JSON downloads of 25,000 and 250,000 rows over HTTP, sampling the server's resident memory every 20 ms
    /// (flat memory means the peak does not grow with the row count), beside reading the same rows from the store.
    /// The rows are read from the store once before anything is timed (reported as the cold read), and each format is
    /// downloaded once untimed, so no measurement pays for the disk or the JIT on another's behalf.
    /// </summary>
    public static async Task<List<string>> DownloadsAsync(ApiClient api, ILogStore log, Guid tenant, string engine, int serverPid)
    {
        var rows = new List<string>();
        void Add(string row)
        {
            Console.WriteLine(row);
            rows.Add(row);
        }
        var (coldRows, cold) = await ReadFromStoreAsync(log, tenant, 250_000);
        Add(string.Create(CultureInfo.InvariantCulture, $"| {engine} | store, first read (from disk, not timed below) | {coldRows:N0} | {cold.TotalSeconds:N2} s | | |"));
        var (direct, warm) = await ReadFromStoreAsync(log, tenant, 250_000);
        Add(string.Create(CultureInfo.InvariantCulture, $"| {engine} | store baseline (same rows, no HTTP, no formatting) | {direct:N0} | {warm.TotalSeconds:N2} s | | |"));
        foreach (var format in new[] { "csv", "json" })
        {
            await DownloadAsync(api, format, 1_000);
            foreach (var count in new[] { 25_000, 250_000 })
            {
                using var sampling = new CancellationTokenSource();
                var peak = SamplePeakRssAsync(serverPid, sampling.Token);
                var (bytes, elapsed) = await DownloadAsync(api, format, count);
                await sampling.CancelAsync();
                var peakBytes = await peak;
                Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {engine} | {format} | {count:N0} | {elapsed.TotalSeconds:N2} s | {bytes / 1e6:N0} MB | {peakBytes / 1e6:N0} MB |"));
            }
        }
        return rows;
    }

    private static async Task<(long Bytes, TimeSpan Elapsed)> DownloadAsync(ApiClient api, string format, int count)
    {
        var clock = Stopwatch.StartNew();
        using var response = await api.Http.GetAsync($"/v1.0/auditLogs/directoryAudits/download?format={format}&maxRows={count}", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }
        return (bytes, clock.Elapsed);
    }

    private static async Task<(long Rows, TimeSpan Elapsed)> ReadFromStoreAsync(ILogStore log, Guid tenant, long rows)
    {
        var clock = Stopwatch.StartNew();
        long read = 0;
        long? after = null;
        while (read < rows)
        {
            var page = await log.QueryAsync(new LogQuery { TenantId = tenant, Top = 1_000, AfterSeq = after }, CancellationToken.None);
            read += page.Entries.Count;
            if (!page.HasMore)
            {
                break;
            }
            after = page.Entries[^1].Seq;
        }
        return (read, clock.Elapsed);
    }

    private static async Task<long> SamplePeakRssAsync(int pid, CancellationToken ct)
    {
        long peak = 0;
        while (!ct.IsCancellationRequested)
        {
            foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/status", CancellationToken.None))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    peak = Math.Max(peak, long.Parse(line[6..^3].Trim(), CultureInfo.InvariantCulture) * 1024);
                }
            }
            try
            {
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return peak;
    }

    /// <summary>Times <paramref name="requests"/> calls after a tenth as many to warm up; a family that is slow stops after 20 s (fewer samples).</summary>
    private static async Task<List<double>> TimeAsync(int requests, Func<Task> action)
    {
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < Math.Max(5, requests / 10) && budget.Elapsed < TimeSpan.FromSeconds(5); i++)
        {
            await action(); // warm caches, JIT and the connection first
        }
        budget.Restart();
        var times = new List<double>(requests);
        for (var i = 0; i < requests && (i < 5 || budget.Elapsed < TimeSpan.FromSeconds(20)); i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return times;
    }

    private static string P(List<double> sorted, double q) =>
        sorted[(int)Math.Min(sorted.Count - 1, q * sorted.Count)].ToString("0.00", CultureInfo.InvariantCulture);

    private static int Count(ReadOnlySpan<byte> body, ReadOnlySpan<byte> marker)
    {
        var count = 0;
        int at;
        while ((at = body.IndexOf(marker)) >= 0)
        {
            count++;
            body = body[(at + marker.Length)..];
        }
        return count;
    }

    /// <summary>The nextLink is the response's last property: find it from the end instead of parsing a megabyte of JSON.</summary>
    private static string? NextLink(byte[] body)
    {
        var marker = "\"@odata.nextLink\":\""u8;
        var at = body.AsSpan().LastIndexOf(marker);
        if (at < 0)
        {
            return null;
        }
        var start = at + marker.Length - 1;
        var end = body.AsSpan(start + 1).IndexOf((byte)'"') + 2;
        return System.Text.Json.JsonSerializer.Deserialize<string>(body.AsSpan(start, end)); // unescapes \u0026 and the like
    }
}
