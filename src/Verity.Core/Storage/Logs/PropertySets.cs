using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Core.Storage;

/// <summary>
/// The names of a target's modified properties are stored as one key: the set of names, which a directory repeats
/// (every "Update user" of a job title has {JobTitle, Included Updated Properties}). A target row carries its set's key
/// (<c>property_set</c>, one index entry); the collection's property-set table lists each set's names once per tenant.
/// A row per property cost an "Add group" five rows and ten index entries. A property condition becomes the keys of
/// the sets with a matching name, each an ordered walk of the targets' (tenant, property_set, seq) index.
/// </summary>
internal static class PropertySets
{
    /// <summary>
    /// A set's key: the first 8 bytes (big-endian) of the SHA-256 of its distinct names, sorted ordinally and joined by
    /// line feeds, as UTF-8. Schema 7 (PostgreSQL) and 8 (SQLite) compute the same for the rows they convert. Null
    /// for no names.
    /// </summary>
    public static long? KeyOf(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0)
        {
            return null;
        }
        var sorted = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return KeyOfJoined(string.Join('\n', sorted));
    }

    /// <summary>The key of names already distinct, sorted and joined (what the SQLite migration's function receives).</summary>
    public static long KeyOfJoined(string joined)
    {
        // A directory repeats a few sets endlessly, and each SHA-256 through OpenSSL cost about a microsecond.
        if (s_keys.TryGetValue(joined, out var key))
        {
            return key;
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(joined), hash);
        key = BinaryPrimitives.ReadInt64BigEndian(hash);
        if (s_keys.Count >= MaxCachedKeys)
        {
            s_keys.Clear();
        }
        s_keys[joined] = key;
        return key;
    }

    private const int MaxCachedKeys = 10_000;
    private static readonly ConcurrentDictionary<string, long> s_keys = new(StringComparer.Ordinal);

    /// <summary>The (tenant, key, name) rows of the entries' sets, distinct and sorted, so concurrent writers add shared ones in the same order.</summary>
    public static List<(Guid TenantId, long Key, string Name)> Of(IEnumerable<LogEntry> entries) =>
        [.. entries.SelectMany(e => e.Items.Where(t => t.PropertySet is not null)
                .SelectMany(t => t.PropertyNames.Select(name => (e.TenantId, Key: t.PropertySet!.Value, Name: name))))
            .Distinct()
            .OrderBy(r => r.TenantId).ThenBy(r => r.Key).ThenBy(r => r.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Rewrites each modified-property condition into the keys of the sets holding a matching name, when there are at
    /// most <see cref="FilterSql.MaxArms"/>: one <see cref="PropertySetFilter"/> per key, OR-ed, which
    /// <see cref="FilterSql.PageSeqs"/> walks as arms. More sets than that keep the condition, rendered as a subquery
    /// over the sets: a name in that many sets is common, and the commit-order walk finds a page soon.
    /// </summary>
    /// <param name="filter">The filter.</param>
    /// <param name="keysAsync">Up to <see cref="FilterSql.MaxArms"/> + 1 distinct keys of the sets with a name matching a property condition.</param>
    public static async Task<LogFilter> ExpandAsync(LogFilter filter, Func<AnyPropertyFilter, Task<IReadOnlyList<long>>> keysAsync)
    {
        switch (filter)
        {
            case AndFilter f:
                return new AndFilter(await ExpandAsync(f.Left, keysAsync), await ExpandAsync(f.Right, keysAsync));
            case OrFilter f:
                return new OrFilter(await ExpandAsync(f.Left, keysAsync), await ExpandAsync(f.Right, keysAsync));
            case NotFilter f:
                return new NotFilter(await ExpandAsync(f.Inner, keysAsync));
            case AnyItemFilter f:
                return new AnyItemFilter(await ExpandAsync(f.Inner, keysAsync));
            case AnyPropertyFilter f:
                var keys = await keysAsync(f);
                if (keys.Count > FilterSql.MaxArms)
                {
                    return f;
                }
                return keys.Count == 0
                    ? new PropertySetFilter([])
                    : keys.Select(k => (LogFilter)new PropertySetFilter([k])).Reverse().Aggregate((or, arm) => new OrFilter(arm, or));
            default:
                return filter;
        }
    }
}
