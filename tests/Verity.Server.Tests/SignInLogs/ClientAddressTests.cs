using System.Net;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.SignInLogs;

/// <summary>The sign-in's ipAddress: the connection's, unless it came through a proxy the operator listed.</summary>
public sealed class ClientAddressTests(SqliteHost direct, ProxiedHost proxied) : IClassFixture<SqliteHost>, IClassFixture<ProxiedHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string?> SignInFromAsync(VerityHost host, string forwardedFor)
    {
        var tenant = await host.NewTenantAsync();
        using var client = host.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{tenant.Id}/oauth2/v2.0/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = tenant.AdminUpn, ["password"] = "wrong",
            }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(request, Ct)).StatusCode);
        using var admin = await tenant.AdminAsync();
        var page = await ExpectAsync(await admin.GetAsync("/v1.0/auditLogs/signIns?$filter=status/errorCode eq 50126", Ct), HttpStatusCode.OK);
        return (string?)Assert.Single(page["value"]!.AsArray())!["ipAddress"];
    }

    [Fact]
    public async Task X_Forwarded_For_is_ignored_unless_the_connection_comes_from_a_listed_proxy()
    {
        Assert.Equal("127.0.0.1", await SignInFromAsync(direct, "203.0.113.9"));
        Assert.Equal("203.0.113.9", await SignInFromAsync(proxied, "203.0.113.9"));
    }
}
