namespace Verity.Core.Storage;

/// <summary>
/// A <c>startswith</c> on an entry column reads its index as one range, whose matches are not in commit order, so a
/// common prefix would make the database sort every match before it can return a page. Most prefixes people type
/// cover a handful of values ("Add member" → two activities, "admin04" → ten admins): those are looked up first
/// (one index step per value) and the filter becomes an <c>in</c>, whose values <see cref="FilterSql.PageSeqs"/>
/// walks one by one for at most a page each. A prefix with more values keeps its range.
/// </summary>
internal static class PrefixExpansion
{
    public const int MaxValues = 16;

    /// <param name="filter">The filter to rewrite.</param>
    /// <param name="valuesAsync">Up to <see cref="MaxValues"/> + 1 distinct values of a column in [low, high), ascending.</param>
    public static async Task<LogFilter> ExpandAsync(LogFilter filter, Func<LogField, string, string, Task<IReadOnlyList<string>>> valuesAsync)
    {
        switch (filter)
        {
            case StartsWithFilter { Field: not (LogField.TargetId or LogField.TargetDisplayName or LogField.TargetType or LogField.TargetUserPrincipalName or LogField.ModifiedPropertyName) } f
                when FilterSql.PrefixEnd(f.Prefix) is { } end:
                var values = await valuesAsync(f.Field, f.Prefix, end);
                return values.Count is > 0 and <= MaxValues ? new InFilter(f.Field, values) : f;
            case OrFilter f:
                return new OrFilter(await ExpandAsync(f.Left, valuesAsync), await ExpandAsync(f.Right, valuesAsync));
            case AndFilter f:
                return new AndFilter(await ExpandAsync(f.Left, valuesAsync), await ExpandAsync(f.Right, valuesAsync));
            default:
                return filter;
        }
    }

    /// <summary>The distinct values of a column in a range, found by stepping through its (tenant, column, seq) index.</summary>
    public static string ValuesSql(LogField field)
    {
        var column = FilterSql.Column(field);
        return "with recursive v(x) as (" +
            $"select (select min({column}) from directory_audits a where a.tenant_id = @t and {column} >= @low and {column} < @high) " +
            $"union all select (select min({column}) from directory_audits a where a.tenant_id = @t and {column} > v.x and {column} < @high) from v where v.x is not null) " +
            $"select x from v where x is not null limit {MaxValues + 1}";
    }
}
