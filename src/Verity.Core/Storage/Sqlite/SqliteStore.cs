using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode. Writes go through one connection under a lock (SQLite has one
/// writer anyway); reads use pooled connections and see committed data only.
/// </summary>
public sealed partial class SqliteStore : ILogStore, IDirectoryStore, IOAuthStore, ILockoutStore, IDisposable
{
    /// <summary>
    /// Writer page cache in KiB (negative: SQLite's unit): 16 MB normally, 2 GB while bulk-loading. Not more: when a
    /// page split renumbers pages, SQLite parks one at the lock-byte page number (262,145), and the commit then walks
    /// every bucket of the cache's hash table (65,536 of them at 256 MB, ~7 % of all CPU under load). Pages the writer
    /// drops come back through the memory map, or from the WAL for recently written ones.
    /// </summary>
    private const int WriterCache = -16_384;
    private const int BulkWriterCache = -2_097_152;

    private const int SqliteConstraint = 19;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private readonly string? _walPath;
    private WalSync? _sync;
    private WalCheckpointer? _checkpointer;
    private bool _disposed;
    private readonly Dictionary<string, WriterStatement> _statements = new(StringComparer.Ordinal);
    // The writer is one transaction at a time (under _writeLock), as KnownRows needs.
    private readonly KnownRows<(Guid TenantId, short Field, string Value)> _knownTerms = new();
    private readonly KnownRows<(Guid TenantId, short Field, string Value, string TargetId)> _knownTargetKeys = new();
    private readonly KnownRows<(Guid TenantId, long Key, string Name)> _knownPropertySets = new();
    private readonly KnownRows<(Guid TenantId, short Field, string Value, string Id)> _knownInitiatorKeys = new();

    public SqliteStore(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            _walPath = Path.GetFullPath(file) + "-wal";
            var dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (dir is not null)
            {
                System.IO.Directory.CreateDirectory(dir);
            }
        }
        _connectionString = builder.ToString();
    }

    /// <summary>
    /// A pooled reader connection. Busy waits are handled by Microsoft.Data.Sqlite's command timeout. Pages are read
    /// through a memory map and a 32 MB cache (per connection, filled lazily): a log of millions of entries is read
    /// from the OS page cache without a system call per page.
    /// </summary>
    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new SqliteConnection(_connectionString);
        await conn.OpenAsync(ct);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "pragma cache_size=-32768; pragma mmap_size=2147418112;";
        await cmd.ExecuteNonQueryAsync(ct);
        return conn;
    }

    /// <summary>
    /// The one writer connection, in WAL mode (persistent in the file). synchronous=NORMAL: a commit appends its pages
    /// to the WAL without waiting for the disk, and <see cref="WriteAsync"/> makes them durable after releasing the
    /// writer (see there). Checkpoints run beside it (<see cref="WalCheckpointer"/>); they still sync the WAL before
    /// copying it and the database after.
    /// </summary>
    private async Task<SqliteConnection> WriterAsync(CancellationToken ct)
    {
        if (_writer is null)
        {
            var conn = await OpenAsync(ct);
            using var cmd = conn.CreateCommand();
            // See WriterCache for the cache's size; optimize gathers the planner statistics (which index answers
            // which filter) when tables have grown since they were last gathered.
            cmd.CommandText = $"pragma journal_mode=WAL; pragma synchronous=NORMAL; pragma cache_size={WriterCache}; pragma wal_autocheckpoint=0; pragma analysis_limit=1000; pragma optimize=0x10002;";
            await cmd.ExecuteNonQueryAsync(ct);
            _writer = conn;
            _checkpointer = _walPath is null ? null : new WalCheckpointer(_connectionString, _writeLock, WalRestartFrames);
        }
        return _writer;
    }

    /// <summary>
    /// The writer's statements, prepared once and reused (see <see cref="WriterStatement"/>): preparing SQL costs more
    /// than running these small statements, and the hot path runs several per change.
    /// </summary>
    private WriterStatement Prepared(SqliteConnection conn, string sql, params (string Name, object? Value)[] args)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new WriterStatement(conn, sql);
            _statements[sql] = statement;
        }
        foreach (var (name, value) in args)
        {
            statement.Set(name, value);
        }
        return statement;
    }

    public async Task MigrateAsync(CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            var conn = await WriterAsync(ct);
            // Schema 8 converts stored rows with the key new rows get (see PropertySets).
            conn.CreateFunction("verity_property_set", (string? joined) => joined is null ? (long?)null : PropertySets.KeyOfJoined(joined), isDeterministic: true);
            await ExecAsync(conn, null, "create table if not exists schema_migrations (version integer primary key, applied_at text not null)", ct);
            foreach (var (version, sql) in SchemaScripts.For("Sqlite"))
            {
                using var tx = conn.BeginTransaction(deferred: false);
                using var check = Command(conn, tx, "select count(*) from schema_migrations where version = @v", ("@v", version));
                if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
                {
                    continue;
                }
                await ExecAsync(conn, tx, sql, ct);
                using var mark = Command(conn, tx, "insert into schema_migrations (version, applied_at) values (@v, @at)",
                    ("@v", version), ("@at", "migrated"));
                await mark.ExecuteNonQueryAsync(ct);
                tx.Commit();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task CreateTenantAsync(Tenant tenant, CancellationToken ct)
    {
        await WriteAsync(async (conn, tx) =>
        {
            using var insert = Command(conn, tx,
                "insert into tenants (id, display_name, default_domain, created_at) values (@id, @name, @domain, @at)",
                ("@id", Key(tenant.Id)), ("@name", tenant.DisplayName), ("@domain", tenant.DefaultDomain),
                ("@at", tenant.CreatedDateTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
            try
            {
                await insert.ExecuteNonQueryAsync(ct);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraint)
            {
                throw new ChangeConflictException(-1, ConflictKind.Duplicate, "A tenant with the same id or domain already exists.");
            }
            foreach (var log in Enum.GetValues<LogName>())
            {
                using var head = Command(conn, tx, "insert into log_heads (tenant_id, log, next_seq) values (@t, @l, 1)",
                    ("@t", Key(tenant.Id)), ("@l", (int)log));
                await head.ExecuteNonQueryAsync(ct);
            }
        }, ct);
    }

    public async Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken ct) =>
        await ReadTenantAsync("select id, display_name, default_domain, created_at from tenants where id = @v", Key(tenantId), ct);

    public async Task<Tenant?> FindTenantByDomainAsync(string domain, CancellationToken ct) =>
        await ReadTenantAsync("select id, display_name, default_domain, created_at from tenants where default_domain = @v", domain, ct);

    private async Task<Tenant?> ReadTenantAsync(string sql, string value, CancellationToken ct) =>
        (await ReadTenantsAsync(sql, ct, ("@v", value))).FirstOrDefault();

    public async Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken ct) =>
        await ReadTenantsAsync("select id, display_name, default_domain, created_at from tenants order by created_at, id", ct);

    private async Task<List<Tenant>> ReadTenantsAsync(string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, sql, args);
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<Tenant>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new Tenant(Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2),
                DateTimeOffset.Parse(r.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
        }
        return list;
    }

    public async Task<bool> AnyTenantAsync(CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, "select exists (select 1 from tenants)");
        return (long)(await cmd.ExecuteScalarAsync(ct))! == 1;
    }

    private const string ObjectColumns = "tenant_id, kind, id, version, data, secrets, lookup_key, ref_id";

    public async Task<StoredObject?> GetObjectAsync(Guid tenantId, string id, CancellationToken ct) =>
        (await ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and id = @id", ct,
            ("@t", Key(tenantId)), ("@id", id))).FirstOrDefault();

    public async Task<StoredObject?> FindObjectAsync(Guid tenantId, string kind, string lookupKey, CancellationToken ct) =>
        (await ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and lookup_key = @key", ct,
            ("@t", Key(tenantId)), ("@k", kind), ("@key", lookupKey))).FirstOrDefault();

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(Guid tenantId, string kind, string? afterId, int top, CancellationToken ct) =>
        ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and id > @after order by id limit @top", ct,
            ("@t", Key(tenantId)), ("@k", kind), ("@after", afterId ?? ""), ("@top", top));

    public Task<IReadOnlyList<StoredObject>> ListObjectsByRefAsync(Guid tenantId, string kind, string refId, CancellationToken ct) =>
        ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and ref_id = @ref order by id", ct,
            ("@t", Key(tenantId)), ("@k", kind), ("@ref", refId));

    public async Task<ObjectPage> QueryObjectsAsync(ObjectQuery query, CancellationToken ct)
    {
        var sql = new ObjectSql(postgres: false);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, sql.Page(query, ObjectColumns), [.. sql.Parameters]);
        using var r = await cmd.ExecuteReaderAsync(ct);
        return await ObjectSql.ReadPageAsync(r, query.Top, () => ReadObject(r), ct);
    }

    public async Task<long> CountObjectsAsync(ObjectQuery query, CancellationToken ct)
    {
        var sql = new ObjectSql(postgres: false);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, sql.Count(query), [.. sql.Parameters]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<IReadOnlyList<StoredObject>> ReadObjectsAsync(string sql, CancellationToken ct, params (string, object)[] args)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, sql, args);
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredObject>();
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadObject(r));
        }
        return list;
    }

    private static StoredObject ReadObject(SqliteDataReader r) => new()
    {
        TenantId = Guid.Parse(r.GetString(0)),
        Kind = r.GetString(1),
        Id = r.GetString(2),
        Version = r.GetInt64(3),
        Data = JsonNode.Parse(r.GetString(4))!.AsObject(),
        Secrets = JsonNode.Parse(r.GetString(5))!.AsObject(),
        LookupKey = r.IsDBNull(6) ? null : r.GetString(6),
        RefId = r.IsDBNull(7) ? null : r.GetString(7),
    };

    public async Task<IReadOnlyList<string>> ListLinkTargetsAsync(Guid tenantId, string sourceId, string relation, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null,
            "select target_id from directory_links where tenant_id = @t and source_id = @s and relation = @r order by target_id",
            ("@t", Key(tenantId)), ("@s", sourceId), ("@r", relation));
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<string>();
        while (await r.ReadAsync(ct))
        {
            list.Add(r.GetString(0));
        }
        return list;
    }

    public async Task<bool> LinkExistsAsync(Guid tenantId, string sourceId, string relation, string targetId, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null,
            "select exists (select 1 from directory_links where tenant_id = @t and source_id = @s and relation = @r and target_id = @g)",
            ("@t", Key(tenantId)), ("@s", sourceId), ("@r", relation), ("@g", targetId));
        return (long)(await cmd.ExecuteScalarAsync(ct))! == 1;
    }

    public async Task CommitAsync(IReadOnlyList<DirectoryChange> changes, CancellationToken ct) => await await ApplyAsync(changes, ct);

    public Task<Task> ApplyAsync(IReadOnlyList<DirectoryChange> changes, CancellationToken ct) =>
        StageAsync((conn, _) =>
        {
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                foreach (var op in change.Ops)
                {
                    Apply(conn, i, change.TenantId, op);
                }
            }
            AppendCore(conn, [.. changes.SelectMany(c => c.ToEntries())]);
            return Task.CompletedTask;
        }, ct);

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

    private void Apply(SqliteConnection conn, int index, Guid tenantId, DirectoryOp op)
    {
        var t = Key(tenantId);
        try
        {
            switch (op)
            {
                case InsertObject { Object: var o, Text: var text }:
                    Prepared(conn,
                        "insert into directory_objects (tenant_id, id, kind, version, lookup_key, ref_id, data, secrets) " +
                        "values (@t, @id, @kind, 1, @key, @ref, @data, @secrets)",
                        ("@t", t), ("@id", o.Id), ("@kind", o.Kind), ("@key", o.LookupKey),
                        ("@ref", o.RefId), ("@data", text.Data), ("@secrets", text.Secrets))
                        .Execute();
                    break;
                case UpdateObject { Object: var o, Text: var text }:
                    // SQLite rewrites the entry of every index whose column an UPDATE assigns, changed or not: the
                    // usual update keeps its keys and assigns only the data, so the unique-key index's page stays clean.
                    var affected = Prepared(conn,
                        "update directory_objects set version = version + 1, data = @data, secrets = @secrets " +
                        "where tenant_id = @t and id = @id and version = @v and lookup_key is @key and ref_id is @ref",
                        ("@t", t), ("@id", o.Id), ("@v", o.Version), ("@key", o.LookupKey),
                        ("@ref", o.RefId), ("@data", text.Data), ("@secrets", text.Secrets))
                        .Execute();
                    ExpectOne(affected == 1 ? affected : Prepared(conn,
                        "update directory_objects set version = version + 1, lookup_key = @key, ref_id = @ref, data = @data, secrets = @secrets " +
                        "where tenant_id = @t and id = @id and version = @v",
                        ("@t", t), ("@id", o.Id), ("@v", o.Version), ("@key", o.LookupKey),
                        ("@ref", o.RefId), ("@data", text.Data), ("@secrets", text.Secrets))
                        .Execute(), index);
                    break;
                case DeleteObject(var id, var version):
                    ExpectOne(Prepared(conn, "delete from directory_objects where tenant_id = @t and id = @id and version = @v",
                        ("@t", t), ("@id", id), ("@v", version)).Execute(), index);
                    Prepared(conn, "delete from directory_links where tenant_id = @t and (source_id = @id or target_id = @id)",
                        ("@t", t), ("@id", id)).Execute();
                    break;
                case AddLink(var source, var relation, var target):
                    // Both ends must still exist when the link commits (a delete may have won the race).
                    ExpectOne(Prepared(conn,
                        "insert into directory_links (tenant_id, source_id, relation, target_id) select @t, @s, @r, @g " +
                        "where exists (select 1 from directory_objects where tenant_id = @t and id = @s) " +
                        "and exists (select 1 from directory_objects where tenant_id = @t and id = @g)",
                        ("@t", t), ("@s", source), ("@r", relation), ("@g", target)).Execute(), index);
                    break;
                case RemoveLink(var source, var relation, var target):
                    ExpectOne(Prepared(conn,
                        "delete from directory_links where tenant_id = @t and source_id = @s and relation = @r and target_id = @g",
                        ("@t", t), ("@s", source), ("@r", relation), ("@g", target)).Execute(), index);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown directory operation.");
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraint)
        {
            throw new ChangeConflictException(index, ConflictKind.Duplicate, "An object with the same unique key already exists.");
        }
    }

    private static void ExpectOne(int affected, int index)
    {
        if (affected != 1)
        {
            throw new ChangeConflictException(index, ConflictKind.Stale, "The object was changed or removed by another request.");
        }
    }

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
        if (entries.Count == 0)
        {
            return seqs;
        }

        var insert = Prepared(conn,
            "insert into directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, " +
            "initiator_user_id, initiator_user_name, initiator_upn, initiator_app_id, initiator_app_name, initiator_sp_id, json) values " +
            "(@t, @seq, @id, @idkey, @at, @category, @activity, @result, @service, @op, @corr, @uid, @uname, @upn, @appid, @appname, @spid, @json)");
        var target = Prepared(conn,
            "insert into directory_audit_targets (tenant_id, seq, ordinal, target_id, display_name, type, upn, property_set) values (@t, @seq, @ord, @id, @name, @type, @upn, @set)");
        var targetKey = Prepared(conn, "insert or ignore into directory_audit_target_keys (tenant_id, field, value, target_id) values (@t, @f, @v, @id)");
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var t = Key(e.TenantId);
            var seq = next[(e.TenantId, e.Log)]++;
            seqs[i] = seq;
            insert.Set("@t", t);
            insert.Set("@seq", seq);
            insert.Set("@id", e.Id);
            insert.Set("@idkey", e.IdKey);
            insert.Set("@at", e.ActivityDateTime.UtcTicks);
            insert.Set("@category", e.Category);
            insert.Set("@activity", e.ActivityDisplayName);
            insert.Set("@result", e.Result);
            insert.Set("@service", e.LoggedByService);
            insert.Set("@op", e.OperationType);
            insert.Set("@corr", e.CorrelationId);
            insert.Set("@uid", e.InitiatorUserId);
            insert.Set("@uname", e.InitiatorUserDisplayName);
            insert.Set("@upn", e.InitiatorUserPrincipalName);
            insert.Set("@appid", e.InitiatorAppId);
            insert.Set("@appname", e.InitiatorAppDisplayName);
            insert.Set("@spid", e.InitiatorServicePrincipalId);
            insert.Set("@json", e.Json);
            insert.Execute();
            for (var o = 0; o < e.Targets.Count; o++)
            {
                var tr = e.Targets[o];
                target.Set("@t", t);
                target.Set("@seq", seq);
                target.Set("@ord", o);
                target.Set("@id", tr.Id);
                target.Set("@name", tr.DisplayName);
                target.Set("@type", tr.Type);
                target.Set("@upn", tr.UserPrincipalName);
                target.Set("@set", tr.PropertySet);
                target.Execute();
                if (tr.Id is not null)
                {
                    AddTargetKey(LogField.TargetDisplayName, tr.DisplayName);
                    AddTargetKey(LogField.TargetUserPrincipalName, tr.UserPrincipalName);
                }
                void AddTargetKey(LogField field, string? value)
                {
                    if (value is null || _knownTargetKeys.Stage((e.TenantId, LogTerms.Code(field)!.Value, value, tr.Id!)))
                    {
                        return;
                    }
                    targetKey.Set("@t", t);
                    targetKey.Set("@f", (long)LogTerms.Code(field)!.Value);
                    targetKey.Set("@v", value);
                    targetKey.Set("@id", tr.Id);
                    targetKey.Execute();
                }
            }
        }
        var initiatorKey = Prepared(conn, "insert or ignore into directory_audit_initiator_keys (tenant_id, field, value, initiator_id) values (@t, @f, @v, @id)");
        foreach (var (tenantId, field, value, id) in InitiatorKeys.Of(entries))
        {
            if (_knownInitiatorKeys.Stage((tenantId, field, value, id)))
            {
                continue;
            }
            initiatorKey.Set("@t", Key(tenantId));
            initiatorKey.Set("@f", field);
            initiatorKey.Set("@v", value);
            initiatorKey.Set("@id", id);
            initiatorKey.Execute();
        }
        var setName = Prepared(conn, "insert or ignore into directory_audit_property_sets (tenant_id, set_key, name) values (@t, @k, @n)");
        foreach (var (tenantId, key, name) in PropertySets.Of(entries))
        {
            if (_knownPropertySets.Stage((tenantId, key, name)))
            {
                continue;
            }
            setName.Set("@t", Key(tenantId));
            setName.Set("@k", key);
            setName.Set("@n", name);
            setName.Execute();
        }
        var term = Prepared(conn, "insert or ignore into directory_audit_terms (tenant_id, field, value) values (@t, @f, @v)");
        var text = Prepared(conn, "insert into directory_audit_terms_text (value, tenant_id, field) values (@v, @t, @f)");
        foreach (var (tenantId, field, value) in LogTerms.Of(entries))
        {
            if (_knownTerms.Stage((tenantId, field, value)))
            {
                continue;
            }
            term.Set("@t", Key(tenantId));
            term.Set("@f", field);
            term.Set("@v", value);
            if (term.Execute() == 0)
            {
                continue;
            }
            // New to its tenant and field: the trigram index learns it too.
            text.Set("@t", Key(tenantId));
            text.Set("@f", field);
            text.Set("@v", value);
            text.Execute();
        }
        return seqs;
    }

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
    /// initiator and target names by the ids that carried them (<see cref="InitiatorKeys"/>, <see cref="TargetKeys"/>).
    /// </summary>
    private static async Task<LogQuery> ExpandValuesAsync(SqliteConnection conn, LogQuery query, CancellationToken ct)
    {
        if (query.Filter is null)
        {
            return query;
        }
        var tenant = Key(query.TenantId);
        query = query with
        {
            Filter = await ValueExpansion.ExpandAsync(query.Filter,
                (field, low, high) => ReadStringsAsync(Command(conn, null, ValueExpansion.PrefixValuesSql(field), ("@t", tenant), ("@low", low), ("@high", high)), ct),
                (field, text) =>
                {
                    var code = (long)LogTerms.Code(field)!.Value;
                    if (text.EnumerateRunes().Count() >= 3)
                    {
                        // The trigram index narrows the values (GLOB with the text's wildcards bracketed); instr keeps
                        // the result exactly that of the column test.
                        var glob = "*" + string.Concat(text.Select(c => c is '*' or '?' or '[' ? $"[{c}]" : c.ToString())) + "*";
                        return ReadStringsAsync(Command(conn, null,
                            "select value from directory_audit_terms_text where value glob @glob and tenant_id = @t and field = @field and instr(value, @text) > 0 " +
                            $"limit {ValueExpansion.MaxValues + 1}", ("@glob", glob), ("@t", tenant), ("@field", code), ("@text", text)), ct);
                    }
                    var sql = new FilterSql(t => t.UtcTicks, containsAsLike: false);
                    var select = sql.ContainingTerms(text);
                    return ReadStringsAsync(Command(conn, null, select, [("@t", tenant), ("@field", code), .. sql.Parameters]), ct);
                }),
        };
        var filter = await PropertySets.ExpandAsync(query.Filter!, async property =>
        {
            var sql = new FilterSql(t => t.UtcTicks, containsAsLike: false);
            return await ReadFirstColumnAsync<long>(Command(conn, null, $"{sql.PropertySetKeys(property)} limit {FilterSql.MaxArms + 1}", [("@t", tenant), .. sql.Parameters]), ct);
        });
        filter = await InitiatorKeys.ExpandAsync(filter,
            (field, values) => KeyPairsAsync(conn, "directory_audit_initiator_keys", "initiator_id", tenant, field, values, ct),
            (field, low, high) => KeyValuesAsync(conn, "directory_audit_initiator_keys", tenant, field, low, high, ct));
        return query with
        {
            Filter = await TargetKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync(conn, "directory_audit_target_keys", "target_id", tenant, field, values, ct),
                (field, low, high) => KeyValuesAsync(conn, "directory_audit_target_keys", tenant, field, low, high, ct)),
        };
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

    /// <summary>The WAL size, in frames, at which the checkpointer restarts it (tests lower it).</summary>
    internal int WalRestartFrames { get; init; } = WalCheckpointer.DefaultRestartFrames;

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
            if (term is CompareFilter { Field: LogField.ActivityDateTime, Value: DateTimeOffset at } time)
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
        using var count = Command(conn, null,
            "select count(*) from (select 1 from directory_audits indexed by ix_directory_audits_time " +
            "where tenant_id = @t and activity_at >= @low and activity_at <= @high limit @cap)",
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
    private static SqliteCommand PageCommand(SqliteConnection conn, LogQuery query, bool? timeIndex, string columns = "a.seq, a.id, a.activity_at, a.json", long offset = 0, int? limit = null)
    {
        var (filter, args) = Where(query, out var pageSeqs, timeIndexUnused: timeIndex == false);
        var order = query.Descending ? " desc" : "";
        var walk = $"a.tenant_id = @t and a.seq {(query.Descending ? "<" : ">")} @after{filter} order by a.seq{order} limit @top offset @offset";
        var sql = (offset, pageSeqs, filter) switch
        {
            (0, not null, _) => $"select {columns} from directory_audits a where a.tenant_id = @t and a.seq in ({pageSeqs}) order by a.seq{order} limit @top offset @offset",
            (_, _, "") => $"select {columns} from directory_audits a where {walk}",
            // The page's sequence numbers first, then its rows: when SQLite answers a filter from an index in another
            // order (a time range) it sorts index entries, not rows with their JSON.
            _ => $"select {columns} from directory_audits a where a.tenant_id = @t and a.seq in (select a.seq from directory_audits a" +
                 $"{(timeIndex == true ? " indexed by ix_directory_audits_time" : "")} where {walk}) order by a.seq{order}",
        };
        var after = query.AfterSeq ?? (query.Descending ? long.MaxValue : 0);
        return Command(conn, null, sql, [("@t", Key(query.TenantId)), ("@after", after), ("@top", limit ?? query.Top + 1), ("@offset", offset), .. args]);
    }

    public async Task<long> CountAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, $"select count(*) from directory_audits a where a.tenant_id = @t{filter}", [("@t", Key(query.TenantId)), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<LogBucket>> CountByDayAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, $"select a.activity_at / {TimeSpan.TicksPerDay}, count(*) from directory_audits a where a.tenant_id = @t{filter} group by 1 order by 1",
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
        using var cmd = Command(conn, null, FilterSql.CountBySql(field, filter), [("@t", Key(query.TenantId)), ("@top", top), .. args]);
        using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<LogBucket>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new LogBucket(r.GetString(0), r.GetInt64(1)));
        }
        return list;
    }

    public async Task<long> CountDistinctTargetsAsync(LogQuery query, string type, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, FilterSql.DistinctTargetsSql(filter), [("@t", Key(query.TenantId)), ("@type", type), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

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
        var sql = new FilterSql(t => t.UtcTicks, containsAsLike: false, sideTablesAsIn: true) { TimeIndexUnused = timeIndexUnused };
        var condition = sql.Render(query.Filter);
        pageSeqs = sql.PageSeqs(query.Filter, query.Descending);
        return ($" and {condition}", [.. sql.Parameters]);
    }

    public async Task<StoredLogEntry?> GetAsync(Guid tenantId, LogName log, string id, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, "select seq, id, activity_at, json from directory_audits where tenant_id = @t and id_key = @k and id = @id",
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

    /// <summary>Runs <paramref name="work"/> in one write transaction and returns once it is durable.</summary>
    private async Task WriteAsync(Func<SqliteConnection, SqliteTransaction, Task> work, CancellationToken ct) =>
        await await StageAsync(work, ct);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and returns when the next may begin, with a task that
    /// completes once this one is durable. The commit appends to the WAL under the writer lock; the fsync runs after
    /// the lock is released (<see cref="WalSync"/>), so the next batch's statements overlap this one's disk wait.
    /// A WAL is replayed in order: what is acknowledged after its sync survives a power loss as with synchronous=FULL.
    /// </summary>
    private async Task<Task> StageAsync(Func<SqliteConnection, SqliteTransaction, Task> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            var conn = await WriterAsync(ct);
            using var tx = conn.BeginTransaction(deferred: false);
            try
            {
                await work(conn, tx);
                tx.Commit();
            }
            catch
            {
                _knownTerms.Discard();
                _knownTargetKeys.Discard();
                _knownPropertySets.Discard();
                _knownInitiatorKeys.Discard();
                throw;
            }
            _knownTerms.Commit();
            _knownTargetKeys.Commit();
            _knownPropertySets.Commit();
            _knownInitiatorKeys.Commit();
            _sync ??= _walPath is null ? null : new WalSync(_walPath);
        }
        finally
        {
            _writeLock.Release();
        }
        return _sync?.SyncAsync() ?? Task.CompletedTask;
    }

    private static async Task ExecAsync(SqliteConnection conn, SqliteTransaction? tx, string sql, CancellationToken ct)
    {
        using var cmd = Command(conn, tx, sql);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static SqliteCommand Command(SqliteConnection conn, SqliteTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return cmd;
    }

    private static string Key(Guid id) => id.ToString("D");

    /// <summary>Idempotent: the server registers this one object under both store contracts.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var cmd in _statements.Values)
        {
            cmd.Dispose();
        }
        _checkpointer?.Dispose();
        _sync?.Dispose();
        _writer?.Dispose();
        _writeLock.Dispose();
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        using var cmd = Command(conn, null, "select value from settings where key = @k", ("@k", key));
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    public async Task SetSettingAsync(string key, string value, CancellationToken ct) =>
        await WriteAsync(async (conn, tx) =>
        {
            using var upsert = Command(conn, tx, "insert into settings (key, value) values (@k, @v) on conflict (key) do update set value = excluded.value",
                ("@k", key), ("@v", value));
            await upsert.ExecuteNonQueryAsync(ct);
        }, ct);

    public async Task DeleteSettingAsync(string key, CancellationToken ct) =>
        await WriteAsync(async (conn, tx) =>
        {
            using var delete = Command(conn, tx, "delete from settings where key = @k", ("@k", key));
            await delete.ExecuteNonQueryAsync(ct);
        }, ct);
}
