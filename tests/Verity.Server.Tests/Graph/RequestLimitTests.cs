using System.Net;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Graph.OverloadTests;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Graph;

/// <summary>Graph's request limits per (tenant, app) and per tenant, at three and five requests an hour.</summary>
public sealed class RequestLimitTests(SmallRateHost host) : IClassFixture<SmallRateHost>
{
    private const string Users = "/v1.0/users?$top=1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_past_its_limit_in_a_tenant_is_429_while_other_apps_and_tenants_are_served()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        using var user = await tenant.AdminAsync(); // signed in through the public client: another app
        using var otherApp = host.NewClient(await other.AppTokenAsync());
        for (var i = 0; i < 3; i++)
        {
            await ExpectAsync(await app.GetAsync(Users, Ct), HttpStatusCode.OK);
        }

        using var throttled = await app.GetAsync(Users, Ct);

        await ExpectThrottledAsync(throttled, "3 requests per 3600 seconds");
        Assert.True(throttled.Headers.RetryAfter!.Delta <= TimeSpan.FromHours(1));
        await ExpectAsync(await user.GetAsync(Users, Ct), HttpStatusCode.OK);
        await ExpectAsync(await otherApp.GetAsync(Users, Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_tenant_past_its_limit_is_429_for_every_app_while_other_tenants_are_served()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        using var user = await tenant.AdminAsync();
        using var otherUser = await other.AdminAsync();
        for (var i = 0; i < 3; i++)
        {
            await ExpectAsync(await app.GetAsync(Users, Ct), HttpStatusCode.OK);
        }
        for (var i = 0; i < 2; i++)
        {
            await ExpectAsync(await user.GetAsync(Users, Ct), HttpStatusCode.OK);
        }

        await ExpectThrottledAsync(await user.GetAsync(Users, Ct), "a tenant 5");
        await ExpectAsync(await otherUser.GetAsync(Users, Ct), HttpStatusCode.OK);
    }
}
