using Microsoft.Extensions.Configuration.Memory;

namespace Verity.Server.Hosting;

/// <summary>
/// Log levels an operator can live with: Verity's own events at Information, the framework's only from Warning. At
/// Information ASP.NET Core logs two lines per request, each with its full URL, and the admin center's sign-in
/// callback carries an authorization code in its query; OpenIddict and the HTTP client log request details too. These
/// are defaults: <c>Logging:LogLevel:…</c> in any configuration source (appsettings, environment, command line) wins.
/// </summary>
internal static class LoggingDefaults
{
    private static readonly Dictionary<string, string?> Levels = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:OpenIddict"] = "Warning",
        ["Logging:LogLevel:System.Net.Http"] = "Warning",
        ["Logging:LogLevel:Microsoft.Extensions.Http"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };

    public static WebApplicationBuilder AddVerityLogging(this WebApplicationBuilder builder)
    {
        // First source, so that every other one overrides it.
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new MemoryConfigurationSource { InitialData = Levels });
        return builder;
    }
}
