using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>The read side of the log engine on SQLite: pages, counts and aggregates of any described log, on pooled readers.</summary>
public sealed partial class SqliteStore
{
    public async Task<LogPage> QueryAsync(LogQuery query, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        query = await ExpandValuesAsync(conn, query, ct);
        using var cmd = PageCommand(conn, query, await TimeIndexAsync(conn, query, ct));
        var entries = await ReadEntriesAsync(cmd, ct);
        var hasMore = entries.Count > query.Top;
        return new LogPage(hasMore ? entries.GetRange(0, query.Top) : entries, hasMore);
    }

    /// <summary>
    /// The query with its prefixes and contains() texts replaced by the values they stand for (<see cref="ValueExpansion"/>),
    /// then its modified-property conditions by the keys of the sets that match (<see cref="PropertySets"/>), and its
    /// entry and element names by the ids that carried them (<see cref="EntryKeys"/>, <see cref="TargetKeys"/>).
    /// </summary>
    private static async Task<LogQuery> ExpandValuesAsync(SqliteConnection conn, LogQuery query, CancellationToken ct)
    {
        if (query.Filter is null)
        {
            return query;
        }
        var tenant = Key(query.TenantId);
        var log = query.Definition;
        query = query with
        {
            Filter = await ValueExpansion.ExpandAsync(query.Filter,
                (field, low, high) => ReadStringsAsync(Command(conn, null, ValueExpansion.PrefixValuesSql(log, field), ("@t", tenant), ("@low", low), ("@high", high)), ct),
                (field, text) =>
                {
                    var code = (long)field.Code!.Value;
                    if (text.EnumerateRunes().Count() >= 3)
                    {
                        // The trigram index narrows the values (GLOB with the text's wildcards bracketed); instr keeps
                        // the result exactly that of the column test.
                        var glob = "*" + string.Concat(text.Select(c => c is '*' or '?' or '[' ? $"[{c}]" : c.ToString())) + "*";
                        return ReadStringsAsync(Command(conn, null,
                            $"select value from {log.TermsTextTable} where value glob @glob and tenant_id = @t and field = @field and instr(value, @text) > 0 " +
                            $"limit {ValueExpansion.MaxValues + 1}", ("@glob", glob), ("@t", tenant), ("@field", code), ("@text", text)), ct);
                    }
                    var sql = new FilterSql(log, t => t.UtcTicks, containsAsLike: false);
                    var select = sql.ContainingTerms(text);
                    return ReadStringsAsync(Command(conn, null, select, [("@t", tenant), ("@field", code), .. sql.Parameters]), ct);
                }),
        };
        var filter = await PropertySets.ExpandAsync(query.Filter!, async property =>
        {
            var sql = new FilterSql(log, t => t.UtcTicks, containsAsLike: false);
            return await ReadFirstColumnAsync<long>(Command(conn, null, $"{sql.PropertySetKeys(property)} limit {FilterSql.MaxArms + 1}", [("@t", tenant), .. sql.Parameters]), ct);
        });
        if (log.KeysTable is { } keys)
        {
            filter = await EntryKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync(conn, keys, log.KeysIdColumn!, tenant, field, values, ct),
                (field, low, high) => KeyValuesAsync(conn, keys, tenant, field, low, high, ct));
        }
        if (log.Items is { } items)
        {
            filter = await TargetKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync(conn, items.KeysTable, items.KeysIdColumn, tenant, field, values, ct),
                (field, low, high) => KeyValuesAsync(conn, items.KeysTable, tenant, field, low, high, ct));
        }
        return query with { Filter = filter };
    }

    /// <summary>Up to <see cref="FilterSql.MaxArms"/> (value, id) pairs of a key table for some values of a field.</summary>
    private static async Task<IReadOnlyList<(string Value, string Id)>> KeyPairsAsync(SqliteConnection conn, string table, string idColumn, string tenant, short field,
        IReadOnlyList<string> values, CancellationToken ct)
    {
        var names = string.Join(", ", values.Select((_, i) => $"@v{i}"));
        using var cmd = Command(conn, null, $"select value, {idColumn} from {table} where tenant_id = @t and field = @f and value in ({names}) limit {FilterSql.MaxArms}",
            [("@t", tenant), ("@f", (long)field), .. values.Select((v, i) => ($"@v{i}", (object)v))]);
        var pairs = new List<(string, string)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            pairs.Add((reader.GetString(0), reader.GetString(1)));
        }
        return pairs;
    }

    /// <summary>Up to <see cref="ValueExpansion.MaxValues"/> + 1 distinct values of a field in [low, high) in a key table.</summary>
    private static Task<IReadOnlyList<string>> KeyValuesAsync(SqliteConnection conn, string table, string tenant, short field, string low, string high, CancellationToken ct) =>
        ReadStringsAsync(Command(conn, null, $"select distinct value from {table} where tenant_id = @t and field = @f and value >= @low and value < @high " +
            $"order by value limit {ValueExpansion.MaxValues + 1}", ("@t", tenant), ("@f", (long)field), ("@low", low), ("@high", high)), ct);

    /// <summary>The most entries a time range may hold to be read from the time index (tests lower it).</summary>
    internal int TimeIndexMaxRows { get; init; } = 20_000;

    /// <summary>
    /// Whether a page should read a time range from the time index. SQLite keeps no histogram of times, so its planner
    /// cannot tell a one-hour window (thousands of entries: read them from the index and sort their sequence numbers)
    /// from a three-month one (millions: another filter's index or the commit-order walk finds a page sooner). The
    /// range's size is counted instead, up to <see cref="TimeIndexMaxRows"/>, from the index itself. Null when the
    /// filter has no time condition at its top level.
    /// </summary>
    private async Task<bool?> TimeIndexAsync(SqliteConnection conn, LogQuery query, CancellationToken ct)
    {
        long low = long.MinValue, high = long.MaxValue;
        var bounded = false;
        foreach (var term in Conjuncts(query.Filter))
        {
            if (term is CompareFilter { Value: DateTimeOffset at } time && time.Field == query.Definition.Time)
            {
                bounded = true;
                if (time.Op is CompareOp.Ge or CompareOp.Gt or CompareOp.Eq)
                {
                    low = Math.Max(low, at.UtcTicks);
                }
                if (time.Op is CompareOp.Le or CompareOp.Lt or CompareOp.Eq)
                {
                    high = Math.Min(high, at.UtcTicks);
                }
            }
        }
        if (!bounded)
        {
            return null;
        }
        var log = query.Definition;
        using var count = Command(conn, null,
            $"select count(*) from (select 1 from {log.Table} indexed by ix_{log.Table}_time " +
            $"where tenant_id = @t and {log.Time.Column} >= @low and {log.Time.Column} <= @high limit @cap)",
            ("@t", Key(query.TenantId)), ("@low", low), ("@high", high), ("@cap", TimeIndexMaxRows + 1));
        return (long)(await count.ExecuteScalarAsync(ct))! <= TimeIndexMaxRows;
    }

    private static IEnumerable<LogFilter> Conjuncts(LogFilter? filter) => filter switch
    {
        null => [],
        AndFilter f => Conjuncts(f.Left).Concat(Conjuncts(f.Right)),
        _ => [filter],
    };

    private static Task<IReadOnlyList<string>> ReadStringsAsync(SqliteCommand cmd, CancellationToken ct) => ReadFirstColumnAsync<string>(cmd, ct);

    private static async Task<IReadOnlyList<T>> ReadFirstColumnAsync<T>(SqliteCommand cmd, CancellationToken ct)
    {
        using (cmd)
        {
            using var r = await cmd.ExecuteReaderAsync(ct);
            var list = new List<T>();
            while (await r.ReadAsync(ct))
            {
                list.Add(r.GetFieldValue<T>(0));
            }
            return list;
        }
    }

    public async Task<long?> SeqAtAsync(LogQuery query, long offset, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        query = await ExpandValuesAsync(conn, query, ct);
        using var cmd = PageCommand(conn, query, await TimeIndexAsync(conn, query, ct), "a.seq", offset, limit: 1);
        return await cmd.ExecuteScalarAsync(ct) as long?;
    }

    // timeIndex: true to read the filter's time range from the time index, false to keep it off it, null when there
    // is none (TimeIndexAsync).
    private static SqliteCommand PageCommand(SqliteConnection conn, LogQuery query, bool? timeIndex, string? columns = null, long offset = 0, int? limit = null)
    {
        var log = query.Definition;
        columns ??= $"a.seq, a.id, {log.Time.Sql}, a.json";
        var (filter, args) = Where(query, out var pageSeqs, timeIndexUnused: timeIndex == false);
        var order = query.Descending ? " desc" : "";
        var walk = $"a.tenant_id = @t and a.seq {(query.Descending ? "<" : ">")} @after{filter} order by a.seq{order} limit @top offset @offset";
        var sql = (offset, pageSeqs, filter) switch
        {
            (0, not null, _) => $"select {columns} from {log.Table} a where a.tenant_id = @t and a.seq in ({pageSeqs}) order by a.seq{order} limit @top offset @offset",
            (_, _, "") => $"select {columns} from {log.Table} a where {walk}",
            // The page's sequence numbers first, then its rows: when SQLite answers a filter from an index in another
            // order (a time range) it sorts index entries, not rows with their JSON.
            _ => $"select {columns} from {log.Table} a where a.tenant_id = @t and a.seq in (select a.seq from {log.Table} a" +
                 $"{(timeIndex == true ? $" indexed by ix_{log.Table}_time" : "")} where {walk}) order by a.seq{order}",
        };
        var after = query.AfterSeq ?? (query.Descending ? long.MaxValue : 0);
        return Command(conn, null, sql, [("@t", Key(query.TenantId)), ("@after", after), ("@top", limit ?? query.Top + 1), ("@offset", offset), .. args]);
    }

    public async Task<long> CountAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, $"select count(*) from {query.Definition.Table} a where a.tenant_id = @t{filter}", [("@t", Key(query.TenantId)), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<LogBucket>> CountByDayAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        var log = query.Definition;
        using var cmd = Command(conn, null, $"select {log.Time.Sql} / {TimeSpan.TicksPerDay}, count(*) from {log.Table} a where a.tenant_id = @t{filter} group by 1 order by 1",
            [("@t", Key(query.TenantId)), .. args]);
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<LogBucket>();
        while (await r.ReadAsync(ct))
        {
            var day = new DateTime(r.GetInt64(0) * TimeSpan.TicksPerDay, DateTimeKind.Utc);
            list.Add(new LogBucket(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.GetInt64(1)));
        }
        return list;
    }

    public async Task<IReadOnlyList<LogBucket>> CountByAsync(LogQuery query, LogField field, int top, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, Sql(query).CountBySql(field, filter), [("@t", Key(query.TenantId)), ("@top", top), .. args]);
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<LogBucket>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new LogBucket(Convert.ToString(r.GetValue(0), CultureInfo.InvariantCulture)!, r.GetInt64(1)));
        }
        return list;
    }

    public async Task<long> CountDistinctAsync(LogQuery query, LogField field, (LogField Field, string Value)? itemCondition, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, Sql(query).CountDistinctSql(field, itemCondition?.Field, filter),
            [("@t", Key(query.TenantId)), ("@value", itemCondition?.Value ?? ""), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static FilterSql Sql(LogQuery query) => new(query.Definition, t => t.UtcTicks, containsAsLike: false);

    /// <summary>The filter as " and (…)" with its parameters; times are stored as ticks, text compares byte-wise (BINARY).</summary>
    private static (string Sql, (string, object)[] Args) Where(LogQuery query) => Where(query, out _);

    /// <param name="query">The query whose filter is rendered.</param>
    /// <param name="pageSeqs">A query for the first page's sequence numbers when the filter has a faster shape (see <see cref="FilterSql.PageSeqs"/>).</param>
    /// <param name="timeIndexUnused">Keep time conditions off the time index (see <see cref="FilterSql.TimeIndexUnused"/>).</param>
    private static (string Sql, (string, object)[] Args) Where(LogQuery query, out string? pageSeqs, bool timeIndexUnused = false)
    {
        pageSeqs = null;
        if (query.Filter is null)
        {
            return ("", []);
        }
        var sql = new FilterSql(query.Definition, t => t.UtcTicks, containsAsLike: false, sideTablesAsIn: true) { TimeIndexUnused = timeIndexUnused };
        var condition = sql.Render(query.Filter);
        pageSeqs = sql.PageSeqs(query.Filter, query.Descending);
        return ($" and {condition}", [.. sql.Parameters]);
    }

    public async Task<StoredLogEntry?> GetAsync(Guid tenantId, LogName log, string id, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        var definition = Logs.Of(log);
        using var cmd = Command(conn, null, $"select seq, id, {definition.Time.Column}, json from {definition.Table} where tenant_id = @t and id_key = @k and id = @id",
            ("@t", Key(tenantId)), ("@k", LogEntry.KeyOf(id)), ("@id", id));
        return (await ReadEntriesAsync(cmd, ct)).FirstOrDefault();
    }

    private static async Task<List<StoredLogEntry>> ReadEntriesAsync(SqliteCommand cmd, CancellationToken ct)
    {
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredLogEntry>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new StoredLogEntry(r.GetInt64(0), r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero), (byte[])r.GetValue(3)));
        }
        return list;
    }

}
