using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Verity.Core.Storage;

/// <summary>
/// Directory objects as this process last committed them, so a read-modify-write (a PATCH) can skip its database read.
/// Safe only for writes the store checks: an update commits on the version it read or not at all, so a copy made stale
/// by another server (or a direct store write) costs one <see cref="ConflictKind.Stale"/> retry, which reads the
/// database after <see cref="Record"/> has dropped the copy. Plain reads (GET) never come here.
/// </summary>
public sealed class CommittedObjects(int capacity = 20_000)
{
    private readonly ConcurrentDictionary<(Guid TenantId, string Id), Copy> _objects = new();

    /// <summary>The object as last committed here, a fresh instance the caller may change; null when not held.</summary>
    public StoredObject? Get(Guid tenantId, string id) => _objects.TryGetValue((tenantId, id), out var copy) ? copy.ToObject(tenantId, id) : null;

    public void Forget(Guid tenantId, string id) => _objects.TryRemove((tenantId, id), out _);

    /// <summary>Remembers what a committed change wrote; a stale change forgets its objects so the retry reads the database.</summary>
    public void Record(DirectoryChange change, ChangeOutcome outcome)
    {
        foreach (var op in change.Ops)
        {
            switch (op)
            {
                // Only updated objects are kept: an object changed once is likely to change again, while keeping
                // every new one would churn the cache (and the heap) under a bulk load.
                case UpdateObject { Object: var o, Text: var text } when outcome.Committed:
                    Remember(change.TenantId, o, text);
                    break;
                case UpdateObject(var o):
                    Forget(change.TenantId, o.Id);
                    break;
                case DeleteObject(var id, _):
                    Forget(change.TenantId, id);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Keeps <paramref name="o"/> as committed: the version after its update, the text the store wrote.</summary>
    private void Remember(Guid tenantId, StoredObject o, ObjectText text)
    {
        if (_objects.Count >= capacity)
        {
            // Crude but bounded: the working set of a busy tenant refills within seconds.
            _objects.Clear();
        }
        var copy = new Copy(o.Kind, o.Version + 1, o.LookupKey, o.RefId, text.Data, text.Secrets);
        // Two commits of one object may report back out of order: keep the newer version.
        _objects.AddOrUpdate((tenantId, o.Id), copy, (_, held) => held.Version > copy.Version ? held : copy);
    }

    /// <summary>Kept as JSON text, never as shared JsonObjects: JsonNode is not safe to read from several threads.</summary>
    private sealed record Copy(string Kind, long Version, string? LookupKey, string? RefId, string Data, string Secrets)
    {
        public StoredObject ToObject(Guid tenantId, string id) => new()
        {
            TenantId = tenantId,
            Kind = Kind,
            Id = id,
            Version = Version,
            LookupKey = LookupKey,
            RefId = RefId,
            Data = JsonNode.Parse(Data)!.AsObject(),
            Secrets = JsonNode.Parse(Secrets)!.AsObject(),
        };
    }
}
