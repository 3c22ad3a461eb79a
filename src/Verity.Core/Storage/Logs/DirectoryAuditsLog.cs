using Verity.Core.Model;

namespace Verity.Core.Storage;

/// <summary>
/// The audit log (<c>directoryAudit</c>, reference §1–2): every directory change. Its targets are a collection that
/// filters reach with <c>targetResources/any(t: …)</c>, down to <c>t/modifiedProperties/any(p: p/displayName …)</c>.
/// </summary>
public static class DirectoryAuditsLog
{
    private static readonly string[] Equality = ["eq", "in"];
    private static readonly string[] Enumerated = ["eq", "ne", "in"];
    private static readonly string[] Names = ["eq", "in", "startswith", "contains"];

    public static readonly LogField Id = new() { Path = "id", Column = "id", Operators = Equality };
    public static readonly LogField ActivityDateTime = new() { Path = "activityDateTime", Column = "activity_at", Type = LogFieldType.Time, Operators = ["eq", "ne", "gt", "ge", "lt", "le"] };
    public static readonly LogField Category = new() { Path = "category", Column = "category", Operators = Enumerated };
    public static readonly LogField ActivityDisplayName = new() { Path = "activityDisplayName", Column = "activity", Operators = ["eq", "ne", "in", "startswith", "contains"], Code = 1, Searchable = true };
    public static readonly LogField Result = new() { Path = "result", Column = "result", Operators = Enumerated, CommonValue = "success" };
    public static readonly LogField LoggedByService = new() { Path = "loggedByService", Column = "service", Operators = Enumerated, CommonValue = "Core Directory" };
    public static readonly LogField OperationType = new() { Path = "operationType", Column = "operation_type", Operators = Enumerated };
    public static readonly LogField CorrelationId = new() { Path = "correlationId", Column = "correlation_id", Operators = Equality };
    public static readonly LogField InitiatorUserId = new() { Path = "initiatedBy/user/id", Column = "initiator_user_id", Operators = Equality };
    public static readonly LogField InitiatorUserDisplayName = new() { Path = "initiatedBy/user/displayName", Column = "initiator_user_name", Operators = Names, Code = 2, Searchable = true, KeyedBy = InitiatorUserId };
    public static readonly LogField InitiatorUserPrincipalName = new() { Path = "initiatedBy/user/userPrincipalName", Column = "initiator_upn", Operators = Names, Code = 3, Searchable = true, KeyedBy = InitiatorUserId };
    public static readonly LogField InitiatorAppId = new() { Path = "initiatedBy/app/appId", Column = "initiator_app_id", Operators = Equality };
    public static readonly LogField InitiatorAppDisplayName = new() { Path = "initiatedBy/app/displayName", Column = "initiator_app_name", Operators = Names, Code = 4, Searchable = true, KeyedBy = InitiatorAppId };
    public static readonly LogField InitiatorServicePrincipalId = new() { Path = "initiatedBy/app/servicePrincipalId", Column = "initiator_sp_id", Operators = Equality, Code = 7, KeyedBy = InitiatorAppId };

    public static readonly LogField TargetId = new() { Path = "id", Column = "target_id", Scope = LogFieldScope.Item, Operators = Equality };
    public static readonly LogField TargetDisplayName = new() { Path = "displayName", Column = "display_name", Scope = LogFieldScope.Item, Operators = Names, Code = 5, Searchable = true, KeyedBy = TargetId };
    public static readonly LogField TargetType = new() { Path = "type", Column = "type", Scope = LogFieldScope.Item, Operators = Equality };
    public static readonly LogField TargetUserPrincipalName = new() { Path = "userPrincipalName", Column = "upn", Scope = LogFieldScope.Item, Operators = Names, Code = 6, Searchable = true, KeyedBy = TargetId };
    public static readonly LogField ModifiedPropertyName = new() { Path = "displayName", Column = "name", Scope = LogFieldScope.ItemProperty, Operators = ["eq", "in", "startswith"] };

    public static readonly LogDefinition Definition = new()
    {
        Name = LogName.DirectoryAudits, EntityType = "directoryAudit", EntitySet = "directoryAudits", Table = "directory_audits", Id = Id, Time = ActivityDateTime,
        // Stored order: the columns of directory_audits after activity_at.
        Columns = [Category, ActivityDisplayName, Result, LoggedByService, OperationType, CorrelationId, InitiatorUserId, InitiatorUserDisplayName,
            InitiatorUserPrincipalName, InitiatorAppId, InitiatorAppDisplayName, InitiatorServicePrincipalId],
        TermsTable = "directory_audit_terms", TermsTextTable = "directory_audit_terms_text", KeysTable = "directory_audit_initiator_keys", KeysIdColumn = "initiator_id",
        Items = new LogCollection
        {
            Path = "targetResources",
            Table = "directory_audit_targets",
            Fields = [TargetId, TargetDisplayName, TargetType, TargetUserPrincipalName],
            Id = TargetId,
            KeysTable = "directory_audit_target_keys",
            KeysIdColumn = "target_id",
            PropertiesPath = "modifiedProperties",
            PropertyName = ModifiedPropertyName,
            PropertySetsTable = "directory_audit_property_sets",
        },
    };

    public static LogEntry Entry(Guid tenantId, DirectoryAudit a) => Definition.Entry(tenantId, a.Id, a.ActivityDateTime, DirectoryAuditJson.ToUtf8(a),
        [
            a.Category, a.ActivityDisplayName, DirectoryAuditJson.ResultText(a.Result), a.LoggedByService, a.OperationType, a.CorrelationId,
            a.InitiatedBy.User?.Id, a.InitiatedBy.User?.DisplayName, a.InitiatedBy.User?.UserPrincipalName,
            a.InitiatedBy.App?.AppId, a.InitiatedBy.App?.DisplayName, a.InitiatedBy.App?.ServicePrincipalId,
        ],
        [.. a.TargetResources.Select(t => new LogItem([t.Id, t.DisplayName, t.Type, t.UserPrincipalName])
        {
            PropertyNames = [.. t.ModifiedProperties.Select(p => p.DisplayName).Distinct(StringComparer.Ordinal)],
        })]);
}
