using Verity.Core.Model.UserAgents;
using YamlDotNet.RepresentationModel;

namespace Verity.Core.Tests.Model.UserAgents;

/// <summary>
/// uap-core's own fixtures (uap-core/README.md) against the evaluator and the embedded regexes.yaml: every case
/// must give the family and versions uap-core's reference implementation gives. Set VERITY_UAP_EXTRA to a
/// directory holding more fixtures of the same format (e.g. pgts_browser_list.yaml from the uap-core package) to
/// run those as well.
/// </summary>
public sealed class UapConformanceTests
{
    // Correctness only: a generous timeout, so that a busy test machine cannot fail a case by pausing a match.
    private static readonly Lazy<UapParsers> Parsers = new(() => UapParsers.LoadEmbedded(TimeSpan.FromSeconds(10)));

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Model", "UserAgents", "uap-core", file);

    [Theory]
    [InlineData("test_ua.yaml", 1425)]
    [InlineData("firefox_user_agent_strings.yaml", 243)]
    [InlineData("opera_mini_user_agent_strings.yaml", 203)]
    [InlineData("podcasting_user_agent_strings.yaml", 144)]
    public void User_agent_parsers_agree_with_uap_core(string file, int cases)
    {
        var failures = Check(Fixture(file), Parsers.Value.ParseUserAgent, ["family", "major", "minor", "patch"], out var count);

        Assert.Equal(cases, count);
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases differ:\n{string.Join('\n', failures.Take(25))}");
    }

    [Theory]
    [InlineData("test_os.yaml", 456)]
    [InlineData("additional_os_tests.yaml", 23)]
    public void Os_parsers_agree_with_uap_core(string file, int cases)
    {
        var failures = Check(Fixture(file), Parsers.Value.ParseOs, ["family", "major", "minor", "patch", "patch_minor"], out var count);

        Assert.Equal(cases, count);
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases differ:\n{string.Join('\n', failures.Take(25))}");
    }

    [Fact]
    public void Extra_fixtures_agree_with_uap_core_when_given()
    {
        if (Environment.GetEnvironmentVariable("VERITY_UAP_EXTRA") is not { Length: > 0 } directory)
        {
            return;
        }
        var failures = new List<string>();
        foreach (var file in Directory.GetFiles(directory, "*.yaml"))
        {
            var os = file.Contains("_os", StringComparison.Ordinal);
            failures.AddRange(os
                ? Check(file, Parsers.Value.ParseOs, ["family", "major", "minor", "patch", "patch_minor"], out _)
                : Check(file, Parsers.Value.ParseUserAgent, ["family", "major", "minor", "patch"], out _));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} cases differ:\n{string.Join('\n', failures.Take(25))}");
    }

    [Fact]
    public void The_embedded_file_has_uap_core_0_16_0s_rules()
    {
        Assert.Equal(347, Parsers.Value.UserAgentRuleCount);
        Assert.Equal(190, Parsers.Value.OsRuleCount);
    }

    private static List<string> Check(string path, Func<string, UapResult> parse, string[] fields, out int count)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(path))
        {
            yaml.Load(reader);
        }
        var cases = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["test_cases"];
        var failures = new List<string>();
        count = 0;
        foreach (YamlMappingNode c in cases)
        {
            count++;
            var ua = Value(c, "user_agent_string") ?? "";
            var r = parse(ua);
            string?[] actual = [r.Family, r.Major, r.Minor, r.Patch, r.PatchMinor];
            for (var i = 0; i < fields.Length; i++)
            {
                var expected = Value(c, fields[i]);
                if (!string.Equals(expected, actual[i], StringComparison.Ordinal))
                {
                    failures.Add($"{fields[i]}: expected {expected ?? "null"}, got {actual[i] ?? "null"} for '{ua}'");
                }
            }
        }
        return failures;
    }

    // An empty plain scalar ("patch:") is YAML null; quoted '' would be an empty string, and uap-core has none.
    private static string? Value(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text }
            ? text
            : null;
}
