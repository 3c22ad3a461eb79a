using Microsoft.AspNetCore.Hosting;
using Verity.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;
using static Verity.Server.Tests.AdminCenter.AdminPage;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>A host whose configured public origin is a closed port on this machine.</summary>
public sealed class ClosedOriginHost : SqliteHost
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Verity:PublicOrigin", "https://127.0.0.1:9");
    }
}

/// <summary>
/// The admin center redeems its sign-in code at the configured public origin, not at the host the browser named: with
/// an origin nobody listens on, the sign-in cannot complete even though the browser reached the server itself.
/// </summary>
public sealed class PublicOriginTests(ClosedOriginHost host, Chromium chromium) : IClassFixture<ClosedOriginHost>, IClassFixture<Chromium>
{
    [Fact]
    public async Task The_code_is_redeemed_at_the_configured_origin_not_the_request_host()
    {
        var tenant = await host.NewTenantAsync();
        await using var context = await chromium.NewContextAsync(host);

        var page = await SignInAsync(context, tenant.AdminUpn, tenant.AdminPassword, tenant.Domain, expectList: false);

        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign-in failed");
        Assert.Contains("/admin/signin-oidc", page.Url, StringComparison.Ordinal);
    }
}
