using Verity.Core.Storage;

namespace Verity.Server.SignInLogs;

/// <summary>
/// Entra's <c>GET /auditLogs/signIns</c> lists interactive user sign-ins; the others (non-interactive, service
/// principal) are asked for with beta's <c>signInEventTypes/any(t: t eq '…')</c>. A filter that names the event type
/// is taken as it is; any other gets "interactive user" added.
/// </summary>
internal static class SignInScope
{
    public static LogFilter? Apply(LogFilter? filter)
    {
        var interactive = new CompareFilter(SignInsLog.EventType, CompareOp.Eq, SignInEventTypes.InteractiveUser);
        return filter is null ? interactive : NamesEventType(filter) ? filter : new AndFilter(filter, interactive);
    }

    private static bool NamesEventType(LogFilter filter) => filter switch
    {
        AndFilter f => NamesEventType(f.Left) || NamesEventType(f.Right),
        OrFilter f => NamesEventType(f.Left) || NamesEventType(f.Right),
        NotFilter f => NamesEventType(f.Inner),
        CompareFilter f => f.Field == SignInsLog.EventType,
        InFilter f => f.Field == SignInsLog.EventType,
        _ => false,
    };
}

/// <summary>The values of beta's <c>signInEventTypes</c> that Verity records.</summary>
internal static class SignInEventTypes
{
    public const string InteractiveUser = "interactiveUser";
    public const string NonInteractiveUser = "nonInteractiveUser";
    public const string ServicePrincipal = "servicePrincipal";
}
