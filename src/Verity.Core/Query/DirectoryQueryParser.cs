using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.OData.UriParser;
using Verity.Core.Storage;

namespace Verity.Core.Query;

/// <summary>
/// A parsed directory list option. <see cref="Advanced"/> names the first part that Graph answers only in an advanced
/// query (header <c>ConsistencyLevel: eventual</c> and <c>$count=true</c>), e.g. "Operator 'ne'"; null when none does.
/// </summary>
public sealed record Parsed<T>(T Value, string? Advanced);

/// <summary>
/// Parses <c>$filter</c> and <c>$orderby</c> of a directory collection with Microsoft.OData.Core against the entity
/// types of <see cref="GraphModel"/> (the parser the audit log uses), and Graph's <c>$search</c> syntax
/// (<c>"displayName:ada" OR "mail:ada"</c>), into the neutral <see cref="ObjectFilter"/>. Only what
/// <see cref="DirectoryFields"/> allows gets through; anything else is a <see cref="QueryException"/> saying what is accepted.
/// </summary>
public static partial class DirectoryQueryParser
{
    private const int MaxLength = 4096;

    // Graph compares createdDateTime with bare dates (createdDateTime ge 2021-11-01); OData types those as Edm.Date.
    [GeneratedRegex(@"(createdDateTime\s+(?:eq|ne|gt|ge|lt|le)\s+)(\d{4}-\d{2}-\d{2})(?![T\d:])", RegexOptions.IgnoreCase)]
    private static partial Regex BareDate();

    [GeneratedRegex(@"[^\p{L}\p{Nd}]+")]
    private static partial Regex NonWord();

    public static Parsed<ObjectFilter> ParseFilter(DirectoryType type, string text)
    {
        var clause = ODataParsing.Run(Parser(type, "$filter", BareDate().Replace(Checked(text, "$filter"), "${1}${2}T00:00:00Z")).ParseFilter, "$filter", type.Name);
        var translator = new Translator(type);
        return new(translator.Translate(clause.Expression), translator.Advanced);
    }

    /// <summary><c>$orderby=displayName desc</c>: one property that Graph sorts this resource by.</summary>
    public static Parsed<(string Property, bool Descending)> ParseOrderBy(DirectoryType type, string text)
    {
        var clause = ODataParsing.Run(Parser(type, "$orderby", Checked(text, "$orderby")).ParseOrderBy, "$orderby", type.Name);
        var sortable = string.Join(", ", type.Fields.Where(f => f.Sort != Sorting.None).Select(f => f.Name));
        if (clause.ThenBy is not null)
        {
            throw new QueryException($"$orderby on {type.EntitySet} takes one property. Sortable: {sortable}.");
        }
        var field = clause.Expression is SingleValuePropertyAccessNode access ? type.Find(access.Property.Name) : null;
        if (field is null || field.Sort == Sorting.None)
        {
            throw new QueryException($"Sorting by this property is not supported on {type.EntitySet}. Sortable: {sortable}.");
        }
        return new((field.Name, clause.Direction == OrderByDirection.Descending),
            field.Sort == Sorting.Advanced ? $"Sorting by '{field.Name}'" : null);
    }

    /// <summary>
    /// Graph's directory <c>$search</c>: quoted <c>"property:text"</c> clauses joined by upper-case AND / OR, with
    /// parentheses. displayName and description match word prefixes of every word of the text; other string
    /// properties match as startsWith.
    /// </summary>
    public static ObjectFilter ParseSearch(DirectoryType type, string text) => new SearchParser(type, Checked(text, "$search")).Parse();

    private static string Checked(string text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new QueryException($"Invalid {option}: it is empty. Leave {option} out instead.");
        }
        if (text.Length > MaxLength)
        {
            throw new QueryException($"{option} is longer than {MaxLength} characters.");
        }
        ODataParsing.RefuseNul(text, option);
        return text;
    }

    private static ODataQueryOptionParser Parser(DirectoryType type, string option, string text) =>
        new(GraphModel.Model, GraphModel.Entity(type), null, new Dictionary<string, string> { [option] = text })
        {
            // Graph accepts startsWith, NOT, OR and property names in any case.
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
            Settings = { MaximumExpansionDepth = 1, MaximumExpansionCount = 1 },
        };


    private sealed class Translator(DirectoryType type)
    {
        public string? Advanced { get; private set; }

        private void NeedsAdvanced(string what) => Advanced ??= what;

        public ObjectFilter Translate(QueryNode node)
        {
            switch (node)
            {
                case ConvertNode convert:
                    return Translate(convert.Source);
                case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And } and:
                    return new ObjectAnd(Translate(and.Left), Translate(and.Right));
                case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Or } or:
                    return new ObjectOr(Translate(or.Left), Translate(or.Right));
                case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                    NeedsAdvanced("Operator 'not'");
                    return new ObjectNot(Translate(not.Operand));
                case BinaryOperatorNode compare:
                    return Compare(compare);
                case SingleValueFunctionCallNode { Name: "startswith" or "endswith" } call:
                    return Function(call);
                case InNode @in:
                    return In(@in);
                case AnyNode any:
                    return Any(any);
                case SingleValueFunctionCallNode call:
                    throw new QueryException($"Function '{call.Name}' is not supported in $filter on {type.EntitySet}. Supported: startsWith, endsWith, and the in operator.");
                default:
                    throw new QueryException($"This $filter expression ({node.Kind}) is not supported. Compare a property with a literal (eq, ne, ge, le, in), "
                        + "use startsWith or endsWith, and combine with and/or/not.");
            }
        }

        private ObjectFilter Compare(BinaryOperatorNode node)
        {
            var (op, name) = node.OperatorKind switch
            {
                BinaryOperatorKind.Equal => (CompareOp.Eq, "eq"),
                BinaryOperatorKind.NotEqual => (CompareOp.Ne, "ne"),
                BinaryOperatorKind.GreaterThanOrEqual => (CompareOp.Ge, "ge"),
                BinaryOperatorKind.LessThanOrEqual => (CompareOp.Le, "le"),
                _ => throw new QueryException($"Operator '{node.OperatorKind}' is not supported in $filter on {type.EntitySet}. Supported: eq, ne, ge, le, in, not, and, or."),
            };
            var field = Field(node.Left);
            var value = Literal(node.Right, field);
            var needed = value is null ? FieldOps.Null : op switch
            {
                CompareOp.Eq => FieldOps.Eq,
                CompareOp.Ne => FieldOps.Ne,
                CompareOp.Ge => FieldOps.Ge,
                _ => FieldOps.Le,
            };
            Check(field, needed, value is null ? $"{name} null" : name);
            if (op == CompareOp.Ne || value is null)
            {
                NeedsAdvanced(value is null ? $"Comparing '{field.Name}' with null" : $"Operator '{name}'");
            }
            return new ObjectCompare(field.Name, op, value);
        }

        private ObjectFilter Function(SingleValueFunctionCallNode call)
        {
            var args = call.Parameters.ToList();
            var name = call.Name == "startswith" ? "startsWith" : "endsWith";
            if (args.Count != 2)
            {
                throw new QueryException($"{name}() takes a property and a string: {name}(displayName, 'a').");
            }
            var field = Field(args[0]);
            Check(field, call.Name == "startswith" ? FieldOps.StartsWith : FieldOps.EndsWith, name);
            if (Literal(args[1], field) is not string { Length: > 0 } text)
            {
                throw new QueryException($"{name}() needs a non-empty string literal as its second argument.");
            }
            if (call.Name == "endswith")
            {
                NeedsAdvanced("Operator 'endsWith'");
                return new ObjectEndsWith(field.Name, text);
            }
            return new ObjectStartsWith(field.Name, text);
        }

        private ObjectFilter In(InNode node)
        {
            var field = Field(node.Left);
            Check(field, FieldOps.In, "in");
            if (node.Right is not CollectionConstantNode list || list.Collection.Count is 0 or > 100)
            {
                throw new QueryException($"in takes a list of 1 to 100 literals: {field.Name} in ('a', 'b').");
            }
            return new ObjectIn(field.Name, [.. list.Collection.Select(c => Literal(c, field)
                ?? throw new QueryException($"{field.Name} in (…) does not take null."))]);
        }

        private ObjectFilter Any(AnyNode any)
        {
            var field = any.Source is CollectionPropertyAccessNode collection ? type.Find(collection.Property.Name) : null;
            var collections = string.Join(", ", type.Fields.Where(f => f.Filter.HasFlag(FieldOps.Any)).Select(f => f.Name));
            if (field is null || !field.Filter.HasFlag(FieldOps.Any))
            {
                throw new QueryException($"any() is supported on {collections} only, e.g. {collections.Split(", ")[0]}/any(x: x eq 'value').");
            }
            if (any.Body is not BinaryOperatorNode { OperatorKind: BinaryOperatorKind.Equal } eq
                || Unwrap(eq.Left) is not NonResourceRangeVariableReferenceNode || Unwrap(eq.Right) is not ConstantNode { Value: string value })
            {
                throw new QueryException($"Inside {field.Name}/any(x: …) compare the element with eq and a string: {field.Name}/any(x: x eq 'value').");
            }
            return new ObjectAnyEquals(field.Name, value);
        }

        private static QueryNode Unwrap(QueryNode node) => node is ConvertNode convert ? Unwrap(convert.Source) : node;

        private DirectoryField Field(QueryNode node)
        {
            if (node is ConvertNode convert)
            {
                return Field(convert.Source);
            }
            if (node is not SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode } access)
            {
                throw new QueryException($"The left side of a comparison must be a property of {type.Name}, e.g. displayName eq 'Ada'.");
            }
            var field = type.Find(access.Property.Name)!;
            if (field.Filter == FieldOps.None || field.Filter == FieldOps.Any)
            {
                throw Unsupported(field.Name);
            }
            if (field.AdvancedOnly)
            {
                NeedsAdvanced($"Filtering on '{field.Name}'");
            }
            return field;
        }

        private void Check(DirectoryField field, FieldOps needed, string op)
        {
            if (!field.Filter.HasFlag(needed))
            {
                throw new QueryException($"Unsupported or invalid query filter clause specified for property '{field.Name}' of resource '{type.Resource}': "
                    + $"'{op}' is not supported. {field.Name} supports {Describe(field.Filter)}.");
            }
        }

        private QueryException Unsupported(string property) => new(
            $"Unsupported or invalid query filter clause specified for property '{property}' of resource '{type.Resource}'. Filterable: {string.Join(", ", type.Filterable)}.");

        private static string Describe(FieldOps ops) => string.Join(", ", new[]
        {
            (FieldOps.Eq, "eq"), (FieldOps.Ne, "ne, not"), (FieldOps.In, "in"), (FieldOps.Ge, "ge"), (FieldOps.Le, "le"),
            (FieldOps.StartsWith, "startsWith"), (FieldOps.EndsWith, "endsWith"), (FieldOps.Null, "eq null"),
        }.Where(o => ops.HasFlag(o.Item1)).Select(o => o.Item2));

        private object? Literal(QueryNode node, DirectoryField field)
        {
            var value = node switch
            {
                ConvertNode convert => Literal(convert.Source, field),
                ConstantNode { Value: null } => null,
                ConstantNode { Value: string or bool } c => c.Value,
                ConstantNode { Value: DateTimeOffset t } => Iso(t),
                ConstantNode { Value: DateOnly d } => Iso(new DateTimeOffset(d.Year, d.Month, d.Day, 0, 0, 0, TimeSpan.Zero)),
                ConstantNode { Value: Guid g } => g.ToString(),
                ConstantNode other => throw new QueryException($"{field.Name} cannot be compared with the literal {other.LiteralText}."),
                _ => throw new QueryException($"The right side of a comparison on {field.Name} must be a literal."),
            };
            var fits = value is null || field.Type switch
            {
                FieldType.Boolean => value is bool,
                _ => value is string,
            };
            return fits ? value : throw new QueryException(field.Type switch
            {
                FieldType.Boolean => $"{field.Name} compares with true or false.",
                FieldType.DateTime => $"{field.Name} compares with a timestamp (2025-03-01T00:00:00Z) or a date (2025-03-01).",
                _ => $"{field.Name} compares with a string literal in single quotes.",
            });
        }

        private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Recursive descent over <c>clause ((AND | OR) clause)*</c> with parentheses; AND binds tighter than OR.</summary>
    private sealed class SearchParser(DirectoryType type, string text)
    {
        private int _at;

        public ObjectFilter Parse()
        {
            var filter = Or();
            Skip();
            return _at == text.Length ? filter : throw Error($"unexpected text at position {_at + 1}");
        }

        private ObjectFilter Or()
        {
            var left = And();
            while (Keyword("OR"))
            {
                left = new ObjectOr(left, And());
            }
            return left;
        }

        private ObjectFilter And()
        {
            var left = Term();
            while (Keyword("AND"))
            {
                left = new ObjectAnd(left, Term());
            }
            return left;
        }

        private ObjectFilter Term()
        {
            Skip();
            if (_at < text.Length && text[_at] == '(')
            {
                _at++;
                var inner = Or();
                Skip();
                return _at < text.Length && text[_at++] == ')' ? inner : throw Error("a parenthesis is not closed");
            }
            return Clause(Quoted());
        }

        private string Quoted()
        {
            if (_at >= text.Length || text[_at] != '"')
            {
                throw Error($"expected a clause in double quotes at position {_at + 1}");
            }
            var value = new StringBuilder();
            for (_at++; _at < text.Length && text[_at] != '"'; _at++)
            {
                if (text[_at] == '\\' && _at + 1 < text.Length)
                {
                    _at++;
                }
                value.Append(text[_at]);
            }
            return _at++ < text.Length ? value.ToString() : throw Error("a double quote is not closed");
        }

        private ObjectFilter Clause(string clause)
        {
            var colon = clause.IndexOf(':', StringComparison.Ordinal);
            var field = colon > 0 ? type.Find(clause[..colon].Trim()) : null;
            var searchable = string.Join(", ", type.Fields.Where(f => f.Type == FieldType.String && f.Filter != FieldOps.None).Select(f => f.Name));
            if (field is null || field.Type != FieldType.String || field.Filter == FieldOps.None)
            {
                throw Error($"each clause names a property and a text, \"property:text\"; searchable properties of {type.EntitySet}: {searchable}");
            }
            var value = clause[(colon + 1)..].Trim();
            if (!field.Tokenized)
            {
                return value.Length > 0 ? new ObjectStartsWith(field.Name, value) : throw Error($"the text after '{field.Name}:' is empty");
            }
            var words = Words(value);
            return words.Count > 0
                ? words.Skip(1).Aggregate((ObjectFilter)new ObjectWordPrefix(field.Name, words[0]), (all, w) => new ObjectAnd(all, new ObjectWordPrefix(field.Name, w)))
                : throw Error($"the text after '{field.Name}:' has no letters or digits");
        }

        /// <summary>The words of a search text: its runs of letters and digits (each must start a word of the value).</summary>
        private static List<string> Words(string value) => [.. NonWord().Split(value).Where(w => w.Length > 0)];

        private bool Keyword(string keyword)
        {
            Skip();
            if (string.CompareOrdinal(text, _at, keyword, 0, keyword.Length) == 0 && _at + keyword.Length < text.Length
                && text[_at + keyword.Length] is ' ' or '"' or '(')
            {
                _at += keyword.Length;
                return true;
            }
            return false;
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private QueryException Error(string what) =>
            new($"Invalid $search: {what}. Use \"property:text\" clauses joined by AND or OR, e.g. $search=\"displayName:ada\" OR \"mail:ada\".");
    }
}
