using System.Globalization;
using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Query;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.AuditLogs;

/// <summary>
/// <c>GET /v1.0/auditLogs/directoryAudits/insights?days=N</c>: the auditor's questions of the product brief, each
/// answered with a number, a per-day series and a short list, all computed by aggregate queries in the store. Every
/// question and list item carries the <c>$filter</c> of the entries behind it, which the list API accepts as is.
/// </summary>
internal static class AuditInsights
{
    private const int Items = 5;

    private enum Answer { Count, DistinctUsers }

    private enum List { ByActivity, ByTarget, Recent }

    // SeriesUnit: what the per-day series counts when it is not Unit (the series counts entries; the number may count distinct users).
    private sealed record Question(string Id, string Text, string Filter, Answer Answer, string Unit, List List, string? SeriesUnit = null);

    private static string Names(params Activity[] activities) =>
        $"activityDisplayName in ({string.Join(", ", activities.Select(a => Quote(a.DisplayName)))})";

    private static readonly Question[] Questions =
    [
        new("userChangeTypes", "What types of changes were recently applied to users?", "category eq 'UserManagement'", Answer.Count, "changes", List.ByActivity),
        new("usersChanged", "How many users were changed?", "category eq 'UserManagement' and result eq 'success'", Answer.DistinctUsers, "users", List.ByTarget,
            SeriesUnit: "changes"),
        new("passwordsChanged", "How many passwords were changed?", Names(Activities.ResetUserPassword, Activities.ChangeUserPassword) + " and result eq 'success'",
            Answer.Count, "password resets and changes", List.ByActivity),
        new("groupsAdded", "What groups were recently added?", Names(Activities.AddGroup) + " and result eq 'success'", Answer.Count, "groups added", List.Recent),
        new("groupOwnersChanged", "Have owners of groups been changed?", Names(Activities.AddOwnerToGroup, Activities.RemoveOwnerFromGroup) + " and result eq 'success'",
            Answer.Count, "owner changes", List.Recent),
        new("licensesAssigned", "What licenses have been assigned to groups or users?", Names(Activities.ChangeUserLicense, Activities.SetGroupLicense) + " and result eq 'success'",
            Answer.Count, "license assignments", List.Recent),
        new("applicationsChanged", "Which applications were added, updated or removed?",
            Names(Activities.AddApplication, Activities.UpdateApplication, Activities.DeleteApplication, Activities.UpdateApplicationSecrets) + " and result eq 'success'",
            Answer.Count, "application changes", List.ByTarget),
        new("servicePrincipalsChanged", "Has a service principal changed?",
            Names(Activities.AddServicePrincipal, Activities.UpdateServicePrincipal, Activities.RemoveServicePrincipal) + " and result eq 'success'",
            Answer.Count, "service principal changes", List.Recent),
        new("applicationNamesChanged", "Have application names changed?",
            Names(Activities.UpdateApplication) + " and result eq 'success' and targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'DisplayName'))",
            Answer.Count, "renames", List.Recent),
    ];

    public static async Task<IResult> Get(HttpContext http, ILogStore logs, TimeProvider time)
    {
        var request = http.Request;
        foreach (var key in request.Query.Keys.Where(k => k != "days"))
        {
            throw GraphException.BadRequest($"Unknown query parameter '{key}' for insights. Supported: days.", "Request_UnsupportedQuery");
        }
        var days = 30;
        if (request.Query.TryGetValue("days", out var daysText)
            && (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > 90))
        {
            throw GraphException.BadRequest($"Invalid value '{daysText}' for days: use a whole number from 1 to 90.");
        }
        var now = time.GetUtcNow();
        var from = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - days); // today and the days before it
        var since = $"activityDateTime ge {from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
        var tenant = http.Audit().TenantId;
        var ct = http.RequestAborted;

        var answers = new JsonArray();
        foreach (var q in Questions)
        {
            var filter = $"{q.Filter} and {since}";
            var query = new LogQuery { TenantId = tenant, Top = Items, Filter = FilterParser.Parse(filter, DirectoryAuditsLog.Definition) };
            var perDay = (await logs.CountByDayAsync(query, ct)).ToDictionary(b => b.Key, b => b.Count);
            var number = q.Answer == Answer.DistinctUsers ? await logs.CountDistinctAsync(query, DirectoryAuditsLog.TargetId, (DirectoryAuditsLog.TargetType, "User"), ct) : perDay.Values.Sum();
            answers.Add(new JsonObject
            {
                ["id"] = q.Id,
                ["question"] = q.Text,
                ["filter"] = filter,
                ["number"] = number,
                ["unit"] = q.Unit,
                ["seriesUnit"] = q.SeriesUnit ?? q.Unit,
                ["series"] = new JsonArray([.. Enumerable.Range(0, days).Select(d => from.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                    .Select(day => (JsonNode)new JsonObject { ["date"] = day, ["count"] = perDay.GetValueOrDefault(day) })]),
                ["items"] = await ItemsAsync(logs, q, query, filter, ct),
            });
        }
        return Results.Json(new JsonObject
        {
            ["from"] = from.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["days"] = days,
            ["questions"] = answers,
        });
    }

    private static async Task<JsonArray> ItemsAsync(ILogStore logs, Question q, LogQuery query, string filter, CancellationToken ct)
    {
        switch (q.List)
        {
            case List.ByActivity:
                return new JsonArray([.. (await logs.CountByAsync(query, DirectoryAuditsLog.ActivityDisplayName, Items, ct)).Select(b => (JsonNode)new JsonObject
                {
                    ["label"] = b.Key, ["count"] = b.Count, ["filter"] = $"{filter} and activityDisplayName eq {Quote(b.Key)}",
                })]);
            case List.ByTarget:
                return new JsonArray([.. (await logs.CountByAsync(query, DirectoryAuditsLog.TargetDisplayName, Items, ct)).Select(b => (JsonNode)new JsonObject
                {
                    ["label"] = b.Key, ["count"] = b.Count, ["filter"] = $"{filter} and targetResources/any(t: t/displayName eq {Quote(b.Key)})",
                })]);
            default:
                var page = await logs.QueryAsync(query, ct);
                return new JsonArray([.. page.Entries.Select(e => (JsonNode)Recent(e))]);
        }
    }

    /// <summary>A recent entry: its first target's name (the activity when there is none), its time, and a filter for it alone.</summary>
    private static JsonObject Recent(StoredLogEntry entry)
    {
        var json = JsonNode.Parse(entry.Json)!;
        var activity = (string?)json["activityDisplayName"] ?? "";
        var target = json["targetResources"]?.AsArray().Select(t => (string?)t?["displayName"] ?? (string?)t?["userPrincipalName"]).FirstOrDefault(n => n is not null);
        return new JsonObject
        {
            ["label"] = target is null ? activity : $"{activity}: {target}",
            ["date"] = (string?)json["activityDateTime"],
            ["filter"] = $"id eq {Quote(entry.Id)}",
        };
    }

    /// <summary>An OData string literal: single quotes doubled.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
