using System.Text.Json.Nodes;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;

namespace Verity.Server.Hosting;

internal sealed class BootstrapOptions
{
    public const string Section = "Verity:Bootstrap";

    public Guid? TenantId { get; set; }
    public string TenantDisplayName { get; set; } = "Verity";
    public string AdminUserPrincipalName { get; set; } = "admin@verity.local";
    /// <summary>When empty, a strong password is generated and printed once.</summary>
    public string? AdminPassword { get; set; }
    /// <summary>appId of an application holding Global Administrator, so scripts can get a token without reading any output.</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>Seed a realistic tenant with a few weeks of history on first start.</summary>
    public bool Demo { get; set; }
}

/// <summary>
/// First start on an empty store: creates one tenant, its subscribed SKUs, a Global Administrator (and optionally an
/// application holding the role), all through the audited directory code, so the log starts with its own creation.
/// </summary>
internal sealed class Bootstrap(IDirectoryStore store, ChangeWriter writer, TimeProvider time, KeyRing keys, SkipTokens skipTokens,
    Microsoft.Extensions.Options.IOptions<BootstrapOptions> options, ILogger<Bootstrap> logger)
{
    public sealed record Result(Guid TenantId, string AdminUserPrincipalName, string? GeneratedPassword, bool Created);

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        await store.MigrateAsync(ct);
        await keys.LoadAsync(ct);
        await skipTokens.LoadAsync(ct);
        var o = options.Value;
        if (await store.AnyTenantAsync(ct))
        {
            var existing = o.TenantId is { } id ? await store.GetTenantAsync(id, ct) : null;
            return new Result(existing?.Id ?? Guid.Empty, o.AdminUserPrincipalName, null, false);
        }

        var domain = o.AdminUserPrincipalName.Contains('@', StringComparison.Ordinal) ? o.AdminUserPrincipalName.Split('@')[1] : "verity.local";
        var tenant = new Tenant(o.TenantId ?? Guid.NewGuid(), o.TenantDisplayName, domain, time.GetUtcNow());
        await store.CreateTenantAsync(tenant, ct);
        var system = SystemScope(tenant.Id, time);
        await writer.SubmitAsync(new DirectoryChange
        {
            TenantId = tenant.Id,
            Ops = [.. LicensesEndpoints.DefaultSkus.Select(s => new InsertObject(LicensesEndpoints.NewSku(tenant.Id, s)))],
            Audits = [],
        });

        var password = o.AdminPassword is { Length: > 0 } given ? given : Secrets.NewPassword();
        var admin = await UsersEndpoints.CreateAsync(system, store, writer, new JsonObject
        {
            ["accountEnabled"] = true,
            ["displayName"] = "Verity Administrator",
            ["mailNickname"] = o.AdminUserPrincipalName.Split('@')[0],
            ["userPrincipalName"] = o.AdminUserPrincipalName,
            ["passwordProfile"] = new JsonObject { ["password"] = password, ["forceChangePasswordNextSignIn"] = false },
        }, ct);
        await RolesEndpoints.AssignAsync(system, store, writer, (string)admin["id"]!, DirectoryRoles.GlobalAdministrator.TemplateId, "/", ct);

        if (o.ClientId is { Length: > 0 } clientId)
        {
            var app = await ApplicationsEndpoints.CreateAsync(system, writer, new JsonObject { ["displayName"] = "Verity automation" }, clientId);
            var secret = o.ClientSecret is { Length: > 0 } s ? s : Secrets.NewClientSecret();
            await ApplicationsEndpoints.AddSecretAsync(system, store, writer, (string)app["id"]!, secret, "bootstrap", null, null, ct);
            var sp = await ServicePrincipalsEndpoints.CreateAsync(system, store, writer, new JsonObject { ["appId"] = clientId }, ct);
            await RolesEndpoints.AssignAsync(system, store, writer, (string)sp["id"]!, DirectoryRoles.GlobalAdministrator.TemplateId, "/", ct);
        }
        if (o.Demo)
        {
            await DemoTenant.SeedAsync(tenant, store, writer, time, ct);
        }
        Log.Bootstrapped(logger, tenant.Id);
        return new Result(tenant.Id, o.AdminUserPrincipalName, o.AdminPassword is { Length: > 0 } ? null : password, true);
    }

    /// <summary>Changes made by Verity itself appear in the log as the app "Verity" (as Entra shows its own services).</summary>
    public static AuditScope SystemScope(Guid tenantId, TimeProvider time) => new(new Caller
    {
        TenantId = tenantId,
        ObjectId = "00000000-0000-0000-0000-000000000000",
        IsApp = true,
        DisplayName = "Verity",
        RoleIds = new HashSet<string> { DirectoryRoles.GlobalAdministrator.TemplateId },
    }, null, "Verity bootstrap", time);
}
