using Verity.Core.Model;

namespace Verity.Core.Storage;

/// <summary>The activity logs Verity keeps. Each has its own gap-free sequence per tenant.</summary>
public enum LogName
{
    DirectoryAudits = 1,
}

/// <summary>
/// One log entry ready to append: the exact JSON bytes served to clients plus the promoted, indexed columns that
/// filters run on. The store assigns <see cref="StoredLogEntry.Seq"/> at commit.
/// </summary>
public sealed record LogEntry
{
    public required Guid TenantId { get; init; }
    public LogName Log { get; init; } = LogName.DirectoryAudits;
    public required string Id { get; init; }
    /// <summary>The indexed stand-in for <see cref="Id"/>; see <see cref="KeyOf"/>.</summary>
    public long IdKey => KeyOf(Id);
    public required DateTimeOffset ActivityDateTime { get; init; }
    public required byte[] Json { get; init; }
    public required string Category { get; init; }
    public required string ActivityDisplayName { get; init; }
    public required string Result { get; init; }
    public required string LoggedByService { get; init; }
    public required string OperationType { get; init; }
    public required string CorrelationId { get; init; }
    public string? InitiatorUserId { get; init; }
    public string? InitiatorUserDisplayName { get; init; }
    public string? InitiatorUserPrincipalName { get; init; }
    public string? InitiatorAppId { get; init; }
    public string? InitiatorAppDisplayName { get; init; }
    public string? InitiatorServicePrincipalId { get; init; }
    public IReadOnlyList<LogTarget> Targets { get; init; } = [];

    /// <summary>
    /// The 63-bit key under which an id is indexed: the integer that ends it (Entra-style ids end in one, and Verity
    /// makes it time-ordered so the index grows at its end), else a hash of the whole id. Several ids may share a
    /// key; lookups compare the full id too.
    /// </summary>
    public static long KeyOf(string id)
    {
        var tail = id.AsSpan(id.LastIndexOf('_') + 1);
        if (tail.Length is > 0 and <= 18 && long.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var key))
        {
            return key;
        }
        return (long)(BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)), 0) >> 1);
    }

    public static LogEntry FromDirectoryAudit(Guid tenantId, DirectoryAudit a) => new()
    {
        TenantId = tenantId,
        Id = a.Id,
        ActivityDateTime = a.ActivityDateTime,
        Json = DirectoryAuditJson.ToUtf8(a),
        Category = a.Category,
        ActivityDisplayName = a.ActivityDisplayName,
        Result = DirectoryAuditJson.ResultText(a.Result),
        LoggedByService = a.LoggedByService,
        OperationType = a.OperationType,
        CorrelationId = a.CorrelationId,
        InitiatorUserId = a.InitiatedBy.User?.Id,
        InitiatorUserDisplayName = a.InitiatedBy.User?.DisplayName,
        InitiatorUserPrincipalName = a.InitiatedBy.User?.UserPrincipalName,
        InitiatorAppId = a.InitiatedBy.App?.AppId,
        InitiatorAppDisplayName = a.InitiatedBy.App?.DisplayName,
        InitiatorServicePrincipalId = a.InitiatedBy.App?.ServicePrincipalId,
        Targets = [.. a.TargetResources.Select(t => new LogTarget(t.Id, t.DisplayName, t.Type, t.UserPrincipalName)
        {
            ModifiedProperties = [.. t.ModifiedProperties.Select(p => p.DisplayName).Distinct(StringComparer.Ordinal)],
        })],
    };
}

public sealed record LogTarget(string? Id, string? DisplayName, string Type, string? UserPrincipalName)
{
    private readonly IReadOnlyList<string> _modifiedProperties = [];

    /// <summary>The distinct names of the target's modified properties, indexed for modifiedProperties/any(p: …).</summary>
    public IReadOnlyList<string> ModifiedProperties
    {
        get => _modifiedProperties;
        init
        {
            _modifiedProperties = value;
            PropertySet = PropertySets.KeyOf(value);
        }
    }

    /// <summary>The key of <see cref="ModifiedProperties"/> as a set (<see cref="PropertySets"/>); null when there are none.</summary>
    public long? PropertySet { get; private init; }
}

/// <summary>An entry as read back: its commit-order sequence number and the exact bytes that were stored.</summary>
public sealed record StoredLogEntry(long Seq, string Id, DateTimeOffset ActivityDateTime, byte[] Json);

/// <summary>
/// The one query shape every backend answers. First cut: newest (or oldest) first by commit order, keyset-paged on
/// <see cref="StoredLogEntry.Seq"/>.
/// </summary>
public sealed record LogQuery
{
    public required Guid TenantId { get; init; }
    public LogName Log { get; init; } = LogName.DirectoryAudits;
    public required int Top { get; init; }
    public bool Descending { get; init; } = true;
    /// <summary>Continue after this sequence number (exclusive), in the query's direction; null for the first page.</summary>
    public long? AfterSeq { get; init; }
    /// <summary>Only entries matching this filter; null for all.</summary>
    public LogFilter? Filter { get; init; }
}

public sealed record LogPage(IReadOnlyList<StoredLogEntry> Entries, bool HasMore);
