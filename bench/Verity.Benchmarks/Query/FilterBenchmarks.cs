using BenchmarkDotNet.Attributes;
using Verity.Core.Query;
using Verity.Core.Storage;

namespace Verity.Benchmarks.Query;

/// <summary>
/// What a filtered request pays before touching the database: parsing $filter with Microsoft.OData.Core into a
/// LogFilter (the baseline is the same parse without translation), and rendering it as SQL.
/// </summary>
[MemoryDiagnoser]
public class FilterBenchmarks
{
    [Params("category eq 'UserManagement'",
        "activityDateTime ge 2026-03-01T00:00:00Z and startswith(initiatedBy/user/userPrincipalName, 'ada') and result eq 'success'",
        "targetResources/any(t: t/id eq '5d2c9a10-7e3b-4f6a-9c21-0a1b2c3d4e5f') or category in ('GroupManagement', 'RoleManagement')")]
    public string Filter { get; set; } = "";

    private LogFilter _parsed = null!;

    [GlobalSetup]
    public void Setup() => _parsed = FilterParser.Parse(Filter, DirectoryAuditsLog.Definition);

    [Benchmark(Baseline = true)]
    public object ODataParseOnly() => new Microsoft.OData.UriParser.ODataQueryOptionParser(GraphModel.Model, GraphModel.DirectoryAudit, null,
        new Dictionary<string, string> { ["$filter"] = Filter }) { Resolver = new Microsoft.OData.UriParser.StringAsEnumResolver() }.ParseFilter();

    [Benchmark]
    public LogFilter ParseAndTranslate() => FilterParser.Parse(Filter, DirectoryAuditsLog.Definition);

    [Benchmark]
    public string RenderSql() =>
        new FilterSql(DirectoryAuditsLog.Definition, t => t.UtcDateTime, containsAsLike: true).Render(_parsed);
}
