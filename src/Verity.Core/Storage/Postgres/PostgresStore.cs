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
    // Terms this process has seen committed: a batch inserts only the others (nearly every entry repeats the
    // activity and initiator of earlier ones), sparing PostgreSQL a unique-index probe per term per commit.
    private readonly KnownRows<(Guid TenantId, short Field, string Value)> _knownTerms = new();
    private readonly KnownRows<(Guid TenantId, short Field, string Value, string Id)> _knownTargetKeys = new();
    private readonly KnownRows<(Guid TenantId, long Key, string Name)> _knownPropertySets = new();
    private readonly KnownRows<(Guid TenantId, short Field, string Value, string Id)> _knownInitiatorKeys = new();

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
        foreach (var chunk in entries.Chunk(batchSize))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            var seqs = await ReserveAsync(conn, chunk, ct);
            await CopyLogRowsAsync(conn, chunk, seqs, ct);
            await using (var terms = new NpgsqlBatch(conn) { BatchCommands = { InsertTerms(LogTerms.Of(chunk)), InsertKeys(TargetKeysTable, TargetKeys.Of(chunk)), InsertPropertySets(PropertySets.Of(chunk)),
                InsertKeys(InitiatorKeysTable, InitiatorKeys.Of(chunk)) } })
            {
                await terms.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            count += chunk.Length;
        }
        // Fresh statistics at once, not at autovacuum's leisure: the planner picks each filter's index from them.
        await ExecAsync(conn, "analyze directory_audits, directory_audit_targets, directory_audit_property_sets, directory_audit_terms, directory_audit_target_keys, directory_audit_initiator_keys", ct);
        return count;
    }

    private static async Task CopyLogRowsAsync(NpgsqlConnection conn, LogEntry[] entries, long[] seqs, CancellationToken ct)
    {
        await using (var audits = await conn.BeginBinaryImportAsync(
            "copy directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, " +
            "initiator_user_id, initiator_user_name, initiator_upn, initiator_app_id, initiator_app_name, initiator_sp_id, json) from stdin (format binary)", ct))
        {
            for (var i = 0; i < entries.Length; i++)
            {
                var e = entries[i];
                await audits.StartRowAsync(ct);
                await audits.WriteAsync(e.TenantId, NpgsqlDbType.Uuid, ct);
                await audits.WriteAsync(seqs[i], NpgsqlDbType.Bigint, ct);
                await audits.WriteAsync(e.Id, NpgsqlDbType.Text, ct);
                await audits.WriteAsync(e.IdKey, NpgsqlDbType.Bigint, ct);
                await audits.WriteAsync(e.ActivityDateTime.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                foreach (var text in (string?[])[e.Category, e.ActivityDisplayName, e.Result, e.LoggedByService, e.OperationType, e.CorrelationId,
                    e.InitiatorUserId, e.InitiatorUserDisplayName, e.InitiatorUserPrincipalName, e.InitiatorAppId, e.InitiatorAppDisplayName, e.InitiatorServicePrincipalId])
                {
                    await WriteTextAsync(audits, text, ct);
                }
                await audits.WriteAsync(e.Json, NpgsqlDbType.Bytea, ct);
            }
            await audits.CompleteAsync(ct);
        }
        await using (var targets = await conn.BeginBinaryImportAsync(
            "copy directory_audit_targets (tenant_id, seq, ordinal, target_id, display_name, type, upn, property_set) from stdin (format binary)", ct))
        {
            for (var i = 0; i < entries.Length; i++)
            {
                for (var o = 0; o < entries[i].Targets.Count; o++)
                {
                    var t = entries[i].Targets[o];
                    await targets.StartRowAsync(ct);
                    await targets.WriteAsync(entries[i].TenantId, NpgsqlDbType.Uuid, ct);
                    await targets.WriteAsync(seqs[i], NpgsqlDbType.Bigint, ct);
                    await targets.WriteAsync((short)o, NpgsqlDbType.Smallint, ct);
                    await WriteTextAsync(targets, t.Id, ct);
                    await WriteTextAsync(targets, t.DisplayName, ct);
                    await WriteTextAsync(targets, t.Type, ct);
                    await WriteTextAsync(targets, t.UserPrincipalName, ct);
                    await (t.PropertySet is { } key ? targets.WriteAsync(key, NpgsqlDbType.Bigint, ct) : targets.WriteNullAsync(ct));
                }
            }
            await targets.CompleteAsync(ct);
        }
    }

    /// <summary>Adds values to the term dictionary (<see cref="LogTerms"/>), in their entries' transaction.</summary>
    private static NpgsqlBatchCommand InsertTerms(IReadOnlyList<(Guid TenantId, short Field, string Value)> terms)
    {
        var insert = new NpgsqlBatchCommand(
            "insert into directory_audit_terms (tenant_id, field, value) select * from unnest(@t, @field, @value) on conflict do nothing");
        insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. terms.Select(x => x.TenantId)]));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("field", [.. terms.Select(x => x.Field)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("value", [.. terms.Select(x => x.Value)]));
        return insert;
    }

    private const string TargetKeysTable = "directory_audit_target_keys (tenant_id, field, value, target_id)";
    private const string InitiatorKeysTable = "directory_audit_initiator_keys (tenant_id, field, value, initiator_id)";

    /// <summary>Records which target or initiator ids carried which values (<see cref="TargetKeys"/>, <see cref="InitiatorKeys"/>), in their entries' transaction.</summary>
    private static NpgsqlBatchCommand InsertKeys(string table, IReadOnlyList<(Guid TenantId, short Field, string Value, string Id)> keys)
    {
        var insert = new NpgsqlBatchCommand($"insert into {table} select * from unnest(@t, @field, @value, @id) on conflict do nothing");
        insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. keys.Select(x => x.TenantId)]));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("field", [.. keys.Select(x => x.Field)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("value", [.. keys.Select(x => x.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("id", [.. keys.Select(x => x.Id)]));
        return insert;
    }

    /// <summary>Lists the names of property sets (<see cref="PropertySets"/>), in their entries' transaction.</summary>
    private static NpgsqlBatchCommand InsertPropertySets(IReadOnlyList<(Guid TenantId, long Key, string Name)> rows)
    {
        var insert = new NpgsqlBatchCommand(
            "insert into directory_audit_property_sets (tenant_id, set_key, name) select * from unnest(@t, @key, @name) on conflict do nothing");
        insert.Parameters.Add(new NpgsqlParameter<Guid[]>("t", [.. rows.Select(x => x.TenantId)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("key", [.. rows.Select(x => x.Key)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("name", [.. rows.Select(x => x.Name)]));
        return insert;
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? text, CancellationToken ct) =>
        text is null ? importer.WriteNullAsync(ct) : importer.WriteAsync(text, NpgsqlDbType.Text, ct);

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
    /// by the batch's count: each row carries its offset below the new head (-count … -1). Adds the terms and target keys
    /// this process has not seen committed; returns what to call once the transaction commits, to remember them.
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
        var insert = new NpgsqlBatchCommand(
            "insert into directory_audits (tenant_id, seq, id, id_key, activity_at, category, activity, result, service, operation_type, correlation_id, " +
            "initiator_user_id, initiator_user_name, initiator_upn, initiator_app_id, initiator_app_name, initiator_sp_id, json) " +
            "select u.t, h.next_seq + u.rel, u.id, u.idkey, u.at, u.category, u.activity, u.result, u.service, u.op, u.corr, " +
            "u.uid, u.uname, u.upn, u.appid, u.appname, u.spid, u.json " +
            "from unnest(@t, @rel, @id, @idkey, @at, @category, @activity, @result, @service, @op, @corr, @uid, @uname, @upn, @appid, @appname, @spid, @json) " +
            "as u(t, rel, id, idkey, at, category, activity, result, service, op, corr, uid, uname, upn, appid, appname, spid, json) " +
            "join log_heads h on h.tenant_id = u.t and h.log = @log");
        var p = insert.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("t", [.. entries.Select(e => e.TenantId)]));
        p.Add(new NpgsqlParameter<long[]>("rel", offsets));
        p.Add(new NpgsqlParameter<string[]>("id", [.. entries.Select(e => e.Id)]));
        p.Add(new NpgsqlParameter<long[]>("idkey", [.. entries.Select(e => e.IdKey)]));
        p.Add(new NpgsqlParameter<DateTime[]>("at", [.. entries.Select(e => e.ActivityDateTime.UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string[]>("category", [.. entries.Select(e => e.Category)]));
        p.Add(new NpgsqlParameter<string[]>("activity", [.. entries.Select(e => e.ActivityDisplayName)]));
        p.Add(new NpgsqlParameter<string[]>("result", [.. entries.Select(e => e.Result)]));
        p.Add(new NpgsqlParameter<string[]>("service", [.. entries.Select(e => e.LoggedByService)]));
        p.Add(new NpgsqlParameter<string[]>("op", [.. entries.Select(e => e.OperationType)]));
        p.Add(new NpgsqlParameter<string[]>("corr", [.. entries.Select(e => e.CorrelationId)]));
        p.Add(new NpgsqlParameter<string?[]>("uid", [.. entries.Select(e => e.InitiatorUserId)]));
        p.Add(new NpgsqlParameter<string?[]>("uname", [.. entries.Select(e => e.InitiatorUserDisplayName)]));
        p.Add(new NpgsqlParameter<string?[]>("upn", [.. entries.Select(e => e.InitiatorUserPrincipalName)]));
        p.Add(new NpgsqlParameter<string?[]>("appid", [.. entries.Select(e => e.InitiatorAppId)]));
        p.Add(new NpgsqlParameter<string?[]>("appname", [.. entries.Select(e => e.InitiatorAppDisplayName)]));
        p.Add(new NpgsqlParameter<string?[]>("spid", [.. entries.Select(e => e.InitiatorServicePrincipalId)]));
        p.Add(new NpgsqlParameter<byte[][]>("json", [.. entries.Select(e => e.Json)]));
        p.Add(new NpgsqlParameter<short>("log", (short)LogName.DirectoryAudits));
        batch.BatchCommands.Add(insert);
        var terms = _knownTerms.Unknown(LogTerms.Of(entries));
        if (terms.Count > 0)
        {
            batch.BatchCommands.Add(InsertTerms(terms));
        }
        var targetKeys = _knownTargetKeys.Unknown(TargetKeys.Of(entries));
        if (targetKeys.Count > 0)
        {
            batch.BatchCommands.Add(InsertKeys(TargetKeysTable, targetKeys));
        }
        var propertySets = _knownPropertySets.Unknown(PropertySets.Of(entries));
        if (propertySets.Count > 0)
        {
            batch.BatchCommands.Add(InsertPropertySets(propertySets));
        }
        var initiatorKeys = _knownInitiatorKeys.Unknown(InitiatorKeys.Of(entries));
        if (initiatorKeys.Count > 0)
        {
            batch.BatchCommands.Add(InsertKeys(InitiatorKeysTable, initiatorKeys));
        }
        void committed()
        {
            _knownTerms.Remember(terms);
            _knownTargetKeys.Remember(targetKeys);
            _knownPropertySets.Remember(propertySets);
            _knownInitiatorKeys.Remember(initiatorKeys);
        }

        var targets = entries.SelectMany((e, i) => e.Targets.Select((t, o) => (e.TenantId, Rel: offsets[i], Ordinal: (short)o, Target: t))).ToList();
        if (targets.Count == 0)
        {
            return committed;
        }
        var insertTargets = new NpgsqlBatchCommand(
            "insert into directory_audit_targets (tenant_id, seq, ordinal, target_id, display_name, type, upn, property_set) " +
            "select u.t, h.next_seq + u.rel, u.ord, u.id, u.name, u.type, u.upn, u.props " +
            "from unnest(@t, @rel, @ord, @id, @name, @type, @upn, @props) as u(t, rel, ord, id, name, type, upn, props) " +
            "join log_heads h on h.tenant_id = u.t and h.log = @log");
        var q = insertTargets.Parameters;
        q.Add(new NpgsqlParameter<Guid[]>("t", [.. targets.Select(x => x.TenantId)]));
        q.Add(new NpgsqlParameter<long[]>("rel", [.. targets.Select(x => x.Rel)]));
        q.Add(new NpgsqlParameter<short[]>("ord", [.. targets.Select(x => x.Ordinal)]));
        q.Add(new NpgsqlParameter<string?[]>("id", [.. targets.Select(x => x.Target.Id)]));
        q.Add(new NpgsqlParameter<string?[]>("name", [.. targets.Select(x => x.Target.DisplayName)]));
        q.Add(new NpgsqlParameter<string[]>("type", [.. targets.Select(x => x.Target.Type)]));
        q.Add(new NpgsqlParameter<string?[]>("upn", [.. targets.Select(x => x.Target.UserPrincipalName)]));
        q.Add(new NpgsqlParameter<long?[]>("props", [.. targets.Select(x => x.Target.PropertySet)]));
        q.Add(new NpgsqlParameter<short>("log", (short)LogName.DirectoryAudits));
        batch.BatchCommands.Add(insertTargets);
        return committed;
    }

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
    /// initiator and target names by the ids that carried them (<see cref="InitiatorKeys"/>, <see cref="TargetKeys"/>).
    /// </summary>
    private async Task<LogQuery> ExpandValuesAsync(LogQuery query, CancellationToken ct)
    {
        if (query.Filter is null)
        {
            return query;
        }
        var filter = await ValueExpansion.ExpandAsync(query.Filter,
            (field, low, high) => ReadStringsAsync(Command(queries, ValueExpansion.PrefixValuesSql(field), ("t", query.TenantId), ("low", low), ("high", high)), ct),
            (field, text) =>
            {
                var sql = new FilterSql(t => t.UtcDateTime, containsAsLike: true);
                var select = sql.ContainingTerms(text);
                return ReadStringsAsync(Command(queries, select, [("t", query.TenantId), ("field", LogTerms.Code(field)!.Value), .. sql.Parameters.Select(p => (p.Name[1..], p.Value))]), ct);
            });
        filter = await PropertySets.ExpandAsync(filter, property =>
        {
            var sql = new FilterSql(t => t.UtcDateTime, containsAsLike: true);
            return ReadFirstColumnAsync<long>(Command(queries, $"{sql.PropertySetKeys(property)} limit {FilterSql.MaxArms + 1}",
                [("t", query.TenantId), .. sql.Parameters.Select(p => (p.Name[1..], p.Value))]), ct);
        });
        filter = await InitiatorKeys.ExpandAsync(filter,
            (field, values) => KeyPairsAsync("directory_audit_initiator_keys", "initiator_id", query.TenantId, field, values, ct),
            (field, low, high) => KeyValuesAsync("directory_audit_initiator_keys", query.TenantId, field, low, high, ct));
        return query with
        {
            Filter = await TargetKeys.ExpandAsync(filter,
                (field, values) => KeyPairsAsync("directory_audit_target_keys", "target_id", query.TenantId, field, values, ct),
                (field, low, high) => KeyValuesAsync("directory_audit_target_keys", query.TenantId, field, low, high, ct)),
        };
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
    private NpgsqlCommand PageCommand(LogQuery query, string columns = "a.seq, a.id, a.activity_at, a.json", long offset = 0, int? limit = null)
    {
        var (filter, args) = Where(query, out var pageSeqs);
        var sql = offset == 0 && pageSeqs is not null
            ? $"select {columns} from directory_audits a where a.tenant_id = @t and a.seq in ({pageSeqs}) order by a.seq{(query.Descending ? " desc" : "")} limit @top offset @offset"
            : $"select {columns} from directory_audits a where a.tenant_id = @t and a.seq {(query.Descending ? "<" : ">")} @after{filter} " +
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
        await using var cmd = Command(queries, $"select count(*) from directory_audits a where a.tenant_id = @t{filter}", [("t", query.TenantId), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<LogBucket>> CountByDayAsync(LogQuery query, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, "select to_char(a.activity_at at time zone 'UTC', 'YYYY-MM-DD'), count(*) from directory_audits a " +
            $"where a.tenant_id = @t{filter} group by 1 order by 1", [("t", query.TenantId), .. args]);
        return await ReadBucketsAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<LogBucket>> CountByAsync(LogQuery query, LogField field, int top, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, FilterSql.CountBySql(field, filter), [("t", query.TenantId), ("top", top), .. args]);
        return await ReadBucketsAsync(cmd, ct);
    }

    public async Task<long> CountDistinctTargetsAsync(LogQuery query, string type, CancellationToken ct)
    {
        var (filter, args) = Where(query);
        await using var cmd = Command(queries, FilterSql.DistinctTargetsSql(filter), [("t", query.TenantId), ("type", type), .. args]);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<IReadOnlyList<LogBucket>> ReadBucketsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<LogBucket>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new LogBucket(r.GetString(0), r.GetInt64(1)));
        }
        return list;
    }

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
        var sql = new FilterSql(t => t.UtcDateTime, containsAsLike: true);
        var condition = sql.Render(query.Filter);
        pageSeqs = sql.PageSeqs(query.Filter, query.Descending);
        return ($" and {condition}", [.. sql.Parameters.Select(p => (p.Name[1..], p.Value))]);
    }

    public async Task<StoredLogEntry?> GetAsync(Guid tenantId, LogName log, string id, CancellationToken ct)
    {
        await using var cmd = Command("select seq, id, activity_at, json from directory_audits where tenant_id = @t and id_key = @k and id = @id",
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
