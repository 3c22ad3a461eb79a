using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Verity.Core.Storage.Postgres;

/// <summary>
/// The production backend. A group commit is one round trip whatever the batch size: every row operation, the
/// sequence numbers and the log rows (as arrays) in one batch, which PostgreSQL runs as one implicit transaction.
/// </summary>
/// <param name="dataSource">Commits and appends: only the writers use it, so its pool holds their few connections.</param>
/// <param name="readDataSource">
/// Point reads (tenants, objects, links, settings, single entries) and the settings upserts. A pool of their own:
/// Npgsql hands out idle connections oldest first, so a burst of concurrent reads in the writers' pool left dozens of
/// idle backends there, and every batch then ran on a different, cold one (PostgreSQL CPU per change more than
/// doubled; Update user fell from 6,135 to 3,498/s; docs/benchmarks.md, session 16).
/// </param>
/// <param name="queryDataSource">Log queries: filter SQL varies too much to prepare automatically.</param>
public sealed partial class PostgresStore(NpgsqlDataSource dataSource, NpgsqlDataSource? readDataSource = null, NpgsqlDataSource? queryDataSource = null)
    : ILogStore, IDirectoryStore, IOAuthStore, ILockoutStore
{
    private readonly NpgsqlDataSource reads = readDataSource ?? dataSource;
    private readonly NpgsqlDataSource queries = queryDataSource ?? readDataSource ?? dataSource;
    // Dictionary rows this process has seen committed: a batch inserts only the others (nearly every entry repeats the
    // activity and initiator of earlier ones), sparing PostgreSQL a unique-index probe per term per commit.
    private readonly Dictionary<LogName, KnownLogRows> _known = KnownLogRows.ForEveryLog();

    private const string UniqueViolation = "23505";
    private const string DeadlockDetected = "40P01";
    private const string SerializationFailure = "40001";
    private const long MigrationLockKey = 0x7665726974790001;

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // No statement timeout here: another server may hold the lock while it migrates, and a schema change over a
        // large log (an index, a conversion of every row) runs for minutes.
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(@k)", conn) { CommandTimeout = 0 })
        {
            lockCommand.Parameters.AddWithValue("k", MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        await ExecAsync(conn, "create table if not exists schema_migrations (version int primary key, applied_at timestamptz not null default now())", ct);
        foreach (var (version, sql) in SchemaScripts.For("Postgres"))
        {
            await using var check = new NpgsqlCommand("select count(*) from schema_migrations where version = @v", conn);
            check.Parameters.AddWithValue("v", version);
            if ((long)(await check.ExecuteScalarAsync(ct))! > 0)
            {
                continue;
            }
            await using (var script = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 })
            {
                await script.ExecuteNonQueryAsync(ct);
            }
            await ExecAsync(conn, "insert into schema_migrations (version) values (@v)", ct, ("v", version));
        }
        await tx.CommitAsync(ct);
    }

    public async Task CreateTenantAsync(Tenant tenant, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await ExecAsync(conn, "insert into tenants (id, display_name, default_domain, created_at) values (@id, @name, @domain, @at)", ct,
                ("id", tenant.Id), ("name", tenant.DisplayName), ("domain", tenant.DefaultDomain), ("at", tenant.CreatedDateTime.UtcDateTime));
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            throw new ChangeConflictException(-1, ConflictKind.Duplicate, "A tenant with the same id or domain already exists.");
        }
        foreach (var log in Enum.GetValues<LogName>())
        {
            await ExecAsync(conn, "insert into log_heads (tenant_id, log, next_seq) values (@t, @l, 1)", ct, ("t", tenant.Id), ("l", (short)log));
        }
        await tx.CommitAsync(ct);
    }

    public Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken ct) =>
        ReadTenantAsync("select id, display_name, default_domain, created_at from tenants where id = @v", tenantId, ct);

    public Task<Tenant?> FindTenantByDomainAsync(string domain, CancellationToken ct) =>
        ReadTenantAsync("select id, display_name, default_domain, created_at from tenants where lower(default_domain) = lower(@v)", domain, ct);

    private async Task<Tenant?> ReadTenantAsync(string sql, object value, CancellationToken ct) =>
        (await ReadTenantsAsync(sql, ct, value)).FirstOrDefault();

    public async Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken ct) =>
        await ReadTenantsAsync("select id, display_name, default_domain, created_at from tenants order by created_at, id", ct);

    private async Task<List<Tenant>> ReadTenantsAsync(string sql, CancellationToken ct, object? value = null)
    {
        await using var cmd = reads.CreateCommand(sql);
        if (value is not null)
        {
            cmd.Parameters.AddWithValue("v", value);
        }
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<Tenant>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new Tenant(r.GetGuid(0), r.GetString(1), r.GetString(2), new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero)));
        }
        return list;
    }

    public async Task<bool> AnyTenantAsync(CancellationToken ct)
    {
        await using var cmd = reads.CreateCommand("select exists (select 1 from tenants)");
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private const string ObjectColumns = "tenant_id, kind, id, version, data, secrets, lookup_key, ref_id";

    public async Task<StoredObject?> GetObjectAsync(Guid tenantId, string id, CancellationToken ct) =>
        (await ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and id = @id", ct,
            ("t", tenantId), ("id", id))).FirstOrDefault();

    public async Task<StoredObject?> FindObjectAsync(Guid tenantId, string kind, string lookupKey, CancellationToken ct) =>
        (await ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and lookup_key = @key", ct,
            ("t", tenantId), ("k", kind), ("key", lookupKey))).FirstOrDefault();

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(Guid tenantId, string kind, string? afterId, int top, CancellationToken ct) =>
        ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and id > @after order by id collate \"C\" limit @top", ct,
            ("t", tenantId), ("k", kind), ("after", afterId ?? ""), ("top", top));

    public Task<IReadOnlyList<StoredObject>> ListObjectsByRefAsync(Guid tenantId, string kind, string refId, CancellationToken ct) =>
        ReadObjectsAsync($"select {ObjectColumns} from directory_objects where tenant_id = @t and kind = @k and ref_id = @ref order by id", ct,
            ("t", tenantId), ("k", kind), ("ref", refId));

    public async Task<ObjectPage> QueryObjectsAsync(ObjectQuery query, CancellationToken ct)
    {
        var sql = new ObjectSql(postgres: true);
        await using var cmd = Command(sql.Page(query, ObjectColumns), [.. sql.Parameters]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await ObjectSql.ReadPageAsync(r, query.Top, () => ReadObject(r), ct);
    }

    public async Task<long> CountObjectsAsync(ObjectQuery query, CancellationToken ct)
    {
        var sql = new ObjectSql(postgres: true);
        await using var cmd = Command(sql.Count(query), [.. sql.Parameters]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<IReadOnlyList<StoredObject>> ReadObjectsAsync(string sql, CancellationToken ct, params (string, object)[] args)
    {
        await using var cmd = Command(sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredObject>();
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadObject(r));
        }
        return list;
    }

    private static StoredObject ReadObject(NpgsqlDataReader r) => new()
    {
        TenantId = r.GetGuid(0),
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
        await using var cmd = Command("select target_id from directory_links where tenant_id = @t and source_id = @s and relation = @r order by target_id",
            ("t", tenantId), ("s", sourceId), ("r", relation));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<string>();
        while (await r.ReadAsync(ct))
        {
            list.Add(r.GetString(0));
        }
        return list;
    }

    public async Task<bool> LinkExistsAsync(Guid tenantId, string sourceId, string relation, string targetId, CancellationToken ct)
    {
        await using var cmd = Command(
            "select exists (select 1 from directory_links where tenant_id = @t and source_id = @s and relation = @r and target_id = @g)",
            ("t", tenantId), ("s", sourceId), ("r", relation), ("g", targetId));
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task CommitAsync(IReadOnlyList<DirectoryChange> changes, CancellationToken ct)
    {
        var entries = changes.SelectMany(c => c.ToEntries()).ToList();
        await using var conn = await dataSource.OpenConnectionAsync(ct);

        // One round trip, no explicit transaction: PostgreSQL runs the batch as one implicit transaction and commits
        // it at the end, so the log_heads row lock (which orders commits per tenant) is never held across a round trip
        // to this process. Every row check runs inside the batch (verity_expect_rows) and rolls all of it back.
        // New and updated objects go as one statement each over arrays, whatever the batch size; they come before
        // the other operations, which may link to an object created in the same batch.
        await using var batch = new NpgsqlBatch(conn);
        var inserts = changes.SelectMany(c => c.Ops.OfType<InsertObject>().Select(op => (c.TenantId, op.Object, op.Text))).ToList();
        if (inserts.Count > 0)
        {
            batch.BatchCommands.Add(InsertObjects(inserts));
        }
        var updates = changes.SelectMany((c, i) => c.Ops.OfType<UpdateObject>().Select(op => (Change: i, c.TenantId, op.Object, op.Text))).ToList();
        if (updates.Count > 0)
        {
            // Every update must find its object at the version read; if one does not, the one that did not is unknown
            // here unless it is alone (the writer then retries the batch change by change).
            var change = updates.Select(x => x.Change).Distinct().Count() == 1 ? updates[0].Change : -1;
            batch.BatchCommands.Add(Expect(UpdateObjects(updates.Select(x => (x.TenantId, x.Object, x.Text))), updates.Count, change, StaleRows));
        }
        for (var i = 0; i < changes.Count; i++)
        {
            foreach (var op in changes[i].Ops)
            {
                foreach (var (command, expectOne) in Render(changes[i].TenantId, op))
                {
                    batch.BatchCommands.Add(expectOne ? Expect(command, 1, i, StaleRows) : command);
                }
            }
        }
        // Sequence numbers last: the log_heads row lock is taken after the row operations and held until the commit.
        AddHeadUpdates(batch, entries);
        var committed = AddLogRows(batch, entries);
        try
        {
            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(ct);
            }
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            // Npgsql names the failed statement only when IncludeFailedStatement is on (it may carry secrets), so the
            // change is known only when there is one.
            throw new ChangeConflictException(changes.Count == 1 ? 0 : -1, ConflictKind.Duplicate, "An object with the same unique key already exists.");
        }
        catch (PostgresException e) when (e.SqlState is DeadlockDetected or SerializationFailure)
        {
            throw new ChangeConflictException(changes.Count == 1 ? 0 : -1, ConflictKind.Stale, "The object was changed by another request at the same time.");
        }
        catch (PostgresException e) when (e.SqlState == StaleRows)
        {
            var change = int.Parse(e.MessageText, CultureInfo.InvariantCulture);
            throw new ChangeConflictException(changes.Count == 1 ? 0 : change, ConflictKind.Stale, "The object was changed or removed by another request.");
        }
        catch (PostgresException e) when (e.SqlState == MissingHead)
        {
            throw new InvalidOperationException("A tenant of this batch does not exist.");
        }
        committed();
    }

    /// <summary>SQLSTATEs <c>verity_expect_rows</c> raises (schema 10): a row check of a batch failed.</summary>
    private const string StaleRows = "VR001";
    private const string MissingHead = "VR002";

    /// <summary>
    /// <paramref name="command"/> (an insert, update or delete) made to raise <paramref name="code"/> unless it touches
    /// exactly <paramref name="expected"/> rows, naming <paramref name="change"/>.
    /// </summary>
    private static NpgsqlBatchCommand Expect(NpgsqlBatchCommand command, int expected, int change, string code)
    {
        command.CommandText = $"with affected as ({command.CommandText} returning 1) " +
            "select verity_expect_rows(count(*), @expected_rows, @change_index, @error_code) from affected";
        command.Parameters.Add(new NpgsqlParameter<long>("expected_rows", expected));
        command.Parameters.Add(new NpgsqlParameter<int>("change_index", change));
        command.Parameters.Add(new NpgsqlParameter<string>("error_code", code));
        return command;
    }

    private static IEnumerable<(NpgsqlBatchCommand, bool ExpectOne)> Render(Guid t, DirectoryOp op)
    {
        switch (op)
        {
            case InsertObject or UpdateObject:
                break; // one statement for the whole batch: InsertObjects, UpdateObjects
            case DeleteObject(var id, var version):
                yield return (BatchCommand("delete from directory_objects where tenant_id = @t and id = @id and version = @v", ("t", t), ("id", id), ("v", version)), true);
                yield return (BatchCommand("delete from directory_links where tenant_id = @t and (source_id = @id or target_id = @id)", ("t", t), ("id", id)), false);
                break;
            case AddLink(var s, var r, var g):
                // Both ends must still exist when the link commits (a delete may have won the race).
                yield return (BatchCommand("insert into directory_links (tenant_id, source_id, relation, target_id) select @t, @s, @r, @g " +
                    "where exists (select 1 from directory_objects where tenant_id = @t and id = @s) " +
                    "and exists (select 1 from directory_objects where tenant_id = @t and id = @g)",
                    ("t", t), ("s", s), ("r", r), ("g", g)), true);
                break;
            case RemoveLink(var s, var r, var g):
                yield return (BatchCommand("delete from directory_links where tenant_id = @t and source_id = @s and relation = @r and target_id = @g",
                    ("t", t), ("s", s), ("r", r), ("g", g)), true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown directory operation.");
        }
    }

    private static NpgsqlBatchCommand InsertObjects(IEnumerable<(Guid TenantId, StoredObject Object, ObjectText Text)> objects) => ObjectsCommand(
        "insert into directory_objects (tenant_id, id, kind, version, lookup_key, ref_id, data, secrets) " +
        "select u.t, u.id, u.kind, 1, u.key, u.ref, u.data, u.secrets " +
        "from unnest(@t, @id, @kind, @v, @key, @ref, @data, @secrets) as u(t, id, kind, v, key, ref, data, secrets)", objects);

    /// <summary>Each object replaced where its stored version still equals the one read; the others stay as they are.</summary>
    private static NpgsqlBatchCommand UpdateObjects(IEnumerable<(Guid TenantId, StoredObject Object, ObjectText Text)> objects) => ObjectsCommand(
        "update directory_objects o set version = o.version + 1, lookup_key = u.key, ref_id = u.ref, data = u.data, secrets = u.secrets " +
        "from unnest(@t, @id, @kind, @v, @key, @ref, @data, @secrets) as u(t, id, kind, v, key, ref, data, secrets) " +
        "where o.tenant_id = u.t and o.id = u.id and o.version = u.v", objects);

    private static NpgsqlBatchCommand ObjectsCommand(string sql, IEnumerable<(Guid TenantId, StoredObject Object, ObjectText Text)> objects)
    {
        var rows = objects.ToList();
        var command = new NpgsqlBatchCommand(sql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("t", [.. rows.Select(r => r.TenantId)]));
        p.Add(new NpgsqlParameter<string[]>("id", [.. rows.Select(r => r.Object.Id)]));
        p.Add(new NpgsqlParameter<string[]>("kind", [.. rows.Select(r => r.Object.Kind)]));
        p.Add(new NpgsqlParameter<long[]>("v", [.. rows.Select(r => r.Object.Version)]));
        p.Add(new NpgsqlParameter<string?[]>("key", [.. rows.Select(r => r.Object.LookupKey)]));
        p.Add(new NpgsqlParameter<string?[]>("ref", [.. rows.Select(r => r.Object.RefId)]));
        p.Add(new NpgsqlParameter<string[]>("data", [.. rows.Select(r => r.Text.Data)]));
        p.Add(new NpgsqlParameter<string[]>("secrets", [.. rows.Select(r => r.Text.Secrets)]));
        return command;
    }

    private NpgsqlCommand Command(string sql, params (string Name, object Value)[] args) => Command(reads, sql, args);

    private static NpgsqlCommand Command(NpgsqlDataSource source, string sql, params (string Name, object Value)[] args)
    {
        var cmd = source.CreateCommand(sql);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return cmd;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object Value)[] args)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.Add(value is DBNull ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value } : new NpgsqlParameter(name, value));
        }
        return cmd;
    }

    private static object Nullable(string? value) => (object?)value ?? DBNull.Value;

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken ct)
    {
        await using var select = Command("select value from settings where key = @k", ("k", key));
        return (string?)await select.ExecuteScalarAsync(ct);
    }

    public async Task SetSettingAsync(string key, string value, CancellationToken ct)
    {
        await using var upsert = Command("insert into settings (key, value) values (@k, @v) on conflict (key) do update set value = excluded.value",
            ("k", key), ("v", value));
        await upsert.ExecuteNonQueryAsync(ct);
    }

    public async Task DeleteSettingAsync(string key, CancellationToken ct)
    {
        await using var delete = Command("delete from settings where key = @k", ("k", key));
        await delete.ExecuteNonQueryAsync(ct);
    }
}
