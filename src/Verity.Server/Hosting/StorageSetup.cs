using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;
using Verity.Core.Storage;
using Verity.Core.Storage.Postgres;
using Verity.Core.Storage.Sqlite;

namespace Verity.Server.Hosting;

internal sealed class StorageOptions
{
    public const string Section = "Verity:Storage";

    /// <summary><c>sqlite</c> (default, a file under ./data) or <c>postgres</c>.</summary>
    [Required, RegularExpression("^(?i)(sqlite|postgres)$", ErrorMessage = "Verity:Storage:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = "sqlite";

    public string? ConnectionString { get; set; }
}

/// <summary>The configured backend: one object serving both contracts, so a change and its audit share a transaction.</summary>
internal sealed record Stores(IDirectoryStore Directory, ILogStore Log);

internal static class StorageSetup
{
    public static WebApplicationBuilder AddVerityStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations()
            .Validate(o => !o.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Verity:Storage:ConnectionString is required when Verity:Storage:Provider is 'postgres'.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<ILogger<Stores>>()));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().Directory);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().Log);
        builder.Services.AddSingleton(sp => new ChangeWriter(sp.GetRequiredService<IDirectoryStore>(),
            sp.GetRequiredService<Stores>().Directory is PostgresStore ? 2 : 1));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    private static Stores Create(StorageOptions options, ILogger logger)
    {
        Log.Storage(logger, options.Provider);
        switch (options.Provider.ToLowerInvariant())
        {
            case "postgres":
                // The write path sends the same few statements over and over: let Npgsql prepare them, so PostgreSQL
                // parses and plans each once per connection instead of once per batch.
                var connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (connection.MaxAutoPrepare == 0)
                {
                    connection.MaxAutoPrepare = 64;
                }
                var postgres = new PostgresStore(NpgsqlDataSource.Create(connection.ConnectionString));
                return new Stores(postgres, postgres);
            default:
                var sqlite = new SqliteStore(string.IsNullOrWhiteSpace(options.ConnectionString) ? "Data Source=data/verity.db" : options.ConnectionString);
                return new Stores(sqlite, sqlite);
        }
    }
}
