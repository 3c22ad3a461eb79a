using System.Text.RegularExpressions;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using Verity.Core.Storage;

namespace Verity.Core.Query;

/// <summary>A query a client can fix: the message says what was wrong and what is accepted.</summary>
public sealed class QueryException(string message) : Exception(message);

/// <summary>
/// Parses an OData <c>$filter</c> with Microsoft.OData.Core against <see cref="GraphModel"/> and translates the tree
/// into a <see cref="LogFilter"/>. Anything the filter record cannot express is a <see cref="QueryException"/>.
/// </summary>
public static partial class FilterParser
{
    private const int MaxLength = 4096;

    private static readonly Dictionary<string, LogField> EntryFields = new(StringComparer.Ordinal)
    {
        ["id"] = LogField.Id,
        ["activityDateTime"] = LogField.ActivityDateTime,
        ["activityDisplayName"] = LogField.ActivityDisplayName,
        ["category"] = LogField.Category,
        ["correlationId"] = LogField.CorrelationId,
        ["loggedByService"] = LogField.LoggedByService,
        ["operationType"] = LogField.OperationType,
        ["result"] = LogField.Result,
        ["initiatedBy/user/id"] = LogField.InitiatorUserId,
        ["initiatedBy/user/displayName"] = LogField.InitiatorUserDisplayName,
        ["initiatedBy/user/userPrincipalName"] = LogField.InitiatorUserPrincipalName,
        ["initiatedBy/app/appId"] = LogField.InitiatorAppId,
        ["initiatedBy/app/displayName"] = LogField.InitiatorAppDisplayName,
        ["initiatedBy/app/servicePrincipalId"] = LogField.InitiatorServicePrincipalId,
    };

    private static readonly Dictionary<string, LogField> TargetFields = new(StringComparer.Ordinal)
    {
        ["id"] = LogField.TargetId,
        ["displayName"] = LogField.TargetDisplayName,
        ["type"] = LogField.TargetType,
        ["userPrincipalName"] = LogField.TargetUserPrincipalName,
    };

    /// <summary>Which operations each field accepts (every supported one is answered from an index).</summary>
    private static readonly Dictionary<LogField, string[]> Accepted = new()
    {
        [LogField.Id] = ["eq", "in"],
        [LogField.ActivityDateTime] = ["eq", "ne", "gt", "ge", "lt", "le"],
        [LogField.ActivityDisplayName] = ["eq", "ne", "in", "startswith", "contains"],
        [LogField.Category] = ["eq", "ne", "in"],
        [LogField.CorrelationId] = ["eq", "in"],
        [LogField.LoggedByService] = ["eq", "ne", "in"],
        [LogField.OperationType] = ["eq", "ne", "in"],
        [LogField.Result] = ["eq", "ne", "in"],
        [LogField.InitiatorUserId] = ["eq", "in"],
        [LogField.InitiatorUserDisplayName] = ["eq", "in", "startswith", "contains"],
        [LogField.InitiatorUserPrincipalName] = ["eq", "in", "startswith", "contains"],
        [LogField.InitiatorAppId] = ["eq", "in"],
        [LogField.InitiatorAppDisplayName] = ["eq", "in", "startswith", "contains"],
        [LogField.InitiatorServicePrincipalId] = ["eq", "in"],
        [LogField.TargetId] = ["eq", "in"],
        [LogField.TargetDisplayName] = ["eq", "in", "startswith", "contains"],
        [LogField.TargetType] = ["eq", "in"],
        [LogField.TargetUserPrincipalName] = ["eq", "in", "startswith", "contains"],
        [LogField.ModifiedPropertyName] = ["eq", "in", "startswith"],
    };

    private enum Scope { Entry, Target, Property }

    // Graph's documentation compares activityDateTime with bare dates (activityDateTime le 2018-01-24); OData types
    // those as Edm.Date, so they are read as midnight UTC.
    [GeneratedRegex(@"(activityDateTime\s+(?:eq|ne|gt|ge|lt|le)\s+)(\d{4}-\d{2}-\d{2})(?![T\d:])")]
    private static partial Regex BareDate();

    public static LogFilter Parse(string filter)
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
        var parser = new ODataQueryOptionParser(GraphModel.Model, GraphModel.DirectoryAudit, null,
            new Dictionary<string, string> { ["$filter"] = BareDate().Replace(filter, "${1}${2}T00:00:00Z") })
        {
            Resolver = new StringAsEnumResolver { EnableCaseInsensitive = false },
            Settings = { MaximumExpansionDepth = 2, MaximumExpansionCount = 2 },
        };
        var clause = ODataParsing.Run(parser.ParseFilter, "$filter", "directoryAudit");
        return Translate(clause.Expression, Scope.Entry);
    }

    private static LogFilter Translate(QueryNode node, Scope scope)
    {
        switch (node)
        {
            case ConvertNode convert:
                return Translate(convert.Source, scope);
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And } and:
                return new AndFilter(Translate(and.Left, scope), Translate(and.Right, scope));
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Or } or:
                return new OrFilter(Translate(or.Left, scope), Translate(or.Right, scope));
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                return new NotFilter(Translate(not.Operand, scope));
            case BinaryOperatorNode compare:
                return Compare(compare, scope);
            case SingleValueFunctionCallNode call when call.Name is "startswith" or "contains":
                return Function(call, scope);
            case InNode @in:
                return In(@in, scope);
            case AnyNode any when scope == Scope.Entry:
                if (any.Source is not CollectionComplexNode { Property.Name: "targetResources" })
                {
                    throw new QueryException("any() is supported on targetResources only, e.g. targetResources/any(t: t/id eq '…').");
                }
                return new AnyTargetFilter(Translate(any.Body, Scope.Target));
            case AnyNode any when scope == Scope.Target:
                if (any.Source is not CollectionComplexNode { Property.Name: "modifiedProperties" })
                {
                    throw new QueryException("Inside targetResources/any(t: …), any() is supported on t/modifiedProperties only, e.g. t/modifiedProperties/any(p: p/displayName eq 'AccountEnabled').");
                }
                return new AnyPropertyFilter(Translate(any.Body, Scope.Property));
            case AllNode:
                throw new QueryException("all() is not supported in $filter; use targetResources/any(t: …).");
            case AnyNode:
                throw new QueryException("Lambda operators cannot be nested deeper than targetResources/any(t: t/modifiedProperties/any(p: …)).");
            case SingleValueFunctionCallNode call:
                throw new QueryException($"Function '{call.Name}' is not supported in $filter. Supported: startswith, contains, and the in operator.");
            default:
                throw new QueryException($"This $filter expression ({node.Kind}) is not supported. Compare a property with a literal, combine with and/or/not.");
        }
    }

    private static LogFilter Compare(BinaryOperatorNode node, Scope scope)
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
        var (field, path) = Field(node.Left, scope);
        Check(field, path, op.Item2);
        var value = Literal(node.Right, path);
        if (field == LogField.ActivityDateTime)
        {
            return new CompareFilter(field, op.Item1, value as DateTimeOffset?
                ?? throw new QueryException("activityDateTime compares with a timestamp (2025-03-01T00:00:00Z) or a date (2025-03-01)."));
        }
        return new CompareFilter(field, op.Item1, value as string ?? throw new QueryException($"{path} compares with a string literal in single quotes."));
    }

    private static LogFilter Function(SingleValueFunctionCallNode call, Scope scope)
    {
        var args = call.Parameters.ToList();
        if (args.Count != 2)
        {
            throw new QueryException($"{call.Name}() takes a property and a string: {call.Name}(activityDisplayName, 'Add').");
        }
        var (field, path) = Field(args[0], scope);
        Check(field, path, call.Name);
        if (Literal(args[1], path) is not string { Length: > 0 } text)
        {
            throw new QueryException($"{call.Name}() needs a non-empty string literal as its second argument.");
        }
        return call.Name == "startswith" ? new StartsWithFilter(field, text) : new ContainsFilter(field, text);
    }

    private static LogFilter In(InNode node, Scope scope)
    {
        var (field, path) = Field(node.Left, scope);
        Check(field, path, "in");
        if (node.Right is not CollectionConstantNode list || list.Collection.Count is 0 or > 100)
        {
            throw new QueryException($"in takes a list of 1 to 100 literals: {path} in ('a', 'b').");
        }
        return new InFilter(field, [.. list.Collection.Select(c => Literal(c, path) as string
            ?? throw new QueryException($"{path} in (…) takes string literals."))]);
    }

    private static (LogField Field, string Path) Field(QueryNode node, Scope scope)
    {
        if (node is ConvertNode convert)
        {
            return Field(convert.Source, scope);
        }
        if (node is SingleValueFunctionCallNode call)
        {
            throw new QueryException($"Function '{call.Name}' is not supported in $filter. Supported: startswith, contains, and the in operator.");
        }
        if (node is not SingleValuePropertyAccessNode access)
        {
            throw new QueryException("The left side of a comparison must be a property, e.g. category eq 'UserManagement'.");
        }
        var segments = new List<string> { access.Property.Name };
        var source = access.Source;
        while (source is SingleComplexNode complex)
        {
            segments.Insert(0, complex.Property.Name);
            source = complex.Source;
        }
        var path = string.Join('/', segments);
        // The innermost lambda's variable names what the path starts from: the entry ($it), a target or a property.
        var variable = (source as ResourceRangeVariableReferenceNode)?.RangeVariable;
        var from = variable is null || variable.Name == "$it" ? Scope.Entry
            : variable.TypeReference.Definition is Microsoft.OData.Edm.IEdmComplexType { Name: "modifiedProperty" } ? Scope.Property
            : Scope.Target;
        if (from == Scope.Property && scope == Scope.Property && path == "displayName")
        {
            return (LogField.ModifiedPropertyName, "targetResources/modifiedProperties/displayName");
        }
        if (from == Scope.Target && scope == Scope.Target && TargetFields.TryGetValue(path, out var targetField))
        {
            return (targetField, $"targetResources/{path}");
        }
        if (from == Scope.Entry && scope == Scope.Entry && EntryFields.TryGetValue(path, out var field))
        {
            return (field, path);
        }
        throw new QueryException(from switch
        {
            Scope.Property => $"Filtering on modifiedProperties/{path} is not supported. Inside t/modifiedProperties/any(p: …) use p/displayName (eq, in, startswith).",
            Scope.Target => $"Filtering on targetResources/{path} is not supported here. Inside targetResources/any(t: …) use t/id, t/displayName, t/type, t/userPrincipalName or t/modifiedProperties/any(p: …).",
            _ when scope != Scope.Entry => $"'{path}' is a property of the entry; inside a lambda compare the lambda variable's properties (t/id, p/displayName).",
            _ => $"Filtering on '{path}' is not supported. Filterable: {string.Join(", ", EntryFields.Keys)}, and targetResources/any(t: …).",
        });
    }

    private static void Check(LogField field, string path, string op)
    {
        if (!Accepted[field].Contains(op))
        {
            throw new QueryException($"$filter on {path} supports {string.Join(", ", Accepted[field])}; '{op}' is not supported.");
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
