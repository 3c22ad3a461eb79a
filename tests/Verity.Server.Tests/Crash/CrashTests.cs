using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using Verity.Server.Tests.Support;
using Verity.Tests;

namespace Verity.Server.Tests.Crash;

/// <summary>
/// kill -9 under write load, on both engines: the real server runs as its own process while 32 clients create groups
/// and update users; after a seeded random delay it is killed with requests in flight and started again on the same
/// store. Every change that was acknowledged (2xx) must be there with its audit entry, anything else committed must be
/// whole (object and entry together), and the tenant's log must be numbered 1..N. Twice per engine, so the second
/// round also writes on a store that has been through a crash.
/// </summary>
public abstract class CrashTests : IAsyncDisposable
{
    private const int Seed = 20261207;
    private const int Rounds = 2;
    private const int Workers = 32;
    private const string ClientId = "5b0e7c3a-2f4d-4c1e-9a8b-6d7e8f901234";
    private const string ClientSecret = "Crash-Test-Secret-1";

    private readonly Guid _tenantId = Guid.NewGuid();

    protected string DataDir { get; } = Path.Combine(Path.GetTempPath(), "verity-crash-" + Guid.NewGuid().ToString("N")[..12]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The store's settings (Verity:Storage:Provider and ConnectionString).</summary>
    protected abstract Task<(string Provider, string ConnectionString)> CreateStoreAsync();

    /// <summary>A connection of the test's own to the store, to read what the API does not show: the log's numbers.</summary>
    protected abstract DbConnection OpenStore();

    protected virtual ValueTask DisposeStoreAsync() => ValueTask.CompletedTask;

    private sealed record Change(string RequestId, string Activity, string ObjectId);

    /// <summary>What the clients were told, over all rounds.</summary>
    private sealed class Outcome
    {
        public ConcurrentQueue<Change> Acknowledged { get; } = new();
        public ConcurrentQueue<string> Unexpected { get; } = new();
        // Per user, written by its one worker only: the last acknowledged jobTitle and those sent after it unanswered.
        public Dictionary<string, List<string?>> MayHold { get; } = [];
    }

    [Fact]
    public async Task Killing_the_server_under_write_load_loses_no_acknowledged_change_and_leaves_the_log_gap_free()
    {
        System.IO.Directory.CreateDirectory(DataDir);
        var (provider, connectionString) = await CreateStoreAsync();
        var settings = new Dictionary<string, string>
        {
            ["Verity:Storage:Provider"] = provider, ["Verity:Storage:ConnectionString"] = connectionString,
            ["Verity:Bootstrap:TenantId"] = _tenantId.ToString(),
            ["Verity:Bootstrap:ClientId"] = ClientId, ["Verity:Bootstrap:ClientSecret"] = ClientSecret,
        };
        var outcome = new Outcome();
        List<string> users = [];

        // Start; then, each round: write, kill -9, start again on the same store, verify.
        for (var round = 0; round <= Rounds; round++)
        {
            await using var server = await ServerProcess.StartAsync(DataDir, settings, Ct);
            if (round == 0)
            {
                users = await CreateUsersAsync(server, outcome);
            }
            else
            {
                var entries = await VerifyAsync(server, outcome);
                TestContext.Current.TestOutputHelper?.WriteLine($"{provider} after kill {round}: {outcome.Acknowledged.Count} changes acknowledged " +
                    $"in all, none lost; log of {entries} entries numbered 1..{entries} (seed {Seed})");
            }
            if (round < Rounds)
            {
                await WriteAndKillAsync(server, users, round + 1, outcome);
            }
        }
    }

    private async Task<List<string>> CreateUsersAsync(ServerProcess server, Outcome outcome)
    {
        using var client = await server.AppClientAsync(_tenantId, ClientId, ClientSecret, Ct);
        var users = new List<string>();
        for (var i = 0; i < Workers / 2; i++)
        {
            var response = await client.PostAsJsonAsync("/v1.0/users", new
            {
                accountEnabled = true, displayName = $"Crash {i}", mailNickname = $"crash{i}", userPrincipalName = $"crash{i}@verity.local",
                passwordProfile = new { password = "User-Password-1!", forceChangePasswordNextSignIn = false },
            }, Ct);
            var user = await TestTenant.ExpectAsync(response, HttpStatusCode.Created);
            users.Add((string)user["id"]!);
            outcome.MayHold[users[^1]] = [null];
        }
        return users;
    }

    /// <summary>
    /// Even workers create groups, odd ones update their own user's jobTitle, one request after another, until the
    /// server is killed: a seeded 0.5–2 s after the round's first acknowledgement.
    /// </summary>
    private async Task WriteAndKillAsync(ServerProcess server, List<string> users, int round, Outcome outcome)
    {
        using var client = await server.AppClientAsync(_tenantId, ClientId, ClientSecret, Ct);
        var before = outcome.Acknowledged.Count;
        var unanswered = 0;
        var firstAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; ; n++)
            {
                var requestId = $"crash-{round}-{w}-{n}";
                var user = w % 2 == 1 ? users[w / 2] : null;
                using var request = user is null
                    ? new HttpRequestMessage(HttpMethod.Post, "/v1.0/groups")
                    {
                        Content = JsonContent.Create(new { displayName = requestId, mailEnabled = false, mailNickname = requestId, securityEnabled = true }),
                    }
                    : new HttpRequestMessage(HttpMethod.Patch, $"/v1.0/users/{user}") { Content = JsonContent.Create(new { jobTitle = requestId }) };
                request.Headers.Add("client-request-id", requestId);
                try
                {
                    using var response = await client.SendAsync(request, Ct);
                    var body = await response.Content.ReadAsStringAsync(Ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        outcome.Unexpected.Enqueue($"{requestId}: {(int)response.StatusCode} {body}");
                        return;
                    }
                    outcome.Acknowledged.Enqueue(user is null
                        ? new Change(requestId, "Add group", (string)JsonNode.Parse(body)!["id"]!)
                        : new Change(requestId, "Update user", user));
                    if (user is not null)
                    {
                        outcome.MayHold[user].Clear();
                        outcome.MayHold[user].Add(requestId);
                    }
                    firstAck.TrySetResult();
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref unanswered);
                    if (user is not null)
                    {
                        outcome.MayHold[user].Add(requestId);
                    }
                    return;
                }
            }
        }, Ct)).ToList();

        await Task.WhenAny(firstAck.Task, Task.WhenAll(workers)).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(firstAck.Task.IsCompleted, $"No request was acknowledged: {string.Join('\n', outcome.Unexpected)}\n{server.Errors}");
        var delay = 500 + new Random(Seed + round).Next(1500);
        await Task.Delay(delay, Ct);
        await server.KillAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(outcome.Unexpected.IsEmpty, string.Join('\n', outcome.Unexpected));
        TestContext.Current.TestOutputHelper?.WriteLine($"kill {round}, {delay} ms after the first acknowledgement: " +
            $"{outcome.Acknowledged.Count - before} changes acknowledged, {unanswered} requests unanswered");
    }

    /// <summary>Checks the restarted server against what the clients were told; returns the log's length.</summary>
    private async Task<int> VerifyAsync(ServerProcess server, Outcome outcome)
    {
        using var client = await server.AppClientAsync(_tenantId, ClientId, ClientSecret, Ct);
        var log = await ListAsync(client, "/v1.0/auditLogs/directoryAudits?$top=1000");
        var byRequest = log.ToLookup(e => (string)e["correlationId"]!);

        var lost = outcome.Acknowledged.Where(c => byRequest[c.RequestId].Count(e => (string?)e["activityDisplayName"] == c.Activity
            && (string?)e["result"] == "success" && (string?)e["targetResources"]![0]!["id"] == c.ObjectId) != 1).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {outcome.Acknowledged.Count} acknowledged changes have no audit entry (or more than one) " +
            $"after the kill: {string.Join(", ", lost.Take(10))}");

        // Every group, acknowledged or not, came with its entry, and every entry's group is there.
        var groups = (await ListAsync(client, "/v1.0/groups?$select=id&$top=999")).Select(g => (string)g["id"]!).ToHashSet();
        var added = log.Where(e => (string?)e["activityDisplayName"] == "Add group").Select(e => (string)e["targetResources"]![0]!["id"]!).ToHashSet();
        Assert.Superset(outcome.Acknowledged.Where(c => c.Activity == "Add group").Select(c => c.ObjectId).ToHashSet(), groups);
        Assert.Equal(added.Order(), groups.Order());

        // Each user holds its last acknowledged jobTitle or a later unanswered one, and that is what its newest entry says.
        var users = (await ListAsync(client, "/v1.0/users?$select=id,jobTitle&$top=999")).ToDictionary(u => (string)u["id"]!, u => (string?)u["jobTitle"]);
        foreach (var (user, mayHold) in outcome.MayHold)
        {
            Assert.Contains(users[user], mayHold);
            var newest = log.LastOrDefault(e => (string?)e["activityDisplayName"] == "Update user" && (string?)e["targetResources"]![0]!["id"] == user);
            Assert.Equal(newest?["correlationId"]?.GetValue<string>(), users[user]);
            if (newest is not null)
            {
                Assert.Equal($"[\"{users[user]}\"]", (string?)TestTenant.Property(newest["targetResources"]![0]!.AsObject(), "JobTitle")["newValue"]);
            }
        }

        Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), await SequenceAsync());
        return log.Count;
    }

    /// <summary>Every item of a Graph collection, following @odata.nextLink; oldest first for the audit log.</summary>
    private static async Task<List<JsonObject>> ListAsync(HttpClient client, string url)
    {
        var all = new List<JsonObject>();
        for (string? next = url; next is not null;)
        {
            var page = await TestTenant.ExpectAsync(await client.GetAsync(next, Ct), HttpStatusCode.OK);
            all.AddRange(page["value"]!.AsArray().Select(v => v!.AsObject()));
            next = (string?)page["@odata.nextLink"];
        }
        all.Reverse();
        return all;
    }

    /// <summary>The log's sequence numbers as stored (the store holds this one tenant only).</summary>
    private async Task<List<long>> SequenceAsync()
    {
        await using var connection = OpenStore();
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "select seq from directory_audits order by seq";
        var seqs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            seqs.Add(reader.GetInt64(0));
        }
        return seqs;
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        try
        {
            System.IO.Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteCrashTests : CrashTests
{
    private string DatabaseFile => Path.Combine(DataDir, "verity.db");

    protected override Task<(string Provider, string ConnectionString)> CreateStoreAsync() =>
        Task.FromResult(("sqlite", $"Data Source={DatabaseFile}"));

    protected override DbConnection OpenStore() => new SqliteConnection($"Data Source={DatabaseFile};Mode=ReadOnly;Pooling=False");
}

public sealed class PostgresCrashTests : CrashTests
{
    private TestPostgres? _database;

    protected override async Task<(string Provider, string ConnectionString)> CreateStoreAsync()
    {
        _database = await TestPostgres.CreateAsync();
        return ("postgres", _database.ConnectionString);
    }

    protected override DbConnection OpenStore() => new NpgsqlConnection(_database!.ConnectionString);

    protected override async ValueTask DisposeStoreAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
