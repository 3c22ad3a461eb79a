using System.Text.Json.Nodes;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.DirectoryObjects;

/// <summary>Graph v1.0 <c>organization</c>: the caller's tenant.</summary>
internal static class OrganizationEndpoints
{
    public static void MapOrganization(this RouteGroupBuilder v1) => v1.MapGet("/organization", Get).Requires(Permission.ReadDirectory);

    private static async Task<IResult> Get(HttpContext http, IDirectoryStore store)
    {
        var tenant = await store.GetTenantAsync(http.Audit().TenantId, http.RequestAborted)
            ?? throw GraphException.NotFound("The tenant of this token no longer exists.");
        var org = new JsonObject
        {
            ["id"] = tenant.Id.ToString(),
            ["displayName"] = tenant.DisplayName,
            ["createdDateTime"] = DirectoryKit.Timestamp(tenant.CreatedDateTime),
            ["verifiedDomains"] = new JsonArray(new JsonObject { ["name"] = tenant.DefaultDomain, ["isDefault"] = true, ["isInitial"] = true, ["type"] = "Managed" }),
        };
        return GraphResults.Collection(http.Request, "organization", [org]);
    }
}
