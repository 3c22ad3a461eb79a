using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Verity.Server.Hosting;
using Verity.Tests;

namespace Verity.Server.Tests.Support;

/// <summary>
/// Verity on a real Kestrel HTTPS port (WebApplicationFactory.UseKestrel), with its own store, shared by one test
/// class. Tests isolate themselves by creating a fresh tenant each (<see cref="NewTenantAsync"/>).
/// </summary>
public abstract class VerityHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "verity-host-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>This host's own directory (certificate, SQLite file), removed when the host is disposed.</summary>
    protected string DataDir => _dataDir;

    public Uri BaseAddress { get; private set; } = null!;
    public X509Certificate2 Certificate { get; private set; } = null!;

    /// <summary>The operator key file the server makes at start (Verity:Operator:KeyFile), for the operator API and CLI.</summary>
    public string OperatorKeyFile => Path.Combine(_dataDir, "keys", "operator.key");

    /// <summary>This host's key ring (token, skiptoken and Data Protection keys).</summary>
    public string KeyDirectory => Path.Combine(_dataDir, "keys");

    /// <summary>The server certificate's public part, as the server writes it for clients (data/https.pem).</summary>
    public string CertificatePemFile => Path.Combine(_dataDir, "https.pem");

    protected abstract Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync();

    protected virtual ValueTask DisposeStorageAsync() => ValueTask.CompletedTask;

    private IReadOnlyDictionary<string, string> _storage = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_dataDir);
        _storage = await StorageSettingsAsync();
        // A real port and TLS: Azure.Identity only talks to an https authority.
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps()));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        Certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_dataDir, "https.pfx"), null);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Verity:Https:GeneratedCertificatePath", Path.Combine(_dataDir, "https.pfx"));
        builder.UseSetting("Verity:Bootstrap:AdminPassword", "Bootstrap-Admin-1!");
        if (PasswordIterations is { } iterations)
        {
            builder.UseSetting("Verity:Passwords:Pbkdf2Iterations", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        builder.UseSetting("Verity:Operator:KeyFile", OperatorKeyFile);
        builder.UseSetting("Verity:Keys:Directory", KeyDirectory);
        foreach (var (key, value) in _storage)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// PBKDF2 iterations for this host's password hashes: a thousand, since the suite creates and signs in hundreds of
    /// users and OWASP's 600,000 cost a fifth of a second each here; null keeps the server's default.
    /// </summary>
    protected virtual int? PasswordIterations => 1_000;

    /// <summary>An HTTP client for this host that trusts exactly its self-signed certificate.</summary>
    public HttpClient NewClient(string? bearer = null)
    {
        var client = new HttpClient(NewHandler()) { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    public HttpClientHandler NewHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Thumbprint == Certificate.Thumbprint,
    };

    /// <summary>A tenant of its own with a Global Administrator and an automation app holding the role.</summary>
    internal async Task<TestTenant> NewTenantAsync()
    {
        var domain = $"t{Guid.NewGuid():N}"[..13] + ".test";
        var provisioner = Services.GetRequiredService<TenantProvisioner>();
        var tenant = await provisioner.ProvisionAsync(new TenantRequest("Test tenant", $"admin@{domain}", "Admin-Password-1!", ClientId: Guid.NewGuid().ToString()),
            TestContext.Current.CancellationToken);
        return new TestTenant(this, tenant);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await DisposeStorageAsync();
        try
        {
            System.IO.Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}

public class SqliteHost : VerityHost
{
    public string DatabaseFile => Path.Combine(DataDir, "verity.db");

    protected override Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>
        {
            ["Verity:Storage:Provider"] = "sqlite",
            ["Verity:Storage:ConnectionString"] = $"Data Source={DatabaseFile}",
        });
}

/// <summary>
/// Room for one waiting change, one live feed and one download per tenant: a handful of requests overloads it, so the
/// throttling tests need no timing.
/// </summary>
public sealed class SmallQueueHost : SqliteHost
{
    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync())
        {
            ["Verity:Throttling:WriteQueueCapacity"] = "1",
            ["Verity:Throttling:LiveStreamsPerTenant"] = "1",
            ["Verity:Throttling:DownloadsPerTenant"] = "1",
        };
}

/// <summary>Three requests per app and five per tenant, in a window of an hour that no test outlives.</summary>
public sealed class SmallRateHost : SqliteHost
{
    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync())
        {
            ["Verity:Throttling:RequestsPerAppPerTenant"] = "3",
            ["Verity:Throttling:RequestsPerTenant"] = "5",
            ["Verity:Throttling:WindowSeconds"] = "3600",
        };
}

/// <summary>A host behind a reverse proxy on loopback: connections from 127.0.0.1 may name the client in X-Forwarded-For.</summary>
public sealed class ProxiedHost : SqliteHost
{
    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync()) { ["Verity:TrustedProxies:0"] = "127.0.0.0/8" };
}

/// <summary>A host started with the demo switch: its bootstrap tenant (verity.local) is seeded with history.</summary>
public sealed class DemoHost : SqliteHost
{
    public const string AdminPassword = "Bootstrap-Admin-1!";

    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync() =>
        new Dictionary<string, string>(await base.StorageSettingsAsync()) { ["Verity:Bootstrap:Demo"] = "true" };
}

public sealed class PostgresHost : VerityHost
{
    private TestPostgres? _database;

    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync()
    {
        _database = await TestPostgres.CreateAsync();
        return new Dictionary<string, string> { ["Verity:Storage:Provider"] = "postgres", ["Verity:Storage:ConnectionString"] = _database.ConnectionString };
    }

    protected override async ValueTask DisposeStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
