using System.ComponentModel.DataAnnotations;
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

internal static class StorageSetup
{
    public static WebApplicationBuilder AddVerityStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations()
            .Validate(o => !o.Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Verity:Storage:ConnectionString is required when Verity:Storage:Provider is 'postgres'.")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider.ToLowerInvariant())
        {
            case "postgres":
                builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(options.ConnectionString ?? ""));
                builder.Services.AddSingleton(sp => new PostgresStore(sp.GetRequiredService<NpgsqlDataSource>()));
                builder.Services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<PostgresStore>());
                builder.Services.AddSingleton<ILogStore>(sp => sp.GetRequiredService<PostgresStore>());
                break;
            default:
                var cs = string.IsNullOrWhiteSpace(options.ConnectionString) ? "Data Source=data/verity.db" : options.ConnectionString;
                builder.Services.AddSingleton(_ => new SqliteStore(cs));
                builder.Services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<SqliteStore>());
                builder.Services.AddSingleton<ILogStore>(sp => sp.GetRequiredService<SqliteStore>());
                break;
        }
        builder.Services.AddSingleton<ChangeWriter>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
