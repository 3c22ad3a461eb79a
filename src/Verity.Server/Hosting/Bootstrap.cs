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

/// <summary>A tenant to create: its name, domain (taken from the admin's UPN), admin and optional automation app.</summary>
internal sealed record TenantRequest(string DisplayName, string AdminUserPrincipalName, string AdminPassword, Guid? TenantId = null,
    string? ClientId = null, string? ClientSecret = null, bool Demo = false);

internal sealed record ProvisionedTenant(Guid TenantId, string Domain, string AdminUserPrincipalName, string AdminPassword, string AdminId,
    string? ClientId, string? ClientSecret);

/// <summary>
/// Creates a tenant: its subscribed SKUs, a Global Administrator and optionally an application holding the role, all
/// through the audited directory code, so a tenant's log starts with its own creation.
/// </summary>
internal sealed class TenantProvisioner(IDirectoryStore store, ChangeWriter writer, PasswordHasher hasher, TimeProvider clock)
{
    public async Task<ProvisionedTenant> ProvisionAsync(TenantRequest request, CancellationToken ct)
    {
        var domain = request.AdminUserPrincipalName.Split('@')[1];
        var demoClock = request.Demo ? DemoTenant.Clock(clock) : null;
        var time = (TimeProvider?)demoClock ?? clock;
        var tenant = new Tenant(request.TenantId ?? Guid.NewGuid(), request.DisplayName, domain, time.GetUtcNow());
        await store.CreateTenantAsync(tenant, ct);
        var system = SystemScope(tenant.Id, time);
        await writer.SubmitAsync(new DirectoryChange
        {
            TenantId = tenant.Id,
            Ops = [.. LicensesEndpoints.DefaultSkus.Select(s => new InsertObject(LicensesEndpoints.NewSku(tenant.Id, s)))],
            Audits = [],
        });

        var admin = await UsersEndpoints.CreateAsync(system, store, writer, hasher, new JsonObject
        {
            ["accountEnabled"] = true,
            ["displayName"] = "Verity Administrator",
            ["mailNickname"] = request.AdminUserPrincipalName.Split('@')[0],
            ["userPrincipalName"] = request.AdminUserPrincipalName,
            ["passwordProfile"] = new JsonObject { ["password"] = request.AdminPassword, ["forceChangePasswordNextSignIn"] = false },
        }, ct);
        await RolesEndpoints.AssignAsync(system, store, writer, (string)admin["id"]!, DirectoryRoles.GlobalAdministrator.TemplateId, "/", ct);

        string? secret = null;
        if (request.ClientId is { Length: > 0 } clientId)
        {
            var app = await ApplicationsEndpoints.CreateAsync(system, writer, new JsonObject { ["displayName"] = "Verity automation" }, clientId);
            secret = request.ClientSecret is { Length: > 0 } s ? s : Secrets.NewClientSecret();
            await ApplicationsEndpoints.AddSecretAsync(system, store, writer, (string)app["id"]!, secret, "bootstrap", null, null, ct);
            var sp = await ServicePrincipalsEndpoints.CreateAsync(system, store, writer, new JsonObject { ["appId"] = clientId }, ct);
            await RolesEndpoints.AssignAsync(system, store, writer, (string)sp["id"]!, DirectoryRoles.GlobalAdministrator.TemplateId, "/", ct);
        }
        if (demoClock is not null)
        {
            await DemoTenant.SeedAsync(tenant, store, writer, demoClock, ct);
        }
        return new ProvisionedTenant(tenant.Id, domain, request.AdminUserPrincipalName, request.AdminPassword, (string)admin["id"]!, request.ClientId, secret);
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

/// <summary>First start: applies the schema, loads keys, and on an empty store creates the configured tenant.</summary>
internal sealed class Bootstrap(IDirectoryStore store, KeyRing keys, TenantProvisioner provisioner,
    Microsoft.Extensions.Options.IOptions<BootstrapOptions> options, ILogger<Bootstrap> logger)
{
    public sealed record Result(Guid TenantId, string AdminUserPrincipalName, string? GeneratedPassword, bool Created);

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        await store.MigrateAsync(ct);
        await keys.LoadAsync(ct);
        var o = options.Value;
        if (await store.AnyTenantAsync(ct))
        {
            return new Result(o.TenantId ?? Guid.Empty, o.AdminUserPrincipalName, null, false);
        }
        var password = o.AdminPassword is { Length: > 0 } given ? given : Secrets.NewPassword();
        var tenant = await provisioner.ProvisionAsync(new TenantRequest(o.TenantDisplayName, o.AdminUserPrincipalName, password, o.TenantId,
            o.ClientId, o.ClientSecret, o.Demo), ct);
        Log.Bootstrapped(logger, tenant.TenantId);
        return new Result(tenant.TenantId, o.AdminUserPrincipalName, o.AdminPassword is { Length: > 0 } ? null : password, true);
    }
}
