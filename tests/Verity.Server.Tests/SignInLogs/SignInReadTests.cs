using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.SignInLogs;

/// <summary>Reading the sign-in log: roles, tenants, downloads, the live feed, insights and the Graph SDK, on both engines.</summary>
public abstract class SignInReadTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private const string SecurityOperator = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
    private const string UserAdministrator = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> PasswordAsync(TestTenant tenant, string upn, string password) => tenant.RequestTokenAsync(new Dictionary<string, string>
    {
        ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = upn, ["password"] = password,
    });

    [Fact]
    public async Task Only_the_sign_in_reader_roles_read_sign_ins_and_a_Security_Operator_not_the_audit_log()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var operatorUser = await tenant.CreateUserAsync(admin, "secops", "Sec-Ops-Password-1!");
        var userAdmin = await tenant.CreateUserAsync(admin, "useradmin", "User-Admin-Password-1!");
        await tenant.AssignRoleAsync(admin, (string)operatorUser["id"]!, SecurityOperator);
        await tenant.AssignRoleAsync(admin, (string)userAdmin["id"]!, UserAdministrator);
        using var secops = host.NewClient(await tenant.UserTokenAsync($"secops@{tenant.Domain}", "Sec-Ops-Password-1!"));
        using var users = host.NewClient(await tenant.UserTokenAsync($"useradmin@{tenant.Domain}", "User-Admin-Password-1!"));

        var read = await ExpectAsync(await secops.GetAsync("/v1.0/auditLogs/signIns", Ct), HttpStatusCode.OK);
        await ExpectErrorAsync(await secops.GetAsync("/v1.0/auditLogs/directoryAudits", Ct), HttpStatusCode.Forbidden);
        await ExpectErrorAsync(await users.GetAsync("/v1.0/auditLogs/signIns", Ct), HttpStatusCode.Forbidden);
        await ExpectErrorAsync(await users.GetAsync("/beta/auditLogs/signIns/download", Ct), HttpStatusCode.Forbidden);

        Assert.Contains(read["value"]!.AsArray(), e => (string?)e!["userPrincipalName"] == $"secops@{tenant.Domain}");
    }

    [Fact]
    public async Task A_tenant_never_sees_another_tenants_sign_ins()
    {
        var (a, b) = (await host.NewTenantAsync(), await host.NewTenantAsync());
        using var adminA = await a.AdminAsync();
        using var adminB = await b.AdminAsync();
        var mine = await ExpectAsync(await adminA.GetAsync("/v1.0/auditLogs/signIns?$top=1", Ct), HttpStatusCode.OK);
        var id = (string)mine["value"]![0]!["id"]!;

        await ExpectErrorAsync(await adminB.GetAsync($"/v1.0/auditLogs/signIns/{id}", Ct), HttpStatusCode.NotFound);
        var theirs = await ExpectAsync(await adminB.GetAsync("/v1.0/auditLogs/signIns?$top=1000", Ct), HttpStatusCode.OK);
        Assert.DoesNotContain(theirs["value"]!.AsArray(), e => (string?)e!["userPrincipalName"] == a.AdminUpn);
    }

    [Fact]
    public async Task Downloads_carry_Entras_sign_in_columns_and_every_matching_row()
    {
        var tenant = await host.NewTenantAsync();
        for (var i = 0; i < 3; i++)
        {
            await PasswordAsync(tenant, tenant.AdminUpn, "not-the-password");
        }
        using var admin = await tenant.AdminAsync();

        var csv = await admin.GetAsync("/v1.0/auditLogs/signIns/download?format=csv&$filter=status/errorCode eq 50126", Ct);
        var json = await admin.GetAsync("/v1.0/auditLogs/signIns/download?format=json&$filter=status/errorCode eq 50126", Ct);

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains("SignIns_", csv.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        var lines = (await csv.Content.ReadAsStringAsync(Ct)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("\"Date (UTC)\",\"Request ID\",\"User agent\",\"Correlation ID\",\"User ID\",\"User\",\"Username\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(",Failure,50126,", l, StringComparison.Ordinal));
        var rows = JsonNode.Parse(await json.Content.ReadAsStringAsync(Ct))!.AsArray();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(tenant.AdminUpn, (string?)r!["userPrincipalName"]));
    }

    [Fact]
    public async Task A_sign_in_arrives_on_the_live_feed_and_in_the_insights()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var stream = await EventStream.OpenAsync(admin, $"/v1.0/auditLogs/signIns/live?$filter={Uri.EscapeDataString("status/errorCode eq 50126")}");

        await PasswordAsync(tenant, tenant.AdminUpn, "not-the-password");
        var (_, entry) = await stream.NextAsync();
        var insights = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/signIns/insights?days=7", Ct), HttpStatusCode.OK);

        Assert.Equal(tenant.AdminUpn, (string?)entry["userPrincipalName"]);
        var failures = insights["questions"]!.AsArray().Single(q => (string?)q!["id"] == "failuresByErrorCode")!;
        Assert.Equal(1, (int)failures["number"]!);
        var item = failures["items"]!.AsArray().Single()!;
        Assert.StartsWith("50126: Error validating credentials", (string?)item["label"], StringComparison.Ordinal);
        var listed = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/signIns?$filter={Uri.EscapeDataString((string)item["filter"]!)}", Ct), HttpStatusCode.OK);
        Assert.Single(listed["value"]!.AsArray());
    }

    [Fact]
    public async Task The_Graph_SDK_reads_sign_ins_with_a_filter_and_its_page_iterator()
    {
        var tenant = await host.NewTenantAsync();
        for (var i = 0; i < 7; i++)
        {
            await PasswordAsync(tenant, tenant.AdminUpn, i % 2 == 0 ? tenant.AdminPassword : "wrong");
        }
        var graph = tenant.Graph();

        var first = await graph.AuditLogs.SignIns.GetAsync(r =>
        {
            r.QueryParameters.Top = 2;
            r.QueryParameters.Filter = $"userPrincipalName eq '{tenant.AdminUpn}'";
        }, Ct);
        var all = new List<SignIn>();
        var iterator = PageIterator<SignIn, SignInCollectionResponse>.CreatePageIterator(graph, first!, s => { all.Add(s); return true; });
        await iterator.IterateAsync(Ct);

        Assert.Equal(7, all.Count);
        Assert.Equal(3, all.Count(s => s.Status!.ErrorCode == 50126));
        Assert.All(all, s => Assert.Equal(tenant.AdminId, s.UserId));
        Assert.All(all, s => Assert.Equal(ConditionalAccessStatus.NotApplied, s.ConditionalAccessStatus));
        Assert.True(all.SequenceEqual(all.OrderByDescending(s => s.CreatedDateTime)), "newest first");
    }
}

public sealed class SqliteSignInReadTests(SqliteHost host) : SignInReadTests<SqliteHost>(host);

public sealed class PostgresSignInReadTests(PostgresHost host) : SignInReadTests<PostgresHost>(host);
