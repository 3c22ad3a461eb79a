using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;

namespace Verity.Server.Graph;

/// <summary>The <c>/v1.0</c> route group: bearer tokens, the caller and permission filter, then every Graph feature.</summary>
internal static class GraphEndpoints
{
    public static IServiceCollection AddGraphApi(this IServiceCollection services)
    {
        services.AddSingleton<DirectoryFilter>();
        services.AddGraphThrottling();
        services.AddOptions<AuditLogs.DownloadOptions>().BindConfiguration(AuditLogs.DownloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
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
        v1.MapAuditLogs();
    }
}
