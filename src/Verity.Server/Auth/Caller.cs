using System.Security.Claims;
using Verity.Core.Model;

namespace Verity.Server.Auth;

/// <summary>Who is calling, read from a validated access token: tenant, principal and directory roles.</summary>
internal sealed record Caller
{
    public required Guid TenantId { get; init; }
    /// <summary>Object id of the user, or of the application's service principal.</summary>
    public required string ObjectId { get; init; }
    public required bool IsApp { get; init; }
    public string? DisplayName { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? AppId { get; init; }
    public string? IpAddress { get; init; }
    public required IReadOnlySet<string> RoleIds { get; init; }

    public bool Has(Permission permission) =>
        (!IsApp && permission == Permission.ReadDirectory) ||
        RoleIds.Any(id => DirectoryRoles.Find(id)?.Permissions.Contains(permission) == true);

    public AuditInitiator ToInitiator() => IsApp
        ? new AuditInitiator(null, new AppIdentity(AppId, DisplayName, ObjectId, AppId))
        : new AuditInitiator(new UserIdentity(ObjectId, DisplayName, UserPrincipalName, IpAddress), null);

    public static Caller? FromPrincipal(ClaimsPrincipal principal, string? ipAddress)
    {
        if (principal.Identity?.IsAuthenticated != true || !Guid.TryParse(principal.FindFirstValue("tid"), out var tenantId)
            || principal.FindFirstValue("oid") is not { } oid)
        {
            return null;
        }
        var isApp = principal.FindFirstValue("idtyp") == "app";
        return new Caller
        {
            TenantId = tenantId,
            ObjectId = oid,
            IsApp = isApp,
            DisplayName = isApp ? principal.FindFirstValue("app_displayname") : principal.FindFirstValue("name"),
            UserPrincipalName = principal.FindFirstValue("upn"),
            AppId = principal.FindFirstValue("appid"),
            IpAddress = ipAddress,
            RoleIds = principal.FindAll("wids").Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase),
        };
    }
}
