namespace Verity.Core.Storage;

/// <summary>The filterable properties of a log entry; each is a promoted, indexed column (or the targets side table).</summary>
public enum LogField
{
    Id,
    ActivityDateTime,
    ActivityDisplayName,
    Category,
    CorrelationId,
    LoggedByService,
    OperationType,
    Result,
    InitiatorUserId,
    InitiatorUserDisplayName,
    InitiatorUserPrincipalName,
    InitiatorAppId,
    InitiatorAppDisplayName,
    InitiatorServicePrincipalId,
    TargetId,
    TargetDisplayName,
    TargetType,
    TargetUserPrincipalName,
    ModifiedPropertyName,
}

public enum CompareOp { Eq, Ne, Gt, Ge, Lt, Le }

/// <summary>
/// The neutral filter tree a backend renders into parameterized SQL. It is the allow-list: whatever it cannot
/// express was refused while parsing. Values are strings, or <see cref="DateTimeOffset"/> for ActivityDateTime.
/// </summary>
public abstract record LogFilter;

public sealed record AndFilter(LogFilter Left, LogFilter Right) : LogFilter;

public sealed record OrFilter(LogFilter Left, LogFilter Right) : LogFilter;

public sealed record NotFilter(LogFilter Inner) : LogFilter;

public sealed record CompareFilter(LogField Field, CompareOp Op, object Value) : LogFilter;

public sealed record InFilter(LogField Field, IReadOnlyList<string> Values) : LogFilter;

public sealed record StartsWithFilter(LogField Field, string Prefix) : LogFilter;

public sealed record ContainsFilter(LogField Field, string Text) : LogFilter;

/// <summary>
/// The field has no value. Not part of the OData surface: a store's own rewrite produces it (SQLite's target keys, for
/// targets without an id).
/// </summary>
public sealed record IsNullFilter(LogField Field) : LogFilter;

/// <summary><c>targetResources/any(t: …)</c>: some target of the entry satisfies <see cref="Inner"/> (on Target* fields only).</summary>
public sealed record AnyTargetFilter(LogFilter Inner) : LogFilter;

/// <summary><c>t/modifiedProperties/any(p: …)</c> inside a target filter: some modified property of that target satisfies <see cref="Inner"/>.</summary>
public sealed record AnyPropertyFilter(LogFilter Inner) : LogFilter;

/// <summary>
/// The target's modified properties are one of these sets (<see cref="PropertySets"/>). Not part of the OData surface:
/// the stores' rewrite of <see cref="AnyPropertyFilter"/> produces it.
/// </summary>
public sealed record PropertySetFilter(IReadOnlyList<long> Keys) : LogFilter;
