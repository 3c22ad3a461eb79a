using System.Globalization;
using Verity.Core.Storage;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// The log engine's conformance suite, run over every described log (<see cref="Logs.All"/>) on each backend. It
/// knows nothing of a particular log: every field of the description, with every operator it accepts, must return
/// exactly the entries an in-memory evaluation of the same filter over the appended entries returns, in commit order,
/// page after page. A new log passes this suite by its description alone.
/// </summary>
public abstract partial class StoreConformanceTests
{
    public static TheoryData<LogName> EveryLog => [.. Logs.All.Select(l => l.Name)];

    private static IReadOnlyList<LogEntry> Sample(LogName log, Guid tenant, int count, int seed = 5) => log switch
    {
        LogName.DirectoryAudits => [.. SyntheticAudits.Generate(tenant, count, seed)],
        LogName.SignIns => [.. SyntheticSignIns.Entries(tenant, count, seed)],
        _ => throw new ArgumentOutOfRangeException(nameof(log), log, "No sample generator for this log."),
    };

    [Theory]
    [MemberData(nameof(EveryLog))]
    public async Task Every_log_numbers_its_entries_gap_free_per_tenant_and_log_in_shared_batches(LogName log)
    {
        var (a, b) = (await NewTenantAsync(), await NewTenantAsync());
        var other = Logs.All.First(l => l.Name != log).Name;
        var mine = Sample(log, a, 30).Concat(Sample(log, b, 10, seed: 6)).ToList();
        var theirs = Sample(other, a, 12, seed: 7);
        // Entries of both logs and both tenants share each batch, as a group commit gathers them.
        for (var i = 0; i < 4; i++)
        {
            await Log.AppendAsync([.. mine.Skip(i * 10).Take(10), .. theirs.Skip(i * 3).Take(3)], Ct);
        }

        var pageA = await Log.QueryAsync(new LogQuery { Log = log, TenantId = a, Top = 1_000, Descending = false }, Ct);
        var pageB = await Log.QueryAsync(new LogQuery { Log = log, TenantId = b, Top = 1_000, Descending = false }, Ct);
        var otherA = await Log.QueryAsync(new LogQuery { Log = other, TenantId = a, Top = 1_000, Descending = false }, Ct);

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), pageA.Entries.Select(e => e.Seq));
        Assert.Equal(mine.Take(30).Select(e => e.Id), pageA.Entries.Select(e => e.Id));
        Assert.Equal(mine.Take(30).Select(e => e.Json), pageA.Entries.Select(e => e.Json));
        Assert.Equal(mine.Skip(30).Select(e => e.Id), pageB.Entries.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), otherA.Entries.Select(e => e.Seq));
        Assert.Null(await Log.GetAsync(a, other, mine[0].Id, Ct));
        Assert.Null(await Log.GetAsync(b, log, mine[0].Id, Ct));
        var read = await Log.GetAsync(a, log, mine[7].Id, Ct);
        Assert.Equal(mine[7].Json, read!.Json);
        Assert.Equal(mine[7].Time, read.Time);
    }

    [Theory]
    [MemberData(nameof(EveryLog))]
    public async Task Every_log_is_append_only_in_the_database_itself(LogName log)
    {
        var tenant = await NewTenantAsync();
        await Log.AppendAsync(Sample(log, tenant, 3), Ct);
        var table = Logs.Of(log).Table;

        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync($"update {table} set id = 'tampered'"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync($"delete from {table}"));
        Assert.Equal(3, (await Log.QueryAsync(new LogQuery { Log = log, TenantId = tenant, Top = 10 }, Ct)).Entries.Count);
    }

    [Theory]
    [MemberData(nameof(EveryLog))]
    public async Task Every_field_and_operator_of_every_log_returns_exactly_the_matching_entries(LogName log)
    {
        var definition = Logs.Of(log);
        var tenant = await NewTenantAsync();
        var noise = await NewTenantAsync();
        var entries = Sample(log, tenant, 150);
        await Log.AppendAsync(entries, Ct);
        await Log.AppendAsync(Sample(log, noise, 20, seed: 9), Ct);

        var checkedFilters = 0;
        foreach (var filter in FiltersOver(definition, entries))
        {
            var expected = entries.Where(e => LogOracle.Matches(definition, e, filter)).Select(e => e.Id).Reverse().ToList();
            var query = new LogQuery { Log = log, TenantId = tenant, Top = 1_000, Filter = filter };
            Assert.True(expected.SequenceEqual((await Log.QueryAsync(query, Ct)).Entries.Select(e => e.Id)), $"{log}: {filter}");
            Assert.Equal(expected.Count, await Log.CountAsync(query, Ct));
            // Keyset pages of 7 walk the same entries, oldest first.
            var walked = new List<string>();
            var page = await Log.QueryAsync(query with { Top = 7, Descending = false }, Ct);
            walked.AddRange(page.Entries.Select(e => e.Id));
            while (page.HasMore)
            {
                page = await Log.QueryAsync(query with { Top = 7, Descending = false, AfterSeq = page.Entries[^1].Seq }, Ct);
                walked.AddRange(page.Entries.Select(e => e.Id));
            }
            Assert.True(Enumerable.Reverse(expected).SequenceEqual(walked), $"{log} pages: {filter}");
            checkedFilters++;
        }
        Assert.True(checkedFilters >= definition.Fields.Sum(f => f.Operators.Count), $"{checkedFilters} filters checked");
    }

    [Theory]
    [MemberData(nameof(EveryLog))]
    public async Task Aggregates_of_every_log_agree_with_its_entries(LogName log)
    {
        var definition = Logs.Of(log);
        var tenant = await NewTenantAsync();
        var entries = Sample(log, tenant, 200);
        await Log.AppendAsync(entries, Ct);
        var all = new LogQuery { Log = log, TenantId = tenant, Top = 1 };

        var days = entries.GroupBy(e => e.Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Select(g => new LogBucket(g.Key, g.Count()));
        Assert.Equal(days, await Log.CountByDayAsync(all, Ct));
        foreach (var field in definition.Columns.Where(c => c.Operators.Contains("eq")))
        {
            var expected = entries.Select(e => LogOracle.Value(definition, e, field)).Where(v => v is not null)
                .GroupBy(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).Select(g => new LogBucket(g.Key, g.Count()))
                .OrderByDescending(b => b.Count).ThenBy(b => b.Key, StringComparer.Ordinal).Take(3).ToList();
            Assert.Equal(expected, await Log.CountByAsync(all, field, 3, Ct));
            Assert.Equal(entries.Select(e => LogOracle.Value(definition, e, field)).Where(v => v is not null).Distinct().LongCount(),
                await Log.CountDistinctAsync(all, field, null, Ct));
        }
    }

    /// <summary>For every field and operator, filters built from values the entries hold (and one that none holds).</summary>
    private static IEnumerable<LogFilter> FiltersOver(LogDefinition log, IReadOnlyList<LogEntry> entries)
    {
        var picks = new[] { 3, 41, 97 };
        foreach (var field in log.Fields)
        {
            var values = picks.SelectMany(p => LogOracle.ValuesAt(log, entries[p % entries.Count], field)).Where(v => v is not null).Distinct().ToList();
            if (values.Count == 0)
            {
                values = [.. entries.SelectMany(e => LogOracle.ValuesAt(log, e, field)).Where(v => v is not null).Distinct().Take(2)];
            }
            if (values.Count == 0)
            {
                continue; // a field no sample entry holds (location): the engine still indexes it, nothing to compare
            }
            foreach (var op in field.Operators)
            {
                var value = values[0]!;
                LogFilter condition = op switch
                {
                    "eq" => new CompareFilter(field, CompareOp.Eq, value),
                    "ne" => new CompareFilter(field, CompareOp.Ne, value),
                    "gt" => new CompareFilter(field, CompareOp.Gt, value),
                    "ge" => new CompareFilter(field, CompareOp.Ge, value),
                    "lt" => new CompareFilter(field, CompareOp.Lt, value),
                    "le" => new CompareFilter(field, CompareOp.Le, value),
                    "in" when field.Type == LogFieldType.Text => new InFilter(field, [.. values.Select(v => (string)v!), "no such value"]),
                    "in" => new OrFilter(new CompareFilter(field, CompareOp.Eq, values[0]!), new CompareFilter(field, CompareOp.Eq, values[^1]!)),
                    "startswith" => new StartsWithFilter(field, ((string)value)[..Math.Max(1, ((string)value).Length / 2)]),
                    "contains" => new ContainsFilter(field, ((string)value).Substring(((string)value).Length / 3, Math.Max(1, ((string)value).Length / 3))),
                    _ => throw new InvalidOperationException($"No filter for operator {op}."),
                };
                yield return Scoped(log, field, condition);
            }
            if (field.Type == LogFieldType.Text)
            {
                yield return Scoped(log, field, new CompareFilter(field, CompareOp.Eq, "no entry holds this"));
            }
        }
    }

    private static LogFilter Scoped(LogDefinition log, LogField field, LogFilter condition) => field.Scope switch
    {
        LogFieldScope.Item => new AnyItemFilter(condition),
        LogFieldScope.ItemProperty => new AnyItemFilter(new AnyPropertyFilter(condition)),
        _ => condition,
    };
}

/// <summary>What a filter means, evaluated over an entry in memory: the answer the stores' SQL must give.</summary>
internal static class LogOracle
{
    public static object? Value(LogDefinition log, LogEntry entry, LogField field) =>
        field == log.Id ? entry.Id : field == log.Time ? entry.Time : entry.Values[log.IndexOf(field)];

    /// <summary>The values a field has in an entry: one for an entry field, one per element (or property name) otherwise.</summary>
    public static IEnumerable<object?> ValuesAt(LogDefinition log, LogEntry entry, LogField field) => field.Scope switch
    {
        LogFieldScope.Entry => [Value(log, entry, field)],
        LogFieldScope.Item => entry.Items.Select(i => i.Values[log.Items!.IndexOf(field)]),
        _ => entry.Items.SelectMany(i => i.PropertyNames),
    };

    public static bool Matches(LogDefinition log, LogEntry entry, LogFilter filter) => Matches(log, entry, null, null, filter);

    private static bool Matches(LogDefinition log, LogEntry entry, LogItem? item, string? property, LogFilter filter) => filter switch
    {
        AndFilter f => Matches(log, entry, item, property, f.Left) && Matches(log, entry, item, property, f.Right),
        OrFilter f => Matches(log, entry, item, property, f.Left) || Matches(log, entry, item, property, f.Right),
        NotFilter f => !Matches(log, entry, item, property, f.Inner),
        AnyItemFilter f => entry.Items.Any(i => Matches(log, entry, i, null, f.Inner)),
        AnyPropertyFilter f => item!.PropertyNames.Any(p => Matches(log, entry, item, p, f.Inner)),
        CompareFilter f => Compare(Read(log, entry, item, property, f.Field), f.Op, f.Value),
        InFilter f => Read(log, entry, item, property, f.Field) is string v && f.Values.Contains(v),
        StartsWithFilter f => Read(log, entry, item, property, f.Field) is string v && v.StartsWith(f.Prefix, StringComparison.Ordinal),
        ContainsFilter f => Read(log, entry, item, property, f.Field) is string v && v.Contains(f.Text, StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "The oracle does not know this filter."),
    };

    private static object? Read(LogDefinition log, LogEntry entry, LogItem? item, string? property, LogField field) => field.Scope switch
    {
        LogFieldScope.Entry => Value(log, entry, field),
        LogFieldScope.Item => item!.Values[log.Items!.IndexOf(field)],
        _ => property,
    };

    private static bool Compare(object? actual, CompareOp op, object expected)
    {
        if (actual is null)
        {
            return op == CompareOp.Ne; // SQL: (column is null or column <> value)
        }
        var order = (actual, expected) switch
        {
            (string a, string e) => string.CompareOrdinal(a, e),
            (long a, long e) => a.CompareTo(e),
            (DateTimeOffset a, DateTimeOffset e) => a.CompareTo(e),
            _ => throw new InvalidOperationException($"Cannot compare {actual.GetType()} with {expected.GetType()}."),
        };
        return op switch
        {
            CompareOp.Eq => order == 0,
            CompareOp.Ne => order != 0,
            CompareOp.Gt => order > 0,
            CompareOp.Ge => order >= 0,
            CompareOp.Lt => order < 0,
            _ => order <= 0,
        };
    }
}
