using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Verity.Server.Graph;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Graph;

/// <summary>A host that serves two requests at once at most.</summary>
public sealed class TwoInFlightHost : SqliteHost
{
    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync()) { ["Verity:Throttling:RequestsInFlight"] = "2" };
}

/// <summary>
/// The first gate: past Verity:Throttling:RequestsInFlight requests being served, one more is Graph's 429 before its
/// token or body is read, so an overload's backlog waits in the clients rather than in the server's memory.
/// </summary>
public sealed class InFlightTests(TwoInFlightHost host) : IClassFixture<TwoInFlightHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_limit_in_flight_one_more_request_is_429_and_the_held_ones_complete()
    {
        var tenant = await host.NewTenantAsync();
        using var app = host.NewClient(await tenant.AppTokenAsync());
        await using var blocker = new SqliteConnection($"Data Source={host.DatabaseFile};Pooling=False");
        await blocker.OpenAsync(Ct);
        await using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE"; // the writer waits for this lock, so both changes stay in flight
            await begin.ExecuteNonQueryAsync(Ct);
        }
        var held = Enumerable.Range(0, 2).Select(i => app.PostAsync("/v1.0/groups",
            Json($$"""{"displayName":"Held {{i}}","mailEnabled":false,"mailNickname":"held{{i}}","securityEnabled":true}"""), Ct)).ToList();

        // Wait (without sending anything that would take a slot) until both changes are being served.
        var inFlight = host.Services.GetRequiredService<RequestsInFlight>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (inFlight.Count < 2)
        {
            Assert.DoesNotContain(held, p => p.IsCompleted);
            await Task.Delay(10, deadline.Token);
        }

        var refused = await app.GetAsync("/v1.0/organization", Ct);
        await OverloadTests.ExpectThrottledAsync(refused, "requests at once");
        await using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        foreach (var response in await Task.WhenAll(held))
        {
            await ExpectAsync(response, HttpStatusCode.Created);
        }
        await ExpectAsync(await app.GetAsync("/v1.0/organization", Ct), HttpStatusCode.OK);
    }
}
