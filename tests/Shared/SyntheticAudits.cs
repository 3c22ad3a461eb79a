using Verity.Core.Model;
using Verity.Core.Storage;

namespace Verity.Tests;

/// <summary>
/// A deterministic stream of realistic audit entries for one tenant, for query-plan tests and the read benchmark.
/// The mix is skewed the way a real directory's log is: mostly user updates and group membership, a few percent
/// failures, rare role and secret changes; 100,000 users, 5,000 groups, 500 applications, 400 admins and 40
/// automation apps as initiators; entries one second apart, oldest first.
/// </summary>
public static class SyntheticAudits
{
    /// <summary>Activities by weight (per mille). The rare ones at the end are what an auditor searches for.</summary>
    private static readonly (Activity Activity, int Weight)[] Mix =
    [
        (Activities.UpdateUser, 300), (Activities.AddMemberToGroup, 160), (Activities.RemoveMemberFromGroup, 90),
        (Activities.AddUser, 80), (Activities.ResetUserPassword, 60), (Activities.ChangeUserPassword, 50),
        (Activities.ChangeUserLicense, 60), (Activities.UpdateGroup, 40), (Activities.DeleteUser, 30),
        (Activities.AddGroup, 20), (Activities.UpdateApplication, 20), (Activities.UpdateServicePrincipal, 20),
        (Activities.AddOwnerToGroup, 15), (Activities.RemoveOwnerFromGroup, 10), (Activities.DeleteGroup, 10),
        (Activities.SetGroupLicense, 10), (Activities.AddApplication, 5), (Activities.UpdateApplicationSecrets, 5),
        (Activities.AddServicePrincipal, 5), (Activities.DeleteApplication, 3), (Activities.RemoveServicePrincipal, 3),
        (Activities.AddMemberToRole, 3), (Activities.RemoveMemberFromRole, 1),
    ];

    private static readonly string[] UserProperties = ["AccountEnabled", "DisplayName", "JobTitle", "Department", "MobilePhone", "UsageLocation", "OfficeLocation"];

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string UserName(int n) => $"User {n:D6}";

    public static string UserPrincipalName(int n) => $"user{n:D6}@contoso.test";

    public static string AdminPrincipalName(int n) => $"admin{n:D3}@contoso.test";

    public static string GroupName(int n) => $"Group {n:D4}";

    public static string AppName(int n) => $"Automation {n:D2}";

    /// <summary>Entries <paramref name="first"/> … first + count - 1 of the stream (a later call continues an earlier one).</summary>
    public static IEnumerable<LogEntry> Generate(Guid tenantId, long count, int seed = 7, long first = 0)
    {
        var random = new Random(seed + (int)first);
        var table = Mix.SelectMany(m => Enumerable.Repeat(m.Activity, m.Weight)).ToArray();
        var correlation = Guid.Empty;
        for (var i = first; i < first + count; i++)
        {
            var activity = table[random.Next(table.Length)];
            if (i % 3 == 0 || i == first)
            {
                correlation = new Guid((int)(i / 3), (short)seed, 0, 1, 2, 3, 4, 5, 6, 7, 8); // one request, up to three entries
            }
            var fromApp = random.Next(100) < 20;
            var admin = random.Next(400);
            var app = random.Next(40);
            var initiator = fromApp
                ? new AuditInitiator(null, new AppIdentity($"00000000-0000-4000-a000-{app:D12}", AppName(app), $"00000000-0000-4000-b000-{app:D12}", AppName(app)))
                : new AuditInitiator(new UserIdentity($"00000000-0000-4000-c000-{admin:D12}", $"Admin {admin:D3}", AdminPrincipalName(admin), $"203.0.113.{admin % 250}"), null);
            var audit = new DirectoryAudit
            {
                Id = $"Directory_{correlation}_SYNTH_{Start.ToUnixTimeMilliseconds() * 1000 + i}",
                Category = activity.Category,
                CorrelationId = correlation.ToString(),
                Result = random.Next(100) < 3 ? AuditResult.Failure : AuditResult.Success,
                ActivityDisplayName = activity.DisplayName,
                ActivityDateTime = Start.AddSeconds(i),
                LoggedByService = activity.Service,
                OperationType = activity.OperationType,
                InitiatedBy = initiator,
                TargetResources = Targets(activity, random),
                AdditionalDetails = [new KeyValue("User-Agent", fromApp ? "Microsoft.Graph/6.10.0" : "Mozilla/5.0 (X11; Linux x86_64)")],
            };
            yield return DirectoryAuditsLog.Entry(tenantId, audit);
        }
    }

    private static TargetResource[] Targets(Activity activity, Random random)
    {
        var user = random.Next(100_000);
        var group = random.Next(5_000);
        var app = random.Next(500);
        var userTarget = new TargetResource { Id = $"10000000-0000-4000-8000-{user:D12}", DisplayName = UserName(user), Type = "User", UserPrincipalName = UserPrincipalName(user) };
        var groupTarget = new TargetResource { Id = $"20000000-0000-4000-8000-{group:D12}", DisplayName = GroupName(group), Type = "Group" };
        var appTarget = new TargetResource { Id = $"30000000-0000-4000-8000-{app:D12}", DisplayName = $"Application {app:D3}", Type = "Application" };
        return activity.Category switch
        {
            "GroupManagement" when activity.OperationType is "Assign" or "Unassign" => [userTarget, groupTarget],
            "GroupManagement" => [groupTarget with { ModifiedProperties = Changed(random, ["DisplayName", "Description", "MailNickname"]) }],
            "ApplicationManagement" when activity == Activities.UpdateApplicationSecrets => [appTarget with { ModifiedProperties = Changed(random, ["KeyDescription"]) }],
            "ApplicationManagement" => [appTarget with { ModifiedProperties = Changed(random, ["DisplayName", "AppAddress", "Tags"]) }],
            "RoleManagement" => [userTarget, new TargetResource { Id = "62e90394-69f5-4237-9190-012177145e10", DisplayName = "Global Administrator", Type = "Role" }],
            _ when activity == Activities.UpdateUser => [userTarget with { ModifiedProperties = Changed(random, UserProperties) }],
            _ => [userTarget],
        };
    }

    private static ModifiedProperty[] Changed(Random random, string[] names)
    {
        var picked = names.OrderBy(_ => random.Next()).Take(1 + random.Next(2)).ToList();
        return [.. picked.Select(n => new ModifiedProperty(n, "[\"old\"]", "[\"new\"]")),
            new ModifiedProperty("Included Updated Properties", null, $"\"{string.Join(", ", picked)}\"")];
    }
}
