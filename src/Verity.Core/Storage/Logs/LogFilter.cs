namespace Verity.Core.Storage;

public enum CompareOp { Eq, Ne, Gt, Ge, Lt, Le }

/// <summary>
/// The neutral filter tree a backend renders into parameterized SQL. It is the allow-list: whatever it cannot
/// express was refused while parsing. Values are strings, <see cref="DateTimeOffset"/> for a log's time field and long for Integer fields.
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
/// elements without an id).
/// </summary>
public sealed record IsNullFilter(LogField Field) : LogFilter;

/// <summary><c>targetResources/any(t: …)</c>: some element of the entry's collection satisfies <see cref="Inner"/> (on Item fields only).</summary>
public sealed record AnyItemFilter(LogFilter Inner) : LogFilter;

/// <summary><c>t/modifiedProperties/any(p: …)</c> inside a target filter: some modified property of that target satisfies <see cref="Inner"/>.</summary>
public sealed record AnyPropertyFilter(LogFilter Inner) : LogFilter;

/// <summary>
/// The target's modified properties are one of these sets (<see cref="PropertySets"/>). Not part of the OData surface:
/// the stores' rewrite of <see cref="AnyPropertyFilter"/> produces it.
/// </summary>
public sealed record PropertySetFilter(IReadOnlyList<long> Keys) : LogFilter;

internal static class LogFilterRewrite
{
    /// <summary>Rewrites each condition that ands and ors combine (nots and lambdas are conditions here), keeping the combination.</summary>
    public static async Task<LogFilter> UnderAndOrAsync(LogFilter filter, Func<LogFilter, Task<LogFilter>> condition) => filter switch
    {
        AndFilter f => new AndFilter(await UnderAndOrAsync(f.Left, condition), await UnderAndOrAsync(f.Right, condition)),
        OrFilter f => new OrFilter(await UnderAndOrAsync(f.Left, condition), await UnderAndOrAsync(f.Right, condition)),
        _ => await condition(filter),
    };
}
