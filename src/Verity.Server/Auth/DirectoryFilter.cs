using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.AuditLogs;
using Verity.Server.Graph;

namespace Verity.Server.Auth;

/// <summary>Route metadata: the permission an endpoint needs. Every /v1.0 endpoint declares one.</summary>
internal sealed record RequiresPermission(Permission? Permission);

/// <summary>Route metadata: the activity a write endpoint performs, so refused attempts are audited too.</summary>
internal sealed record AuditedAs(Activity Activity, string TargetType);

internal static class DirectoryFilterExtensions
{
    public static RouteHandlerBuilder Requires(this RouteHandlerBuilder builder, Permission permission) =>
        builder.WithMetadata(new RequiresPermission(permission));

    /// <summary>Any signed-in caller may call it; the handler narrows (e.g. only yourself).</summary>
    public static RouteHandlerBuilder RequiresSignIn(this RouteHandlerBuilder builder) => builder.WithMetadata(new RequiresPermission(null));

    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder builder, Activity activity, string targetType) =>
        builder.WithMetadata(new AuditedAs(activity, targetType));

    public static AuditScope Audit(this HttpContext http) =>
        http.Items[typeof(AuditScope)] as AuditScope ?? throw new InvalidOperationException("DirectoryFilter did not run for this endpoint.");
}

/// <summary>
/// Runs in front of every Graph endpoint: resolves the caller, enforces the endpoint's permission, and writes a
/// failure entry when an audited change is refused (forbidden, invalid, conflicting, too large, not JSON).
/// </summary>
internal sealed class DirectoryFilter(ChangeWriter writer, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = Caller.FromPrincipal(http.User, http.Connection.RemoteIpAddress?.ToString())
            ?? throw new GraphException(401, "InvalidAuthenticationToken", "The access token has no tenant (tid) or object id (oid) claim.");
        var scope = new AuditScope(caller, http.Request.Headers["client-request-id"].FirstOrDefault(), http.Request.Headers.UserAgent.FirstOrDefault(), time);
        http.Items[typeof(AuditScope)] = scope;

        var metadata = http.GetEndpoint()?.Metadata;
        var required = metadata?.GetMetadata<RequiresPermission>()
            ?? throw new InvalidOperationException($"Endpoint {http.GetEndpoint()?.DisplayName} declares no permission.");
        var audited = metadata.GetMetadata<AuditedAs>();
        if (audited is not null && writer.IsFull)
        {
            // Refused before any work: under overload a refusal must cost less than a write.
            throw new ChangeQueueFullException(writer.Capacity);
        }
        try
        {
            if (required.Permission is { } permission && !caller.Has(permission))
            {
                throw GraphException.Forbidden();
            }
            return await next(context);
        }
        catch (GraphException e) when (audited is not null && !e.Audited && e.Status is 400 or 403 or 409 or 413 or 415)
        {
            var targets = scope.Targets ?? [new TargetResource { Id = http.GetRouteValue("id") as string, Type = audited.TargetType }];
            var entry = scope.Entry(audited.Activity, targets, AuditResult.Failure, e.Message);
            await writer.SubmitAsync(new DirectoryChange { TenantId = caller.TenantId, Audits = [entry] });
            throw;
        }
    }
}
