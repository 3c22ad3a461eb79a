namespace Verity.Core.Model;

/// <summary>
/// A Graph <c>signIn</c> resource (reference §3.1): every v1.0 property plus the beta <c>signInEventTypes</c>.
/// Immutable once written. Defaults are what Entra reports for a tenant without the feature behind the property:
/// Verity has no Conditional Access, no Identity Protection, no device registration and no IP geolocation.
/// </summary>
public sealed record SignIn
{
    /// <summary>The request id: in Entra, the trace_id the token endpoint answered with.</summary>
    public required string Id { get; init; }
    public required DateTimeOffset CreatedDateTime { get; init; }
    public string? UserDisplayName { get; init; }
    /// <summary>Stored lower-case, as Entra logs it (reference §3.1); null for service principal sign-ins.</summary>
    public string? UserPrincipalName { get; init => field = value?.ToLowerInvariant(); }
    /// <summary>Not nullable in the CSDL, so a service principal sign-in carries "" rather than null.</summary>
    public string UserId { get; init; } = "";
    public string? AppId { get; init; }
    public string? AppDisplayName { get; init; }
    public string? IpAddress { get; init; }
    /// <summary>See <see cref="SignInClientApps"/>.</summary>
    public string? ClientAppUsed { get; init; }
    public string? UserAgent { get; init; }
    public string? CorrelationId { get; init; }
    /// <summary>Verity evaluates no Conditional Access policy, so none applied.</summary>
    public ConditionalAccessStatus ConditionalAccessStatus { get; init; } = ConditionalAccessStatus.NotApplied;
    public required bool IsInteractive { get; init; }

    /// <summary>
    /// Beta only (reference §3.1): which sign-in log the entry belongs to. v1.0 lists interactive user sign-ins;
    /// /beta filters on <c>signInEventTypes/any(t: t eq '…')</c>. Entra puts exactly one value here.
    /// </summary>
    public required IReadOnlyList<SignInEventType> SignInEventTypes { get; init; }

    // Identity Protection: the v1.0 docs say risk details "require an Azure AD Premium P2 license. Other licenses
    // return the value hidden", and riskLevel hidden means "the user or sign-in was not enabled for Azure AD
    // Identity Protection". Verity has no Identity Protection, so "hidden" is the honest value: "none" would claim
    // that a risk evaluation ran and found nothing. riskState has no hidden member; Entra reports none.
    public RiskDetail RiskDetail { get; init; } = RiskDetail.Hidden;
    public RiskLevel RiskLevelAggregated { get; init; } = RiskLevel.Hidden;
    public RiskLevel RiskLevelDuringSignIn { get; init; } = RiskLevel.Hidden;
    public RiskState RiskState { get; init; } = RiskState.None;
    /// <summary>The legacy <c>riskEventType</c> enum list; names as Graph writes them.</summary>
    public IReadOnlyList<string> RiskEventTypes { get; init; } = [];
    public IReadOnlyList<string> RiskEventTypesV2 { get; init; } = [];

    public string? ResourceDisplayName { get; init; }
    public string? ResourceId { get; init; }
    public string? ResourceTenantId { get; init; }
    public string? HomeTenantId { get; init; }
    public string? ServicePrincipalId { get; init; }
    public string? ServicePrincipalName { get; init; }
    public required SignInStatus Status { get; init; }
    public DeviceDetail DeviceDetail { get; init; } = DeviceDetail.Unknown;
    public SignInLocation Location { get; init; } = SignInLocation.Unknown;
    public IReadOnlyList<AppliedConditionalAccessPolicy> AppliedConditionalAccessPolicies { get; init; } = [];
    /// <summary>Only set when the Authenticator app took part; Verity has none, so null.</summary>
    public AuthenticationAppDeviceDetails? AuthenticationAppDeviceDetails { get; init; }
}

/// <summary><c>signInStatus</c>: error code 0 is success. See <see cref="SignInErrorCodes"/> for the texts.</summary>
public sealed record SignInStatus(int ErrorCode, string? FailureReason, string? AdditionalDetails)
{
    public static SignInStatus Success { get; } = new(SignInErrorCodes.Success, null, null);
}

/// <summary>
/// <c>deviceDetail</c>. For an unregistered device Entra writes <c>deviceId</c> as "" and the rest as null; the
/// browser and operating system come from the User-Agent (<see cref="FromUserAgent"/>).
/// </summary>
public sealed record DeviceDetail
{
    public static DeviceDetail Unknown { get; } = new();

    public string DeviceId { get; init; } = "";
    public string? DisplayName { get; init; }
    public string? OperatingSystem { get; init; }
    public string? Browser { get; init; }
    public bool? IsCompliant { get; init; }
    public bool? IsManaged { get; init; }
    public string? TrustType { get; init; }

    /// <summary>An unregistered device, with the browser and operating system Entra would show for the User-Agent.</summary>
    public static DeviceDetail FromUserAgent(string? userAgent)
    {
        var ua = UserAgents.UserAgentParser.Parse(userAgent);
        return new DeviceDetail { Browser = ua.Browser, OperatingSystem = ua.OperatingSystem };
    }
}

/// <summary><c>signInLocation</c>; every field null while Verity has no IP geolocation.</summary>
public sealed record SignInLocation(string? City, string? State, string? CountryOrRegion, GeoCoordinates GeoCoordinates)
{
    public static SignInLocation Unknown { get; } = new(null, null, null, GeoCoordinates.Unknown);
}

public sealed record GeoCoordinates(double? Altitude, double? Latitude, double? Longitude)
{
    public static GeoCoordinates Unknown { get; } = new(null, null, null);
}

public sealed record AppliedConditionalAccessPolicy
{
    public required string Id { get; init; }
    public string? DisplayName { get; init; }
    public IReadOnlyList<string> EnforcedGrantControls { get; init; } = [];
    public IReadOnlyList<string> EnforcedSessionControls { get; init; } = [];
    public required AppliedConditionalAccessPolicyResult Result { get; init; }
}

public sealed record AuthenticationAppDeviceDetails(string? AppVersion, string? ClientApp, string? DeviceId, string? OperatingSystem);

/// <summary>Values of <c>clientAppUsed</c> (reference §3.1): modern clients first, then legacy protocols.</summary>
public static class SignInClientApps
{
    public const string Browser = "Browser";
    public const string MobileAppsAndDesktopClients = "Mobile Apps and Desktop clients";
    public const string ExchangeActiveSync = "Exchange ActiveSync";
    public const string Imap = "IMAP";
    public const string Mapi = "MAPI";
    public const string Smtp = "SMTP";
    public const string Pop = "POP";
    public const string OtherClients = "Other clients";
}

public enum SignInEventType { InteractiveUser, NonInteractiveUser, ServicePrincipal, ManagedIdentity, UnknownFutureValue }

public enum ConditionalAccessStatus { Success, Failure, NotApplied, UnknownFutureValue }

public enum RiskLevel { Low, Medium, High, Hidden, None, UnknownFutureValue }

public enum RiskState { None, ConfirmedSafe, Remediated, Dismissed, AtRisk, ConfirmedCompromised, UnknownFutureValue }

public enum RiskDetail
{
    None,
    AdminGeneratedTemporaryPassword,
    UserPerformedSecuredPasswordChange,
    UserPerformedSecuredPasswordReset,
    AdminConfirmedSigninSafe,
    AiConfirmedSigninSafe,
    UserPassedMfaDrivenByRiskBasedPolicy,
    AdminDismissedAllRiskForUser,
    AdminConfirmedSigninCompromised,
    Hidden,
    AdminConfirmedUserCompromised,
    UnknownFutureValue,
    M365DAdminDismissedDetection,
    AdminConfirmedServicePrincipalCompromised,
    AdminDismissedAllRiskForServicePrincipal,
    UserChangedPasswordOnPremises,
    AdminDismissedRiskForSignIn,
    AdminConfirmedAccountSafe,
    MicrosoftRevokedSessions,
}

public enum AppliedConditionalAccessPolicyResult
{
    Success,
    Failure,
    NotApplied,
    NotEnabled,
    Unknown,
    UnknownFutureValue,
    ReportOnlySuccess,
    ReportOnlyFailure,
    ReportOnlyNotApplied,
    ReportOnlyInterrupted,
}
