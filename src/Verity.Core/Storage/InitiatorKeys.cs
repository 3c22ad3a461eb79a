namespace Verity.Core.Storage;

/// <summary>
/// Both stores answer an initiator's display name, UPN or service principal through the initiator's id, as
/// <see cref="TargetKeys"/> does for targets: an index keyed by each of them cost every audited change an index
/// entry apiece, while a name rarely changes. <c>directory_audit_initiator_keys</c> records, per tenant, which user
/// or application ids ever carried a value (written only when a pair is new); a condition on the value becomes one
/// arm per id, that id's ordered index walk with the stored value rechecked. Entries without an id keep a small
/// index of their own (<c>... where initiator_user_id is null</c>).
/// </summary>
internal static class InitiatorKeys
{
    /// <summary>The field's code in <c>directory_audit_initiator_keys</c> (the term dictionary's where it has one), or null when it is not keyed.</summary>
    public static short? Code(LogField field) => field switch
    {
        LogField.InitiatorUserDisplayName => 2,
        LogField.InitiatorUserPrincipalName => 3,
        LogField.InitiatorAppDisplayName => 4,
        LogField.InitiatorServicePrincipalId => 7,
        _ => null,
    };

    /// <summary>The id field a keyed field is found through.</summary>
    private static LogField IdOf(LogField field) => field is LogField.InitiatorUserDisplayName or LogField.InitiatorUserPrincipalName
        ? LogField.InitiatorUserId
        : LogField.InitiatorAppId;

    /// <summary>The distinct (tenant, field, value, id) keys of some entries, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, short Field, string Value, string Id)> Of(IEnumerable<LogEntry> entries) => TargetKeys.Sorted(
        from e in entries
        from key in new[]
        {
            (Field: LogField.InitiatorUserDisplayName, Value: e.InitiatorUserDisplayName, Id: e.InitiatorUserId),
            (Field: LogField.InitiatorUserPrincipalName, Value: e.InitiatorUserPrincipalName, Id: e.InitiatorUserId),
            (Field: LogField.InitiatorAppDisplayName, Value: e.InitiatorAppDisplayName, Id: e.InitiatorAppId),
            (Field: LogField.InitiatorServicePrincipalId, Value: e.InitiatorServicePrincipalId, Id: e.InitiatorAppId),
        }
        where key.Value is not null && key.Id is not null
        select (e.TenantId, Code(key.Field)!.Value, key.Value!, key.Id!));

    /// <param name="filter">The filter, after <see cref="ValueExpansion"/> (which leaves these fields' prefixes to this).</param>
    /// <param name="idsAsync">Up to <see cref="FilterSql.MaxArms"/> (value, id) pairs of a field (its <see cref="Code"/>) for some values.</param>
    /// <param name="prefixValuesAsync">Up to <see cref="ValueExpansion.MaxValues"/> + 1 distinct keyed values of a field in [low, high).</param>
    public static async Task<LogFilter> ExpandAsync(LogFilter filter, Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync,
        Func<short, string, string, Task<IReadOnlyList<string>>> prefixValuesAsync)
    {
        switch (filter)
        {
            case AndFilter f:
                return new AndFilter(await ExpandAsync(f.Left, idsAsync, prefixValuesAsync), await ExpandAsync(f.Right, idsAsync, prefixValuesAsync));
            case OrFilter f:
                return new OrFilter(await ExpandAsync(f.Left, idsAsync, prefixValuesAsync), await ExpandAsync(f.Right, idsAsync, prefixValuesAsync));
            case CompareFilter { Op: CompareOp.Eq, Value: string value } f when Code(f.Field) is not null:
                return await KeyedAsync(f, f.Field, [value], idsAsync);
            case InFilter f when Code(f.Field) is not null && f.Values.Count <= ValueExpansion.MaxValues:
                return await KeyedAsync(f, f.Field, f.Values, idsAsync);
            case StartsWithFilter f when Code(f.Field) is { } code && FilterSql.PrefixEnd(f.Prefix) is { } end:
                var values = await prefixValuesAsync(code, f.Prefix, end);
                // A prefix of many values: matches are dense, and the commit-order walk finds a page soon.
                return values.Count > ValueExpansion.MaxValues ? f : await KeyedAsync(f, f.Field, values, idsAsync);
            default:
                return filter;
        }
    }

    private static async Task<LogFilter> KeyedAsync(LogFilter condition, LogField field, IReadOnlyList<string> values,
        Func<short, IReadOnlyList<string>, Task<IReadOnlyList<(string Value, string Id)>>> idsAsync)
    {
        var pairs = values.Count == 0 ? [] : await idsAsync(Code(field)!.Value, values);
        if (pairs.Count >= FilterSql.MaxArms)
        {
            return condition; // a value of many ids: matches are dense, and the commit-order walk finds a page soon
        }
        var id = IdOf(field);
        var arms = pairs.Select(p => (LogFilter)new AndFilter(new CompareFilter(id, CompareOp.Eq, p.Id), new CompareFilter(field, CompareOp.Eq, p.Value)));
        var unkeyed = new AndFilter(new IsNullFilter(id), condition);
        return arms.Reverse().Aggregate((LogFilter)unkeyed, (or, arm) => new OrFilter(arm, or));
    }
}
