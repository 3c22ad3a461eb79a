namespace Verity.Core.Storage;

/// <summary>The activity logs Verity keeps. Each has its own gap-free sequence per tenant.</summary>
public enum LogName
{
    DirectoryAudits = 1,
    SignIns = 2,
}

public enum LogFieldType { Text, Time, Integer }

/// <summary>Where a filterable value lives: on the entry's own row, on a row of its collection (a target), or in a property set of one.</summary>
public enum LogFieldScope { Entry, Item, ItemProperty }

/// <summary>
/// A property a log filters on, and how it is indexed. Every field is a promoted column with a (tenant, column, seq)
/// index unless told otherwise:
/// <list type="bullet">
/// <item><see cref="Code"/> with <see cref="Searchable"/>: its distinct values are in the log's term dictionary, which
/// contains() searches (<see cref="LogTerms"/>).</item>
/// <item><see cref="KeyedBy"/>: its index holds only entries without that id; a condition on it is answered through
/// the key table, which records which ids ever carried a value (<see cref="EntryKeys"/>, <see cref="TargetKeys"/>).</item>
/// <item><see cref="CommonValue"/>: the value nearly every entry holds is left out of its index (see FilterSql.UncommonGuard).</item>
/// </list>
/// </summary>
public sealed class LogField
{
    /// <summary>The OData path from the entry (<c>initiatedBy/user/id</c>) or from a collection element (<c>displayName</c>).</summary>
    public required string Path { get; init; }
    public required string Column { get; init; }
    public LogFieldType Type { get; init; } = LogFieldType.Text;
    public LogFieldScope Scope { get; init; } = LogFieldScope.Entry;
    /// <summary>The $filter operations accepted (every one is answered from an index).</summary>
    public required IReadOnlyList<string> Operators { get; init; }
    /// <summary>The field's number in the log's term dictionary and key tables; stored, so never renumbered.</summary>
    public short? Code { get; init; }
    /// <summary>Its distinct values go to the term dictionary, for contains().</summary>
    public bool Searchable { get; init; }
    /// <summary>The id field whose key table answers conditions on this one.</summary>
    public LogField? KeyedBy { get; init; }
    public string? CommonValue { get; init; }
    /// <summary>
    /// A collection of which every entry holds exactly one element (signIn's <c>signInEventTypes</c>): stored as this
    /// one column, filtered as <c>path/any(t: t eq '…')</c>.
    /// </summary>
    public bool IsSingletonCollection { get; init; }

    /// <summary>The column as the log's SQL names it: <c>a.</c> for the entry, <c>t.</c> for an element, <c>s.</c> for a property set.</summary>
    public string Sql => Scope switch
    {
        LogFieldScope.Entry => $"a.{Column}",
        LogFieldScope.Item => $"t.{Column}",
        _ => $"s.{Column}",
    };

    public override string ToString() => Path;
}

/// <summary>
/// A log's collection of elements that filters reach with <c>any()</c> (a directoryAudit's <c>targetResources</c>):
/// a side table with a row per element, its own key table, and the names of each element's modified properties
/// stored as one set key (<see cref="PropertySets"/>).
/// </summary>
public sealed class LogCollection
{
    public required string Path { get; init; }
    public required string Table { get; init; }
    public required IReadOnlyList<LogField> Fields { get; init; }
    /// <summary>The element's id, which names and UPNs are found through.</summary>
    public required LogField Id { get; init; }
    public required string KeysTable { get; init; }
    public required string KeysIdColumn { get; init; }
    /// <summary>The nested collection of each element whose names are stored as sets (<c>modifiedProperties</c>).</summary>
    public required string PropertiesPath { get; init; }
    public required LogField PropertyName { get; init; }
    public required string PropertySetsTable { get; init; }

    /// <summary>The position of one of <see cref="Fields"/> in an element's values.</summary>
    public int IndexOf(LogField field) => LogFields.IndexOf(Fields, field, Path);
}

internal static class LogFields
{
    /// <summary>The position of a field (compared by reference) in a list of a log's fields.</summary>
    public static int IndexOf(IReadOnlyList<LogField> fields, LogField field, string owner)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (ReferenceEquals(fields[i], field))
            {
                return i;
            }
        }
        throw new ArgumentException($"{field.Path} is not a field of {owner}.", nameof(field));
    }
}

/// <summary>
/// A log, described once: its Graph entity, id, time property, the promoted columns its filters run on and how each is
/// indexed, and its tables. The stores, the filter parser, paging, counts, downloads, the live feed and aggregates all
/// work from this; adding a log is a description and a schema file.
/// </summary>
public sealed class LogDefinition
{
    public required LogName Name { get; init; }
    /// <summary>The Graph entity type (<c>directoryAudit</c>) and its entity set (<c>directoryAudits</c>).</summary>
    public required string EntityType { get; init; }
    public required string EntitySet { get; init; }
    public required string Table { get; init; }
    public required LogField Id { get; init; }
    public required LogField Time { get; init; }
    /// <summary>The entry's promoted columns besides id and time, in the order of <see cref="LogEntry.Values"/>.</summary>
    public required IReadOnlyList<LogField> Columns { get; init; }
    public required string TermsTable { get; init; }
    /// <summary>SQLite's trigram (FTS5) index over the term dictionary.</summary>
    public required string TermsTextTable { get; init; }
    /// <summary>The key table of entry fields found through an id (<see cref="LogField.KeyedBy"/>), and its id column.</summary>
    public string? KeysTable { get; init; }
    public string? KeysIdColumn { get; init; }
    public LogCollection? Items { get; init; }

    /// <summary>Every filterable field: id, time, the columns, the collection's fields and its property name.</summary>
    public IEnumerable<LogField> Fields => [Id, Time, .. Columns, .. Items?.Fields ?? [], .. Items is null ? [] : new[] { Items.PropertyName }];

    public int IndexOf(LogField column) => LogFields.IndexOf(Columns, column, EntitySet);

    /// <summary>An entry of this log: its exact JSON and its values for <see cref="Columns"/> (and its collection's elements).</summary>
    public LogEntry Entry(Guid tenantId, string id, DateTimeOffset time, byte[] json, object?[] values, IReadOnlyList<LogItem>? items = null)
    {
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"{EntitySet} has {Columns.Count} promoted columns; {values.Length} values were given.", nameof(values));
        }
        return new LogEntry { TenantId = tenantId, Log = Name, Id = id, Time = time, Json = json, Values = values, Items = items ?? [] };
    }

    /// <summary>The entry field at an OData path, or null.</summary>
    public LogField? EntryField(string path) => path == Id.Path ? Id : path == Time.Path ? Time : Columns.FirstOrDefault(c => c.Path == path);

    public override string ToString() => EntitySet;
}

/// <summary>Every log Verity keeps.</summary>
public static class Logs
{
    public static IReadOnlyList<LogDefinition> All { get; } = [DirectoryAuditsLog.Definition, SignInsLog.Definition];

    public static LogDefinition Of(LogName name) => name switch
    {
        LogName.DirectoryAudits => DirectoryAuditsLog.Definition,
        LogName.SignIns => SignInsLog.Definition,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown log."),
    };
}
