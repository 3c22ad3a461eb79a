using System.Diagnostics;
using System.Net;
using Verity.Server.Tests.Support;
using Verity.Tests;
using static Verity.Server.Tests.Support.TestTenant;
using static Verity.Server.Tests.Support.VerityCli;

namespace Verity.Server.Tests.Auth;

/// <summary>One of two servers sharing a PostgreSQL database and a key directory, as behind a load balancer.</summary>
public sealed class SharedServer(string connectionString, string keyDirectory) : VerityHost
{
    protected override Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>
        {
            ["Verity:Storage:Provider"] = "postgres",
            ["Verity:Storage:ConnectionString"] = connectionString,
            ["Verity:Keys:Directory"] = keyDirectory,
        });
}

public sealed class TwoServers : IAsyncLifetime
{
    private readonly string _keys = Path.Combine(Path.GetTempPath(), "verity-keys-" + Guid.NewGuid().ToString("N")[..12]);
    private TestPostgres? _database;

    public SharedServer First { get; private set; } = null!;
    public SharedServer Second { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await TestPostgres.CreateAsync();
        First = new SharedServer(_database.ConnectionString, _keys);
        await First.InitializeAsync();
        Second = new SharedServer(_database.ConnectionString, _keys);
        await Second.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
        await _database!.DisposeAsync();
        Directory.Delete(_keys, recursive: true);
    }
}

/// <summary>
/// Two servers on one database and one key directory: a key rotation made through one is honoured by the other at
/// once, and a change made through one refuses tokens at the other within a second.
/// </summary>
public sealed class TwoServerTests(TwoServers servers) : IClassFixture<TwoServers>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_signed_after_a_rotation_on_one_server_is_accepted_by_the_other_at_once()
    {
        var tenant = await servers.First.NewTenantAsync();

        var rotated = await RunAsync("keys", "rotate", "--server", servers.First.BaseAddress.ToString(), "--key-file", servers.First.OperatorKeyFile,
            "--ca-file", servers.First.CertificatePemFile);
        var token = await tenant.AppTokenAsync();

        Assert.True(rotated.Exit == 0, rotated.Error);
        using var second = servers.Second.NewClient(token);
        await ExpectAsync(await second.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_user_disabled_through_one_server_is_refused_by_the_other_within_a_second_or_so()
    {
        var tenant = await servers.First.NewTenantAsync();
        using var admin = servers.First.NewClient(await tenant.AppTokenAsync());
        var user = await tenant.CreateUserAsync(admin, "roamer");
        using var onSecond = servers.Second.NewClient(await tenant.UserTokenAsync($"roamer@{tenant.Domain}", "User-Password-1!"));
        await ExpectAsync(await onSecond.GetAsync("/v1.0/me", Ct), HttpStatusCode.OK);

        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"accountEnabled":false}"""), Ct), HttpStatusCode.NoContent);
        var clock = Stopwatch.StartNew();
        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            status = (await onSecond.GetAsync("/v1.0/me", Ct)).StatusCode;
            await Task.Delay(50, Ct);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        // The state cache's age limit is one second; allow for a slow, busy machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"The second server refused the token only after {clock.Elapsed.TotalSeconds:N1} s.");
    }
}
