using System.Net;
using Microsoft.Graph;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AuditLogs;

/// <summary>$filter, $count and $metadata over HTTP, and the Graph SDK's query parameters.</summary>
public sealed class AuditLogQueryTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Filters_and_counts_select_the_matching_entries()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "quinn", displayName: "Quinn");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"jobTitle":"Pilot"}"""), Ct), HttpStatusCode.NoContent);
        var filter = Uri.EscapeDataString($"targetResources/any(t: t/id eq '{user["id"]}') and category eq 'UserManagement'");

        var page = await ExpectAsync(await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$filter={filter}&$count=true", Ct), HttpStatusCode.OK);
        var count = await admin.GetStringAsync($"/v1.0/auditLogs/directoryAudits/$count?$filter={filter}", Ct);
        var adds = await ExpectAsync(await admin.GetAsync(
            $"/v1.0/auditLogs/directoryAudits?$filter={Uri.EscapeDataString("startswith(activityDisplayName, 'Update') and result eq 'success'")}", Ct), HttpStatusCode.OK);

        Assert.Equal(["Update user", "Add user"], page["value"]!.AsArray().Select(a => (string?)a!["activityDisplayName"]));
        Assert.Equal(2, (int)page["@odata.count"]!);
        Assert.Equal("2", count);
        Assert.All(adds["value"]!.AsArray(), a => Assert.StartsWith("Update", (string?)a!["activityDisplayName"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_graph_sdk_filters_and_counts()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "rita");
        var graph = new GraphServiceClient(new HttpClient(host.NewHandler()) { BaseAddress = new Uri(host.BaseAddress, "v1.0") },
            new Microsoft.Kiota.Abstractions.Authentication.BaseBearerTokenAuthenticationProvider(new StaticToken(await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword))));

        var page = await graph.AuditLogs.DirectoryAudits.GetAsync(r =>
        {
            r.QueryParameters.Filter = "activityDisplayName eq 'Add user' and initiatedBy/user/userPrincipalName eq '" + tenant.AdminUpn + "'";
            r.QueryParameters.Count = true;
            r.QueryParameters.Top = 10;
        }, Ct);

        var entry = Assert.Single(page!.Value!);
        Assert.Equal($"rita@{tenant.Domain}", entry.TargetResources![0].UserPrincipalName);
        Assert.Equal(1, page.OdataCount);
    }

    [Theory]
    [InlineData("category eq", "Invalid $filter")]
    [InlineData("resultReason eq 'x'", "'resultReason' is not supported")]
    [InlineData("category gt 'A'", "category supports eq, ne, in")]
    [InlineData("startswith(category, 'User')", "category supports eq, ne, in")]
    [InlineData("length(category) eq 3", "Function 'length' is not supported")]
    [InlineData("activityDateTime ge 'yesterday'", "incompatible types")]
    [InlineData("targetResources/any(t: t/groupType eq 'azureAD')", "targetResources/groupType is not supported")]
    [InlineData("additionalDetails/any(d: d/key eq 'User-Agent')", "any() is supported on targetResources/any")]
    [InlineData("category eq null", "null")]
    [InlineData("initiatedBy/user/ipAddress eq '1.2.3.4'", "not supported")]
    public async Task Unsupported_filters_are_400_naming_what_is_accepted(string filter, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var response = await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$filter={Uri.EscapeDataString(filter)}", Ct);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task Select_returns_only_the_named_properties_and_rejects_unknown_ones()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var page = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$select=id,activityDisplayName,result&$top=3", Ct), HttpStatusCode.OK);
        var bad = await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$select=id,password", Ct);

        Assert.All(page["value"]!.AsArray(), a => Assert.Equal(["id", "result", "activityDisplayName"], a!.AsObject().Select(p => p.Key)));
        await ExpectErrorAsync(bad, HttpStatusCode.BadRequest, "'password'");
    }

    [Fact]
    public async Task Metadata_describes_the_directoryAudit_type()
    {
        using var anonymous = host.NewClient();

        var response = await anonymous.GetAsync("/v1.0/$metadata", Ct);
        var csdl = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<EntityType Name=\"directoryAudit\">", csdl, StringComparison.Ordinal);
        Assert.Contains("Name=\"targetResources\" Type=\"Collection(microsoft.graph.targetResource)\"", csdl, StringComparison.Ordinal);
        Assert.Contains("<EnumType Name=\"operationResult\">", csdl, StringComparison.Ordinal);
    }

    private sealed class StaticToken(string token) : Microsoft.Kiota.Abstractions.Authentication.IAccessTokenProvider
    {
        public Microsoft.Kiota.Abstractions.Authentication.AllowedHostsValidator AllowedHostsValidator { get; } = new();

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(token);
    }
}
