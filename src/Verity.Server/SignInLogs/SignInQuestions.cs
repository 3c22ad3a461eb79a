using System.Globalization;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Logs;
using static Verity.Server.Logs.LogInsights;

namespace Verity.Server.SignInLogs;

/// <summary>The sign-in log's questions (<see cref="LogInsights"/>): who fails to sign in and why, who is locked out, which applications are used.</summary>
internal static class SignInQuestions
{
    private const string Users = "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')";
    private static readonly InsightAnswer Entries = new();

    public static readonly IReadOnlyList<InsightQuestion> All =
    [
        new("failuresByErrorCode", "Which sign-ins failed, and why?", $"{Users} and status/errorCode ne 0", Entries, "failed sign-ins",
            new TopValues(SignInsLog.ErrorCode, v => $"status/errorCode eq {v}", ErrorLabel)),
        new("lockedAccounts", "Which accounts were locked out?", $"{Users} and status/errorCode eq {SignInErrorCodes.IdsLocked}",
            new InsightAnswer(SignInsLog.UserPrincipalName), "accounts locked", new TopValues(SignInsLog.UserPrincipalName, v => $"userPrincipalName eq {Quote(v)}"),
            SeriesUnit: "locked sign-in attempts"),
        new("failuresByUser", "Who fails to sign in most often?", $"{Users} and status/errorCode ne 0", new InsightAnswer(SignInsLog.UserPrincipalName),
            "users with failures", new TopValues(SignInsLog.UserPrincipalName, v => $"userPrincipalName eq {Quote(v)}"), SeriesUnit: "failed sign-ins"),
        new("signInsPerApplication", "Which applications do users sign in to?", Users, Entries, "user sign-ins",
            new TopValues(SignInsLog.AppDisplayName, v => $"appDisplayName eq {Quote(v)}")),
        new("servicePrincipalSignIns", "Which service principals signed in?", "signInEventTypes/any(t: t eq 'servicePrincipal')", Entries,
            "service principal sign-ins", new TopValues(SignInsLog.AppDisplayName, v => $"appDisplayName eq {Quote(v)}")),
    ];

    /// <summary>"50126: Error validating credentials …", the reason Entra gives for the code where Verity knows it.</summary>
    private static string ErrorLabel(string code) =>
        int.TryParse(code, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && SignInErrorCodes.IsKnown(number)
            ? $"{code}: {SignInErrorCodes.FailureReason(number)}"
            : code;
}
