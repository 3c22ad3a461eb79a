using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Verity.Tests;

namespace Verity.Server.Tests.Support;

/// <summary>A host whose clock (the server's TimeProvider) stands still from the real time at start until a test advances it.</summary>
public interface IClockHost
{
    FakeTimeProvider Clock { get; }
}

public sealed class SqliteClockHost : SqliteHost, IClockHost
{
    public FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

public sealed class PostgresClockHost : VerityHost, IClockHost
{
    private TestPostgres? _database;

    public FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

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
