using System.Globalization;
using System.Text;

namespace Verity.Core.Storage;

/// <summary>
/// Renders an <see cref="ObjectQuery"/> as SQL over <c>directory_objects o</c>, every value and every JSON path a
/// parameter. The engines differ only in how a JSON value is read (<c>json_extract</c> on SQLite, <c>jsonb -&gt;&gt;</c>
/// on PostgreSQL), how booleans come out of it, and PostgreSQL's byte-wise <c>collate "C"</c>. Strings compare lower-cased.
/// </summary>
internal sealed class ObjectSql(bool postgres)
{
    /// <summary>Characters that separate words for <see cref="ObjectWordPrefix"/>: fixed here, never taken from a request.</summary>
    private const string WordBreaks = "-._,;:/@&()[]'\"!?+#";

    public List<(string Name, object Value)> Parameters { get; } = [];

    /// <summary>
    /// Reads a <see cref="Page"/>'s rows: up to <paramref name="top"/> objects, and the cursor after the last of them
    /// when one more row came back. The sort key is the column after the object's (index 8).
    /// </summary>
    public static async Task<ObjectPage> ReadPageAsync(System.Data.Common.DbDataReader r, int top, Func<StoredObject> read, CancellationToken ct)
    {
        var list = new List<StoredObject>();
        string? key = null;
        while (await r.ReadAsync(ct))
        {
            if (list.Count == top)
            {
                return new ObjectPage(list, new ObjectCursor(key, list[^1].Id));
            }
            list.Add(read());
            key = r.IsDBNull(8) ? null : r.GetString(8);
        }
        return new ObjectPage(list, null);
    }

    private string Collate => postgres ? " collate \"C\"" : "";

    /// <summary>The page: the object columns, then the sort key; one row more than <c>Top</c> tells whether a next page exists.</summary>
    public string Page(ObjectQuery q, string columns)
    {
        var key = q.OrderBy is null ? "null" : SortKey(q.OrderBy);
        var order = q.Descending ? "desc" : "asc";
        var sql = new StringBuilder($"select {columns}, {key} from directory_objects o where {Where(q)}");
        if (q.After is { } after)
        {
            var op = q.Descending ? "<" : ">";
            sql.Append(q.OrderBy is null
                ? $" and o.id{Collate} {op} {Add(after.Id)}"
                : $" and ({key}, o.id{Collate}) {op} ({Add(after.Key ?? "")}, {Add(after.Id)})");
        }
        sql.Append(q.OrderBy is null ? $" order by o.id{Collate} {order}" : $" order by {key} {order}, o.id{Collate} {order}");
        sql.Append($" limit {Add(q.Top + 1)}");
        return sql.ToString();
    }

    public string Count(ObjectQuery q) => $"select count(*) from directory_objects o where {Where(q)}";

    private string Where(ObjectQuery q) =>
        $"o.tenant_id = {Add(postgres ? q.TenantId : q.TenantId.ToString("D"))} and o.kind = {Add(q.Kind)}"
        + (q.Filter is null ? "" : $" and {Render(q.Filter)}");

    private string SortKey(string property) => $"coalesce(lower({Value(property)}), ''){Collate}";

    private string Render(ObjectFilter filter) => filter switch
    {
        ObjectAnd f => $"({Render(f.Left)} and {Render(f.Right)})",
        ObjectOr f => $"({Render(f.Left)} or {Render(f.Right)})",
        // OData's not() holds where the inner comparison meets a missing value; SQL's NOT of a null does not.
        ObjectNot f => $"(not coalesce({Render(f.Inner)}, false))",
        ObjectCompare { Value: null, Op: CompareOp.Eq } f => $"({Value(f.Property)} is null)",
        ObjectCompare { Value: null } f => $"({Value(f.Property)} is not null)",
        ObjectCompare { Op: CompareOp.Ne } f => $"({Value(f.Property)} is null or {Operand(f.Property, f.Value)} <> {Literal(f.Value)})",
        ObjectCompare f => $"({Operand(f.Property, f.Value)} {Operator(f.Op)} {Literal(f.Value)})",
        ObjectIn f => $"({Operand(f.Property, f.Values[0])} in ({string.Join(", ", f.Values.Select(Literal))}))",
        ObjectStartsWith f => $"(lower({Value(f.Property)}) like {Add(Escape(f.Prefix) + "%")} escape '\\')",
        ObjectEndsWith f => $"(lower({Value(f.Property)}) like {Add("%" + Escape(f.Suffix))} escape '\\')",
        ObjectWordPrefix f => $"({Words(f.Property)} like {Add("% " + Escape(f.Word) + "%")} escape '\\')",
        ObjectAnyEquals f => $"exists (select 1 from {Elements(f.Property)} where lower(e.value) = {Add(f.Value.ToLowerInvariant())})",
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown object filter."),
    };

    /// <summary>The property's value as SQL text (SQLite returns booleans as 1/0, PostgreSQL as 'true'/'false').</summary>
    private string Value(string property) => postgres
        ? $"(o.data::jsonb ->> {Add(property)})"
        : $"json_extract(o.data, {Add("$." + property)})";

    private string Operand(string property, object? value) => value is string ? $"lower({Value(property)}){Collate}" : Value(property);

    private string Literal(object? value) => value switch
    {
        string s => Add(s.ToLowerInvariant()),
        bool b => postgres ? Add(b ? "true" : "false") : Add(b ? 1L : 0L),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Object filters compare strings and booleans."),
    };

    /// <summary>The value lower-cased with a space before it and in place of every word break, so a word starts after a space.</summary>
    private string Words(string property)
    {
        var sql = $"lower({Value(property)})";
        foreach (var c in WordBreaks)
        {
            sql = $"replace({sql}, '{(c == '\'' ? "''" : c.ToString())}', ' ')";
        }
        return $"(' ' || {sql})";
    }

    private string Elements(string property) => postgres
        ? $"jsonb_array_elements_text(case when jsonb_typeof(o.data::jsonb -> {Add(property)}) = 'array' then o.data::jsonb -> {Add(property)} else '[]'::jsonb end) e(value)"
        : $"json_each(o.data, {Add("$." + property)}) e";

    private static string Operator(CompareOp op) => op switch
    {
        CompareOp.Eq => "=",
        CompareOp.Gt => ">",
        CompareOp.Ge => ">=",
        CompareOp.Lt => "<",
        CompareOp.Le => "<=",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    private static string Escape(string text) =>
        text.ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private string Add(object value)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"@o{Parameters.Count}");
        Parameters.Add((name, value));
        return name;
    }
}
