namespace Verity.Core.Storage;

/// <summary>
/// Both stores answer a target's display name or UPN through the target's id. An index keyed by name appends each entry
/// at that name's own place, so a commit of n updates to n objects rewrote n scattered leaf pages of each such index
/// into the WAL; the names of a target change rarely, so <c>directory_audit_target_keys</c> records, per tenant, which
/// target ids ever carried a value (written only when a pair is new), and a name condition becomes one arm per id:
/// that id's ordered index walk, the stored name rechecked (an object renamed since matches only its entries under
/// the name). Targets without an id keep a small index of their own (<c>... where target_id is null</c>).
/// </summary>
internal static class TargetKeys
{
    /// <summary>The distinct (tenant, field, value, target id) keys of some entries, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, short Field, string Value, string Id)> Of(LogCollection items, IEnumerable<LogEntry> entries)
    {
        var id = items.IndexOf(items.Id);
        var keyed = items.Fields.Select((field, i) => (field, i)).Where(f => IsKeyedField(f.field)).ToArray();
        return Sorted(
            from e in entries
            from item in e.Items
            where item.Values[id] is string
            from k in keyed
            where item.Values[k.i] is string
            select (e.TenantId, k.field.Code!.Value, (string)item.Values[k.i]!, (string)item.Values[id]!));
    }

    /// <summary>Key rows (of this table or the initiators'), distinct and in one order for every writer.</summary>
    internal static List<(Guid TenantId, short Field, string Value, string Id)> Sorted(IEnumerable<(Guid TenantId, short Field, string Value, string Id)> keys) =>
        [.. keys.Distinct().OrderBy(k => k.TenantId).ThenBy(k => k.Field).ThenBy(k => k.Value, StringComparer.Ordinal).ThenBy(k => k.Id, StringComparer.Ordinal)];

    /// <param name="filter">The filter, after <see cref="ValueExpansion"/>.</param>
    /// <param name="idsAsync">Up to <see cref="FilterSql.MaxArms"/> (value, target id) pairs of a field (its LogTerms code) for some values.</param>
    /// <param name="prefixValuesAsync">Up to <see cref="ValueExpansion.MaxValues"/> + 1 distinct keyed values of a field in [low, high).</param>
    public static Task<LogFilter> ExpandAsync(LogFilter filter, Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync,
        Func<short, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync) =>
        LogFilterRewrite.UnderAndOrAsync(filter, condition => condition is AnyItemFilter target
            ? ExpandTargetAsync(target, idsAsync, prefixValuesAsync)
            : Task.FromResult(condition));

    private static async Task<LogFilter> ExpandTargetAsync(AnyItemFilter target, Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync,
        Func<short, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync)
    {
        var conjuncts = Conjuncts(target.Inner).ToList();
        var keyed = conjuncts.FirstOrDefault(IsKeyed);
        if (keyed is null)
        {
            return target;
        }
        var rest = conjuncts.Where(c => !ReferenceEquals(c, keyed)).ToList();
        var (field, values) = keyed switch
        {
            CompareFilter c => (c.Field, (IReadOnlyList<string>)[(string)c.Value]),
            InFilter i => (i.Field, i.Values),
            StartsWithFilter s => (s.Field, FilterSql.PrefixEnd(s.Prefix) is { } end ? await prefixValuesAsync(s.Field.Code!.Value, s.Prefix, end) : null),
            _ => throw new InvalidOperationException("IsKeyed admits comparisons, in and startswith only."),
        };
        if (values is null || values.Count > ValueExpansion.MaxValues)
        {
            return target; // a prefix of many names: matches are dense, and the commit-order walk finds a page soon
        }
        var pairs = values.Count == 0 ? [] : await idsAsync(field.Code!.Value, values);
        if (pairs.Count >= FilterSql.MaxArms)
        {
            return target; // a name of many objects: the commit-order walk, as for a common prefix
        }
        var id = field.KeyedBy!;
        var arms = pairs.Select(p => With(new CompareFilter(id, CompareOp.Eq, p.Id), [new CompareFilter(field, CompareOp.Eq, p.Value), .. rest]));
        var unkeyed = With(new IsNullFilter(id), [keyed, .. rest]);
        return new AnyItemFilter(arms.Reverse().Aggregate(unkeyed, (or, arm) => new OrFilter(arm, or)));
    }

    private static bool IsKeyed(LogFilter f) => f switch
    {
        CompareFilter { Op: CompareOp.Eq, Value: string } c => IsKeyedField(c.Field),
        InFilter i => IsKeyedField(i.Field),
        StartsWithFilter s => IsKeyedField(s.Field),
        _ => false,
    };

    private static bool IsKeyedField(LogField field) => field is { Scope: LogFieldScope.Item, KeyedBy: not null };

    private static IEnumerable<LogFilter> Conjuncts(LogFilter f) => f is AndFilter and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [f];

    private static LogFilter With(LogFilter first, IEnumerable<LogFilter> others) => others.Aggregate(first, (all, c) => new AndFilter(all, c));
}
