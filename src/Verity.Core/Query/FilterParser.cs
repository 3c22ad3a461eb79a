using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using Verity.Core.Storage;

namespace Verity.Core.Query;

/// <summary>A query a client can fix: the message says what was wrong and what is accepted.</summary>
public sealed class QueryException(string message) : Exception(message);

/// <summary>
/// Parses an OData <c>$filter</c> with Microsoft.OData.Core against <see cref="GraphModel"/> and translates the tree
/// into a <see cref="LogFilter"/> over a log's described fields (<see cref="LogDefinition"/>). Anything the filter
/// record cannot express, or a field or operator the log does not index, is a <see cref="QueryException"/>.
/// </summary>
public static class FilterParser
{
    private const int MaxLength = 4096;

    /// <summary>Where a path is read from: the entry, an element of its collection, a modified property, or a singleton collection's value.</summary>
    private enum Scope { Entry, Item, Property, Singleton }

    private sealed record Context(LogDefinition Log, Scope Scope, LogField? Singleton = null);

    // Graph's documentation compares times with bare dates (activityDateTime le 2018-01-24); OData types those as
    // Edm.Date, so they are read as midnight UTC.
    private static readonly ConcurrentDictionary<LogName, Regex> s_bareDates = new();

    private static Regex BareDate(LogDefinition log) => s_bareDates.GetOrAdd(log.Name, _ =>
        new Regex($@"({Regex.Escape(log.Time.Path)}\s+(?:eq|ne|gt|ge|lt|le)\s+)(\d{{4}}-\d{{2}}-\d{{2}})(?![T\d:])", RegexOptions.CultureInvariant));

    public static LogFilter Parse(string filter, LogDefinition log)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            throw new QueryException("Invalid $filter: it is empty. Leave $filter out to list every entry.");
        }
        if (filter.Length > MaxLength)
        {
            throw new QueryException($"$filter is longer than {MaxLength} characters.");
        }
        ODataParsing.RefuseNul(filter, "$filter");
        var parser = new ODataQueryOptionParser(GraphModel.Model, GraphModel.Entity(log), null,
            new Dictionary<string, string> { ["$filter"] = BareDate(log).Replace(filter, "${1}${2}T00:00:00Z") })
        {
            Resolver = new StringAsEnumResolver { EnableCaseInsensitive = false },
            Settings = { MaximumExpansionDepth = 2, MaximumExpansionCount = 2 },
        };
        var clause = ODataParsing.Run(parser.ParseFilter, "$filter", log.EntityType);
        return Translate(clause.Expression, new Context(log, Scope.Entry));
    }

    private static LogFilter Translate(QueryNode node, Context at)
    {
        switch (node)
        {
            case ConvertNode convert:
                return Translate(convert.Source, at);
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And } and:
                return new AndFilter(Translate(and.Left, at), Translate(and.Right, at));
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Or } or:
                return new OrFilter(Translate(or.Left, at), Translate(or.Right, at));
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                return new NotFilter(Translate(not.Operand, at));
            case BinaryOperatorNode compare:
                return Compare(compare, at);
            case SingleValueFunctionCallNode call when call.Name is "startswith" or "contains":
                return Function(call, at);
            case InNode @in:
                return In(@in, at);
            case AnyNode any:
                return Any(any, at);
            case AllNode:
                throw new QueryException($"all() is not supported in $filter; use {AnyHint(at.Log)}.");
            case SingleValueFunctionCallNode call:
                throw new QueryException($"Function '{call.Name}' is not supported in $filter. Supported: startswith, contains, and the in operator.");
            default:
                throw new QueryException($"This $filter expression ({node.Kind}) is not supported. Compare a property with a literal, combine with and/or/not.");
        }
    }

    private static LogFilter Any(AnyNode any, Context at)
    {
        var log = at.Log;
        var name = any.Source switch
        {
            CollectionComplexNode complex => complex.Property.Name,
            CollectionPropertyAccessNode primitive => primitive.Property.Name,
            _ => null,
        };
        if (at.Scope == Scope.Entry && log.Items is { } items && name == items.Path && any.Source is CollectionComplexNode)
        {
            return new AnyItemFilter(Translate(any.Body, at with { Scope = Scope.Item }));
        }
        if (at.Scope == Scope.Entry && log.Columns.FirstOrDefault(c => c.IsSingletonCollection && c.Path == name) is { } singleton)
        {
            return Translate(any.Body, at with { Scope = Scope.Singleton, Singleton = singleton });
        }
        if (at.Scope == Scope.Item && name == log.Items!.PropertiesPath)
        {
            return new AnyPropertyFilter(Translate(any.Body, at with { Scope = Scope.Property }));
        }
        if (at.Scope == Scope.Item)
        {
            throw new QueryException($"Inside {log.Items!.Path}/any(t: …), any() is supported on t/{log.Items.PropertiesPath} only, e.g. t/{log.Items.PropertiesPath}/any(p: p/displayName eq 'AccountEnabled').");
        }
        if (at.Scope != Scope.Entry)
        {
            throw new QueryException($"Lambda operators cannot be nested deeper than {AnyHint(log)}.");
        }
        throw new QueryException($"any() is supported on {AnyHint(log)} only.");
    }

    private static string AnyHint(LogDefinition log) => string.Join(" and ",
        (log.Items is { } items ? [$"{items.Path}/any(t: t/id eq '…')", $"{items.Path}/any(t: t/{items.PropertiesPath}/any(p: …))"] : Array.Empty<string>())
        .Concat(log.Columns.Where(c => c.IsSingletonCollection).Select(c => $"{c.Path}/any(t: t eq '…')")));

    private static LogFilter Compare(BinaryOperatorNode node, Context at)
    {
        var op = node.OperatorKind switch
        {
            BinaryOperatorKind.Equal => (CompareOp.Eq, "eq"),
            BinaryOperatorKind.NotEqual => (CompareOp.Ne, "ne"),
            BinaryOperatorKind.GreaterThan => (CompareOp.Gt, "gt"),
            BinaryOperatorKind.GreaterThanOrEqual => (CompareOp.Ge, "ge"),
            BinaryOperatorKind.LessThan => (CompareOp.Lt, "lt"),
            BinaryOperatorKind.LessThanOrEqual => (CompareOp.Le, "le"),
            _ => throw new QueryException($"Operator '{node.OperatorKind}' is not supported in $filter. Supported: eq, ne, gt, ge, lt, le, and, or, not, in."),
        };
        var (field, path) = Field(node.Left, at);
        Check(field, path, op.Item2);
        return new CompareFilter(field, op.Item1, Value(field, path, node.Right));
    }

    /// <summary>A literal as the field's type holds it: a UTC time, a whole number or a string.</summary>
    private static object Value(LogField field, string path, QueryNode node)
    {
        var value = Literal(node, path);
        return field.Type switch
        {
            LogFieldType.Time => value as DateTimeOffset?
                ?? throw new QueryException($"{path} compares with a timestamp (2025-03-01T00:00:00Z) or a date (2025-03-01)."),
            LogFieldType.Integer => value switch
            {
                int n => (long)n,
                long n => n,
                _ => throw new QueryException($"{path} compares with a whole number, e.g. {path} eq 50126."),
            },
            _ => value as string ?? throw new QueryException($"{path} compares with a string literal in single quotes."),
        };
    }

    private static LogFilter Function(SingleValueFunctionCallNode call, Context at)
    {
        var args = call.Parameters.ToList();
        if (args.Count != 2)
        {
            throw new QueryException($"{call.Name}() takes a property and a string: {call.Name}(property, 'text').");
        }
        var (field, path) = Field(args[0], at);
        Check(field, path, call.Name);
        if (Literal(args[1], path) is not string { Length: > 0 } text)
        {
            throw new QueryException($"{call.Name}() needs a non-empty string literal as its second argument.");
        }
        return call.Name == "startswith" ? new StartsWithFilter(field, text) : new ContainsFilter(field, text);
    }

    private static LogFilter In(InNode node, Context at)
    {
        var (field, path) = Field(node.Left, at);
        Check(field, path, "in");
        if (node.Right is not CollectionConstantNode list || list.Collection.Count is 0 or > 100)
        {
            throw new QueryException($"in takes a list of 1 to 100 literals: {path} in ('a', 'b').");
        }
        if (field.Type != LogFieldType.Text)
        {
            // Numbers: one comparison per value (the filter record's in holds strings).
            return list.Collection.Select(c => (LogFilter)new CompareFilter(field, CompareOp.Eq, Value(field, path, c))).Aggregate((a, b) => new OrFilter(a, b));
        }
        return new InFilter(field, [.. list.Collection.Select(c => Literal(c, path) as string
            ?? throw new QueryException($"{path} in (…) takes string literals."))]);
    }

    private static (LogField Field, string Path) Field(QueryNode node, Context at)
    {
        var log = at.Log;
        switch (node)
        {
            case ConvertNode convert:
                return Field(convert.Source, at);
            case SingleValueFunctionCallNode call:
                throw new QueryException($"Function '{call.Name}' is not supported in $filter. Supported: startswith, contains, and the in operator.");
            case NonResourceRangeVariableReferenceNode when at.Scope == Scope.Singleton:
                return (at.Singleton!, at.Singleton!.Path);
            case not SingleValuePropertyAccessNode:
                throw new QueryException(at.Scope == Scope.Singleton
                    ? $"Inside {at.Singleton!.Path}/any(t: …) compare the lambda variable itself: {at.Singleton.Path}/any(t: t eq '…')."
                    : "The left side of a comparison must be a property, e.g. category eq 'UserManagement'.");
        }
        var access = (SingleValuePropertyAccessNode)node;
        var segments = new List<string> { access.Property.Name };
        var source = access.Source;
        while (source is SingleComplexNode complex)
        {
            segments.Insert(0, complex.Property.Name);
            source = complex.Source;
        }
        var path = string.Join('/', segments);
        // The innermost lambda's variable names what the path starts from: the entry ($it), an element or a property.
        var variable = (source as ResourceRangeVariableReferenceNode)?.RangeVariable;
        var from = variable is null || variable.Name == "$it" ? Scope.Entry
            : variable.TypeReference.Definition is Microsoft.OData.Edm.IEdmComplexType { Name: "modifiedProperty" } ? Scope.Property
            : Scope.Item;
        if (from == Scope.Property && at.Scope == Scope.Property && path == log.Items!.PropertyName.Path)
        {
            return (log.Items.PropertyName, $"{log.Items.Path}/{log.Items.PropertiesPath}/{path}");
        }
        if (from == Scope.Item && at.Scope == Scope.Item && log.Items!.Fields.FirstOrDefault(f => f.Path == path) is { } itemField)
        {
            return (itemField, $"{log.Items.Path}/{path}");
        }
        if (from == Scope.Entry && at.Scope == Scope.Entry && log.EntryField(path) is { IsSingletonCollection: false } field)
        {
            return (field, path);
        }
        throw new QueryException(from switch
        {
            Scope.Property => $"Filtering on {log.Items!.PropertiesPath}/{path} is not supported. Inside t/{log.Items.PropertiesPath}/any(p: …) use p/displayName (eq, in, startswith).",
            Scope.Item => $"Filtering on {log.Items!.Path}/{path} is not supported here. Inside {log.Items.Path}/any(t: …) use " +
                $"{string.Join(", ", log.Items.Fields.Select(f => $"t/{f.Path}"))} or t/{log.Items.PropertiesPath}/any(p: …).",
            _ when at.Scope != Scope.Entry => $"'{path}' is a property of the entry; inside a lambda compare the lambda variable's properties (t/id, p/displayName).",
            _ => $"Filtering on '{path}' is not supported on {log.EntitySet}. Filterable: {string.Join(", ", Filterable(log))}.",
        });
    }

    private static IEnumerable<string> Filterable(LogDefinition log) =>
        new[] { log.Id, log.Time }.Concat(log.Columns).Select(c => c.IsSingletonCollection ? $"{c.Path}/any(t: t eq '…')" : c.Path)
            .Concat(log.Items is { } items ? [$"{items.Path}/any(t: …)"] : []);

    private static void Check(LogField field, string path, string op)
    {
        if (!field.Operators.Contains(op))
        {
            throw new QueryException($"$filter on {path} supports {string.Join(", ", field.Operators)}; '{op}' is not supported.");
        }
    }

    /// <summary>The parser hands enum literals over as their number; the log stores the member name ("failure").</summary>
    private static string EnumMember(ODataEnumValue value) =>
        long.TryParse(value.Value, System.Globalization.CultureInfo.InvariantCulture, out var number)
        && Microsoft.OData.Edm.ExtensionMethods.FindType(GraphModel.Model, value.TypeName) is Microsoft.OData.Edm.IEdmEnumType type
        && type.Members.FirstOrDefault(m => m.Value.Value == number) is { } member
            ? member.Name
            : value.Value;

    private static object Literal(QueryNode node, string path) => node switch
    {
        ConvertNode convert => Literal(convert.Source, path),
        ConstantNode { Value: null } => throw new QueryException($"Comparing {path} with null is not supported."),
        ConstantNode { Value: string s } => s,
        ConstantNode { Value: DateTimeOffset t } => t.ToUniversalTime(),
        ConstantNode { Value: DateOnly d } => new DateTimeOffset(d.Year, d.Month, d.Day, 0, 0, 0, TimeSpan.Zero),
        ConstantNode { Value: ODataEnumValue e } => EnumMember(e),
        ConstantNode { Value: Guid g } => g.ToString(),
        ConstantNode { Value: int n } => n,
        ConstantNode { Value: long n } => n,
        ConstantNode other => throw new QueryException($"{path} cannot be compared with the literal {other.LiteralText}."),
        _ => throw new QueryException($"The right side of a comparison on {path} must be a literal."),
    };
}

/// <summary>What both OData parsers (the log's and the directory's) share: turning the parser's failures into 400s.</summary>
internal static class ODataParsing
{
    /// <summary>
    /// Runs a parse. ODataException is the parser's word on malformed text; its binder also throws other types on
    /// ill-typed isof() and cast() calls (isof(id, null), cast(category, 1)). Either way the client has to fix it.
    /// </summary>
    public static T Run<T>(Func<T> parse, string option, string typeName)
    {
        try
        {
            return parse();
        }
        catch (ODataException e)
        {
            throw new QueryException($"Invalid {option}: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or InvalidOperationException or NullReferenceException)
        {
            throw new QueryException($"Invalid {option}: it could not be bound to the properties of {typeName}. isof() and cast() are not "
                + "supported; compare a property with a literal.");
        }
    }

    /// <summary>PostgreSQL text cannot hold NUL, and no property of a resource does; OData literals cannot escape it.</summary>
    public static void RefuseNul(string text, string option)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new QueryException($"Invalid {option}: it contains the NUL character (%00), which no value can hold.");
        }
    }
}
