using System.Net;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.AdminCenter;

/// <summary>The site icon: browsers ask for /favicon.ico on every page, and the server's pages name it.</summary>
public sealed class FaviconTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Favicon_ico_and_the_svg_icon_are_served()
    {
        using var client = host.NewClient();

        using var ico = await client.GetAsync("/favicon.ico", Ct);
        using var svg = await client.GetAsync("/admin/assets/favicon.svg", Ct);

        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        Assert.Equal("image/x-icon", ico.Content.Headers.ContentType!.MediaType);
        Assert.Equal([0, 0, 1, 0], (await ico.Content.ReadAsByteArrayAsync(Ct))[..4]); // ICONDIR: reserved 0, type 1 (icon)
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<svg", await svg.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/admin/")] // no session: ends on the sign-in form
    public async Task Pages_link_the_icon(string path)
    {
        using var client = host.NewClient();

        var html = await client.GetStringAsync(path, Ct);

        Assert.Contains("""<link rel="icon" href="/favicon.ico" sizes="32x32">""", html, StringComparison.Ordinal);
        Assert.Contains("""<link rel="icon" href="/admin/assets/favicon.svg" type="image/svg+xml">""", html, StringComparison.Ordinal);
    }
}
