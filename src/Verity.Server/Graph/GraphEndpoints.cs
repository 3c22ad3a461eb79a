using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;
using Verity.Server.Logs;

namespace Verity.Server.Graph;

/// <summary>
/// The <c>/v1.0</c> route group: bearer tokens, the caller and permission filter, then every Graph feature; and
/// <c>/beta</c>, which serves the logs (beta's sign-in event types) the same way.
/// </summary>
internal static class GraphEndpoints
{
    public static IServiceCollection AddGraphApi(this IServiceCollection services)
    {
        services.AddSingleton<DirectoryFilter>();
        services.AddGraphThrottling();
        services.AddOptions<DownloadOptions>().BindConfiguration(DownloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static void MapGraphApi(this WebApplication app)
    {
        app.MapGraphMetadata();
        var v1 = app.MapGroup("/v1.0").RequireAuthorization().AddEndpointFilter<DirectoryFilter>();
        v1.MapUsers();
        v1.MapGroups();
        v1.MapApplications();
        v1.MapServicePrincipals();
        v1.MapLicenses();
        v1.MapRoles();
        v1.MapOrganization();
        v1.MapLogs();
        var beta = app.MapGroup("/beta").RequireAuthorization().AddEndpointFilter<DirectoryFilter>();
        beta.MapLogs();
    }

    /// <summary>Whether a path is the Graph API's (a version's route group).</summary>
    public static bool IsGraphPath(PathString path) => path.StartsWithSegments("/v1.0") || path.StartsWithSegments("/beta");
}
