using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Verity.Server.Auth;
using Verity.Server.Operator;

namespace Verity.Server.Hosting;

/// <summary>Prepares the store before the first request and tells the operator where to go.</summary>
internal static class Startup
{
    public static WebApplicationBuilder AddVerityHosting(this WebApplicationBuilder builder)
    {
        builder.AddVerityLogging();
        builder.AddVerityKeys();
        PublicOrigin.Add(builder.Services);
        TrustedProxies.Add(builder.Services);
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section)
            .Validate(o => o.AdminUserPrincipalName.Count(c => c == '@') == 1, "Verity:Bootstrap:AdminUserPrincipalName must look like name@domain.")
            .Validate(o => string.IsNullOrEmpty(o.ClientSecret) || !string.IsNullOrEmpty(o.ClientId), "Verity:Bootstrap:ClientSecret needs Verity:Bootstrap:ClientId.")
            .Validate(o => string.IsNullOrEmpty(o.ClientId) || Guid.TryParse(o.ClientId, out _), "Verity:Bootstrap:ClientId must be a GUID.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Bootstrap>();
        builder.Services.AddSingleton<TenantProvisioner>();
        builder.Services.AddOperator(); // its key file is made at start, and its path printed, like the first tenant
        return builder;
    }

    /// <summary>
    /// Applies the schema, loads keys (the operator key file is made if missing) and creates the first tenant; prints
    /// the URL, the operator key's path and, once, the credentials.
    /// </summary>
    public static async Task InitializeVerityAsync(this WebApplication app)
    {
        var operatorKey = app.Services.GetRequiredService<OperatorKey>();
        var result = await app.Services.GetRequiredService<Bootstrap>().RunAsync(app.Lifetime.ApplicationStopping);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var url = addresses.FirstOrDefault(a => a.StartsWith("https", StringComparison.Ordinal)) ?? addresses.FirstOrDefault() ?? "";
            var o = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BootstrapOptions>>().Value;
            Console.WriteLine();
            var https = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HttpsOptions>>().Value;
            var certificate = url.StartsWith("https", StringComparison.Ordinal) && string.IsNullOrEmpty(https.CertificatePath)
                ? $" (self-signed certificate: {Path.ChangeExtension(https.GeneratedCertificatePath, ".pem")})"
                : "";
            Console.WriteLine($"Verity is running. Open the admin center at {url}/admin/ in a browser{certificate}.");
            Console.WriteLine($"  Operator key: {operatorKey.Path} (for `verity tenant create|list`; keep it secret)");
            if (result.Created)
            {
                Console.WriteLine($"  Tenant:   {result.TenantId}");
                Console.WriteLine($"  Admin:    {result.AdminUserPrincipalName}");
                Console.WriteLine(result.GeneratedPassword is { } password
                    ? $"  Password: {password}   (shown once; set Verity:Bootstrap:AdminPassword to choose it)"
                    : "  Password: the configured Verity:Bootstrap:AdminPassword");
                if (!string.IsNullOrEmpty(o.ClientId))
                {
                    Console.WriteLine($"  App:      client_id {o.ClientId} (Global Administrator){(string.IsNullOrEmpty(o.ClientSecret) ? "" : " with the configured secret")}");
                }
            }
            else
            {
                Console.WriteLine($"  Sign in as {o.AdminUserPrincipalName} with the password printed on first start.");
            }
            Console.WriteLine();
        });
    }
}
