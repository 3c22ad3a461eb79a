using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Hosting;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Operator;

/// <summary><c>/operator/tenants</c>: tenants an operator creates with the operator key, each isolated like any other. Run on both engines.</summary>
public abstract class OperatorTenantsTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Operator() => host.NewClient(File.ReadAllText(host.OperatorKeyFile).Trim());

    private static string NewDomain() => $"op{Guid.NewGuid():N}"[..14] + ".example";

    private async Task<JsonObject> CreateAsync(string domain, string displayName = "Contoso")
    {
        using var client = Operator();
        return await ExpectAsync(await client.PostAsync("/operator/tenants", Json($$"""{"displayName":"{{displayName}}","domain":"{{domain}}"}"""), Ct),
            HttpStatusCode.Created);
    }

    /// <summary>The created tenant as the tests' helpers know tenants, to sign in as its admin.</summary>
    private TestTenant AsTestTenant(JsonObject created) => new(host, new ProvisionedTenant(Guid.Parse((string)created["id"]!), (string)created["domain"]!,
        (string)created["adminUserPrincipalName"]!, (string)created["adminPassword"]!, (string)created["adminId"]!, null, null));

    [Fact]
    public async Task The_key_file_is_made_at_start_readable_by_the_server_user_only()
    {
        var key = (await File.ReadAllTextAsync(host.OperatorKeyFile, Ct)).Trim();

        Assert.Equal(43, key.Length); // 256 bits, base64url without padding
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(host.OperatorKeyFile));
        }
    }

    [Fact]
    public async Task A_created_tenants_admin_signs_in_and_sees_only_its_own_log_which_starts_with_its_creation()
    {
        var other = await host.NewTenantAsync();
        using (var otherAdmin = await other.AdminAsync())
        {
            await other.CreateUserAsync(otherAdmin, "elsewhere");
        }
        var domain = NewDomain();

        var created = await CreateAsync(domain.ToUpperInvariant(), "Fabrikam");

        Assert.Equal(domain, (string?)created["domain"]);
        Assert.Equal("Fabrikam", (string?)created["displayName"]);
        Assert.Equal($"admin@{domain}", (string?)created["adminUserPrincipalName"]);
        var tenant = AsTestTenant(created);
        using var admin = await tenant.AdminAsync();
        var organization = await ExpectAsync(await admin.GetAsync("/v1.0/organization", Ct), HttpStatusCode.OK);
        Assert.Equal(tenant.Id.ToString(), (string?)organization["value"]![0]!["id"]);
        var log = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1000", Ct), HttpStatusCode.OK);
        var entries = log["value"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(entries, e => (string?)e["activityDisplayName"] == "Add user" && (string?)e["targetResources"]![0]!["userPrincipalName"] == $"admin@{domain}");
        Assert.Contains(entries, e => (string?)e["activityDisplayName"] == "Add member to role" && (string?)e["targetResources"]![0]!["id"] == tenant.AdminId);
        Assert.All(entries, e => Assert.DoesNotContain(other.Domain, e.ToJsonString(), StringComparison.OrdinalIgnoreCase));
        using var otherAdminAgain = await other.AdminAsync();
        var otherLog = await ExpectAsync(await otherAdminAgain.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1000", Ct), HttpStatusCode.OK);
        Assert.All(otherLog["value"]!.AsArray(), e => Assert.DoesNotContain(domain, e!.ToJsonString(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task List_holds_every_tenant_oldest_first()
    {
        var first = await CreateAsync(NewDomain());
        var second = await CreateAsync(NewDomain(), "Second");
        using var client = Operator();

        var list = await ExpectAsync(await client.GetAsync("/operator/tenants", Ct), HttpStatusCode.OK);

        var ids = list["value"]!.AsArray().Select(t => (string?)t!["id"]).ToList();
        Assert.True(ids.IndexOf((string?)first["id"]) is >= 0 and var i && ids.IndexOf((string?)second["id"]) > i, string.Join(", ", ids));
        var listed = list["value"]!.AsArray().Single(t => (string?)t!["id"] == (string?)second["id"])!;
        Assert.Equal(["id", "displayName", "domain", "createdDateTime"], listed.AsObject().Select(p => p.Key));
        Assert.Equal("Second", (string?)listed["displayName"]);
        Assert.Contains(list["value"]!.AsArray(), t => (string?)t!["domain"] == "verity.local"); // the bootstrap tenant
    }

    [Fact]
    public async Task A_domain_already_taken_by_any_tenant_is_409_whatever_its_case()
    {
        var domain = NewDomain();
        await CreateAsync(domain);
        var existing = await host.NewTenantAsync();
        using var client = Operator();

        var again = await client.PostAsync("/operator/tenants", Json($$"""{"displayName":"Again","domain":"{{domain.ToUpperInvariant()}}"}"""), Ct);
        var taken = await client.PostAsync("/operator/tenants", Json($$"""{"displayName":"Taken","domain":"{{existing.Domain}}"}"""), Ct);

        var error = await ExpectErrorAsync(again, HttpStatusCode.Conflict, $"domain '{domain}' already exists");
        Assert.Equal("Request_MultipleObjectsWithSameKeyValue", (string?)error["code"]);
        await ExpectErrorAsync(taken, HttpStatusCode.Conflict, "already exists");
    }

    [Theory]
    [InlineData("""{"displayName":"No domain"}""", "domain is required")]
    [InlineData("""{"domain":"no-name.example"}""", "displayName is required")]
    [InlineData("""{"displayName":"  ","domain":"blank.example"}""", "displayName must have 1 to 256 characters")]
    [InlineData("""{"displayName":7,"domain":"seven.example"}""", "displayName must be a string")]
    [InlineData("""{"displayName":"One label","domain":"localhost"}""", "domain 'localhost' is invalid")]
    [InlineData("""{"displayName":"Space","domain":"a b.example"}""", "domain 'a b.example' is invalid")]
    [InlineData("""{"displayName":"Hyphen","domain":"-x.example"}""", "is invalid")]
    [InlineData("""{"displayName":"Admin","domain":"admin.example","adminUserPrincipalName":"root@elsewhere.example"}""", "use alias@admin.example")]
    [InlineData("""{"displayName":"Extra","domain":"extra.example","tenantId":"x"}""", "Unknown property 'tenantId'")]
    [InlineData("""[1]""", "must be a JSON object")]
    public async Task Bad_input_is_400_in_graphs_error_shape_saying_what_is_accepted(string body, string message)
    {
        using var client = Operator();

        var response = await client.PostAsync("/operator/tenants", Json(body), Ct);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task Without_the_operator_key_every_call_is_401_a_tenant_admins_token_included()
    {
        var tenant = await host.NewTenantAsync();
        using var anonymous = host.NewClient();
        using var wrong = host.NewClient(new string('A', 43));
        using var admin = await tenant.AdminAsync();
        var body = """{"displayName":"Nope","domain":"nope.example"}""";

        foreach (var client in new[] { anonymous, wrong, admin })
        {
            var list = await client.GetAsync("/operator/tenants", Ct);
            var create = await client.PostAsync("/operator/tenants", Json(body), Ct);

            Assert.Equal("Bearer realm=\"verity-operator\"", list.Headers.WwwAuthenticate.ToString());
            await ExpectErrorAsync(list, HttpStatusCode.Unauthorized, "operator key");
            await ExpectErrorAsync(create, HttpStatusCode.Unauthorized, "operator key");
        }
        using var operatorClient = Operator();
        var tenants = await ExpectAsync(await operatorClient.GetAsync("/operator/tenants", Ct), HttpStatusCode.OK);
        Assert.DoesNotContain(tenants["value"]!.AsArray(), t => (string?)t!["domain"] == "nope.example");
    }
}

public sealed class SqliteOperatorTenantsTests(SqliteHost host) : OperatorTenantsTests<SqliteHost>(host);

public sealed class PostgresOperatorTenantsTests(PostgresHost host) : OperatorTenantsTests<PostgresHost>(host);
