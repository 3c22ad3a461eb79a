using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Thrown when an optimistic update lost a race; the operation re-reads and tries again.</summary>
internal sealed class StaleObjectException : Exception;

/// <summary>The shared mechanics of every directory endpoint: lookups, change diffs and committing with audit.</summary>
internal static class DirectoryKit
{
    /// <summary>
    /// A new object id: a GUID as Graph's are, but time-ordered (version 7), so the primary key and the indexes that
    /// lead with it grow at their end instead of touching a random page per insert.
    /// </summary>
    public static string NewObjectId() => RequestIds.NewVersion7(TimeProvider.System.GetUtcNow()).ToString();

    public static async Task<StoredObject> GetOr404Async(this IDirectoryStore store, Guid tenantId, ObjectSchema schema, string id, CancellationToken ct)
    {
        var found = schema == Schemas.User && id.Contains('@', StringComparison.Ordinal)
            ? await store.FindObjectAsync(tenantId, schema.Kind, id.ToLowerInvariant(), ct)
            : await store.GetObjectAsync(tenantId, id, ct);
        return found is not null && found.Kind == schema.Kind
            ? found
            : throw GraphException.NotFound($"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");
    }

    /// <summary>
    /// <see cref="GetOr404Async"/> for a read-modify-write whose commit checks the version it read (an UpdateObject):
    /// the copy this server last committed when it holds one (<c>Held</c>), else the database. A stale copy costs a
    /// retry; a change found to change nothing must be confirmed with <see cref="ConfirmNoChange"/>.
    /// </summary>
    public static async Task<(StoredObject Object, bool Held)> GetForUpdateAsync(this IDirectoryStore store, ChangeWriter writer, Guid tenantId,
        ObjectSchema schema, string id, CancellationToken ct) =>
        writer.Objects.Get(tenantId, id) is { } held && held.Kind == schema.Kind ? (held, true) : (await store.GetOr404Async(tenantId, schema, id, ct), false);

    /// <summary>
    /// A PATCH that would change nothing writes nothing, so no version check can catch a stale copy: when the object
    /// came from <see cref="CommittedObjects"/>, drop it and retry on the database's version.
    /// </summary>
    public static void ConfirmNoChange(this ChangeWriter writer, StoredObject o, bool held)
    {
        if (held)
        {
            writer.Objects.Forget(o.TenantId, o.Id);
            throw new StaleObjectException();
        }
    }

    /// <summary>
    /// Commits row operations and their audit entries as one change. A unique-key clash writes <paramref name="failures"/>
    /// instead and becomes the given error; a stale read throws <see cref="StaleObjectException"/> for a retry.
    /// </summary>
    public static async Task CommitAsync(this ChangeWriter writer, AuditScope scope, IReadOnlyList<DirectoryOp> ops, IReadOnlyList<DirectoryAudit> audits,
        Func<string, IReadOnlyList<DirectoryAudit>> failures, Func<GraphException> onDuplicate)
    {
        var outcome = await writer.SubmitAsync(new DirectoryChange { TenantId = scope.TenantId, Ops = ops, Audits = audits, FailureAudits = failures });
        if (outcome.Committed)
        {
            return;
        }
        if (outcome.Conflict == ConflictKind.Stale)
        {
            throw new StaleObjectException();
        }
        var error = onDuplicate();
        throw new GraphException(error.Status, error.Code, error.Message) { Audited = true };
    }

    /// <summary>Runs a read-modify-write, again on a lost race; after three losses the client gets a 409 to retry.</summary>
    public static async Task<T> RetryOnStaleAsync<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (StaleObjectException) when (attempt < 3)
            {
            }
            catch (StaleObjectException)
            {
                throw new GraphException(409, "Request_Conflict", "The object was changed by another request at the same time. Retry the request.");
            }
        }
    }

    /// <summary>
    /// Old and new values of every property named in <paramref name="names"/> that differs, in Entra's encoding (a JSON
    /// array of the value, <c>[]</c> for none), plus the "Included Updated Properties" summary row.
    /// </summary>
    public static List<ModifiedProperty> Diff(JsonObject? before, JsonObject after, IEnumerable<string> names)
    {
        var changes = new List<ModifiedProperty>();
        foreach (var name in names)
        {
            var old = before?[name];
            var now = after[name];
            if (before is not null && JsonNode.DeepEquals(old, now))
            {
                continue;
            }
            changes.Add(new ModifiedProperty(Pascal(name), Encode(old), Encode(now)));
        }
        if (changes.Count > 0)
        {
            changes.Add(Summary(changes.Select(c => c.DisplayName)));
        }
        return changes;
    }

    public static ModifiedProperty Summary(IEnumerable<string> names) =>
        new("Included Updated Properties", null, JsonSerializer.Serialize(string.Join(", ", names)));

    public static string Encode(JsonNode? value) => value switch
    {
        null => "[]",
        JsonArray array => array.ToJsonString(),
        _ => $"[{value.ToJsonString()}]",
    };

    /// <summary>A JSON string literal of the value, Entra's newer scalar encoding (<c>"\"Member\""</c>).</summary>
    public static string Quote(string? value) => value is null ? "null" : JsonSerializer.Serialize(value);

    public static string Pascal(string name) => string.Concat(char.ToUpperInvariant(name[0]).ToString(), name[1..]);

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static TargetResource Target(ObjectSchema schema, StoredObject o, IReadOnlyList<ModifiedProperty>? changes = null) => Target(schema, o.Id, o.Data, changes);

    public static TargetResource Target(ObjectSchema schema, string? id, JsonObject data, IReadOnlyList<ModifiedProperty>? changes = null) => new()
    {
        Id = id,
        DisplayName = (string?)data["displayName"],
        Type = schema.TargetType,
        UserPrincipalName = schema == Schemas.User ? (string?)data["userPrincipalName"] : null,
        GroupType = schema == Schemas.Group ? GroupType(data) : null,
        ModifiedProperties = changes ?? [],
    };

    private static string GroupType(JsonObject data) =>
        data["groupTypes"] is JsonArray types && types.Any(t => (string?)t == "Unified") ? "unifiedGroups" : "azureAD";

    /// <summary>Copies the writable, stored properties of a request body onto a resource.</summary>
    public static void Apply(ObjectSchema schema, JsonObject body, JsonObject target)
    {
        foreach (var (name, value) in body)
        {
            if (schema.Find(name) is { } prop && !prop.Flags.HasFlag(PropFlags.WriteOnly))
            {
                target[name] = value?.DeepClone();
            }
        }
    }

    public static IEnumerable<string> StoredNames(ObjectSchema schema, JsonObject body) =>
        body.Select(p => p.Key).Where(n => schema.Find(n) is { } p && !p.Flags.HasFlag(PropFlags.WriteOnly));
}
