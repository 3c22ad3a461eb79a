using Verity.Server.Auth;
using Verity.Server.Logs;

namespace Verity.Server.AdminCenter;

/// <summary>
/// A log's page in the admin center (Entra's blades): its path, its title, and the API behind it, whose permission
/// reads it. <see cref="Key"/> names the log's entry of <c>LOGS</c> in wwwroot/logs.js.
/// </summary>
internal sealed record AdminBlade(string Key, string Path, string Title, LogApi Api)
{
    public static readonly AdminBlade Audits = new("directoryAudits", "/admin/", "Audit logs", LogApi.DirectoryAudits);
    public static readonly AdminBlade SignIns = new("signIns", "/admin/signins", "Sign-in logs", LogApi.SignIns);

    public static IReadOnlyList<AdminBlade> All { get; } = [Audits, SignIns];

    public bool CanRead(Caller caller) => caller.Has(Api.Read);

    /// <summary>Whether the caller may use the admin center at all: it reads at least one log.</summary>
    public static bool CanReadAny(Caller caller) => All.Any(b => b.CanRead(caller));
}
