namespace Verity.Core.Storage;

/// <summary>
/// One log entry ready to append: the exact JSON bytes served to clients plus the promoted, indexed values that
/// filters run on, in the order of its log's <see cref="LogDefinition.Columns"/>. The store assigns
/// <see cref="StoredLogEntry.Seq"/> at commit.
/// </summary>
public sealed record LogEntry
{
    public required Guid TenantId { get; init; }
    public required LogName Log { get; init; }
    public required string Id { get; init; }
    /// <summary>The indexed stand-in for <see cref="Id"/>; see <see cref="KeyOf"/>.</summary>
    public long IdKey => KeyOf(Id);
    public required DateTimeOffset Time { get; init; }
    public required byte[] Json { get; init; }
    /// <summary>One value per promoted column: string, long (Integer fields) or null.</summary>
    public required IReadOnlyList<object?> Values { get; init; }
    /// <summary>The elements of the log's collection (a directoryAudit's targets), if it has one.</summary>
    public IReadOnlyList<LogItem> Items { get; init; } = [];

    public LogDefinition Definition => Logs.Of(Log);

    /// <summary>The value of one of the log's promoted columns.</summary>
    public object? this[LogField column] => Values[Definition.IndexOf(column)];

    /// <summary>
    /// The 63-bit key under which an id is indexed: the integer that ends it (Entra-style audit ids end in one, and
    /// Verity makes it time-ordered so the index grows at its end), the time-ordered start of a version 7 GUID, else a
    /// hash of the whole id. Several ids may share a
    /// key; lookups compare the full id too.
    /// </summary>
    public static long KeyOf(string id)
    {
        // A version 7 GUID (a sign-in's request id) starts with its Unix milliseconds: its first 64 bits, halved.
        if (id.Length == 36 && id[14] == '7' && id[8] == '-' && id[13] == '-'
            && uint.TryParse(id.AsSpan(0, 8), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var high)
            && ushort.TryParse(id.AsSpan(9, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var middle)
            && ushort.TryParse(id.AsSpan(14, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var low))
        {
            return (long)((((ulong)high << 32) | ((ulong)middle << 16) | low) >> 1);
        }
        var tail = id.AsSpan(id.LastIndexOf('_') + 1);
        if (tail.Length is > 0 and <= 18 && long.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var key))
        {
            return key;
        }
        return (long)(BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)), 0) >> 1);
    }
}

/// <summary>An element of a log's collection: one value per field of <see cref="LogCollection.Fields"/>.</summary>
public sealed record LogItem(IReadOnlyList<object?> Values)
{
    private readonly IReadOnlyList<string> _propertyNames = [];

    /// <summary>The distinct names of the element's modified properties, indexed for modifiedProperties/any(p: …).</summary>
    public IReadOnlyList<string> PropertyNames
    {
        get => _propertyNames;
        init
        {
            _propertyNames = value;
            PropertySet = PropertySets.KeyOf(value);
        }
    }

    /// <summary>The key of <see cref="PropertyNames"/> as a set (<see cref="PropertySets"/>); null when there are none.</summary>
    public long? PropertySet { get; private init; }
}

/// <summary>An entry as read back: its commit-order sequence number and the exact bytes that were stored.</summary>
public sealed record StoredLogEntry(long Seq, string Id, DateTimeOffset Time, byte[] Json);

/// <summary>The one query shape every backend answers: newest (or oldest) first by commit order, keyset-paged on <see cref="StoredLogEntry.Seq"/>.</summary>
public sealed record LogQuery
{
    public required Guid TenantId { get; init; }
    public LogName Log { get; init; } = LogName.DirectoryAudits;
    public required int Top { get; init; }
    public bool Descending { get; init; } = true;
    /// <summary>Continue after this sequence number (exclusive), in the query's direction; null for the first page.</summary>
    public long? AfterSeq { get; init; }
    /// <summary>Only entries matching this filter; null for all.</summary>
    public LogFilter? Filter { get; init; }

    public LogDefinition Definition => Logs.Of(Log);
}

public sealed record LogPage(IReadOnlyList<StoredLogEntry> Entries, bool HasMore);
