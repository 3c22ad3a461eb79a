using System.Diagnostics;

namespace Verity.Load;

/// <summary>
/// .NET runs socket completions inline on its epoll threads when <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>
/// is 1 (read once, when the first socket starts). The load tool turns it on for itself; the server under test keeps
/// whatever the caller chose, so a run measures the server as it is configured.
/// </summary>
internal static class InlineCompletions
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private static string? s_callers;

    public static void EnableForThisProcess()
    {
        s_callers = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, "1");
    }

    public static void PassCallersSetting(ProcessStartInfo start)
    {
        if (s_callers is null)
        {
            start.Environment.Remove(Variable);
        }
        else
        {
            start.Environment[Variable] = s_callers;
        }
    }
}
