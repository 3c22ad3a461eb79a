namespace Verity.Core.Model;

/// <summary>A Graph <c>directoryAudit</c> resource (reference §1). Immutable once written.</summary>
public sealed record DirectoryAudit
{
    public required string Id { get; init; }
    public required string Category { get; init; }
    public required string CorrelationId { get; init; }
    public required AuditResult Result { get; init; }
    public string ResultReason { get; init; } = "";
    public required string ActivityDisplayName { get; init; }
    public required DateTimeOffset ActivityDateTime { get; init; }
    public string LoggedByService { get; init; } = "Core Directory";
    public required string OperationType { get; init; }
    public required AuditInitiator InitiatedBy { get; init; }
    public IReadOnlyList<TargetResource> TargetResources { get; init; } = [];
    public IReadOnlyList<KeyValue> AdditionalDetails { get; init; } = [];
}

public enum AuditResult { Success, Failure, Timeout }

/// <summary><c>auditActivityInitiator</c>: exactly one of User or App is set.</summary>
public sealed record AuditInitiator(UserIdentity? User, AppIdentity? App);

public sealed record UserIdentity(string? Id, string? DisplayName, string? UserPrincipalName, string? IpAddress);

public sealed record AppIdentity(string? AppId, string? DisplayName, string? ServicePrincipalId, string? ServicePrincipalName);

public sealed record TargetResource
{
    public string? Id { get; init; }
    public string? DisplayName { get; init; }
    public required string Type { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? GroupType { get; init; }
    public IReadOnlyList<ModifiedProperty> ModifiedProperties { get; init; } = [];
}

/// <summary>Old and new values are JSON text (reference §1.6), never re-encoded on output.</summary>
public sealed record ModifiedProperty(string DisplayName, string? OldValue, string? NewValue);

public sealed record KeyValue(string Key, string Value);
