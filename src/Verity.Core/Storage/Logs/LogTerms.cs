namespace Verity.Core.Storage;

/// <summary>
/// The term dictionary: per tenant, the distinct values of each field that <c>contains()</c> searches (a directory
/// has thousands of names, its log millions of entries). Stores add an entry's terms in the same transaction as the
/// entry, so every value of every visible entry is here. See <see cref="ValueExpansion"/>.
/// </summary>
internal static class LogTerms
{
    /// <summary>The distinct terms of some entries of one log, sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, short Field, string Value)> Of(LogDefinition log, IEnumerable<LogEntry> entries)
    {
        var columns = log.Columns.Select((field, i) => (field, i)).Where(c => c.field.Searchable).ToArray();
        var itemFields = log.Items?.Fields.Select((field, i) => (field, i)).Where(c => c.field.Searchable).ToArray() ?? [];
        var terms = new SortedSet<(Guid, short, string)>(Comparer<(Guid, short, string)>.Create((x, y) =>
            x.Item1.CompareTo(y.Item1) is not 0 and var t ? t : x.Item2 != y.Item2 ? x.Item2.CompareTo(y.Item2) : string.CompareOrdinal(x.Item3, y.Item3)));
        foreach (var e in entries)
        {
            foreach (var (field, i) in columns)
            {
                if (e.Values[i] is string value)
                {
                    terms.Add((e.TenantId, field.Code!.Value, value));
                }
            }
            foreach (var item in e.Items)
            {
                foreach (var (field, i) in itemFields)
                {
                    if (item.Values[i] is string value)
                    {
                        terms.Add((e.TenantId, field.Code!.Value, value));
                    }
                }
            }
        }
        return [.. terms];
    }
}
