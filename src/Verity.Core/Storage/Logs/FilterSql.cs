using System.Text;

namespace Verity.Core.Storage;

/// <summary>
/// Renders a <see cref="LogFilter"/> as a SQL condition over a log's table <c>a</c> (its collection's rows <c>t</c> and
/// the names <c>s</c> of their modified-property sets), every value a parameter. The two backends share the SQL and differ only where
/// told: how a time is stored and whether a substring test is a LIKE (which PostgreSQL's trigram indexes answer) or a
/// plain instr() walk. Text compares byte-wise on both, so a prefix is an index range (see <see cref="PrefixEnd"/>).
/// </summary>
internal sealed class FilterSql(LogDefinition log, Func<DateTimeOffset, object> time, bool containsAsLike, bool sideTablesAsIn = false)
{
    private readonly LogCollection? _items = log.Items;

    public List<(string Name, object Value)> Parameters { get; } = [];

    /// <summary>
    /// Writes the time column as <c>+a.{time}</c>, which SQLite cannot answer from an index: for a time range too
    /// wide for its index to beat another filter's index or the commit-order walk (see SqliteStore.TimeIndexAsync).
    /// </summary>
    public bool TimeIndexUnused { get; init; }

    public string Render(LogFilter filter) => filter switch
    {
        AndFilter f => $"({Render(f.Left)} and {Render(f.Right)})",
        OrFilter f => $"({Render(f.Left)} or {Render(f.Right)})",
        // OData's not() is true where a property is null; SQL's NOT of a null comparison is not.
        NotFilter f => $"(not coalesce({Render(f.Inner)}, false))",
        CompareFilter { Op: CompareOp.Eq, Value: string id } f when f.Field == log.Id => Id(id),
        CompareFilter f => Compare(f),
        // A contains() whose text no term holds (ValueExpansion) matches nothing.
        InFilter { Values.Count: 0 } => "(1 = 0)",
        InFilter f when f.Field == log.Id => $"({string.Join(" or ", f.Values.Select(Id))})",
        InFilter f => $"({f.Field.Sql} in ({string.Join(", ", f.Values.Select(Add))}){UncommonGuard(f.Field, f.Values)})",
        StartsWithFilter f => StartsWith(f.Field.Sql, f.Prefix),
        IsNullFilter f => $"{f.Field.Sql} is null",
        ContainsFilter f => containsAsLike
            ? $"{f.Field.Sql} like {Add(LikePattern(f.Text))}"
            : $"instr({f.Field.Sql}, {Add(f.Text)}) > 0",
        // PostgreSQL plans a correlated EXISTS as a semi-join, from whichever side is cheaper. SQLite runs it once per
        // row of the commit-order walk, which a rare target turns into a scan: there the side table is searched
        // first (tenant as the query's @t parameter) and the entries fetched by sequence number.
        AnyItemFilter f when sideTablesAsIn => $"a.seq in (select t.seq from {Items.Table} t where t.tenant_id = @t and {Render(f.Inner)})",
        AnyItemFilter f => $"exists (select 1 from {Items.Table} t where t.tenant_id = a.tenant_id and t.seq = a.seq and {Render(f.Inner)})",
        AnyPropertyFilter f => $"t.property_set in ({PropertySetKeys(f)})",
        PropertySetFilter { Keys.Count: 0 } => "(1 = 0)",
        PropertySetFilter { Keys.Count: 1 } f => $"t.property_set = {Add(f.Keys[0])}",
        PropertySetFilter f => $"t.property_set in ({string.Join(", ", f.Keys.Select(k => Add(k)))})",
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown filter."),
    };

    /// <summary>
    /// Up to <see cref="ValueExpansion.MaxValues"/> + 1 values of the term dictionary that contain a text, by the same
    /// test as the column's contains (parameters @t and @field, the tenant and the field's <see cref="LogField.Code"/>).
    /// </summary>
    public string ContainingTerms(string text) =>
        $"select d.value from {log.TermsTable} d where d.tenant_id = @t and d.field = @field and " +
        (containsAsLike ? $"d.value like {Add(LikePattern(text))}" : $"instr(d.value, {Add(text)}) > 0") + $" limit {ValueExpansion.MaxValues + 1}";

    /// <summary>The keys of the tenant's (@t) property sets holding a name that satisfies the condition (see <see cref="PropertySets"/>).</summary>
    public string PropertySetKeys(AnyPropertyFilter f) =>
        $"select distinct s.set_key from {Items.PropertySetsTable} s where s.tenant_id = @t and {Render(f.Inner)}";

    internal const int MaxArms = 16;

    /// <summary>
    /// A query for the sequence numbers of the first page (at most @top, after @after, in the page's order) when the
    /// filter has a shape that a single ordered index walk cannot serve but a few can; null otherwise. An index on
    /// (tenant, column, seq) yields one value's matches in commit order, so a page stops after @top rows, but an OR,
    /// an IN or a side table loses that order and the database would sort every match. Here each disjunct (each IN
    /// value) walks its own index for at most @top rows and the union holds the page; a lone target or modified
    /// property condition walks its side table's index, one row per entry.
    /// </summary>
    public string? PageSeqs(LogFilter filter, bool descending)
    {
        var arms = Disjuncts(filter).ToList();
        if (arms.Count is < 2 or > MaxArms)
        {
            return SideTablePage(filter, descending);
        }
        var order = descending ? "desc" : "asc";
        var after = descending ? "<" : ">";
        // The union holds up to a page per arm; only the page's own rows are then read from the log.
        var union = string.Join(" union ", arms.Select((arm, i) => $"select seq from ({SideTablePage(arm, descending) ?? $"select a.seq from {log.Table} a where a.tenant_id = @t and a.seq {after} @after and {Render(arm)} order by a.seq {order} limit @top"}) u{i}"));
        return $"select p.seq from ({union}) p order by p.seq {order} limit @top";
    }

    /// <summary>
    /// The filter as OR-ed parts: its top-level ORs, or an IN on an entry column as one equality per value. An OR
    /// inside a target condition splits too, as any(t: a or b) is any(t: a) or any(t: b): the target keys turn a name
    /// into one such arm per target id, each an ordered walk of that id's index.
    /// </summary>
    private IEnumerable<LogFilter> Disjuncts(LogFilter filter) => filter switch
    {
        OrFilter f => Disjuncts(f.Left).Concat(Disjuncts(f.Right)),
        AnyItemFilter { Inner: OrFilter f } => Disjuncts(new AnyItemFilter(f.Left)).Concat(Disjuncts(new AnyItemFilter(f.Right))),
        InFilter { Field.Scope: LogFieldScope.Entry } f when f.Values.Count > 1 => f.Values.Select(v => (LogFilter)new CompareFilter(f.Field, CompareOp.Eq, v)),
        _ => [filter],
    };

    private string? SideTablePage(LogFilter filter, bool descending)
    {
        var order = descending ? "desc" : "asc";
        var after = descending ? "<" : ">";
        return filter switch
        {
            AnyItemFilter target =>
                $"select t.seq from {Items.Table} t where t.tenant_id = @t and t.seq {after} @after and {Render(target.Inner)} group by t.seq order by t.seq {order} limit @top",
            _ => null,
        };
    }

    private string Compare(CompareFilter f)
    {
        var column = f.Field == log.Time && TimeIndexUnused ? $"+{f.Field.Sql}" : f.Field.Sql;
        var value = Add(f.Value is DateTimeOffset t ? time(t) : f.Value);
        return f.Op switch
        {
            CompareOp.Eq when UncommonGuard(f.Field, [f.Value]) is { Length: > 0 } guard => $"({column} = {value}{guard})",
            CompareOp.Eq => $"{column} = {value}",
            CompareOp.Ne => $"({column} is null or {column} <> {value})",
            CompareOp.Gt => $"{column} > {value}",
            CompareOp.Ge => $"{column} >= {value}",
            CompareOp.Lt => $"{column} < {value}",
            CompareOp.Le => $"{column} <= {value}",
            _ => throw new ArgumentOutOfRangeException(nameof(f), f.Op, "Unknown operator."),
        };
    }

    /// <summary>
    /// Some fields have one value that nearly every entry holds (an audit's result 'success' and service 'Core Directory',
    /// a sign-in's error code 0), so their indexes hold only the other entries (<c>where result &lt;&gt; 'success'</c>): a
    /// filter on the common value walks the commit order and fills a page at once. A condition on other values carries
    /// the index's own predicate, a constant, so both databases see at planning time that the partial index answers it.
    /// </summary>
    private static string UncommonGuard(LogField field, IEnumerable<object> values) =>
        field.CommonValue is { } common && !values.Any(v => string.Equals(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture), common, StringComparison.Ordinal))
            ? $" and {field.Sql} <> {Constant(field, common)}"
            : "";

    /// <summary>A field's common value as the SQL constant of its index predicate (from the description, never from a request).</summary>
    internal static string Constant(LogField field, string value) => field.Type == LogFieldType.Integer ? value : $"'{value}'";

    /// <summary>
    /// The aggregate queries both backends run: <paramref name="where"/> is " and (filter)" over <c>a</c>, the tenant
    /// is parameter @t and the limit @top.
    /// </summary>
    internal string CountBySql(LogField field, string where)
    {
        var column = field.Sql;
        return field.Scope == LogFieldScope.Item
            ? $"select {column}, count(distinct a.seq) from {log.Table} a join {Items.Table} t on t.tenant_id = a.tenant_id and t.seq = a.seq " +
              $"where a.tenant_id = @t{where} and {column} is not null group by {column} order by 2 desc, 1 limit @top"
            : $"select {column}, count(*) from {log.Table} a where a.tenant_id = @t{where} and {column} is not null group by {column} order by 2 desc, 1 limit @top";
    }

    /// <summary>
    /// How many distinct values of <paramref name="field"/> the matching entries hold; for an element field, among the
    /// elements whose <paramref name="itemCondition"/> field equals parameter @value.
    /// </summary>
    internal string CountDistinctSql(LogField field, LogField? itemCondition, string where) => field.Scope == LogFieldScope.Item
        ? $"select count(distinct {field.Sql}) from {log.Table} a join {Items.Table} t on t.tenant_id = a.tenant_id and t.seq = a.seq " +
          $"where a.tenant_id = @t{where}{(itemCondition is null ? "" : $" and {itemCondition.Sql} = @value")}"
        : $"select count(distinct {field.Sql}) from {log.Table} a where a.tenant_id = @t{where}";

    /// <summary>A LIKE pattern matching <paramref name="text"/> anywhere, its wildcards escaped (\ is LIKE's default escape).</summary>
    private static string LikePattern(string text) =>
        "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";

    private string StartsWith(string column, string prefix) => PrefixEnd(prefix) is { } end
        ? $"({column} >= {Add(prefix)} and {column} < {Add(end)})"
        : $"{column} >= {Add(prefix)}";

    /// <summary>
    /// The least string above every string that starts with <paramref name="prefix"/> in code point (= UTF-8 byte)
    /// order: the prefix with its last code point raised by one; null when no such string exists.
    /// </summary>
    internal static string? PrefixEnd(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last < 0x10FFFF)
            {
                runes.Add(new Rune(last == 0xD7FF ? 0xE000 : last + 1)); // surrogates are not code points of text
                return string.Concat(runes);
            }
        }
        return null;
    }

    /// <summary>Ids are found through their indexed key, then compared whole (see <see cref="LogEntry.KeyOf"/>).</summary>
    private string Id(string id) => $"(a.id_key = {Add(LogEntry.KeyOf(id))} and a.id = {Add(id)})";

    private LogCollection Items => _items ?? throw new InvalidOperationException($"{log.EntitySet} has no collection to filter with any().");

    private string Add(object value)
    {
        var name = $"@f{Parameters.Count}";
        Parameters.Add((name, value));
        return name;
    }
}
