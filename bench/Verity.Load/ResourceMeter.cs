using System.Globalization;

namespace Verity.Load;

/// <summary>
/// CPU and disk spent during a measured window, per operation: Verity's process, the PostgreSQL server's processes
/// (all processes named postgres on the box; SQLite runs inside Verity), this generator's own process, and the bytes
/// Verity and PostgreSQL sent to storage; and the share of the box's CPU time left idle, which tells a run bound by
/// CPU (near 0 %) from one bound by waiting (commit order, fsync). On this
/// noisy two-core box a rate moves ±20 % between identical runs, while the cost per operation moves far less, so an
/// A/B of two builds reads these columns first. Linux only (/proc), as the benchmark box is.
/// </summary>
internal sealed class ResourceMeter
{
    private readonly int _verityPid;
    private readonly bool _postgres;
    private readonly (long VerityTicks, long DatabaseTicks, long Bytes) _start;
    private readonly long _generatorTicks = Read(Environment.ProcessId).Ticks;
    private readonly (long Idle, long Total) _box = BoxTicks();

    private ResourceMeter(int verityPid, bool postgres)
    {
        _verityPid = verityPid;
        _postgres = postgres;
        _start = Snapshot();
    }

    /// <param name="verityPid">The server's process.</param>
    /// <param name="engine">sqlite or postgres: only the latter has database processes of its own to count.</param>
    public static ResourceMeter Start(int verityPid, string engine) => new(verityPid, engine == "postgres");

    /// <summary>"Verity CPU µs | database CPU µs | generator CPU µs | disk KB" per operation, and "idle %", since the start, as table cells.</summary>
    public string PerOperation(long operations)
    {
        var end = Snapshot();
        var ops = Math.Max(1, operations);
        // Clock ticks are 1/100 s (USER_HZ) on Linux.
        string Micros(long ticks) => (ticks * 10_000.0 / ops).ToString("N0", CultureInfo.InvariantCulture);
        var database = end.DatabaseTicks - _start.DatabaseTicks;
        var generator = Read(Environment.ProcessId).Ticks - _generatorTicks;
        var box = BoxTicks();
        var idle = 100.0 * (box.Idle - _box.Idle) / Math.Max(1, box.Total - _box.Total);
        return $"{Micros(end.VerityTicks - _start.VerityTicks)} | {(_postgres ? Micros(database) : "–")} | {Micros(generator)} | " +
            ((end.Bytes - _start.Bytes) / 1024.0 / ops).ToString("N1", CultureInfo.InvariantCulture) + " | " + idle.ToString("N0", CultureInfo.InvariantCulture);
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
