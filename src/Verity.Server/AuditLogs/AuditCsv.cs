using System.Text.Json;
using CsvHelper;

namespace Verity.Server.AuditLogs;

/// <summary>
/// The Entra admin center's audit CSV (reference §6.6): 86 fixed columns, three target blocks of five modified
/// properties each and six additional details; whatever does not fit is dropped, missing cells are empty.
/// Rows are written from the stored JSON, so a download shows exactly what the API serves.
/// </summary>
internal static class AuditCsv
{
    private const int Targets = 3;
    private const int PropertiesPerTarget = 5;
    private const int Details = 6;

    public static readonly IReadOnlyList<string> Header = BuildHeader();

    private static string[] BuildHeader()
    {
        var header = new List<string>
        {
            "Date (UTC)", "CorrelationId", "Service", "Category", "Activity", "Result", "ResultReason", "User Agent",
            "ActorType", "ActorDisplayName", "ActorObjectId", "ActorUserPrincipalName", "IPAddress",
            "ActorHomeTenantId", "ActorHomeTenantName", "ActorServicePrincipalId", "ActorServicePrincipalName",
        };
        for (var t = 1; t <= Targets; t++)
        {
            header.AddRange([$"Target{t}Type", $"Target{t}DisplayName", $"Target{t}ObjectId", $"Target{t}UserPrincipalName"]);
            for (var p = 1; p <= PropertiesPerTarget; p++)
            {
                header.AddRange([$"Target{t}ModifiedProperty{p}Name", $"Target{t}ModifiedProperty{p}OldValue", $"Target{t}ModifiedProperty{p}NewValue"]);
            }
        }
        for (var d = 1; d <= Details; d++)
        {
            header.AddRange([$"AdditionalDetail{d}Key", $"AdditionalDetail{d}Value"]);
        }
        return [.. header];
    }

    // Records end with EndRecordAsync: the writer empties its buffer into the response when it is nearly full, and
    // Kestrel allows no synchronous writes.
    public static ValueTask WriteHeaderAsync(CsvWriter csv, CancellationToken ct)
    {
        foreach (var name in Header)
        {
            csv.WriteField(name, CsvQuoting.Always);
        }
        return csv.EndRecordAsync(ct);
    }

    public static ValueTask WriteRowAsync(CsvWriter csv, byte[] json, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(json);
        var entry = document.RootElement;
        var user = Object(Object(entry, "initiatedBy"), "user");
        var app = Object(Object(entry, "initiatedBy"), "app");
        var details = Array(entry, "additionalDetails");

        csv.WriteField(Text(entry, "activityDateTime"));
        csv.WriteField(Text(entry, "correlationId"));
        csv.WriteField(Text(entry, "loggedByService"));
        csv.WriteField(Text(entry, "category"));
        csv.WriteField(Text(entry, "activityDisplayName"));
        csv.WriteField(Text(entry, "result"));
        csv.WriteField(Text(entry, "resultReason"));
        csv.WriteField(details.Where(d => Text(d, "key") == "User-Agent").Select(d => Text(d, "value")).FirstOrDefault() ?? "");
        csv.WriteField(user is not null ? "User" : app is not null ? "App" : "");
        csv.WriteField(Text(user, "displayName") ?? Text(app, "displayName"));
        csv.WriteField(Text(user, "id"));
        csv.WriteField(Text(user, "userPrincipalName"));
        csv.WriteField(Text(user, "ipAddress"));
        csv.WriteField(Text(user, "homeTenantId"));
        csv.WriteField(Text(user, "homeTenantName"));
        csv.WriteField(Text(app, "servicePrincipalId"));
        csv.WriteField(Text(app, "servicePrincipalName"));

        var targets = Array(entry, "targetResources");
        for (var t = 0; t < Targets; t++)
        {
            var target = t < targets.Count ? targets[t] : (JsonElement?)null;
            csv.WriteField(Text(target, "type"));
            csv.WriteField(Text(target, "displayName"));
            csv.WriteField(Text(target, "id"));
            csv.WriteField(Text(target, "userPrincipalName"));
            var properties = target is { } found ? Array(found, "modifiedProperties") : [];
            for (var p = 0; p < PropertiesPerTarget; p++)
            {
                var property = p < properties.Count ? properties[p] : (JsonElement?)null;
                csv.WriteField(Text(property, "displayName"));
                csv.WriteField(Text(property, "oldValue"));
                csv.WriteField(Text(property, "newValue"));
            }
        }
        for (var d = 0; d < Details; d++)
        {
            var detail = d < details.Count ? details[d] : (JsonElement?)null;
            csv.WriteField(Text(detail, "key"));
            csv.WriteField(Text(detail, "value"));
        }
        return csv.EndRecordAsync(ct);
    }

    private static JsonElement? Object(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static List<JsonElement> Array(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];

    private static string? Text(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
