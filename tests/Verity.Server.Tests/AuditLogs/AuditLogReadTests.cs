using System.Net;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AuditLogs;

public sealed class AuditLogReadTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pages_come_newest_first_in_graphs_envelope_with_an_absolute_nextLink()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        for (var i = 0; i < 5; i++)
        {
            await ExpectAsync(await admin.PostAsync("/v1.0/groups", Json($$"""{"displayName":"G{{i}}","mailEnabled":false,"mailNickname":"g{{i}}","securityEnabled":true}"""), Ct),
                HttpStatusCode.Created);
        }

        var first = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$top=3", Ct), HttpStatusCode.OK);
        var next = (string)first["@odata.nextLink"]!;
        var second = await ExpectAsync(await admin.GetAsync(new Uri(next).PathAndQuery, Ct), HttpStatusCode.OK);
        var oldest = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1&$orderby=activityDateTime asc", Ct), HttpStatusCode.OK);

        Assert.Equal($"{host.BaseAddress}v1.0/$metadata#auditLogs/directoryAudits", (string?)first["@odata.context"]);
        Assert.StartsWith(host.BaseAddress.ToString(), next, StringComparison.Ordinal);
        Assert.Contains("$top=3", Uri.UnescapeDataString(next), StringComparison.Ordinal);
        Assert.Equal(["G4", "G3", "G2"], first["value"]!.AsArray().Select(a => (string?)a!["targetResources"]![0]!["displayName"]));
        Assert.Equal(["G1", "G0"], second["value"]!.AsArray().Take(2).Select(a => (string?)a!["targetResources"]![0]!["displayName"]));
        Assert.Equal("Add user", (string?)oldest["value"]![0]!["activityDisplayName"]);
    }

    [Fact]
    public async Task An_entry_reads_back_by_id_with_its_entity_context()
    {
        var tenant = await host.NewTenantAsync();
        var last = await tenant.LastAuditAsync("Add member to role");
        using var admin = await tenant.AdminAsync();

        var entry = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits/{Uri.EscapeDataString((string)last["id"]!)}", Ct), HttpStatusCode.OK);

        Assert.EndsWith("#auditLogs/directoryAudits/$entity", (string?)entry["@odata.context"], StringComparison.Ordinal);
        entry.Remove("@odata.context");
        Assert.Equal(last.ToJsonString(), entry.ToJsonString());
    }

    [Theory]
    [InlineData("$top=0", "$top")]
    [InlineData("$top=1001", "$top")]
    [InlineData("$top=abc", "$top")]
    [InlineData("$skiptoken=AQAAAAAAAAAGiYblFlSwxOuUjnmha7Wghg", "skiptoken")]
    [InlineData("$orderby=category", "$orderby")]
    [InlineData("$expand=targetResources", "$expand")]
    [InlineData("tenant=other", "Unknown query parameter")]
    public async Task Invalid_query_options_are_400_naming_what_was_wrong(string query, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await ExpectErrorAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?{query}", Ct), HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task A_skiptoken_cannot_be_altered_or_reused_for_another_query_or_tenant()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        var first = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$top=2", Ct), HttpStatusCode.OK);
        var token = Uri.UnescapeDataString(((string)first["@odata.nextLink"]!).Split("$skiptoken=")[1]);
        var altered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];

        await ExpectErrorAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=2&$skiptoken={altered}", Ct), HttpStatusCode.BadRequest, "skiptoken");
        await ExpectErrorAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=2&$orderby=activityDateTime asc&$skiptoken={token}", Ct), HttpStatusCode.BadRequest, "skiptoken");
        await ExpectErrorAsync(await otherAdmin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=2&$skiptoken={token}", Ct), HttpStatusCode.BadRequest, "skiptoken");
        await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$top=2&$skiptoken={token}", Ct), HttpStatusCode.OK);
    }
}
