using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>The append side of the log engine on SQLite: any described log, through the one writer connection.</summary>
public sealed partial class SqliteStore
{
    public async Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LogEntry> entries, CancellationToken ct)
    {
        IReadOnlyList<long> seqs = [];
        await WriteAsync((conn, _) =>
        {
            seqs = AppendCore(conn, entries);
            return Task.CompletedTask;
        }, ct);
        return seqs;
    }

    public async Task<long> BulkAppendAsync(IEnumerable<LogEntry> entries, int batchSize, CancellationToken ct)
    {
        long count = 0;
        // Millions of entries touch a leaf page of every filter index per entry: give the writer a 2 GB cache while
        // it bulk-loads (pages are allocated only as used), and the usual 16 MB afterwards.
        await WriteAsync((conn, tx) => ExecAsync(conn, tx, $"pragma cache_size={BulkWriterCache}", ct), ct);
        try
        {
            foreach (var chunk in entries.Chunk(batchSize))
            {
                await WriteAsync((conn, _) =>
                {
                    AppendCore(conn, chunk);
                    return Task.CompletedTask;
                }, ct);
                count += chunk.Length;
            }
        }
        finally
        {
            await WriteAsync((conn, tx) => ExecAsync(conn, tx, $"pragma cache_size={WriterCache}", CancellationToken.None), CancellationToken.None);
        }
        // Fresh statistics at once: SQLite's planner picks each filter's index (or the commit-order walk) from them.
        await _writeLock.WaitAsync(ct);
        try
        {
            // A sample per index (analysis_limit) is enough for the planner and keeps this to seconds on a large file.
            await ExecAsync(await WriterAsync(ct), null, "pragma analysis_limit=1000; analyze", ct);
        }
        finally
        {
            _writeLock.Release();
        }
        return count;
    }

    /// <summary>
    /// Appends entries of any logs in the writer's open transaction: reserves each tenant's and log's next sequence
    /// numbers, inserts the rows, their collection's rows, and the dictionary rows (terms, keys, property sets) that
    /// are new to this process. Statements are built once per log from its description and prepared.
    /// </summary>
    private long[] AppendCore(SqliteConnection conn, IReadOnlyList<LogEntry> entries)
    {
        var seqs = new long[entries.Count];
        var next = new Dictionary<(Guid, LogName), long>();
        foreach (var group in entries.GroupBy(e => (e.TenantId, e.Log)).OrderBy(g => g.Key))
        {
            // A read, then the update: RETURNING would buffer its row in a temporary B-tree, and closing one costs a
            // walk of its page cache on every batch.
            var head = Prepared(conn, "select next_seq from log_heads where tenant_id = @t and log = @l",
                ("@t", Key(group.Key.TenantId)), ("@l", (int)group.Key.Log));
            var first = head.ScalarInt64() ?? throw new InvalidOperationException($"Tenant {group.Key.TenantId} does not exist.");
            Prepared(conn, "update log_heads set next_seq = next_seq + @n where tenant_id = @t and log = @l",
                ("@n", group.Count()), ("@t", Key(group.Key.TenantId)), ("@l", (int)group.Key.Log)).Execute();
            next[group.Key] = first;
        }
        for (var i = 0; i < entries.Count; i++)
        {
            seqs[i] = next[(entries[i].TenantId, entries[i].Log)]++;
        }
        foreach (var log in entries.Select((e, i) => (Entry: e, Seq: seqs[i])).GroupBy(x => x.Entry.Log))
        {
            var definition = Logs.Of(log.Key);
            var statements = new EntryStatements(this, conn, definition);
            foreach (var (entry, seq) in log)
            {
                InsertEntry(statements, definition, entry, seq);
            }
            InsertDictionaries(conn, definition, [.. log.Select(x => x.Entry)], _known[log.Key]);
        }
        return seqs;
    }

    /// <summary>A log's prepared row statements, fetched once per batch.</summary>
    private sealed class EntryStatements(SqliteStore store, SqliteConnection conn, LogDefinition log)
    {
        public WriterStatement Entry { get; } = store.Prepared(conn, s_sql[log.Name].Entry);
        public WriterStatement? Item { get; } = log.Items is null ? null : store.Prepared(conn, s_sql[log.Name].Item!);
        public WriterStatement? ItemKey { get; } = log.Items is null ? null : store.Prepared(conn, s_sql[log.Name].ItemKey!);
    }

    private static readonly Dictionary<LogName, (string Entry, string? Item, string? ItemKey)> s_sql = Logs.All.ToDictionary(l => l.Name, l => (EntryInsertSql(l),
        l.Items is { } items ? ItemInsertSql(items) : null,
        l.Items is { } keyed ? $"insert or ignore into {keyed.KeysTable} (tenant_id, field, value, {keyed.KeysIdColumn}) values (@t, @f, @v, @id)" : null));

    private void InsertEntry(EntryStatements statements, LogDefinition log, LogEntry e, long seq)
    {
        var t = Key(e.TenantId);
        var insert = statements.Entry;
        insert.Set("@t", t);
        insert.Set("@seq", seq);
        insert.Set("@id", e.Id);
        insert.Set("@idkey", e.IdKey);
        insert.Set("@at", e.Time.UtcTicks);
        for (var c = 0; c < log.Columns.Count; c++)
        {
            insert.Set($"@c{c}", e.Values[c]);
        }
        insert.Set("@json", e.Json);
        insert.Execute();
        if (log.Items is not { } items)
        {
            return;
        }
        var row = statements.Item!;
        var key = statements.ItemKey!;
        var id = items.IndexOf(items.Id);
        for (var o = 0; o < e.Items.Count; o++)
        {
            var item = e.Items[o];
            row.Set("@t", t);
            row.Set("@seq", seq);
            row.Set("@ord", o);
            for (var f = 0; f < items.Fields.Count; f++)
            {
                row.Set($"@c{f}", item.Values[f]);
            }
            row.Set("@set", item.PropertySet);
            row.Execute();
            if (item.Values[id] is not string itemId)
            {
                continue;
            }
            for (var f = 0; f < items.Fields.Count; f++)
            {
                if (items.Fields[f] is { KeyedBy: not null } field && item.Values[f] is string value
                    && !_known[log.Name].ItemKeys.Stage((e.TenantId, field.Code!.Value, value, itemId)))
                {
                    key.Set("@t", t);
                    key.Set("@f", (long)field.Code!.Value);
                    key.Set("@v", value);
                    key.Set("@id", itemId);
                    key.Execute();
                }
            }
        }
    }

    /// <summary>The log's entry keys, property sets and terms that this process has not seen committed.</summary>
    private void InsertDictionaries(SqliteConnection conn, LogDefinition log, IReadOnlyList<LogEntry> entries, KnownLogRows known)
    {
        if (log.KeysTable is not null)
        {
            var entryKey = Prepared(conn, $"insert or ignore into {log.KeysTable} (tenant_id, field, value, {log.KeysIdColumn}) values (@t, @f, @v, @id)");
            foreach (var (tenantId, field, value, id) in EntryKeys.Of(log, entries))
            {
                if (!known.EntryKeys.Stage((tenantId, field, value, id)))
                {
                    entryKey.Set("@t", Key(tenantId)).Set("@f", field).Set("@v", value).Set("@id", id).Execute();
                }
            }
        }
        if (log.Items is { } items)
        {
            var setName = Prepared(conn, $"insert or ignore into {items.PropertySetsTable} (tenant_id, set_key, name) values (@t, @k, @n)");
            foreach (var (tenantId, key, name) in PropertySets.Of(entries))
            {
                if (!known.PropertySets.Stage((tenantId, key, name)))
                {
                    setName.Set("@t", Key(tenantId)).Set("@k", key).Set("@n", name).Execute();
                }
            }
        }
        var term = Prepared(conn, $"insert or ignore into {log.TermsTable} (tenant_id, field, value) values (@t, @f, @v)");
        var text = Prepared(conn, $"insert into {log.TermsTextTable} (value, tenant_id, field) values (@v, @t, @f)");
        foreach (var (tenantId, field, value) in LogTerms.Of(log, entries))
        {
            if (known.Terms.Stage((tenantId, field, value)) || term.Set("@t", Key(tenantId)).Set("@f", field).Set("@v", value).Execute() == 0)
            {
                continue;
            }
            // New to its tenant and field: the trigram index learns it too.
            text.Set("@t", Key(tenantId)).Set("@f", field).Set("@v", value).Execute();
        }
    }

    private static string EntryInsertSql(LogDefinition log) =>
        $"insert into {log.Table} (tenant_id, seq, id, id_key, {log.Time.Column}, {string.Join(", ", log.Columns.Select(c => c.Column))}, json) values " +
        $"(@t, @seq, @id, @idkey, @at, {string.Join(", ", log.Columns.Select((_, i) => $"@c{i}"))}, @json)";

    private static string ItemInsertSql(LogCollection items) =>
        $"insert into {items.Table} (tenant_id, seq, ordinal, {string.Join(", ", items.Fields.Select(f => f.Column))}, property_set) values " +
        $"(@t, @seq, @ord, {string.Join(", ", items.Fields.Select((_, i) => $"@c{i}"))}, @set)";
}
