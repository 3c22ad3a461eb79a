using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Verity.Server.Auth;

/// <summary>
/// Authentication for the Graph API (<c>/v1.0</c>): only the default scheme, as ASP.NET Core's authentication
/// middleware does once no request handler claimed the request. That middleware first offers every request to each
/// remote handler (OpenIddict's server, the admin center's OpenID Connect callback), none of which serves a path
/// under <c>/v1.0</c>; on the write path that dispatch cost a twentieth of the server's CPU per change.
/// </summary>
internal static class ApiAuthentication
{
    /// <summary>The key ASP.NET Core's <c>UseAuthentication</c> sets so that the host does not add a second one.</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    public static WebApplication UseVerityAuthentication(this WebApplication app)
    {
        ((IApplicationBuilder)app).Properties[AuthenticationMiddlewareSetKey] = true;
        app.Use(next =>
        {
            var everyScheme = new AuthenticationMiddleware(next, app.Services.GetRequiredService<IAuthenticationSchemeProvider>());
            return context => IsGraphApi(context) ? AuthenticateApiCallerAsync(context, next) : everyScheme.Invoke(context);
        });
        return app;
    }

    private static async Task AuthenticateApiCallerAsync(HttpContext context, RequestDelegate next)
    {
        var result = await context.AuthenticateAsync();
        if (result.Principal is not null)
        {
            context.User = result.Principal;
        }
        if (result.Succeeded)
        {
            var feature = new Authenticated(result);
            context.Features.Set<IHttpAuthenticationFeature>(feature);
            context.Features.Set<IAuthenticateResultFeature>(feature);
        }
        await next(context);
    }

    private static bool IsGraphApi(HttpContext context) => Graph.GraphEndpoints.IsGraphPath(context.Request.Path);

    /// <summary>What the authorization middleware reads back, as ASP.NET Core's own feature keeps it.</summary>
    private sealed class Authenticated(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        private AuthenticateResult? _result = result;
        private System.Security.Claims.ClaimsPrincipal? _user = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set => (_result, _user) = (value, value?.Principal);
        }

        public System.Security.Claims.ClaimsPrincipal? User
        {
            get => _user;
            set => (_user, _result) = (value, null);
        }
    }
}
