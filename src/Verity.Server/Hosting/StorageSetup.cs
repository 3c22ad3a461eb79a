using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;
using Verity.Server.Graph;

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
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            Log.Storage(sp.GetRequiredService<ILogger<Stores>>(), options.Provider);
            return Stores.Open(options.Provider, options.ConnectionString);
        });
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().Directory);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().Log);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().OAuth);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Stores>().Lockout);
        builder.Services.AddSingleton<LogSignal>();
        builder.Services.AddSingleton(sp => new ChangeWriter(sp.GetRequiredService<IDirectoryStore>(), sp.GetRequiredService<Stores>().Writers,
            sp.GetRequiredService<LogSignal>(), sp.GetRequiredService<IOptions<ThrottlingOptions>>().Value.WriteQueueCapacity));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
