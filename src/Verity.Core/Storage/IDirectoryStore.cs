using System.Text.Json.Nodes;
using Verity.Core.Model;

namespace Verity.Core.Storage;

public sealed record Tenant(Guid Id, string DisplayName, string DefaultDomain, DateTimeOffset CreatedDateTime);

/// <summary>
/// A directory object as stored. <see cref="Data"/> is its Graph JSON (what clients see), <see cref="Secrets"/> holds
/// hashes that are never served. <see cref="LookupKey"/> is unique per tenant and kind (userPrincipalName, appId,
/// skuId); <see cref="RefId"/> is an indexed reference (a role assignment's principal, a service principal's appId).
/// </summary>
public sealed record StoredObject
{
    public required Guid TenantId { get; init; }
    public required string Kind { get; init; }
    public required string Id { get; init; }
    public long Version { get; init; }
    public required JsonObject Data { get; init; }
    public JsonObject Secrets { get; init; } = [];
    public string? LookupKey { get; init; }
    public string? RefId { get; init; }
}

/// <summary>
/// An object's JSON text as stored, serialized once when its operation is made (on the request's thread): the store
/// writes it and <see cref="CommittedObjects"/> keeps it, so neither the one writer nor the cache serializes again.
/// </summary>
public sealed record ObjectText(string Data, string Secrets)
{
    public static ObjectText Of(StoredObject o) => new(o.Data.ToJsonString(), o.Secrets.ToJsonString());
}

public abstract record DirectoryOp;

public sealed record InsertObject(StoredObject Object) : DirectoryOp
{
    public ObjectText Text { get; } = ObjectText.Of(Object);
}

/// <summary>Replaces the object when its stored version still equals <c>Object.Version</c>; bumps the version.</summary>
public sealed record UpdateObject(StoredObject Object) : DirectoryOp
{
    public ObjectText Text { get; } = ObjectText.Of(Object);
}
public sealed record DeleteObject(string Id, long ExpectedVersion) : DirectoryOp;
public sealed record AddLink(string SourceId, string Relation, string TargetId) : DirectoryOp;
public sealed record RemoveLink(string SourceId, string Relation, string TargetId) : DirectoryOp;

/// <summary>
/// One directory change: its row operations and the audit entries that describe it, committed together or not at
/// all. If the operations conflict (unique key, stale version, missing link), <see cref="FailureAudits"/> are
/// written instead, so a failed attempt is still on record.
/// </summary>
public sealed record DirectoryChange
{
    public required Guid TenantId { get; init; }
    public IReadOnlyList<DirectoryOp> Ops { get; init; } = [];
    public required IReadOnlyList<DirectoryAudit> Audits { get; init; }
    public Func<string, IReadOnlyList<DirectoryAudit>>? FailureAudits { get; init; }

    /// <summary>
    /// <see cref="Audits"/> as log entries, serialized ahead of the commit (<see cref="ChangeWriter"/> does it on the
    /// submitting request's thread, so the one writer does not); stores fall back to <see cref="ToEntries"/>.
    /// </summary>
    public IReadOnlyList<LogEntry>? Entries { get; init; }

    public IReadOnlyList<LogEntry> ToEntries() => Entries ?? [.. Audits.Select(a => DirectoryAuditsLog.Entry(TenantId, a))];
}

public enum ConflictKind
{
    /// <summary>A unique key (userPrincipalName, appId, a link) already exists.</summary>
    Duplicate,
    /// <summary>The object changed or vanished since it was read; re-read and try again.</summary>
    Stale,
}

/// <summary>
/// Thrown by <see cref="IDirectoryStore.CommitAsync"/> when one change of a batch conflicts, and by
/// <see cref="IDirectoryStore.CreateTenantAsync"/> when the tenant's id or domain is taken.
/// </summary>
public sealed class ChangeConflictException(int index, ConflictKind kind, string reason) : Exception(reason)
{
    /// <summary>The position of the conflicting change in the batch, or -1 when the backend cannot tell.</summary>
    public int Index { get; } = index;
    public ConflictKind Kind { get; } = kind;
}

/// <summary>The directory: tenants, objects and links. Every call is scoped to one tenant.</summary>
public interface IDirectoryStore
{
    /// <summary>Applies the schema files not yet applied. Safe to call from several processes.</summary>
    Task MigrateAsync(CancellationToken ct);

    /// <summary>
    /// Creates an empty tenant. Throws <see cref="ChangeConflictException"/> (<see cref="ConflictKind.Duplicate"/>)
    /// when a tenant with the same id or default domain (compared ignoring case) exists; then nothing is created.
    /// </summary>
    Task CreateTenantAsync(Tenant tenant, CancellationToken ct);

    /// <summary>Every tenant, oldest first.</summary>
    Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken ct);

    Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken ct);

    Task<Tenant?> FindTenantByDomainAsync(string domain, CancellationToken ct);

    Task<bool> AnyTenantAsync(CancellationToken ct);

    Task<StoredObject?> GetObjectAsync(Guid tenantId, string id, CancellationToken ct);

    Task<StoredObject?> FindObjectAsync(Guid tenantId, string kind, string lookupKey, CancellationToken ct);

    /// <summary>Objects of one kind ordered by id, starting after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<StoredObject>> ListObjectsAsync(Guid tenantId, string kind, string? afterId, int top, CancellationToken ct);

    /// <summary>
    /// A page of the objects of one kind that match <see cref="ObjectQuery.Filter"/>, in <see cref="ObjectQuery.OrderBy"/>
    /// order then by id, after <see cref="ObjectQuery.After"/>. <see cref="ObjectPage.Next"/> is null on the last page.
    /// </summary>
    Task<ObjectPage> QueryObjectsAsync(ObjectQuery query, CancellationToken ct);

    /// <summary>How many objects of the kind match <see cref="ObjectQuery.Filter"/> (order and paging are ignored).</summary>
    Task<long> CountObjectsAsync(ObjectQuery query, CancellationToken ct);

    Task<IReadOnlyList<StoredObject>> ListObjectsByRefAsync(Guid tenantId, string kind, string refId, CancellationToken ct);

    Task<IReadOnlyList<string>> ListLinkTargetsAsync(Guid tenantId, string sourceId, string relation, CancellationToken ct);

    Task<bool> LinkExistsAsync(Guid tenantId, string sourceId, string relation, string targetId, CancellationToken ct);

    /// <summary>
    /// Commits the changes in one transaction, each change's rows together with its audit entries. Throws
    /// <see cref="ChangeConflictException"/> when a change conflicts; then nothing at all is committed.
    /// </summary>
    Task CommitAsync(IReadOnlyList<DirectoryChange> changes, CancellationToken ct);

    /// <summary>
    /// <see cref="CommitAsync"/> in two stages, for group commit: the returned task completes once the transaction is
    /// applied and the next one may begin, and the task it holds once the changes are durable. Callers acknowledge
    /// nothing before the second. By default both at once; SQLite syncs its WAL while the next batch runs.
    /// </summary>
    async Task<Task> ApplyAsync(IReadOnlyList<DirectoryChange> changes, CancellationToken ct)
    {
        await CommitAsync(changes, ct);
        return Task.CompletedTask;
    }


    /// <summary>The value of a setting, or null when none was stored under <paramref name="key"/>.</summary>
    Task<string?> GetSettingAsync(string key, CancellationToken ct);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing any earlier value (last writer wins).</summary>
    Task SetSettingAsync(string key, string value, CancellationToken ct);

    /// <summary>Removes the setting stored under <paramref name="key"/>, if any.</summary>
    Task DeleteSettingAsync(string key, CancellationToken ct);
}
