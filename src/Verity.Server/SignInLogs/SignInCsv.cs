using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Verity.Server.Logs;

namespace Verity.Server.SignInLogs;

/// <summary>
/// The sign-in CSV of Entra's portal download: one row per sign-in in its column names (reference §6.5: nested
/// arrays such as conditional access policies are not in it), with the service-principal columns of its application
/// sign-ins file, so one layout serves all three kinds. Rows are written from the stored JSON.
/// </summary>
internal sealed class SignInCsv : ILogCsv
{
    public static readonly SignInCsv Instance = new();

    private static readonly (string Name, Func<JsonElement, string?> Cell)[] Columns =
    [
        ("Date (UTC)", e => Text(e, "createdDateTime")),
        ("Request ID", e => Text(e, "id")),
        ("User agent", e => Text(e, "userAgent")),
        ("Correlation ID", e => Text(e, "correlationId")),
        ("User ID", e => Text(e, "userId")),
        ("User", e => Text(e, "userDisplayName")),
        ("Username", e => Text(e, "userPrincipalName")),
        ("Application", e => Text(e, "appDisplayName")),
        ("Application ID", e => Text(e, "appId")),
        ("Resource", e => Text(e, "resourceDisplayName")),
        ("Resource ID", e => Text(e, "resourceId")),
        ("Resource tenant ID", e => Text(e, "resourceTenantId")),
        ("Home tenant ID", e => Text(e, "homeTenantId")),
        ("IP address", e => Text(e, "ipAddress")),
        ("Location", e => Location(e)),
        ("Status", e => Code(e) is 0 ? "Success" : "Failure"),
        ("Sign-in error code", e => Code(e)?.ToString(CultureInfo.InvariantCulture)),
        ("Failure reason", e => Nested(e, "status", "failureReason")),
        ("Additional Details", e => Nested(e, "status", "additionalDetails")),
        ("Client app", e => Text(e, "clientAppUsed")),
        ("Device ID", e => Nested(e, "deviceDetail", "deviceId")),
        ("Browser", e => Nested(e, "deviceDetail", "browser")),
        ("Operating System", e => Nested(e, "deviceDetail", "operatingSystem")),
        ("Compliant", e => Nested(e, "deviceDetail", "isCompliant")),
        ("Managed", e => Nested(e, "deviceDetail", "isManaged")),
        ("Join Type", e => Nested(e, "deviceDetail", "trustType")),
        ("Conditional Access", e => Text(e, "conditionalAccessStatus")),
        ("Risk detail", e => Text(e, "riskDetail")),
        ("Risk level (aggregated)", e => Text(e, "riskLevelAggregated")),
        ("Risk level (during sign-in)", e => Text(e, "riskLevelDuringSignIn")),
        ("Risk state", e => Text(e, "riskState")),
        ("Interactive", e => Text(e, "isInteractive")),
        ("Service principal ID", e => Text(e, "servicePrincipalId")),
        ("Service principal name", e => Text(e, "servicePrincipalName")),
    ];

    private static readonly IReadOnlyList<string> s_header = [.. Columns.Select(c => c.Name)];

    public IReadOnlyList<string> Header => s_header;

    public async ValueTask WriteRowAsync(CsvWriter csv, byte[] json, CancellationToken ct)
    {
        using (var document = JsonDocument.Parse(json))
        {
            foreach (var (_, cell) in Columns)
            {
                csv.WriteField(cell(document.RootElement) ?? "");
            }
        }
        await csv.EndRecordAsync(ct);
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) ? Cell(value) : null;

    private static string? Nested(JsonElement entry, string parent, string name) =>
        entry.TryGetProperty(parent, out var inner) && inner.ValueKind == JsonValueKind.Object && inner.TryGetProperty(name, out var value) ? Cell(value) : null;

    private static string? Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => null,
    };

    private static int? Code(JsonElement entry) =>
        entry.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
        && status.TryGetProperty("errorCode", out var code) && code.TryGetInt32(out var number) ? number : null;

    /// <summary>Entra's one Location cell: "city, state, country", the parts it knows.</summary>
    private static string? Location(JsonElement entry)
    {
        string?[] parts = [Nested(entry, "location", "city"), Nested(entry, "location", "state"), Nested(entry, "location", "countryOrRegion")];
        var known = parts.Where(p => !string.IsNullOrEmpty(p)).ToList();
        return known.Count == 0 ? null : string.Join(", ", known);
    }
}
