using Verity.Core.Model;

namespace Verity.Core.Tests.Model;

public sealed class SignInErrorCodesTests
{
    public static TheoryData<int, string> Reasons => new()
    {
        { 50126, "Error validating credentials due to invalid username or password." },
        { 50034, "The user account does not exist in this directory." },
        { 50057, "The user account is disabled." },
        { 50053, "Account is locked because user tried to sign in too many times with an incorrect user ID or password." },
        { 7000215, "Invalid client secret provided." },
        { 700016, "Application with identifier was not found in the directory." },
        { 90002, "Tenant not found." },
        { 9002313, "Invalid request. Request is malformed or invalid." },
        { 50173, "The provided grant has expired due to it being revoked, and a fresh auth token is needed. Either an admin or a user revoked the tokens for this user, causing subsequent token refreshes to fail and require reauthentication. Have the user sign in again." },
        { 700082, "The refresh token has expired due to inactivity." },
        { 7000112, "The application is disabled." },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Each_failure_has_Entras_reason(int code, string reason)
    {
        var status = SignInErrorCodes.Status(code);

        Assert.Equal(new SignInStatus(code, reason, null), status);
    }

    [Fact]
    public void Success_has_no_failure_reason()
    {
        Assert.Equal(new SignInStatus(0, null, null), SignInErrorCodes.Status(SignInErrorCodes.Success));
        Assert.Equal(new SignInStatus(0, null, "MFA requirement satisfied by claim in the token"),
            SignInErrorCodes.Status(0, "MFA requirement satisfied by claim in the token"));
    }

    [Fact]
    public void A_code_without_a_known_reason_still_logs_with_what_the_client_was_told()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SignInErrorCodes.FailureReason(53003));

        Assert.Contains("No failureReason is known", e.Message, StringComparison.Ordinal);
        Assert.Equal(new SignInStatus(53003, "Device is not in required device state.", "Device is not in required device state."),
            SignInErrorCodes.Status(53003, "Device is not in required device state."));
        Assert.Equal("Error 53003.", SignInErrorCodes.Status(53003).FailureReason);
    }
}
