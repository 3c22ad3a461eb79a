using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;

namespace Verity.Server.Hosting;

/// <summary>
/// The <c>--demo</c> tenant: about 50 users, 10 groups with owners and members, 5 applications with service
/// principals, licenses and role assignments, made through the same audited code as the API over the last four
/// weeks (a backdated clock), so a newcomer's first screen has a history to explore.
/// </summary>
internal static class DemoTenant
{
    private static readonly string[] GivenNames = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
        "Kara", "Liam", "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes", "Xena", "Yusuf"];
    private static readonly string[] Surnames = ["Lovelace", "Okafor"];
    private static readonly string[] Departments = ["Finance", "Engineering", "Sales", "Marketing", "Support", "Legal", "HR"];
    private static readonly string[] GroupNames = ["Finance Team", "Engineering", "Sales EMEA", "Marketing", "Support Tier 1", "Legal",
        "HR Partners", "VPN Users", "Office 365 Pilot", "Security Champions"];
    private static readonly string[] AppNames = ["Payroll Connector", "CRM Sync", "Expense Portal", "Build Agent", "HR Onboarding"];

    /// <summary>A clock that starts four weeks ago, so the whole demo tenant, its creation included, has a history.</summary>
    public static DemoClock Clock(TimeProvider time) => new(time.GetUtcNow().AddDays(-28), time.GetUtcNow().AddMinutes(-5));

    /// <summary>
    /// The demo users' passwords are random, never shown and never used, so their hashes need no stretching: at the
    /// configured 600,000 iterations the fifty of them tripled the demo's first start. A hash this weak is replaced at
    /// the user's first sign-in anyway, and a reset password is hashed by the server's own hasher.
    /// </summary>
    private static readonly PasswordHasher UnusedPasswords = new(Microsoft.Extensions.Options.Options.Create(new PasswordOptions { Pbkdf2Iterations = 1_000 }));

    public static async Task SeedAsync(Tenant tenant, IDirectoryStore store, ChangeWriter writer, DemoClock clock, CancellationToken ct)
    {
        var random = new Random(20261124);
        AuditScope As(Caller caller)
        {
            clock.Advance(TimeSpan.FromMinutes(random.Next(60, 360)));
            return new AuditScope(caller with { IpAddress = $"198.51.100.{random.Next(2, 250)}" }, null, "Mozilla/5.0 (Verity demo)", clock);
        }
        var admin = (await store.ListObjectsAsync(tenant.Id, Schemas.User.Kind, null, 1, ct)).First();
        var adminCaller = new Caller
        {
            TenantId = tenant.Id, ObjectId = admin.Id, IsApp = false, DisplayName = (string?)admin.Data["displayName"],
            UserPrincipalName = (string?)admin.Data["userPrincipalName"], RoleIds = new HashSet<string> { DirectoryRoles.GlobalAdministrator.TemplateId },
        };

        var users = new List<JsonObject>();
        for (var i = 0; i < 50; i++)
        {
            var given = GivenNames[i % GivenNames.Length];
            var surname = Surnames[i / GivenNames.Length];
            var alias = $"{given}.{surname}".ToLowerInvariant();
            users.Add(await UsersEndpoints.CreateAsync(As(adminCaller), store, writer, UnusedPasswords, new JsonObject
            {
                ["accountEnabled"] = true,
                ["displayName"] = $"{given} {surname}",
                ["givenName"] = given,
                ["surname"] = surname,
                ["mailNickname"] = alias,
                ["userPrincipalName"] = $"{alias}@{tenant.DefaultDomain}",
                ["department"] = Departments[i % Departments.Length],
                ["jobTitle"] = i % 10 == 0 ? "Manager" : "Specialist",
                ["usageLocation"] = "US",
                ["passwordProfile"] = new JsonObject { ["password"] = Secrets.NewPassword(), ["forceChangePasswordNextSignIn"] = true },
            }, ct));
        }

        var groups = new List<JsonObject>();
        foreach (var name in GroupNames)
        {
            var group = await GroupsEndpoints.CreateAsync(As(adminCaller), writer, new JsonObject
            {
                ["displayName"] = name,
                ["description"] = $"{name} ({tenant.DisplayName})",
                ["mailEnabled"] = false,
                ["mailNickname"] = name.Replace(" ", "-", StringComparison.Ordinal).ToLowerInvariant(),
                ["securityEnabled"] = true,
            });
            groups.Add(group);
            var owner = users[random.Next(users.Count)];
            await GroupsEndpoints.AddLinkAsync(As(adminCaller), store, writer, (string)group["id"]!, (string)owner["id"]!, "owner", ct);
            foreach (var member in users.OrderBy(_ => random.Next()).Take(random.Next(3, 9)))
            {
                await GroupsEndpoints.AddLinkAsync(As(adminCaller), store, writer, (string)group["id"]!, (string)member["id"]!, "member", ct);
            }
        }

        foreach (var name in AppNames)
        {
            var app = await ApplicationsEndpoints.CreateAsync(As(adminCaller), writer, new JsonObject { ["displayName"] = name, ["signInAudience"] = "AzureADMyOrg" });
            await ApplicationsEndpoints.AddSecretAsync(As(adminCaller), store, writer, (string)app["id"]!, Secrets.NewClientSecret(), "demo secret", null, null, ct);
            await ServicePrincipalsEndpoints.CreateAsync(As(adminCaller), store, writer, new JsonObject { ["appId"] = (string)app["appId"]! }, ct);
        }
        var renamed = (await store.ListObjectsAsync(tenant.Id, Schemas.Application.Kind, null, 10, ct)).First(a => (string?)a.Data["displayName"] == "CRM Sync");
        await UpdateAsync(As(adminCaller), writer, Schemas.Application, Activities.UpdateApplication, renamed, new JsonObject { ["displayName"] = "CRM Sync (v2)" });

        string[] skus = [.. LicensesEndpoints.DefaultSkus.Select(s => s.SkuId)];
        foreach (var user in users.Take(40))
        {
            var body = new JsonObject
            {
                ["addLicenses"] = new JsonArray(new JsonObject { ["skuId"] = skus[random.Next(2)], ["disabledPlans"] = new JsonArray() }),
                ["removeLicenses"] = new JsonArray(),
            };
            await LicensesEndpoints.AssignAsync(As(adminCaller), store, writer, Schemas.User, Activities.ChangeUserLicense, (string)user["id"]!, body, ct);
        }

        string[] roleIds = ["f2ef992c-3afb-46b9-b7cf-a126ee74c451", "fe930be7-5e62-47db-91af-98c3a49a38b1", "4a5d8f65-41da-4de4-8968-e035b65339cf",
            "5d6b6bb7-de71-4623-b4af-96380a352509", "fdd7a751-b60b-444a-984c-02652fe8fa1c"];
        for (var i = 0; i < roleIds.Length; i++)
        {
            await RolesEndpoints.AssignAsync(As(adminCaller), store, writer, (string)users[i * 3 + 1]["id"]!, roleIds[i], "/", ct);
        }

        foreach (var user in users.OrderBy(_ => random.Next()).Take(15))
        {
            var current = await store.GetObjectAsync(tenant.Id, (string)user["id"]!, ct);
            var change = random.Next(3) switch
            {
                0 => new JsonObject { ["jobTitle"] = "Senior Specialist" },
                1 => new JsonObject { ["accountEnabled"] = false },
                _ => new JsonObject { ["department"] = Departments[random.Next(Departments.Length)], ["officeLocation"] = "Building 2" },
            };
            await UpdateAsync(As(adminCaller), writer, Schemas.User, Activities.UpdateUser, current!, change);
        }
    }

    private static async Task UpdateAsync(AuditScope audit, ChangeWriter writer, ObjectSchema schema, Activity activity, StoredObject current, JsonObject body)
    {
        var data = current.Data.DeepClone().AsObject();
        DirectoryKit.Apply(schema, body, data);
        var changes = DirectoryKit.Diff(current.Data, data, DirectoryKit.StoredNames(schema, body));
        await writer.CommitAsync(audit, [new UpdateObject(current with { Data = data })], [audit.Entry(activity, [DirectoryKit.Target(schema, current.Id, data, changes)])],
            _ => [], () => new Graph.GraphException(409, "Request_Conflict", "Demo seed conflict."));
    }

    /// <summary>Moves only when told to, and never past <paramref name="end"/>.</summary>
    internal sealed class DemoClock(DateTimeOffset start, DateTimeOffset end) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now = _now + by < end ? _now + by : end;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
