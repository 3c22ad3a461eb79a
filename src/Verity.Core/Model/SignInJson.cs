using System.Buffers;
using System.Text.Json;

namespace Verity.Core.Model;

/// <summary>
/// Writes a <see cref="SignIn"/> as the exact Graph JSON (reference §3): every property always present, null where
/// Graph writes null, [] for empty collections, timestamps with seven fractional digits and a Z. The order follows
/// the §3.2 example; the properties it omits stand where Entra puts them (userAgent after clientAppUsed, the tenant
/// and service principal ids after resourceId, authenticationAppDeviceDetails last).
/// </summary>
public static class SignInJson
{
    // One buffer and writer per thread, as in DirectoryAuditJson: a sign-in is written on every token request.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? t_serializer;

    /// <summary>The v1.0 representation: no <c>signInEventTypes</c>, which v1.0 does not define.</summary>
    public static byte[] ToUtf8(SignIn s) => Serialize(s, beta: false);

    /// <summary>The v1.0 properties plus beta's <c>signInEventTypes</c>, written after <c>isInteractive</c>.</summary>
    public static byte[] ToUtf8Beta(SignIn s) => Serialize(s, beta: true);

    private static byte[] Serialize(SignIn s, bool beta)
    {
        var (buffer, w) = t_serializer ??= NewSerializer();
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        Write(w, s, beta);
        w.Flush();
        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 65_536)
        {
            t_serializer = null; // a rare huge entry does not pin its buffer to the thread
        }
        return json;
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewSerializer()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer));
    }

    public static string Text(ConditionalAccessStatus s) => s switch
    {
        ConditionalAccessStatus.Success => "success",
        ConditionalAccessStatus.Failure => "failure",
        ConditionalAccessStatus.NotApplied => "notApplied",
        ConditionalAccessStatus.UnknownFutureValue => "unknownFutureValue",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Text(RiskLevel r) => r switch
    {
        RiskLevel.Low => "low",
        RiskLevel.Medium => "medium",
        RiskLevel.High => "high",
        RiskLevel.Hidden => "hidden",
        RiskLevel.None => "none",
        RiskLevel.UnknownFutureValue => "unknownFutureValue",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Text(RiskState r) => r switch
    {
        RiskState.None => "none",
        RiskState.ConfirmedSafe => "confirmedSafe",
        RiskState.Remediated => "remediated",
        RiskState.Dismissed => "dismissed",
        RiskState.AtRisk => "atRisk",
        RiskState.ConfirmedCompromised => "confirmedCompromised",
        RiskState.UnknownFutureValue => "unknownFutureValue",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Text(RiskDetail r) => r switch
    {
        RiskDetail.None => "none",
        RiskDetail.AdminGeneratedTemporaryPassword => "adminGeneratedTemporaryPassword",
        RiskDetail.UserPerformedSecuredPasswordChange => "userPerformedSecuredPasswordChange",
        RiskDetail.UserPerformedSecuredPasswordReset => "userPerformedSecuredPasswordReset",
        RiskDetail.AdminConfirmedSigninSafe => "adminConfirmedSigninSafe",
        RiskDetail.AiConfirmedSigninSafe => "aiConfirmedSigninSafe",
        RiskDetail.UserPassedMfaDrivenByRiskBasedPolicy => "userPassedMFADrivenByRiskBasedPolicy",
        RiskDetail.AdminDismissedAllRiskForUser => "adminDismissedAllRiskForUser",
        RiskDetail.AdminConfirmedSigninCompromised => "adminConfirmedSigninCompromised",
        RiskDetail.Hidden => "hidden",
        RiskDetail.AdminConfirmedUserCompromised => "adminConfirmedUserCompromised",
        RiskDetail.UnknownFutureValue => "unknownFutureValue",
        RiskDetail.M365DAdminDismissedDetection => "m365DAdminDismissedDetection",
        RiskDetail.AdminConfirmedServicePrincipalCompromised => "adminConfirmedServicePrincipalCompromised",
        RiskDetail.AdminDismissedAllRiskForServicePrincipal => "adminDismissedAllRiskForServicePrincipal",
        RiskDetail.UserChangedPasswordOnPremises => "userChangedPasswordOnPremises",
        RiskDetail.AdminDismissedRiskForSignIn => "adminDismissedRiskForSignIn",
        RiskDetail.AdminConfirmedAccountSafe => "adminConfirmedAccountSafe",
        RiskDetail.MicrosoftRevokedSessions => "microsoftRevokedSessions",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Text(AppliedConditionalAccessPolicyResult r) => r switch
    {
        AppliedConditionalAccessPolicyResult.Success => "success",
        AppliedConditionalAccessPolicyResult.Failure => "failure",
        AppliedConditionalAccessPolicyResult.NotApplied => "notApplied",
        AppliedConditionalAccessPolicyResult.NotEnabled => "notEnabled",
        AppliedConditionalAccessPolicyResult.Unknown => "unknown",
        AppliedConditionalAccessPolicyResult.UnknownFutureValue => "unknownFutureValue",
        AppliedConditionalAccessPolicyResult.ReportOnlySuccess => "reportOnlySuccess",
        AppliedConditionalAccessPolicyResult.ReportOnlyFailure => "reportOnlyFailure",
        AppliedConditionalAccessPolicyResult.ReportOnlyNotApplied => "reportOnlyNotApplied",
        AppliedConditionalAccessPolicyResult.ReportOnlyInterrupted => "reportOnlyInterrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Text(SignInEventType t) => t switch
    {
        SignInEventType.InteractiveUser => "interactiveUser",
        SignInEventType.NonInteractiveUser => "nonInteractiveUser",
        SignInEventType.ServicePrincipal => "servicePrincipal",
        SignInEventType.ManagedIdentity => "managedIdentity",
        SignInEventType.UnknownFutureValue => "unknownFutureValue",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    private static void Write(Utf8JsonWriter w, SignIn s, bool beta)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.WriteString("createdDateTime", DirectoryAuditJson.FormatTimestamp(s.CreatedDateTime));
        w.WriteString("userDisplayName", s.UserDisplayName);
        w.WriteString("userPrincipalName", s.UserPrincipalName);
        w.WriteString("userId", s.UserId);
        w.WriteString("appId", s.AppId);
        w.WriteString("appDisplayName", s.AppDisplayName);
        w.WriteString("ipAddress", s.IpAddress);
        w.WriteString("clientAppUsed", s.ClientAppUsed);
        w.WriteString("userAgent", s.UserAgent);
        w.WriteString("correlationId", s.CorrelationId);
        w.WriteString("conditionalAccessStatus", Text(s.ConditionalAccessStatus));
        w.WriteBoolean("isInteractive", s.IsInteractive);
        if (beta)
        {
            w.WriteStartArray("signInEventTypes");
            foreach (var t in s.SignInEventTypes)
            {
                w.WriteStringValue(Text(t));
            }
            w.WriteEndArray();
        }
        w.WriteString("riskDetail", Text(s.RiskDetail));
        w.WriteString("riskLevelAggregated", Text(s.RiskLevelAggregated));
        w.WriteString("riskLevelDuringSignIn", Text(s.RiskLevelDuringSignIn));
        w.WriteString("riskState", Text(s.RiskState));
        WriteStrings(w, "riskEventTypes", s.RiskEventTypes);
        WriteStrings(w, "riskEventTypes_v2", s.RiskEventTypesV2);
        w.WriteString("resourceDisplayName", s.ResourceDisplayName);
        w.WriteString("resourceId", s.ResourceId);
        w.WriteString("resourceTenantId", s.ResourceTenantId);
        w.WriteString("homeTenantId", s.HomeTenantId);
        w.WriteString("servicePrincipalId", s.ServicePrincipalId);
        w.WriteString("servicePrincipalName", s.ServicePrincipalName);

        w.WriteStartObject("status");
        w.WriteNumber("errorCode", s.Status.ErrorCode);
        w.WriteString("failureReason", s.Status.FailureReason);
        w.WriteString("additionalDetails", s.Status.AdditionalDetails);
        w.WriteEndObject();

        var d = s.DeviceDetail;
        w.WriteStartObject("deviceDetail");
        w.WriteString("deviceId", d.DeviceId);
        w.WriteString("displayName", d.DisplayName);
        w.WriteString("operatingSystem", d.OperatingSystem);
        w.WriteString("browser", d.Browser);
        WriteBoolean(w, "isCompliant", d.IsCompliant);
        WriteBoolean(w, "isManaged", d.IsManaged);
        w.WriteString("trustType", d.TrustType);
        w.WriteEndObject();

        var l = s.Location;
        w.WriteStartObject("location");
        w.WriteString("city", l.City);
        w.WriteString("state", l.State);
        w.WriteString("countryOrRegion", l.CountryOrRegion);
        w.WriteStartObject("geoCoordinates");
        WriteNumber(w, "altitude", l.GeoCoordinates.Altitude);
        WriteNumber(w, "latitude", l.GeoCoordinates.Latitude);
        WriteNumber(w, "longitude", l.GeoCoordinates.Longitude);
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("appliedConditionalAccessPolicies");
        foreach (var p in s.AppliedConditionalAccessPolicies)
        {
            w.WriteStartObject();
            w.WriteString("id", p.Id);
            w.WriteString("displayName", p.DisplayName);
            WriteStrings(w, "enforcedGrantControls", p.EnforcedGrantControls);
            WriteStrings(w, "enforcedSessionControls", p.EnforcedSessionControls);
            w.WriteString("result", Text(p.Result));
            w.WriteEndObject();
        }
        w.WriteEndArray();

        if (s.AuthenticationAppDeviceDetails is { } a)
        {
            w.WriteStartObject("authenticationAppDeviceDetails");
            w.WriteString("appVersion", a.AppVersion);
            w.WriteString("clientApp", a.ClientApp);
            w.WriteString("deviceId", a.DeviceId);
            w.WriteString("operatingSystem", a.OperatingSystem);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("authenticationAppDeviceDetails");
        }
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static void WriteBoolean(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } b)
        {
            w.WriteBoolean(name, b);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    // Utf8JsonWriter writes a double in its shortest round-trip form, as Graph does (47.68050003051758).
    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } n)
        {
            w.WriteNumber(name, n);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
