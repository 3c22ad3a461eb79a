using System.Globalization;
using Npgsql;

namespace Verity.Core.Storage.Postgres;

/// <summary>The read side of the log engine on PostgreSQL: pages, counts and aggregates of any described log, on the query pool.</summary>
public sealed partial class PostgresStore
{
    public async Task<LogPage> QueryAsync(LogQuery query, CancellationToken ct)
    {
        query = await ExpandValuesAsync(query, ct);
        await using var cmd = PageCommand(query);
        var entries = await ReadEntriesAsync(cmd, ct);
        var hasMore = entries.Count > query.Top;
        return new LogPage(hasMore ? entries.GetRange(0, query.Top) : entries, hasMore);
    }

    /// <summary>
    /// The query with its prefixes and contains() texts replaced by the values they stand for (<see cref="ValueExpansion"/>),
    /// then its modified-property conditions by the keys of the sets that match (<see cref="PropertySets"/>), and its
    /// entry and element names by the ids that carried them (<see cref="EntryKeys"/>, <see cref="TargetKeys"/>).
    /// </summary>
    private async Task<LogQuery> ExpandValuesAsync(LogQuery query, CancellationToken ct)
    {
        if (query.Filter is null)
        {
            return query;
        }
        var log = query.Definition;
        var filter = await ValueExpansion.ExpandAsync(query.Filter,
            (field, low, high) => ReadStringsAsync(Command(queries, ValueExpansion.PrefixValuesSql(log, field), ("t", query.TenantId), ("low", low), ("high", high)), ct),
            (field, text) =>
            {
                var sql = new FilterSql(log, t => t.UtcDateTime, containsAsLike: true);
                var select = sql.ContainingTerms(text);
                return ReadStringsAsync(Command(queries, select, [("t", query.TenantId), ("field", field.Code!.Value), .. sql.Parameters.Select(p => (p.Name[1..], p.Value))]), ct);
            });
        filter = await PropertySets.ExpandAsync(filter, property =>
        {
            var sql = new FilterSql(log, t => t.UtcDateTime, containsAsLike: true);
            return ReadFirstColumnAsync<long>(Command(queries, $"{sql.PropertySetKeys(property)} limit {FilterSql.MaxArms + 1}",
                [("t", query.TenantId), .. sql.Parameters.Select(p => (p.Name[1..], p.Value))]), ct);
        });
        if (log.KeysTable is { } keys)
        {
            filter = await EntryKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync(keys, log.KeysIdColumn!, query.TenantId, field, values, ct),
                (field, low, high) => KeyValuesAsync(keys, query.TenantId, field, low, high, ct));
        }
        if (log.Items is { } items)
        {
            filter = await TargetKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync(items.KeysTable, items.KeysIdColumn, query.TenantId, field, values, ct),
                (field, low, high) => KeyValuesAsync(items.KeysTable, query.TenantId, field, low, high, ct));
        }
        return query with { Filter = filter };
    }

    /// <summary>Up to <see cref="FilterSql.MaxArms"/> (value, id) pairs of a key table for some values of a field.</summary>
    private async Task<IReadOnlyList<(string Value, string Id)>> KeyPairsAsync(string table, string idColumn, Guid tenantId, short field, IReadOnlyList<string> values, CancellationToken ct)
    {
        await using var cmd = Command(queries, $"select value, {idColumn} from {table} where tenant_id = @t and field = @f and value = any(@v) limit {FilterSql.MaxArms}",
            ("t", tenantId), ("f", field), ("v", values.ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var pairs = new List<(string, string)>();
        while (await reader.ReadAsync(ct))
        {
            pairs.Add((reader.GetString(0), reader.GetString(1)));
        }
        return pairs;
    }

    /// <summary>Up to <see cref="ValueExpansion.MaxValues"/> + 1 distinct values of a field in [low, high) in a key table.</summary>
    private Task<IReadOnlyList<string>> KeyValuesAsync(string table, Guid tenantId, short field, string low, string high, CancellationToken ct) =>
        ReadStringsAsync(Command(queries, $"select distinct value from {table} where tenant_id = @t and field = @f and value >= @low and value < @high " +
            $"order by value limit {ValueExpansion.MaxValues + 1}", ("t", tenantId), ("f", field), ("low", low), ("high", high)), ct);

    private static Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand cmd, CancellationToken ct) => ReadFirstColumnAsync<string>(cmd, ct);

    private static async Task<IReadOnlyList<T>> ReadFirstColumnAsync<T>(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using (cmd)
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var values = new List<T>();
            while (await r.ReadAsync(ct))
            {
                values.Add(r.GetFieldValue<T>(0));
            }
            return values;
        }
    }

    /// <summary>PostgreSQL's plan for a page query, as EXPLAIN's JSON: what the plan test reads to prove an index answers each filter.</summary>
    internal async Task<string> ExplainAsync(LogQuery query, CancellationToken ct)
    {
        await using var cmd = PageCommand(await ExpandValuesAsync(query, ct));
        cmd.CommandText = "explain (format json) " + cmd.CommandText;
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A page read. It runs on the query data source, which never prepares statements: each filter value is then
    /// planned with its own selectivity ('failure' is rare, 'success' is most rows), never with a generic plan.
    /// </summary>
    private NpgsqlCommand PageCommand(LogQuery query, string? columns = null, long offset = 0, int? limit = null)
    {
        var log = query.Definition;
        columns ??= $"a.seq, a.id, {log.Time.Sql}, a.json";
        var (filter, args) = Where(query, out var pageSeqs);
        var sql = offset == 0 && pageSeqs is not null
            ? $"select {columns} from {log.Table} a where a.tenant_id = @t and a.seq in ({pageSeqs}) order by a.seq{(query.Descending ? " desc" : "")} limit @top offset @offset"
            : $"select {columns} from {log.Table} a where a.tenant_id = @t and a.seq {(query.Descending ? "<" : ">")} @after{filter} " +
              $"order by a.seq{(query.Descending ? " desc" : "")} limit @top offset @offset";
        return Command(queries, sql, [("t", query.TenantId), ("after", query.AfterSeq ?? (query.Descending ? long.MaxValue : 0)),
            ("top", limit ?? query.Top + 1), ("offset", offset), .. args]);
    }

    public async Task<long?> SeqAtAsync(LogQuery query, long offset, CancellationToken ct)
    {
        await using var cmd = PageCommand(await ExpandValuesAsync(query, ct), "a.seq", offset, limit: 1);
        return await cmd.ExecuteScalarAsync(ct) as long?;
    }

    public async Task<long> CountAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, $"select count(*) from {query.Definition.Table} a where a.tenant_id = @t{filter}", [("t", query.TenantId), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<LogBucket>> CountByDayAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        var log = query.Definition;
        await using var cmd = Command(queries, $"select to_char({log.Time.Sql} at time zone 'UTC', 'YYYY-MM-DD'), count(*) from {log.Table} a " +
            $"where a.tenant_id = @t{filter} group by 1 order by 1", [("t", query.TenantId), .. args]);
        return await ReadBucketsAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<LogBucket>> CountByAsync(LogQuery query, LogField field, int top, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, Sql(query).CountBySql(field, filter), [("t", query.TenantId), ("top", top), .. args]);
        return await ReadBucketsAsync(cmd, ct);
    }

    public async Task<long> CountDistinctAsync(LogQuery query, LogField field, (LogField Field, string Value)? itemCondition, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, Sql(query).CountDistinctSql(field, itemCondition?.Field, filter),
            [("t", query.TenantId), ("value", itemCondition?.Value ?? ""), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<IReadOnlyList<LogBucket>> ReadBucketsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<LogBucket>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new LogBucket(Convert.ToString(r.GetValue(0), CultureInfo.InvariantCulture)!, r.GetInt64(1)));
        }
        return list;
    }

    private static FilterSql Sql(LogQuery query) => new(query.Definition, t => t.UtcDateTime, containsAsLike: true);

    /// <summary>The filter as " and (…)" with its parameters (names without the @ Npgsql does not need).</summary>
    private static (string Sql, (string, object)[] Args) Where(LogQuery query) => Where(query, out _);

    /// <param name="query">The query whose filter is rendered.</param>
    /// <param name="pageSeqs">A query for the first page's sequence numbers when the filter has a faster shape (see <see cref="FilterSql.PageSeqs"/>).</param>
    private static (string Sql, (string, object)[] Args) Where(LogQuery query, out string? pageSeqs)
    {
        pageSeqs = null;
        if (query.Filter is null)
        {
            return ("", []);
        }
        var sql = Sql(query);
        var condition = sql.Render(query.Filter);
        pageSeqs = sql.PageSeqs(query.Filter, query.Descending);
        return ($" and {condition}", [.. sql.Parameters.Select(p => (p.Name[1..], p.Value))]);
    }

    public async Task<StoredLogEntry?> GetAsync(Guid tenantId, LogName log, string id, CancellationToken ct)
    {
        var definition = Logs.Of(log);
        await using var cmd = Command($"select seq, id, {definition.Time.Column}, json from {definition.Table} where tenant_id = @t and id_key = @k and id = @id",
            ("t", tenantId), ("k", LogEntry.KeyOf(id)), ("id", id));
        return (await ReadEntriesAsync(cmd, ct)).FirstOrDefault();
    }

    private static async Task<List<StoredLogEntry>> ReadEntriesAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredLogEntry>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new StoredLogEntry(r.GetInt64(0), r.GetString(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero), r.GetFieldValue<byte[]>(3)));
        }
        return list;
    }

}
