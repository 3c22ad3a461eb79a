namespace Verity.Core.Storage;

/// <summary>
/// The term dictionary: per tenant, the distinct values of each field that <c>contains()</c> searches (a directory
/// has thousands of names, its log millions of entries). Stores add an entry's terms in the same transaction as the
/// entry, so every value of every visible entry is here. See <see cref="ValueExpansion"/>.
/// </summary>
internal static class LogTerms
{
    /// <summary>The field's code in <c>directory_audit_terms</c>, or null when contains() cannot name it.</summary>
    public static short? Code(LogField field) => field switch
    {
        LogField.ActivityDisplayName => 1,
        LogField.InitiatorUserDisplayName => 2,
        LogField.InitiatorUserPrincipalName => 3,
        LogField.InitiatorAppDisplayName => 4,
        LogField.TargetDisplayName => 5,
        LogField.TargetUserPrincipalName => 6,
        _ => null,
    };

    /// <summary>The distinct terms of some entries, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, short Field, string Value)> Of(IEnumerable<LogEntry> entries)
    {
        var terms = new SortedSet<(Guid, short, string)>(Comparer<(Guid, short, string)>.Create((x, y) =>
            x.Item1.CompareTo(y.Item1) is not 0 and var t ? t : x.Item2 != y.Item2 ? x.Item2.CompareTo(y.Item2) : string.CompareOrdinal(x.Item3, y.Item3)));
        foreach (var e in entries)
        {
            void Add(LogField field, string? value)
            {
                if (value is not null)
                {
                    terms.Add((e.TenantId, Code(field)!.Value, value));
                }
            }
            Add(LogField.ActivityDisplayName, e.ActivityDisplayName);
            Add(LogField.InitiatorUserDisplayName, e.InitiatorUserDisplayName);
            Add(LogField.InitiatorUserPrincipalName, e.InitiatorUserPrincipalName);
            Add(LogField.InitiatorAppDisplayName, e.InitiatorAppDisplayName);
            foreach (var target in e.Targets)
            {
                Add(LogField.TargetDisplayName, target.DisplayName);
                Add(LogField.TargetUserPrincipalName, target.UserPrincipalName);
            }
        }
        return [.. terms];
    }
}
