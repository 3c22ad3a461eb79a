using Verity.Core.Model;

namespace Verity.Core.Storage;

/// <summary>
/// The sign-in log (<c>signIn</c>, reference §3): every token request and admin-center sign-in. Filters of §3.1 with
/// their operators; user and application names are also searchable with contains(), as the audit log's are.
/// Fields nearly every entry holds one value of (success, notApplied, risk hidden or none) index only the others.
/// </summary>
public static class SignInsLog
{
    private static readonly string[] Equality = ["eq", "in"];
    private static readonly string[] Enumerated = ["eq", "ne", "in"];
    private static readonly string[] Prefixes = ["eq", "in", "startswith"];
    private static readonly string[] Names = ["eq", "in", "startswith", "contains"];

    public static readonly LogField Id = new() { Path = "id", Column = "id", Operators = Equality };
    public static readonly LogField CreatedDateTime = new() { Path = "createdDateTime", Column = "created_at", Type = LogFieldType.Time, Operators = ["eq", "ne", "gt", "ge", "lt", "le"] };
    public static readonly LogField UserId = new() { Path = "userId", Column = "user_id", Operators = Equality };
    public static readonly LogField UserDisplayName = new() { Path = "userDisplayName", Column = "user_name", Operators = Names, Code = 1, Searchable = true, KeyedBy = UserId };
    public static readonly LogField UserPrincipalName = new() { Path = "userPrincipalName", Column = "upn", Operators = Names, Code = 2, Searchable = true, KeyedBy = UserId };
    public static readonly LogField AppId = new() { Path = "appId", Column = "app_id", Operators = Equality };
    public static readonly LogField AppDisplayName = new() { Path = "appDisplayName", Column = "app_name", Operators = Names, Code = 3, Searchable = true, KeyedBy = AppId };
    public static readonly LogField IpAddress = new() { Path = "ipAddress", Column = "ip_address", Operators = Prefixes };
    public static readonly LogField ClientAppUsed = new() { Path = "clientAppUsed", Column = "client_app", Operators = Enumerated };
    public static readonly LogField CorrelationId = new() { Path = "correlationId", Column = "correlation_id", Operators = Equality };
    public static readonly LogField ConditionalAccessStatus = new() { Path = "conditionalAccessStatus", Column = "ca_status", Operators = Enumerated, CommonValue = "notApplied" };
    public static readonly LogField RiskDetail = new() { Path = "riskDetail", Column = "risk_detail", Operators = Enumerated, CommonValue = "hidden" };
    public static readonly LogField RiskLevelAggregated = new() { Path = "riskLevelAggregated", Column = "risk_level_aggregated", Operators = Enumerated, CommonValue = "hidden" };
    public static readonly LogField RiskLevelDuringSignIn = new() { Path = "riskLevelDuringSignIn", Column = "risk_level_during", Operators = Enumerated, CommonValue = "hidden" };
    public static readonly LogField RiskState = new() { Path = "riskState", Column = "risk_state", Operators = Enumerated, CommonValue = "none" };
    public static readonly LogField ResourceDisplayName = new() { Path = "resourceDisplayName", Column = "resource_name", Operators = Equality };
    public static readonly LogField ResourceId = new() { Path = "resourceId", Column = "resource_id", Operators = Equality };
    public static readonly LogField ErrorCode = new() { Path = "status/errorCode", Column = "error_code", Type = LogFieldType.Integer, Operators = Enumerated, CommonValue = "0" };
    public static readonly LogField Browser = new() { Path = "deviceDetail/browser", Column = "browser", Operators = Prefixes };
    public static readonly LogField OperatingSystem = new() { Path = "deviceDetail/operatingSystem", Column = "operating_system", Operators = Prefixes };
    public static readonly LogField City = new() { Path = "location/city", Column = "city", Operators = Prefixes };
    public static readonly LogField State = new() { Path = "location/state", Column = "state", Operators = Prefixes };
    public static readonly LogField CountryOrRegion = new() { Path = "location/countryOrRegion", Column = "country", Operators = Prefixes };
    /// <summary>Beta's <c>signInEventTypes</c>: interactiveUser, nonInteractiveUser or servicePrincipal; v1.0 lists interactive sign-ins only.</summary>
    public static readonly LogField EventType = new() { Path = "signInEventTypes", Column = "event_type", Operators = Enumerated, IsSingletonCollection = true };

    public static readonly LogDefinition Definition = new()
    {
        Name = LogName.SignIns, EntityType = "signIn", EntitySet = "signIns", Table = "sign_ins", Id = Id, Time = CreatedDateTime,
        Columns = [UserId, UserDisplayName, UserPrincipalName, AppId, AppDisplayName, IpAddress, ClientAppUsed, CorrelationId, ConditionalAccessStatus,
            RiskDetail, RiskLevelAggregated, RiskLevelDuringSignIn, RiskState, ResourceDisplayName, ResourceId, ErrorCode, Browser, OperatingSystem,
            City, State, CountryOrRegion, EventType],
        TermsTable = "sign_in_terms", TermsTextTable = "sign_in_terms_text", KeysTable = "sign_in_keys", KeysIdColumn = "key_id",
    };

    /// <summary>
    /// A sign-in as stored: the JSON carries the v1.0 properties and beta's <c>signInEventTypes</c> (both versions
    /// serve the same bytes; v1.0 clients keep the extra property as additional data).
    /// </summary>
    public static LogEntry Entry(Guid tenantId, SignIn s) => Definition.Entry(tenantId, s.Id, s.CreatedDateTime, SignInJson.ToUtf8Beta(s),
        [
            Empty(s.UserId), s.UserDisplayName, s.UserPrincipalName, s.AppId, s.AppDisplayName, s.IpAddress, s.ClientAppUsed, s.CorrelationId,
            SignInJson.Text(s.ConditionalAccessStatus), SignInJson.Text(s.RiskDetail), SignInJson.Text(s.RiskLevelAggregated),
            SignInJson.Text(s.RiskLevelDuringSignIn), SignInJson.Text(s.RiskState), s.ResourceDisplayName, s.ResourceId, (long)s.Status.ErrorCode,
            s.DeviceDetail.Browser, s.DeviceDetail.OperatingSystem, s.Location.City, s.Location.State, s.Location.CountryOrRegion,
            SignInJson.Text(s.SignInEventTypes.Count > 0 ? s.SignInEventTypes[0] : SignInEventType.InteractiveUser),
        ]);

    /// <summary>A service principal's sign-in carries userId "" (not null in the CSDL); the index holds it as no user.</summary>
    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
