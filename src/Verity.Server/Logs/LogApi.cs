using CsvHelper;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.SignInLogs;

namespace Verity.Server.Logs;

/// <summary>How a log's entries become rows of its CSV download (Entra's columns for that log).</summary>
internal interface ILogCsv
{
    IReadOnlyList<string> Header { get; }

    ValueTask WriteRowAsync(CsvWriter csv, byte[] json, CancellationToken ct);
}

/// <summary>
/// A log as the Graph API serves it: its description (<see cref="LogDefinition"/>) plus what only the API needs. One
/// set of endpoints (<see cref="LogEndpoints"/>), one download and one live feed serve every log from this.
/// </summary>
/// <param name="Log">The log.</param>
/// <param name="Read">The permission that reads it (roles of reference §2.7 and §3.2).</param>
/// <param name="Noun">What one entry is called in messages ("Audit entry").</param>
/// <param name="DownloadName">The download's file name before its date (Entra's portal: AuditLogs_2024-11-09.csv).</param>
/// <param name="MaxDownloadRows">Entra's rows per file: 250,000 audit records, 100,000 sign-ins.</param>
/// <param name="Csv">Its CSV layout.</param>
/// <param name="Scope">What the list shows when the filter does not say (v1.0 signIns: interactive user sign-ins only).</param>
/// <param name="Questions">The questions its insights page answers (<see cref="LogInsights"/>).</param>
internal sealed record LogApi(LogDefinition Log, Permission Read, string Noun, string DownloadName, int MaxDownloadRows, ILogCsv Csv,
    Func<LogFilter?, LogFilter?> Scope, IReadOnlyList<InsightQuestion> Questions)
{
    public string Route => $"/auditLogs/{Log.EntitySet}";

    public static readonly LogApi DirectoryAudits = new(DirectoryAuditsLog.Definition, Permission.ReadAuditLogs, "Audit entry", "AuditLogs", 250_000,
        AuditCsv.Instance, filter => filter, AuditQuestions.All);

    public static readonly LogApi SignIns = new(SignInsLog.Definition, Permission.ReadSignInLogs, "Sign-in", "SignIns", 100_000,
        SignInCsv.Instance, SignInScope.Apply, SignInQuestions.All);

    public static IReadOnlyList<LogApi> All { get; } = [DirectoryAudits, SignIns];
}
