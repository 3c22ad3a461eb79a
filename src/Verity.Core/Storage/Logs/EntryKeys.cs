namespace Verity.Core.Storage;

/// <summary>
/// Both stores answer an entry field that names what an id names (an audit initiator's display name, UPN or service
/// principal; a sign-in's user and application names) through that id, as <see cref="TargetKeys"/> does for targets:
/// an index keyed by each of them cost every entry an index entry apiece, while a name rarely changes. The log's key
/// table records, per tenant, which ids ever carried a value (written only when a pair is new); a condition on the
/// value becomes one arm per id, that id's ordered index walk with the stored value rechecked. Entries without an id
/// keep a small index of their own (<c>... where initiator_user_id is null</c>).
/// </summary>
internal static class EntryKeys
{
    private static bool IsKeyed(LogField field) => field is { Scope: LogFieldScope.Entry, KeyedBy: not null };

    /// <summary>The distinct (tenant, field, value, id) keys of some entries of one log, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, short Field, string Value, string Id)> Of(LogDefinition log, IEnumerable<LogEntry> entries)
    {
        var keyed = log.Columns.Select((field, i) => (field, i, id: field.KeyedBy is { } by ? log.IndexOf(by) : -1)).Where(c => IsKeyed(c.field)).ToArray();
        return keyed.Length == 0 ? [] : TargetKeys.Sorted(
            from e in entries
            from k in keyed
            where e.Values[k.i] is string && e.Values[k.id] is string
            select (e.TenantId, k.field.Code!.Value, (string)e.Values[k.i]!, (string)e.Values[k.id]!));
    }

    /// <param name="filter">The filter, after <see cref="ValueExpansion"/> (which leaves these fields' prefixes to this).</param>
    /// <param name="idsAsync">Up to <see cref="FilterSql.MaxArms"/> (value, id) pairs of a field (its <see cref="LogField.Code"/>) for some values.</param>
    /// <param name="prefixValuesAsync">Up to <see cref="ValueExpansion.MaxValues"/> + 1 distinct keyed values of a field in [low, high).</param>
    public static Task<LogFilter> ExpandAsync(LogFilter filter, Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync,
        Func<short, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync) =>
        LogFilterRewrite.UnderAndOrAsync(filter, condition => ExpandConditionAsync(condition, idsAsync, prefixValuesAsync));

    private static async Task<LogFilter> ExpandConditionAsync(LogFilter filter, Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync,
        Func<short, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync)
    {
        switch (filter)
        {
            case CompareFilter { Op: CompareOp.Eq, Value: string value } f when IsKeyed(f.Field):
                return await KeyedAsync(f, f.Field, [value], idsAsync);
            case InFilter f when IsKeyed(f.Field) && f.Values.Count <= ValueExpansion.MaxValues:
                return await KeyedAsync(f, f.Field, f.Values, idsAsync);
            case StartsWithFilter f when IsKeyed(f.Field) && FilterSql.PrefixEnd(f.Prefix) is { } end:
                var values = await prefixValuesAsync(f.Field.Code!.Value, f.Prefix, end);
                // A prefix of many values: matches are dense, and the commit-order walk finds a page soon.
                return values.Count > ValueExpansion.MaxValues ? f : await KeyedAsync(f, f.Field, values, idsAsync);
            default:
                return filter;
        }
    }

    private static async Task<LogFilter> KeyedAsync(LogFilter condition, LogField field, IReadOnlyList<string> values,
        Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync)
    {
        var pairs = values.Count == 0 ? [] : await idsAsync(field.Code!.Value, values);
        if (pairs.Count >= FilterSql.MaxArms)
        {
            return condition; // a value of many ids: matches are dense, and the commit-order walk finds a page soon
        }
        var id = field.KeyedBy!;
        var arms = pairs.Select(p => (LogFilter)new AndFilter(new CompareFilter(id, CompareOp.Eq, p.Id), new CompareFilter(field, CompareOp.Eq, p.Value)));
        var unkeyed = new AndFilter(new IsNullFilter(id), condition);
        return arms.Reverse().Aggregate((LogFilter)unkeyed, (or, arm) => new OrFilter(arm, or));
    }
}
