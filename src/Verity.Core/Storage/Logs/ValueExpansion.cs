namespace Verity.Core.Storage;

/// <summary>
/// Rewrites filters whose matches an ordered index walk cannot find quickly into an <c>in</c> over the few values
/// they stand for, which <see cref="FilterSql.PageSeqs"/> walks one by one for at most a page each.
/// <list type="bullet">
/// <item>A <c>startswith</c> on an entry column reads its index as one range whose matches are not in commit order,
/// so a common prefix would make the database sort every match. Most prefixes people type cover a handful of values
/// ("Add member" → two activities, "admin04" → ten admins): those are looked up first, one index step per value.</item>
/// <item>A <c>contains</c> has no ordered index at all. It is looked up in the tenant's term dictionary
/// (<see cref="LogTerms"/>): a rare text ("r012345@") names one or two users among thousands, and their
/// (tenant, column, seq) indexes then serve the page. A text in many values ("user") keeps the commit-order walk,
/// which finds a page quickly precisely because matches are dense; a text in none matches nothing.</item>
/// </list>
/// </summary>
internal static class ValueExpansion
{
    public const int MaxValues = 16;

    /// <param name="filter">The filter to rewrite.</param>
    /// <param name="prefixValuesAsync">Up to <see cref="MaxValues"/> + 1 distinct values of a column in [low, high), ascending.</param>
    /// <param name="containingValuesAsync">Up to <see cref="MaxValues"/> + 1 distinct values of a field that contain a text.</param>
    public static async Task<LogFilter> ExpandAsync(LogFilter filter, Func<LogField, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync,
        Func<LogField, string, Task<IReadOnlyList<string>>> containingValuesAsync)
    {
        switch (filter)
        {
            // Element, modified-property and keyed prefixes are the stores' own rewrites (TargetKeys, PropertySets, EntryKeys).
            case StartsWithFilter { Field: { Scope: LogFieldScope.Entry, KeyedBy: null } } f when FilterSql.PrefixEnd(f.Prefix) is { } end:
                var prefixed = await prefixValuesAsync(f.Field, f.Prefix, end);
                return prefixed.Count is > 0 and <= MaxValues ? new InFilter(f.Field, prefixed) : f;
            case ContainsFilter { Field.Searchable: true } f:
                var containing = await containingValuesAsync(f.Field, f.Text);
                return containing.Count <= MaxValues ? new InFilter(f.Field, containing) : f;
            case AnyItemFilter f:
                return new AnyItemFilter(await ExpandAsync(f.Inner, prefixValuesAsync, containingValuesAsync));
            case OrFilter f:
                return new OrFilter(await ExpandAsync(f.Left, prefixValuesAsync, containingValuesAsync), await ExpandAsync(f.Right, prefixValuesAsync, containingValuesAsync));
            case AndFilter f:
                return new AndFilter(await ExpandAsync(f.Left, prefixValuesAsync, containingValuesAsync), await ExpandAsync(f.Right, prefixValuesAsync, containingValuesAsync));
            default:
                return filter;
        }
    }

    /// <summary>The distinct values of a column in a range, found by stepping through its (tenant, column, seq) index.</summary>
    public static string PrefixValuesSql(LogDefinition log, LogField field)
    {
        var column = field.Sql;
        return "with recursive v(x) as (" +
            $"select (select min({column}) from {log.Table} a where a.tenant_id = @t and {column} >= @low and {column} < @high) " +
            $"union all select (select min({column}) from {log.Table} a where a.tenant_id = @t and {column} > v.x and {column} < @high) from v where v.x is not null) " +
            $"select x from v where x is not null limit {MaxValues + 1}";
    }
}
