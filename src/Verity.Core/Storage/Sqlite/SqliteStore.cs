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
    private readonly Dictionary<LogName, KnownLogRows> _known = KnownLogRows.ForEveryLog();

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

    /// <summary>The WAL size, in frames, at which the checkpointer restarts it (tests lower it).</summary>
    internal int WalRestartFrames { get; init; } = WalCheckpointer.DefaultRestartFrames;

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
                foreach (var known in _known.Values)
                {
                    known.Discard();
                }
                throw;
            }
            foreach (var known in _known.Values)
            {
                known.Commit();
            }
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
