using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Verity.Core.Model.UserAgents;

/// <summary>What one uap-core parser list yields: a family ("Other" when no rule matched) and up to four versions.</summary>
internal readonly record struct UapResult(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor)
{
    public static UapResult Other { get; } = new("Other", null, null, null, null);
}

/// <summary>
/// An evaluator of uap-core's <c>regexes.yaml</c> (uap-core's specification.md, "user_agent_parsers" and
/// "os_parsers"): rules are tried in file order and the first match wins; without a replacement, capture group n
/// gives field n (family, major, minor, patch, patchMinor); a replacement overrides its field and may quote any group
/// as $1..$9 (an unmatched group reads as ""), and is trimmed. An empty or missing version is null, an empty family is
/// "Other". Matching is case sensitive and unanchored, as the specification requires.
/// </summary>
internal sealed class UapParsers
{
    // A uap regex takes microseconds on a real User-Agent (the slowest, a list of hundreds of crawler names, about
    // 250 µs on a long browser string); the limit is there so that a crafted string cannot make one backtrack for
    // seconds. RegexMatchTimeoutException reaches the caller, which gives up on that string.
    internal static readonly TimeSpan DefaultMatchTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly string[] UserAgentFields = ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"];
    private static readonly string[] OsFields = ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"];

    private readonly Rule[] _userAgent;
    private readonly Rule[] _os;

    private UapParsers(Rule[] userAgent, Rule[] os)
    {
        _userAgent = userAgent;
        _os = os;
    }

    public int UserAgentRuleCount => _userAgent.Length;
    public int OsRuleCount => _os.Length;

    /// <summary>The regexes.yaml embedded in this assembly (uap-core 0.16.0; see README.md beside it).</summary>
    public static UapParsers LoadEmbedded(TimeSpan? matchTimeout = null)
    {
        using var stream = typeof(UapParsers).Assembly.GetManifestResourceStream("UserAgents.regexes.yaml")
            ?? throw new InvalidOperationException("The embedded resource UserAgents.regexes.yaml is missing from Verity.Core.");
        return Load(new StreamReader(stream, Encoding.UTF8), matchTimeout);
    }

    /// <summary>Reads the two parser lists Verity uses; device_parsers is skipped without building its rules.</summary>
    public static UapParsers Load(TextReader yaml, TimeSpan? matchTimeout = null)
    {
        var timeout = matchTimeout ?? DefaultMatchTimeout;
        var parser = new Parser(yaml);
        parser.Consume<StreamStart>();
        parser.Consume<DocumentStart>();
        parser.Consume<MappingStart>();
        Rule[]? userAgent = null, os = null;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            switch (parser.Consume<Scalar>().Value)
            {
                case "user_agent_parsers":
                    userAgent = ReadRules(parser, UserAgentFields, timeout);
                    break;
                case "os_parsers":
                    os = ReadRules(parser, OsFields, timeout);
                    break;
                default:
                    parser.SkipThisAndNestedEvents();
                    break;
            }
        }
        return new UapParsers(
            userAgent ?? throw new InvalidDataException("regexes.yaml has no user_agent_parsers."),
            os ?? throw new InvalidDataException("regexes.yaml has no os_parsers."));
    }

    private static Rule[] ReadRules(IParser parser, string[] fields, TimeSpan timeout)
    {
        var rules = new List<Rule>();
        parser.Consume<SequenceStart>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            parser.Consume<MappingStart>();
            string? pattern = null;
            var replacements = new string?[fields.Length];
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>().Value;
                var value = parser.Consume<Scalar>().Value;
                if (key == "regex")
                {
                    pattern = value;
                }
                else if (Array.IndexOf(fields, key) is var field and >= 0)
                {
                    replacements[field] = value;
                }
            }
            rules.Add(new Rule(pattern ?? throw new InvalidDataException("A regexes.yaml rule has no regex."), replacements, timeout));
        }
        return [.. rules];
    }

    public UapResult ParseUserAgent(string userAgent) => Evaluate(_userAgent, userAgent);

    public UapResult ParseOs(string userAgent) => Evaluate(_os, userAgent);

    private static UapResult Evaluate(Rule[] rules, string input)
    {
        foreach (var rule in rules)
        {
            var match = rule.Regex.Match(input);
            if (!match.Success)
            {
                continue;
            }
            var family = rule.Field(0, match);
            return new UapResult(
                string.IsNullOrEmpty(family) ? "Other" : family,
                NullIfEmpty(rule.Field(1, match)),
                NullIfEmpty(rule.Field(2, match)),
                NullIfEmpty(rule.Field(3, match)),
                NullIfEmpty(rule.Field(4, match)));
        }
        return UapResult.Other;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private sealed class Rule(string pattern, string?[] replacements, TimeSpan timeout)
    {
        private Regex? _regex;

        // Built on first use: a User-Agent stops at its first matching rule, so rules past the common browsers'
        // are rarely needed, and building all 540 up front would cost every process start.
        public Regex Regex => _regex ??= new Regex(pattern, RegexOptions.CultureInvariant, timeout);

        public string? Field(int index, Match match)
        {
            if (replacements[index] is not { } replacement)
            {
                var group = match.Groups[index + 1]; // past the last group: an unsuccessful one
                return group.Success ? group.Value : null;
            }
            if (!replacement.Contains('$', StringComparison.Ordinal))
            {
                return replacement.Trim();
            }
            var text = new StringBuilder(replacement.Length + 16);
            for (var i = 0; i < replacement.Length; i++)
            {
                if (replacement[i] == '$' && i + 1 < replacement.Length && replacement[i + 1] is >= '1' and <= '9')
                {
                    var group = match.Groups[replacement[i + 1] - '0'];
                    if (group.Success)
                    {
                        text.Append(group.Value);
                    }
                    i++;
                }
                else
                {
                    text.Append(replacement[i]);
                }
            }
            return text.ToString().Trim();
        }
    }
}
