namespace Verity.Core.Model;

/// <summary>
/// The Entra sign-in error codes Verity writes into <c>status/errorCode</c>, named as Microsoft's
/// "Microsoft Entra authentication and authorization error codes" page names them (AADSTS + the number), with the
/// sign-in log's <c>failureReason</c> text for each.
/// </summary>
public static class SignInErrorCodes
{
    public const int Success = 0;
    public const int InvalidUserNameOrPassword = 50126;
    public const int UserAccountNotFound = 50034;
    public const int UserDisabled = 50057;
    public const int IdsLocked = 50053;
    public const int InvalidClientSecret = 7000215;
    /// <summary>UnauthorizedClient_DoesNotMatchRequest: no application with the client id in the tenant.</summary>
    public const int ApplicationNotFound = 700016;
    public const int InvalidTenantName = 90002;
    public const int InvalidRequest = 9002313;
    /// <summary>FreshTokenNeeded: the refresh token was revoked (by an admin, or by the user's sessions being revoked).</summary>
    public const int FreshTokenNeeded = 50173;
    /// <summary>ExpiredOrRevokedGrantInactiveToken: the refresh token expired through inactivity.</summary>
    public const int RefreshTokenExpired = 700082;
    /// <summary>UnauthorizedClientApplicationDisabled.</summary>
    public const int ApplicationDisabled = 7000112;
    /// <summary>ExpiredOrRevokedGrant: an authorization code or refresh token that is invalid, expired or already used.</summary>
    public const int ExpiredOrRevokedGrant = 70008;
    public const int UnsupportedGrantType = 70003;
    /// <summary>TransientError: Verity could not log the sign-in, so it refused it.</summary>
    public const int TransientError = 90033;

    /// <summary>
    /// The <c>failureReason</c> for a code: null for <see cref="Success"/> (as in Graph's v1.0 example), Entra's text
    /// otherwise. Throws <see cref="ArgumentOutOfRangeException"/> for a code not listed here, so a new failure
    /// cannot be logged without its text.
    /// </summary>
    public static string? FailureReason(int errorCode) => errorCode switch
    {
        Success => null,
        InvalidUserNameOrPassword => "Error validating credentials due to invalid username or password.",
        UserAccountNotFound => "The user account does not exist in this directory.",
        UserDisabled => "The user account is disabled.",
        IdsLocked => "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
        InvalidClientSecret => "Invalid client secret provided.",
        ApplicationNotFound => "Application with identifier was not found in the directory.",
        InvalidTenantName => "Tenant not found.",
        InvalidRequest => "Invalid request. Request is malformed or invalid.",
        // The next three are the error-code page's own sentences (AADSTS50173, AADSTS700082, AADSTS7000112). For
        // 700082 the page goes on with "The token was issued on {issueDate} and was inactive for {time}."; the
        // placeholders are left out rather than logged unfilled.
        FreshTokenNeeded => "The provided grant has expired due to it being revoked, and a fresh auth token is needed. "
            + "Either an admin or a user revoked the tokens for this user, causing subsequent token refreshes to fail and "
            + "require reauthentication. Have the user sign in again.",
        RefreshTokenExpired => "The refresh token has expired due to inactivity.",
        ApplicationDisabled => "The application is disabled.",
        ExpiredOrRevokedGrant => "The provided authorization code or refresh token has expired due to inactivity, was revoked or was already used.",
        UnsupportedGrantType => "The app requested an unsupported grant type.",
        TransientError => "A transient error has occurred. Please try again.",
        _ => throw new ArgumentOutOfRangeException(nameof(errorCode), errorCode, "No failureReason is known for this sign-in error code."),
    };

    public static bool IsKnown(int errorCode) => errorCode is Success or InvalidUserNameOrPassword or UserAccountNotFound or UserDisabled or IdsLocked
        or InvalidClientSecret or ApplicationNotFound or InvalidTenantName or InvalidRequest or FreshTokenNeeded or RefreshTokenExpired
        or ApplicationDisabled or ExpiredOrRevokedGrant or UnsupportedGrantType or TransientError;

    /// <summary>
    /// The <c>status</c> of a sign-in that ended with <paramref name="errorCode"/>. A code without a known text (a
    /// refusal added later) still logs: its failureReason is what the client was told.
    /// </summary>
    public static SignInStatus Status(int errorCode, string? additionalDetails = null) =>
        errorCode == Success && additionalDetails is null
            ? SignInStatus.Success
            : new SignInStatus(errorCode, IsKnown(errorCode) ? FailureReason(errorCode) : additionalDetails ?? $"Error {errorCode}.", additionalDetails);
}
