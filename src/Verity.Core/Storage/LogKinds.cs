namespace Verity.Core.Storage;

/// <summary>
/// The kinds dictionary (PostgreSQL's <c>directory_audit_kinds</c>): per tenant, the distinct (category, operation
/// type, activity) combinations of its log, added in the same transaction as the entries. Category and operation
/// type have no index of their own; a condition on them is rewritten into the activities it stands for, which the
/// activity index serves one ordered walk each (see <see cref="FilterSql.PageSeqs"/>).
/// </summary>
internal static class LogKinds
{
    /// <summary>The distinct kinds of some entries, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, string Category, string OperationType, string Activity)> Of(IEnumerable<LogEntry> entries) =>
        [.. entries.Select(e => (e.TenantId, e.Category, e.OperationType, Activity: e.ActivityDisplayName))
            .Distinct()
            .OrderBy(k => k.TenantId).ThenBy(k => k.Category, StringComparer.Ordinal).ThenBy(k => k.OperationType, StringComparer.Ordinal)
            .ThenBy(k => k.Activity, StringComparer.Ordinal)];

    /// <summary>
    /// Rewrites each largest part of the filter that tests only category and operation type. Where the tenant's
    /// kinds show that the part holds for every entry of some activities and for no entry of the others, it becomes
    /// an <c>in</c> over those activities; where an activity occurs with kinds on both sides, each activity is walked
    /// with the part kept as its condition; more than <see cref="FilterSql.MaxArms"/> activities keep the part as it is.
    /// </summary>
    /// <param name="filter">The filter.</param>
    /// <param name="activitiesAsync">
    /// Up to <see cref="FilterSql.MaxArms"/> + 1 activities with a kind satisfying the part, each with whether all its
    /// kinds do.
    /// </param>
    public static async Task<LogFilter> ExpandAsync(LogFilter filter, Func<LogFilter, Task<IReadOnlyList<(string Activity, bool Always)>>> activitiesAsync)
    {
        if (OnKindsOnly(filter))
        {
            var activities = await activitiesAsync(filter);
            if (activities.Count > FilterSql.MaxArms)
            {
                return filter;
            }
            if (activities.All(a => a.Always))
            {
                return new InFilter(LogField.ActivityDisplayName, [.. activities.Select(a => a.Activity)]);
            }
            return activities
                .Select(a => (LogFilter)new AndFilter(new CompareFilter(LogField.ActivityDisplayName, CompareOp.Eq, a.Activity), filter))
                .Aggregate((left, right) => new OrFilter(left, right));
        }
        return filter switch
        {
            AndFilter f => new AndFilter(await ExpandAsync(f.Left, activitiesAsync), await ExpandAsync(f.Right, activitiesAsync)),
            OrFilter f => new OrFilter(await ExpandAsync(f.Left, activitiesAsync), await ExpandAsync(f.Right, activitiesAsync)),
            NotFilter f => new NotFilter(await ExpandAsync(f.Inner, activitiesAsync)),
            _ => filter,
        };
    }

    /// <summary>Whether the filter tests nothing but category and operation type (columns the kinds table has too).</summary>
    private static bool OnKindsOnly(LogFilter filter) => filter switch
    {
        AndFilter f => OnKindsOnly(f.Left) && OnKindsOnly(f.Right),
        OrFilter f => OnKindsOnly(f.Left) && OnKindsOnly(f.Right),
        NotFilter f => OnKindsOnly(f.Inner),
        CompareFilter f => IsKindField(f.Field),
        InFilter f => IsKindField(f.Field),
        IsNullFilter f => IsKindField(f.Field),
        _ => false,
    };

    private static bool IsKindField(LogField field) => field is LogField.Category or LogField.OperationType;
}
