using Npgsql;
using NpgsqlTypes;

namespace Verity.Core.Storage.Postgres;

/// <summary>The append side of the log engine on PostgreSQL: any described log, as arrays in the group commit's one round trip.</summary>
public sealed partial class PostgresStore
{
    public async Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LogEntry> entries, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var seqs = await ReserveAsync(conn, entries, ct);
        await using var batch = new NpgsqlBatch(conn);
        var committed = AddLogRows(batch, entries);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        committed();
        return seqs;
    }

    public async Task<long> BulkAppendAsync(IEnumerable<LogEntry> entries, int batchSize, CancellationToken ct)
    {
        long count = 0;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var logs = new HashSet<LogName>();
        foreach (var chunk in entries.Chunk(batchSize))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var seqs = await ReserveAsync(conn, chunk, ct);
            await using var dictionaries = new NpgsqlBatch(conn);
            foreach (var group in chunk.Select((e, i) => (Entry: e, Seq: seqs[i])).GroupBy(x => x.Entry.Log))
            {
                var log = Logs.Of(group.Key);
                logs.Add(group.Key);
                await CopyLogRowsAsync(conn, log, [.. group.Select(x => x.Entry)], [.. group.Select(x => x.Seq)], ct);
                AddDictionaries(dictionaries, log, [.. group.Select(x => x.Entry)], known: null);
            }
            if (dictionaries.BatchCommands.Count > 0)
            {
                await dictionaries.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            count += chunk.Length;
        }
        // Fresh statistics at once, not at autovacuum's leisure: the planner picks each filter's index from them.
        foreach (var log in logs.Select(Logs.Of))
        {
            string?[] tables = [log.Table, log.TermsTable, log.KeysTable, log.Items?.Table, log.Items?.KeysTable, log.Items?.PropertySetsTable];
            await ExecAsync(conn, $"analyze {string.Join(", ", tables.OfType<string>())}", ct);
        }
        return count;
    }

    /// <summary>Entries of one log and their elements, through binary COPY (the bulk path).</summary>
    private static async Task CopyLogRowsAsync(NpgsqlConnection conn, LogDefinition log, LogEntry[] entries, long[] seqs, CancellationToken ct)
    {
        await using (var rows = await conn.BeginBinaryImportAsync(
            $"copy {log.Table} (tenant_id, seq, id, id_key, {log.Time.Column}, {string.Join(", ", log.Columns.Select(c => c.Column))}, json) from stdin (format binary)", ct))
        {
            for (var i = 0; i < entries.Length; i++)
            {
                var e = entries[i];
                await rows.StartRowAsync(ct);
                await rows.WriteAsync(e.TenantId, NpgsqlDbType.Uuid, ct);
                await rows.WriteAsync(seqs[i], NpgsqlDbType.Bigint, ct);
                await rows.WriteAsync(e.Id, NpgsqlDbType.Text, ct);
                await rows.WriteAsync(e.IdKey, NpgsqlDbType.Bigint, ct);
                await rows.WriteAsync(e.Time.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                foreach (var value in e.Values)
                {
                    await WriteValueAsync(rows, value, ct);
                }
                await rows.WriteAsync(e.Json, NpgsqlDbType.Bytea, ct);
            }
            await rows.CompleteAsync(ct);
        }
        if (log.Items is not { } items)
        {
            return;
        }
        await using var elements = await conn.BeginBinaryImportAsync(
            $"copy {items.Table} (tenant_id, seq, ordinal, {string.Join(", ", items.Fields.Select(f => f.Column))}, property_set) from stdin (format binary)", ct);
        for (var i = 0; i < entries.Length; i++)
        {
            for (var o = 0; o < entries[i].Items.Count; o++)
            {
                var item = entries[i].Items[o];
                await elements.StartRowAsync(ct);
                await elements.WriteAsync(entries[i].TenantId, NpgsqlDbType.Uuid, ct);
                await elements.WriteAsync(seqs[i], NpgsqlDbType.Bigint, ct);
                await elements.WriteAsync((short)o, NpgsqlDbType.Smallint, ct);
                foreach (var value in item.Values)
                {
                    await WriteValueAsync(elements, value, ct);
                }
                await (item.PropertySet is { } key ? elements.WriteAsync(key, NpgsqlDbType.Bigint, ct) : elements.WriteNullAsync(ct));
            }
        }
        await elements.CompleteAsync(ct);
    }

    private static Task WriteValueAsync(NpgsqlBinaryImporter importer, object? value, CancellationToken ct) => value switch
    {
        null => importer.WriteNullAsync(ct),
        long number => importer.WriteAsync(number, NpgsqlDbType.Bigint, ct),
        _ => importer.WriteAsync((string)value, NpgsqlDbType.Text, ct),
    };

    /// <summary>Reserves each tenant's next sequence numbers, taking tenants in a fixed order so batches never deadlock.</summary>
    private static async Task<long[]> ReserveAsync(NpgsqlConnection conn, IReadOnlyList<LogEntry> entries, CancellationToken ct)
    {
        var next = new Dictionary<(Guid, LogName), long>();
        foreach (var group in entries.GroupBy(e => (e.TenantId, e.Log)).OrderBy(g => g.Key))
        {
            await using var cmd = new NpgsqlCommand("update log_heads set next_seq = next_seq + @n where tenant_id = @t and log = @l returning next_seq - @n", conn);
            cmd.Parameters.AddWithValue("n", (long)group.Count());
            cmd.Parameters.AddWithValue("t", group.Key.TenantId);
            cmd.Parameters.AddWithValue("l", (short)group.Key.Log);
            next[group.Key] = (long)(await cmd.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException($"Tenant {group.Key.TenantId} does not exist."));
        }
        var seqs = new long[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            seqs[i] = next[(entries[i].TenantId, entries[i].Log)]++;
        }
        return seqs;
    }

    /// <summary>Adds one <c>update log_heads</c> per tenant and log of the entries, in a fixed order, each raising if the tenant has no head.</summary>
    private static void AddHeadUpdates(NpgsqlBatch batch, IReadOnlyList<LogEntry> entries)
    {
        foreach (var group in entries.GroupBy(e => (e.TenantId, e.Log)).OrderBy(g => g.Key))
        {
            batch.BatchCommands.Add(Expect(BatchCommand("update log_heads set next_seq = next_seq + @n where tenant_id = @t and log = @l",
                ("n", (long)group.Count()), ("t", group.Key.TenantId), ("l", (short)group.Key.Log)), 1, -1, MissingHead));
        }
    }

    /// <summary>
    /// Inserts the log rows, numbering them from their tenant's head, which the same transaction has already advanced
    /// by the batch's count: each row carries its offset below the new head (-count … -1). One statement per log over
    /// arrays, whatever the batch size; adds the dictionary rows this process has not seen committed and returns what
    /// to call once the transaction commits, to remember them.
    /// </summary>
    private Action AddLogRows(NpgsqlBatch batch, IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return () => { };
        }
        var counts = entries.GroupBy(e => (e.TenantId, e.Log)).ToDictionary(g => g.Key, g => g.Count());
        var seen = new Dictionary<(Guid, LogName), int>();
        var offsets = new long[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var key = (entries[i].TenantId, entries[i].Log);
            var position = seen.GetValueOrDefault(key);
            seen[key] = position + 1;
            offsets[i] = position - counts[key];
        }
        Action remember = () => { };
        foreach (var group in entries.Select((e, i) => (Entry: e, Rel: offsets[i])).GroupBy(x => x.Entry.Log))
        {
            var log = Logs.Of(group.Key);
            var rows = group.ToList();
            batch.BatchCommands.Add(InsertRows(log, rows));
            if (log.Items is { } items && InsertItems(log, items, rows) is { } elements)
            {
                batch.BatchCommands.Add(elements);
            }
            remember += AddDictionaries(batch, log, [.. rows.Select(r => r.Entry)], _known[group.Key]);
        }
        return remember;
    }

    private static NpgsqlBatchCommand InsertRows(LogDefinition log, List<(LogEntry Entry, long Rel)> rows)
    {
        var insert = new NpgsqlBatchCommand(s_insertSql[log.Name].Rows);
        var p = insert.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("t", [.. rows.Select(r => r.Entry.TenantId)]));
        p.Add(new NpgsqlParameter<long[]>("rel", [.. rows.Select(r => r.Rel)]));
        p.Add(new NpgsqlParameter<string[]>("id", [.. rows.Select(r => r.Entry.Id)]));
        p.Add(new NpgsqlParameter<long[]>("idkey", [.. rows.Select(r => r.Entry.IdKey)]));
        p.Add(new NpgsqlParameter<DateTime[]>("at", [.. rows.Select(r => r.Entry.Time.UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        for (var c = 0; c < log.Columns.Count; c++)
        {
            p.Add(ColumnArray($"c{c}", log.Columns[c], rows.Select(r => r.Entry.Values[c])));
        }
        p.Add(new NpgsqlParameter<byte[][]>("json", [.. rows.Select(r => r.Entry.Json)]));
        p.Add(new NpgsqlParameter<short>("log", (short)log.Name));
        return insert;
    }

    private static NpgsqlBatchCommand? InsertItems(LogDefinition log, LogCollection items, List<(LogEntry Entry, long Rel)> rows)
    {
        var elements = rows.SelectMany(r => r.Entry.Items.Select((item, o) => (r.Entry.TenantId, r.Rel, Ordinal: (short)o, Item: item))).ToList();
        if (elements.Count == 0)
        {
            return null;
        }
        var insert = new NpgsqlBatchCommand(s_insertSql[log.Name].Items!);
        var q = insert.Parameters;
        q.Add(new NpgsqlParameter<Guid[]>("t", [.. elements.Select(x => x.TenantId)]));
        q.Add(new NpgsqlParameter<long[]>("rel", [.. elements.Select(x => x.Rel)]));
        q.Add(new NpgsqlParameter<short[]>("ord", [.. elements.Select(x => x.Ordinal)]));
        for (var f = 0; f < items.Fields.Count; f++)
        {
            q.Add(ColumnArray($"c{f}", items.Fields[f], elements.Select(x => x.Item.Values[f])));
        }
        q.Add(new NpgsqlParameter<long?[]>("props", [.. elements.Select(x => x.Item.PropertySet)]));
        q.Add(new NpgsqlParameter<short>("log", (short)log.Name));
        return insert;
    }

    /// <summary>A column's values as the typed array unnest() takes.</summary>
    private static NpgsqlParameter ColumnArray(string name, LogField field, IEnumerable<object?> values) => field.Type == LogFieldType.Integer
        ? new NpgsqlParameter<long?[]>(name, [.. values.Select(v => (long?)v)])
        : new NpgsqlParameter<string?[]>(name, [.. values.Select(v => (string?)v)]);

    private static readonly Dictionary<LogName, (string Rows, string? Items)> s_insertSql = Logs.All.ToDictionary(l => l.Name, l => (RowsSql(l), l.Items is { } items ? ItemsSql(items) : null));

    private static string RowsSql(LogDefinition log)
    {
        var columns = log.Columns.Select((c, i) => (c.Column, Name: $"c{i}")).ToList();
        return $"insert into {log.Table} (tenant_id, seq, id, id_key, {log.Time.Column}, {string.Join(", ", columns.Select(c => c.Column))}, json) " +
            $"select u.t, h.next_seq + u.rel, u.id, u.idkey, u.at, {string.Join(", ", columns.Select(c => $"u.{c.Name}"))}, u.json " +
            $"from unnest(@t, @rel, @id, @idkey, @at, {string.Join(", ", columns.Select(c => $"@{c.Name}"))}, @json) " +
            $"as u(t, rel, id, idkey, at, {string.Join(", ", columns.Select(c => c.Name))}, json) " +
            "join log_heads h on h.tenant_id = u.t and h.log = @log";
    }

    private static string ItemsSql(LogCollection items)
    {
        var fields = items.Fields.Select((f, i) => (f.Column, Name: $"c{i}")).ToList();
        return $"insert into {items.Table} (tenant_id, seq, ordinal, {string.Join(", ", fields.Select(f => f.Column))}, property_set) " +
            $"select u.t, h.next_seq + u.rel, u.ord, {string.Join(", ", fields.Select(f => $"u.{f.Name}"))}, u.props " +
            $"from unnest(@t, @rel, @ord, {string.Join(", ", fields.Select(f => $"@{f.Name}"))}, @props) as u(t, rel, ord, {string.Join(", ", fields.Select(f => f.Name))}, props) " +
            "join log_heads h on h.tenant_id = u.t and h.log = @log";
    }

    /// <summary>
    /// The log's terms, element keys, property sets and entry keys, in their entries' transaction: with
    /// <paramref name="known"/>, only those this process has not seen committed (then remembered by the returned action).
    /// </summary>
    private static Action AddDictionaries(NpgsqlBatch batch, LogDefinition log, IReadOnlyList<LogEntry> entries, KnownLogRows? known)
    {
        var terms = Unknown(known?.Terms, LogTerms.Of(log, entries));
        if (terms.Count > 0)
        {
            var insert = new NpgsqlBatchCommand($"insert into {log.TermsTable} (tenant_id, field, value) select * from unnest(@t, @field, @value) on conflict do nothing");
            insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. terms.Select(x => x.TenantId)]));
            insert.Parameters.Add(new NpgsqlParameter<short[]>("field", [.. terms.Select(x => x.Field)]));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("value", [.. terms.Select(x => x.Value)]));
            batch.BatchCommands.Add(insert);
        }
        var itemKeys = log.Items is { } collection ? Unknown(known?.ItemKeys, TargetKeys.Of(collection, entries)) : [];
        if (itemKeys.Count > 0 && log.Items is { } items)
        {
            batch.BatchCommands.Add(InsertKeys($"{items.KeysTable} (tenant_id, field, value, {items.KeysIdColumn})", itemKeys));
        }
        var propertySets = log.Items is not null ? Unknown(known?.PropertySets, PropertySets.Of(entries)) : [];
        if (propertySets.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(
                $"insert into {log.Items!.PropertySetsTable} (tenant_id, set_key, name) select * from unnest(@t, @key, @name) on conflict do nothing");
            insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. propertySets.Select(x => x.TenantId)]));
            insert.Parameters.Add(new NpgsqlParameter<long[]>("key", [.. propertySets.Select(x => x.Key)]));
            insert.Parameters.Add(new NpgsqlParameter<string[]>("name", [.. propertySets.Select(x => x.Name)]));
            batch.BatchCommands.Add(insert);
        }
        var entryKeys = log.KeysTable is not null ? Unknown(known?.EntryKeys, EntryKeys.Of(log, entries)) : [];
        if (entryKeys.Count > 0)
        {
            batch.BatchCommands.Add(InsertKeys($"{log.KeysTable} (tenant_id, field, value, {log.KeysIdColumn})", entryKeys));
        }
        return () =>
        {
            known?.Terms.Remember(terms);
            known?.ItemKeys.Remember(itemKeys);
            known?.PropertySets.Remember(propertySets);
            known?.EntryKeys.Remember(entryKeys);
        };
    }

    private static List<T> Unknown<T>(KnownRows<T>? known, List<T> rows) where T : notnull => known?.Unknown(rows) ?? rows;

    /// <summary>Records which element or entry ids carried which values (<see cref="TargetKeys"/>, <see cref="EntryKeys"/>).</summary>
    private static NpgsqlBatchCommand InsertKeys(string table, IReadOnlyList<(Guid TenantId, short Field, string Value, string Id)> keys)
    {
        var insert = new NpgsqlBatchCommand($"insert into {table} select * from unnest(@t, @field, @value, @id) on conflict do nothing");
        insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. keys.Select(x => x.TenantId)]));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("field", [.. keys.Select(x => x.Field)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("value", [.. keys.Select(x => x.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("id", [.. keys.Select(x => x.Id)]));
        return insert;
    }
}
