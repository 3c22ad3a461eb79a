using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;
using Verity.Server.Hosting;

namespace Verity.Server.Operator;

/// <summary>
/// The operator's API under <c>/operator</c>, for whoever runs the server rather than a tenant's administrators:
/// tenants are created and listed here, each with its first Global Administrator. Callers present the operator key
/// (<c>Authorization: Bearer &lt;key&gt;</c>), never a tenant's token.
/// </summary>
internal static partial class OperatorEndpoints
{
    public static IServiceCollection AddOperator(this IServiceCollection services)
    {
        services.AddOptions<OperatorOptions>().BindConfiguration(OperatorOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeyFile), "Verity:Operator:KeyFile must name a file.")
            .ValidateOnStart();
        services.AddSingleton(sp => OperatorKey.LoadOrCreate(sp.GetRequiredService<IOptions<OperatorOptions>>().Value.KeyFile));
        return services;
    }

    public static void MapOperator(this WebApplication app)
    {
        var tenants = app.MapGroup("/operator/tenants").AddEndpointFilter(RequireOperatorKeyAsync);
        tenants.MapPost("", CreateTenantAsync);
        tenants.MapGet("", ListTenantsAsync);
        var keys = app.MapGroup("/operator/keys").AddEndpointFilter(RequireOperatorKeyAsync);
        keys.MapGet("", ListKeys);
        keys.MapPost("/rotate", RotateKeysAsync);
    }

    private static async ValueTask<object?> RequireOperatorKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        var key = http.RequestServices.GetRequiredService<OperatorKey>();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && key.Matches(header["Bearer ".Length..].Trim()))
        {
            return await next(context);
        }
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"verity-operator\"";
        await GraphErrorHandler.WriteAsync(http, 401, "InvalidAuthenticationToken",
            $"The operator API takes Authorization: Bearer <operator key>, the key in the server's {OperatorOptions.Section}:KeyFile (printed at startup).");
        return Results.Empty;
    }

    private static readonly string[] Accepted = ["displayName", "domain", "adminUserPrincipalName"];

    /// <summary>
    /// <c>POST /operator/tenants</c> <c>{"displayName","domain","adminUserPrincipalName"?}</c>: a new tenant whose log starts
    /// with its own creation, and its Global Administrator (<c>admin@domain</c> unless named) with a generated password,
    /// returned this once.
    /// </summary>
    private static async Task<IResult> CreateTenantAsync(HttpRequest request, IDirectoryStore store, TenantProvisioner provisioner)
    {
        var body = await GraphBody.ReadObjectAsync(request);
        if (body.Select(p => p.Key).FirstOrDefault(k => !Accepted.Contains(k)) is { } unknown)
        {
            throw GraphException.BadRequest($"Unknown property '{unknown}' for a tenant. Accepted: {string.Join(", ", Accepted)}.");
        }
        var displayName = Text(body, "displayName", required: true)!.Trim();
        if (displayName.Length is 0 or > 256)
        {
            throw GraphException.BadRequest("Property displayName must have 1 to 256 characters.");
        }
        var domain = Text(body, "domain", required: true)!.ToLowerInvariant();
        if (!DomainName().IsMatch(domain))
        {
            throw GraphException.BadRequest($"Property domain '{domain}' is invalid: use a DNS name such as contoso.example "
                + "(two or more labels of letters, digits and inner hyphens).");
        }
        var admin = Text(body, "adminUserPrincipalName", required: false) ?? $"admin@{domain}";
        if (admin.Split('@') is not [var alias, var adminDomain] || !Alias().IsMatch(alias) || !string.Equals(adminDomain, domain, StringComparison.OrdinalIgnoreCase))
        {
            throw GraphException.BadRequest($"Property adminUserPrincipalName '{admin}' is invalid: use alias@{domain}, the alias of letters, digits, '.', '_' or '-'.");
        }

        var ct = request.HttpContext.RequestAborted;
        ProvisionedTenant created;
        try
        {
            created = await provisioner.ProvisionAsync(new TenantRequest(displayName, admin, Secrets.NewPassword()), ct);
        }
        catch (ChangeConflictException)
        {
            throw new GraphException(409, "Request_MultipleObjectsWithSameKeyValue", $"A tenant with domain '{domain}' already exists. Domains are unique across tenants.");
        }
        var tenant = (await store.GetTenantAsync(created.TenantId, ct))!;
        var json = Json(tenant);
        json["adminId"] = created.AdminId;
        json["adminUserPrincipalName"] = created.AdminUserPrincipalName;
        json["adminPassword"] = created.AdminPassword;
        return Results.Json(json, statusCode: 201);
    }

    /// <summary><c>GET /operator/tenants</c>: every tenant, oldest first.</summary>
    private static async Task<IResult> ListTenantsAsync(IDirectoryStore store, CancellationToken ct) =>
        Results.Json(new JsonObject { ["value"] = new JsonArray([.. (await store.ListTenantsAsync(ct)).Select(t => (JsonNode)Json(t))]) });

    /// <summary><c>GET /operator/keys</c>: the key ring's generations, newest first, without any secret.</summary>
    private static IResult ListKeys(KeyRing keys, IOptions<KeyOptions> options) =>
        Results.Json(new JsonObject { ["value"] = new JsonArray([.. keys.Generations.Select(g => (JsonNode)Json(g, keys, options.Value))]) });

    /// <summary>
    /// <c>POST /operator/keys/rotate</c>: a new generation signs tokens, seals codes and skiptokens from now on; the
    /// earlier ones keep validating what they signed until <c>Verity:Keys:RetiredKeyLifetime</c> after today.
    /// </summary>
    private static async Task<IResult> RotateKeysAsync(KeyRing keys, IOptions<KeyOptions> options, CancellationToken ct)
    {
        var fresh = await keys.RotateAsync(ct);
        return Results.Json(Json(keys.Generations.Single(g => g.Id == fresh.Id), keys, options.Value), statusCode: 201);
    }

    private static JsonObject Json(KeyGeneration generation, KeyRing keys, KeyOptions options) => new()
    {
        ["generation"] = generation.Id,
        ["signingKeyId"] = keys.SigningKeys.Zip(keys.Generations).Single(p => p.Second.Id == generation.Id).First.KeyId,
        ["status"] = generation.Retired is null ? "active" : "retired",
        ["createdDateTime"] = Timestamp(generation.Created),
        ["retiredDateTime"] = generation.Retired is { } retired ? Timestamp(retired) : null,
        ["validUntilDateTime"] = generation.Retired is { } until ? Timestamp(until + options.RetiredKeyLifetime) : null,
    };

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Json(Tenant tenant) => new()
    {
        ["id"] = tenant.Id.ToString(),
        ["displayName"] = tenant.DisplayName,
        ["domain"] = tenant.DefaultDomain,
        ["createdDateTime"] = tenant.CreatedDateTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    private static string? Text(JsonObject body, string name, bool required) => body[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        null when !required => null,
        null => throw GraphException.BadRequest($"Property {name} is required."),
        _ => throw GraphException.BadRequest($"Property {name} must be a string."),
    };

    /// <summary>RFC 1035 host name, lower case: labels of 1–63 letters, digits and inner hyphens, two or more, 253 characters at most.</summary>
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Alias();
}
