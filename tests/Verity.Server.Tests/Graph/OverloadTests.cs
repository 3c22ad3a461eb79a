using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Verity.Core.Storage;
using Verity.Server.Tests.Support;
using Verity.Tests;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Graph;

/// <summary>Overload is answered with Graph's 429: a full write queue, and per-tenant caps on live feeds and downloads.</summary>
public sealed class OverloadTests(SmallQueueHost host) : IClassFixture<SmallQueueHost>
{
    private const string Live = "/v1.0/auditLogs/directoryAudits/live";
    private const string Download = "/v1.0/auditLogs/directoryAudits/download";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Graph's throttling answer: 429, a Retry-After in seconds, and the error code TooManyRequests.</summary>
    internal static async Task ExpectThrottledAsync(HttpResponseMessage response, string messageContains)
    {
        var error = await ExpectErrorAsync(response, HttpStatusCode.TooManyRequests, messageContains);
        Assert.Equal("TooManyRequests", (string?)error["code"]);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
    }

    [Fact]
    public async Task A_change_beyond_the_full_write_queue_is_429_and_nothing_of_it_is_committed()
    {
        var tenant = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        await using var blocker = new SqliteConnection($"Data Source={host.DatabaseFile};Pooling=False");
        await blocker.OpenAsync(Ct);
        await ExecAsync(blocker, "BEGIN IMMEDIATE"); // the writer waits for this lock, so changes pile up behind it

        var posts = Enumerable.Range(0, 6).Select(i => app.PostAsync("/v1.0/groups",
            Json($$"""{"displayName":"Overload {{i}}","mailEnabled":false,"mailNickname":"overload{{i}}","securityEnabled":true}"""), Ct)).ToList();
        // One change in the stalled writer's batch and one waiting at most: four or more are refused at once.
        while (posts.Count(p => p.IsCompleted) < 4)
        {
            await Task.WhenAny(posts.Where(p => !p.IsCompleted));
        }
        await ExecAsync(blocker, "ROLLBACK");
        var responses = await Task.WhenAll(posts);

        var refused = Enumerable.Range(0, 6).Where(i => responses[i].StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 4, 5);
        foreach (var i in refused)
        {
            await ExpectThrottledAsync(responses[i], "waiting to be committed");
        }
        foreach (var i in Enumerable.Range(0, 6).Except(refused))
        {
            await ExpectAsync(responses[i], HttpStatusCode.Created);
        }
        var groups = await ExpectAsync(await app.GetAsync("/v1.0/groups?$filter=startswith(displayName,'Overload')", Ct), HttpStatusCode.OK);
        Assert.Equal(Enumerable.Range(0, 6).Except(refused).Select(i => $"Overload {i}"),
            groups["value"]!.AsArray().Select(g => (string)g!["displayName"]!).Order());
        var log = (await tenant.AuditAsync(app)).Select(e => e.ToJsonString()).ToList();
        Assert.All(refused, i => Assert.DoesNotContain(log, e => e.Contains($"Overload {i}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_second_live_feed_in_a_tenant_is_429_until_the_first_ends_and_other_tenants_are_unaffected()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();

        var first = await OpenAsync(admin, new HttpRequestMessage(HttpMethod.Get, Live));
        await ExpectThrottledAsync(await admin.GetAsync(Live, HttpCompletionOption.ResponseHeadersRead, Ct), "live feeds");
        (await OpenAsync(otherAdmin, new HttpRequestMessage(HttpMethod.Get, Live))).Dispose();
        first.Dispose();

        await OpensOnceFreedAsync(admin, Live);
    }

    [Fact]
    public async Task A_second_download_in_a_tenant_is_429_until_the_first_ends_and_other_tenants_are_unaffected()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        await host.Services.GetRequiredService<ILogStore>().BulkAppendAsync(SyntheticAudits.Generate(tenant.Id, 3_000), 500, Ct);

        // HTTP/2 with the body left unread: the client's flow-control window stops the server a few hundred KB into
        // the file, so the download stays running, whatever the socket buffers hold.
        var first = await OpenAsync(admin, new HttpRequestMessage(HttpMethod.Get, Download)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        await ExpectThrottledAsync(await admin.GetAsync(Download, Ct), "downloads");
        using (var elsewhere = await otherAdmin.GetAsync(Download, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        }
        first.Dispose();

        await OpensOnceFreedAsync(admin, Download);
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    /// <summary>The server frees a slot when it sees the client go, which takes a moment after Dispose: ask until it opens.</summary>
    private static async Task OpensOnceFreedAsync(HttpClient client, string path)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }
            await ExpectThrottledAsync(response, "in this tenant");
            await Task.Delay(50, deadline.Token);
        }
    }

    private static async Task ExecAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
