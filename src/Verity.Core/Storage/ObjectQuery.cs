namespace Verity.Core.Storage;

/// <summary>
/// A filtered, ordered page of one kind of directory object (<see cref="IDirectoryStore.QueryObjectsAsync"/>).
/// <see cref="OrderBy"/> and every property a filter names come from the allow-list in
/// <c>Verity.Core.Query.DirectoryFields</c>; backends read them as JSON paths passed as parameters.
/// </summary>
public sealed record ObjectQuery
{
    public required Guid TenantId { get; init; }
    public required string Kind { get; init; }
    public ObjectFilter? Filter { get; init; }

    /// <summary>The property to sort by (case-insensitively, a missing value first), then id; null sorts by id only.</summary>
    public string? OrderBy { get; init; }
    public bool Descending { get; init; }

    /// <summary>Where the previous page stopped (<see cref="ObjectPage.Next"/>), or null for the first page.</summary>
    public ObjectCursor? After { get; init; }
    public int Top { get; init; } = 100;
}

/// <summary>A keyset position: the sort key of the last object served (null without <see cref="ObjectQuery.OrderBy"/>) and its id.</summary>
public sealed record ObjectCursor(string? Key, string Id);

/// <summary>Up to <see cref="ObjectQuery.Top"/> objects, and the cursor of the next page when there are more.</summary>
public sealed record ObjectPage(IReadOnlyList<StoredObject> Objects, ObjectCursor? Next);

/// <summary>
/// The neutral filter a backend renders into parameterized SQL over an object's JSON. Strings compare
/// case-insensitively; values are strings (timestamps as ISO 8601 UTC text), booleans or null.
/// </summary>
public abstract record ObjectFilter;

public sealed record ObjectAnd(ObjectFilter Left, ObjectFilter Right) : ObjectFilter;

public sealed record ObjectOr(ObjectFilter Left, ObjectFilter Right) : ObjectFilter;

public sealed record ObjectNot(ObjectFilter Inner) : ObjectFilter;

/// <summary>A comparison; <c>eq null</c> and <c>ne null</c> test for a missing value, and <c>ne</c> holds for one.</summary>
public sealed record ObjectCompare(string Property, CompareOp Op, object? Value) : ObjectFilter;

public sealed record ObjectIn(string Property, IReadOnlyList<object> Values) : ObjectFilter;

public sealed record ObjectStartsWith(string Property, string Prefix) : ObjectFilter;

public sealed record ObjectEndsWith(string Property, string Suffix) : ObjectFilter;

/// <summary>Some word of the value (words split at spaces and punctuation) starts with <see cref="Word"/>: Graph's tokenized <c>$search</c>.</summary>
public sealed record ObjectWordPrefix(string Property, string Word) : ObjectFilter;

/// <summary><c>groupTypes/any(c: c eq 'Unified')</c>: some element of a string collection equals the value.</summary>
public sealed record ObjectAnyEquals(string Property, string Value) : ObjectFilter;
