using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Verity.Core.Model.UserAgents;

/// <summary>The <c>deviceDetail</c> browser and operating system Entra shows for a User-Agent; "" when unknown.</summary>
public sealed record UserAgentInfo(string Browser, string OperatingSystem)
{
    public static UserAgentInfo Unknown { get; } = new("", "");
}

/// <summary>
/// Reads a User-Agent with uap-core's rules (see <see cref="UapParsers"/>) and names the result as Entra's sign-in
/// logs do. Thread-safe; results are cached, since a tenant's sign-ins repeat a handful of User-Agents.
/// </summary>
public sealed class UserAgentParser
{
    /// <summary>Only this many leading characters are read, which bounds the regex work and the cache's keys.</summary>
    public const int MaxLength = 512;

    private static readonly Lazy<UserAgentParser> s_default = new(() => new UserAgentParser(UapParsers.LoadEmbedded(), 4096));

    // Desktop Linux distributions uap-core names by distribution; Entra reports them all as Linux.
    private static readonly HashSet<string> LinuxFamilies = new(StringComparer.Ordinal)
    {
        "Linux", "Ubuntu", "Kubuntu", "Xubuntu", "Lubuntu", "Debian", "Fedora", "Red Hat", "CentOS", "Gentoo",
        "Slackware", "Mandriva", "Linux Mint", "PCLinuxOS", "Puppy", "Arch Linux", "SUSE", "openSUSE", "Mageia",
        "BackTrack",
    };

    private readonly UapParsers _parsers;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, UserAgentInfo> _cache = new(StringComparer.Ordinal);
    private int _cached;

    internal UserAgentParser(UapParsers parsers, int capacity)
    {
        _parsers = parsers;
        _capacity = capacity;
    }

    internal int CachedCount => _cache.Count;

    /// <summary>The parser over the embedded regexes.yaml; its rules are read on first use (about 7 ms).</summary>
    public static UserAgentParser Default => s_default.Value;

    /// <summary>Shorthand for <c>Default.Read</c>.</summary>
    public static UserAgentInfo Parse(string? userAgent) => Default.Read(userAgent);

    /// <summary>
    /// The browser ("Chrome 120.0.6099", "Edge 120.0.0", "Python Requests 2.32") and operating system ("Windows 10",
    /// "MacOs", "Ios", "Android", "Linux") of a User-Agent. A family uap-core does not know, and a missing or
    /// empty header, give "". Never throws: a string on which a rule exceeds its match timeout (twice) gives "" too.
    /// </summary>
    public UserAgentInfo Read(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
        {
            return UserAgentInfo.Unknown;
        }
        var key = userAgent.Length > MaxLength ? userAgent[..MaxLength] : userAgent;
        if (_cache.TryGetValue(key, out var known))
        {
            return known;
        }
        var info = ReadUncached(key);
        // Bounded by emptying when full: cheaper than LRU bookkeeping on every hit, and a tenant's working set of
        // User-Agents is far below the capacity, so only a flood of distinct strings ever clears it.
        if (Interlocked.Increment(ref _cached) > _capacity)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cached, 1);
        }
        _cache[key] = info;
        return info;
    }

    internal UserAgentInfo ReadUncached(string userAgent)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new UserAgentInfo(Browser(_parsers.ParseUserAgent(userAgent)), OperatingSystem(_parsers.ParseOs(userAgent)));
            }
            // The timeout is wall-clock time, so a pause (a garbage collection, a starved core) can outlast it once;
            // a regex that really is slow on this string times out again, and the string reads as unknown.
            catch (RegexMatchTimeoutException) when (attempt == 1)
            {
            }
            catch (RegexMatchTimeoutException)
            {
                return UserAgentInfo.Unknown;
            }
        }
    }

    /// <summary>
    /// uap's family and up to three version parts, as Entra writes them: "Edge 80.0.361" for Edg/80.0.361.66 in
    /// Graph's v1.0 example, so the fourth part (patchMinor) is dropped. A client library is named as uap names it
    /// ("Python Requests 2.32", "curl 8.4.0"); a string uap cannot place ("Other") is "".
    /// </summary>
    internal static string Browser(UapResult ua)
    {
        if (ua.Family == "Other")
        {
            return "";
        }
        if (ua.Major is null)
        {
            return ua.Family;
        }
        var version = ua.Minor is null ? ua.Major : ua.Patch is null ? $"{ua.Major}.{ua.Minor}" : $"{ua.Major}.{ua.Minor}.{ua.Patch}";
        return $"{ua.Family} {version}";
    }

    /// <summary>
    /// Entra's operating system names: Windows with its version ("Windows 10", "Windows 8.1", "Windows 7"; Windows 11
    /// sends NT 10.0 too, so it also reads as Windows 10), "MacOs", "Ios" (iPadOS included), "Android" and "Linux"
    /// without versions. Other families keep uap's name ("Chrome OS", "Windows Phone"); "Other" is "".
    /// </summary>
    internal static string OperatingSystem(UapResult os) => os.Family switch
    {
        "Other" => "",
        "Windows" when os.Major is null => "Windows",
        "Windows" => os.Minor is null ? $"Windows {os.Major}" : $"Windows {os.Major}.{os.Minor}",
        "Mac OS X" => "MacOs",
        "iOS" => "Ios",
        "Android" => "Android",
        var family when LinuxFamilies.Contains(family) => "Linux",
        var family => family,
    };
}
