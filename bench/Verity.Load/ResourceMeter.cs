using System.Globalization;

namespace Verity.Load;

/// <summary>
/// CPU and disk spent during a measured window, per operation: Verity's process, the PostgreSQL server's processes
/// (all processes named postgres on the box; SQLite runs inside Verity), this generator's own process, and the bytes
/// Verity and PostgreSQL sent to storage; and the share of the box's CPU time left idle, which tells a run bound by
/// CPU (near 0 %) from one bound by waiting (commit order, fsync). On this
/// noisy two-core box a rate moves ±20 % between identical runs, while the cost per operation moves far less, so an
/// A/B of two builds reads these columns first. Also Verity's anonymous resident memory (heap and stacks, not the
/// SQLite file's memory map), sampled each second, which shows whether an overloaded server holds its backlog in
/// memory. Linux only (/proc), as the benchmark box is.
/// </summary>
internal sealed class ResourceMeter
{
    private readonly int _verityPid;
    private readonly bool _postgres;
    private readonly (long VerityTicks, long DatabaseTicks, long Bytes) _start;
    private readonly long _generatorTicks = Read(Environment.ProcessId).Ticks;
    private readonly (long Idle, long Total) _box = BoxTicks();
    private readonly List<long> _memory = [];
    private readonly Timer _sampler;

    private ResourceMeter(int verityPid, bool postgres)
    {
        _verityPid = verityPid;
        _postgres = postgres;
        _start = Snapshot();
        _sampler = new Timer(_ => SampleMemory(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    /// <param name="verityPid">The server's process.</param>
    /// <param name="engine">sqlite or postgres: only the latter has database processes of its own to count.</param>
    public static ResourceMeter Start(int verityPid, string engine) => new(verityPid, engine == "postgres");

    /// <summary>
    /// "Verity CPU µs | database CPU µs | generator CPU µs | disk KB" per operation, "idle %", and Verity's memory
    /// "start / peak / end" in MB, since the start, as table cells. Ends the memory sampling.
    /// </summary>
    public string PerOperation(long operations)
    {
        _sampler.Dispose();
        SampleMemory();
        var end = Snapshot();
        var ops = Math.Max(1, operations);
        // Clock ticks are 1/100 s (USER_HZ) on Linux.
        string Micros(long ticks) => (ticks * 10_000.0 / ops).ToString("N0", CultureInfo.InvariantCulture);
        var database = end.DatabaseTicks - _start.DatabaseTicks;
        var generator = Read(Environment.ProcessId).Ticks - _generatorTicks;
        var box = BoxTicks();
        var idle = 100.0 * (box.Idle - _box.Idle) / Math.Max(1, box.Total - _box.Total);
        return $"{Micros(end.VerityTicks - _start.VerityTicks)} | {(_postgres ? Micros(database) : "–")} | {Micros(generator)} | " +
            ((end.Bytes - _start.Bytes) / 1024.0 / ops).ToString("N1", CultureInfo.InvariantCulture) + " | " + idle.ToString("N0", CultureInfo.InvariantCulture) +
            " | " + MemoryCell();
    }

    /// <summary>Verity's anonymous RSS in MB at each sample, oldest first.</summary>
    public string MemorySeries()
    {
        lock (_memory)
        {
            return string.Join(' ', _memory.Select(Megabytes));
        }
    }

    private string MemoryCell()
    {
        lock (_memory)
        {
            return _memory.Count == 0 ? "–" : $"{Megabytes(_memory[0])} / {Megabytes(_memory.Max())} / {Megabytes(_memory[^1])}";
        }
    }

    private static string Megabytes(long kilobytes) => (kilobytes / 1024).ToString(CultureInfo.InvariantCulture);

    private void SampleMemory()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_verityPid}/status").FirstOrDefault(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kilobytes = long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                lock (_memory)
                {
                    _memory.Add(kilobytes);
                }
            }
        }
        catch (IOException)
        {
            // The server exited: the gap in the series shows it.
        }
    }

    private (long VerityTicks, long DatabaseTicks, long Bytes) Snapshot()
    {
        var (verityTicks, verityBytes) = Read(_verityPid);
        long databaseTicks = 0, databaseBytes = 0;
        foreach (var dir in _postgres ? Directory.EnumerateDirectories("/proc") : [])
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Comm(pid) == "postgres")
            {
                var (ticks, bytes) = Read(pid);
                databaseTicks += ticks;
                databaseBytes += bytes;
            }
        }
        return (verityTicks, databaseTicks, verityBytes + databaseBytes);
    }

    /// <summary>Idle (idle + iowait) and total jiffies of all CPUs, from the first line of /proc/stat.</summary>
    private static (long Idle, long Total) BoxTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        return (fields[3] + fields[4], fields.Take(8).Sum());
    }

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
    }

    /// <summary>utime + stime in clock ticks, and write_bytes (bytes sent to the storage layer), of one process.</summary>
    private static (long Ticks, long Bytes) Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the parenthesised command name, which may hold spaces: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var written = File.ReadLines($"/proc/{pid}/io").FirstOrDefault(l => l.StartsWith("write_bytes:", StringComparison.Ordinal));
            return (ticks, written is null ? 0 : long.Parse(written["write_bytes:".Length..].Trim(), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
