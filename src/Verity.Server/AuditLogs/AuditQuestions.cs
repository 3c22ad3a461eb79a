using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Logs;
using static Verity.Server.Logs.LogInsights;

namespace Verity.Server.AuditLogs;

/// <summary>The auditor's questions of the product brief, asked of the audit log (<see cref="LogInsights"/>).</summary>
internal static class AuditQuestions
{
    private static string Names(params Activity[] activities) =>
        $"activityDisplayName in ({string.Join(", ", activities.Select(a => Quote(a.DisplayName)))})";

    private static readonly TopValues ByActivity = new(DirectoryAuditsLog.ActivityDisplayName, v => $"activityDisplayName eq {Quote(v)}");
    private static readonly TopValues ByTarget = new(DirectoryAuditsLog.TargetDisplayName, v => $"targetResources/any(t: t/displayName eq {Quote(v)})");
    private static readonly RecentEntries Recent = new(RecentLabel);
    private static readonly InsightAnswer Entries = new();

    public static readonly IReadOnlyList<InsightQuestion> All =
    [
        new("userChangeTypes", "What types of changes were recently applied to users?", "category eq 'UserManagement'", Entries, "changes", ByActivity),
        new("usersChanged", "How many users were changed?", "category eq 'UserManagement' and result eq 'success'",
            new InsightAnswer(DirectoryAuditsLog.TargetId, (DirectoryAuditsLog.TargetType, "User")), "users", ByTarget, SeriesUnit: "changes"),
        new("passwordsChanged", "How many passwords were changed?", Names(Activities.ResetUserPassword, Activities.ChangeUserPassword) + " and result eq 'success'",
            Entries, "password resets and changes", ByActivity),
        new("groupsAdded", "What groups were recently added?", Names(Activities.AddGroup) + " and result eq 'success'", Entries, "groups added", Recent),
        new("groupOwnersChanged", "Have owners of groups been changed?", Names(Activities.AddOwnerToGroup, Activities.RemoveOwnerFromGroup) + " and result eq 'success'",
            Entries, "owner changes", Recent),
        new("licensesAssigned", "What licenses have been assigned to groups or users?", Names(Activities.ChangeUserLicense, Activities.SetGroupLicense) + " and result eq 'success'",
            Entries, "license assignments", Recent),
        new("applicationsChanged", "Which applications were added, updated or removed?",
            Names(Activities.AddApplication, Activities.UpdateApplication, Activities.DeleteApplication, Activities.UpdateApplicationSecrets) + " and result eq 'success'",
            Entries, "application changes", ByTarget),
        new("servicePrincipalsChanged", "Has a service principal changed?",
            Names(Activities.AddServicePrincipal, Activities.UpdateServicePrincipal, Activities.RemoveServicePrincipal) + " and result eq 'success'",
            Entries, "service principal changes", Recent),
        new("applicationNamesChanged", "Have application names changed?",
            Names(Activities.UpdateApplication) + " and result eq 'success' and targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'DisplayName'))",
            Entries, "renames", Recent),
    ];

    /// <summary>A recent entry: its first target's name (the activity when there is none).</summary>
    private static string RecentLabel(StoredLogEntry entry)
    {
        var json = JsonNode.Parse(entry.Json)!;
        var activity = (string?)json["activityDisplayName"] ?? "";
        var target = json["targetResources"]?.AsArray().Select(t => (string?)t?["displayName"] ?? (string?)t?["userPrincipalName"]).FirstOrDefault(n => n is not null);
        return target is null ? activity : $"{activity}: {target}";
    }
}
