using System.Net;
using System.Text.Json.Nodes;
using Verity.Server.Hosting;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.VerityCli;

namespace Verity.Server.Tests.Cli;

/// <summary><c>verity tenant create|list</c> against a live server: the operator API over HTTPS, trusting its data/https.pem.</summary>
public sealed class TenantCommandTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private string[] Online(params string[] args) =>
        [.. args, "--server", host.BaseAddress.ToString(), "--key-file", host.OperatorKeyFile, "--ca-file", host.CertificatePemFile];

    [Fact]
    public async Task Create_makes_a_tenant_whose_admin_signs_in_and_list_shows_it()
    {
        var domain = $"cli{Guid.NewGuid():N}"[..15] + ".example";

        var created = await RunAsync(Online("tenant", "create", "--display-name", "Cli Tenant", "--domain", domain, "--json"));
        var text = await RunAsync(Online("tenant", "list"));
        var json = await RunAsync(Online("tenant", "list", "--json"));

        Assert.True(created.Exit == 0, created.Error);
        var tenant = JsonNode.Parse(created.Output)!;
        Assert.Equal(domain, (string?)tenant["domain"]);
        var signedIn = new TestTenant(host, new ProvisionedTenant(Guid.Parse((string)tenant["id"]!), domain, (string)tenant["adminUserPrincipalName"]!,
            (string)tenant["adminPassword"]!, (string)tenant["adminId"]!, null, null));
        using var admin = await signedIn.AdminAsync();
        var log = await TestTenant.ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits", TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.Contains(log["value"]!.AsArray(), e => (string?)e!["activityDisplayName"] == "Add user");
        Assert.Equal(0, text.Exit);
        var lines = text.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID ", lines[0], StringComparison.Ordinal);
        Assert.Single(lines, l => l.StartsWith((string)tenant["id"]!, StringComparison.Ordinal) && l.Contains(domain, StringComparison.Ordinal)
            && l.TrimEnd().EndsWith("Cli Tenant", StringComparison.Ordinal));
        Assert.Equal(0, json.Exit);
        Assert.Contains(JsonNode.Parse(json.Output)!["value"]!.AsArray(), t => (string?)t!["id"] == (string?)tenant["id"]);
    }

    [Fact]
    public async Task The_key_may_come_from_the_environment_and_text_output_shows_the_password_once()
    {
        var domain = $"env{Guid.NewGuid():N}"[..15] + ".example";
        var key = (await File.ReadAllTextAsync(host.OperatorKeyFile, TestContext.Current.CancellationToken)).Trim();

        var created = await RunAsync(new Dictionary<string, string> { ["VERITY_OPERATOR_KEY"] = key },
            "tenant", "create", "--display-name", "Env", "--domain", domain, "--server", host.BaseAddress.ToString(), "--ca-file", host.CertificatePemFile);

        Assert.True(created.Exit == 0, created.Error);
        Assert.Contains($"Admin:    admin@{domain}", created.Output, StringComparison.Ordinal);
        Assert.Matches(@"Password: \S{8,}   \(shown once\)", created.Output);
    }

    [Fact]
    public async Task Exit_codes_say_whose_fault_it_was()
    {
        var domain = $"dup{Guid.NewGuid():N}"[..15] + ".example";
        var wrongKey = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrongKey, new string('x', 43), TestContext.Current.CancellationToken);

        var first = await RunAsync(Online("tenant", "create", "--display-name", "First", "--domain", domain));
        var duplicate = await RunAsync(Online("tenant", "create", "--display-name", "Second", "--domain", domain));
        var invalid = await RunAsync(Online("tenant", "create", "--display-name", "Bad", "--domain", "not_a_domain"));
        var missing = await RunAsync(Online("tenant", "create", "--display-name", "No domain"));
        var refused = await RunAsync("tenant", "list", "--server", host.BaseAddress.ToString(), "--key-file", wrongKey, "--ca-file", host.CertificatePemFile);
        var untrusted = await RunAsync("tenant", "list", "--server", host.BaseAddress.ToString(), "--key-file", host.OperatorKeyFile);
        var unreachable = await RunAsync("tenant", "list", "--server", "https://127.0.0.1:1", "--key-file", host.OperatorKeyFile);
        File.Delete(wrongKey);

        Assert.True(first.Exit == 0, first.Error);
        Assert.Equal(2, duplicate.Exit);
        Assert.Contains($"409: Request_MultipleObjectsWithSameKeyValue: A tenant with domain '{domain}' already exists", duplicate.Error, StringComparison.Ordinal);
        Assert.Equal(2, invalid.Exit);
        Assert.Contains("400", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--domain", missing.Error, StringComparison.Ordinal);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
        Assert.Equal(1, untrusted.Exit);
        Assert.Contains("--ca-file", untrusted.Error, StringComparison.Ordinal);
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("Cannot reach https://127.0.0.1:1", unreachable.Error, StringComparison.Ordinal);
    }
}
