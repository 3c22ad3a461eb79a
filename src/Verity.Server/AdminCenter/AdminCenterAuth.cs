using System.Net.Security;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Verity.Server.Auth;
using Verity.Server.Hosting;

namespace Verity.Server.AdminCenter;

/// <summary>
/// The admin center signs users in as an OpenID Connect client of Verity's own authorization server (code + PKCE,
/// public client) and keeps the result in a cookie. The same cookie lets the page call the Graph API with GET,
/// so the page reads the log through exactly the endpoint that scripts use.
/// </summary>
internal static class AdminCenterAuth
{
    public const string CookieScheme = "AdminCenter";
    public const string OidcScheme = "AdminCenterOidc";
    public const string CookieName = "verity.admin";
    /// <summary>A bearer token wins; the admin-center cookie serves pages, and on the Graph API only reads (GET), so it cannot change anything.</summary>
    public const string ApiScheme = "BearerOrAdminCenter";
    public const string TenantItem = "tenant";
    public const string AntiforgeryHeader = "X-Verity-Antiforgery";
    private const string LastTenantCookie = "verity.admin.tenant";

    public static IServiceCollection AddAdminCenterAuth(this IServiceCollection services)
    {
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "verity.antiforgery";
            o.HeaderName = AntiforgeryHeader; // the page's script sends the token here on PUT /admin/api/…
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthentication(o => o.DefaultScheme = ApiScheme)
            .AddPolicyScheme(ApiScheme, "Bearer token or admin-center session", o =>
            {
                // Pages and their form posts see the session user (anti-forgery tokens are bound to it); the Graph API only reads with it.
                o.ForwardDefaultSelector = http =>
                    http.Request.Headers.Authorization.Count > 0 || !http.Request.Cookies.ContainsKey(CookieName)
                    || (Graph.GraphEndpoints.IsGraphPath(http.Request.Path) && !HttpMethods.IsGet(http.Request.Method))
                        ? JwtBearerDefaults.AuthenticationScheme : CookieScheme;
                // An API caller without a valid token gets Graph's 401 JSON, never a redirect to a sign-in page.
                o.ForwardChallenge = JwtBearerDefaults.AuthenticationScheme;
                o.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.ForwardChallenge = OidcScheme;
                o.Events.OnValidatePrincipal = RefreshAsync;
            })
            .AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.ClientId = AuthorizeEndpoint.AdminCenterClientId;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.UsePkce = true;
                o.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Disable;
                o.CallbackPath = AuthorizeEndpoint.AdminCenterCallbackPath;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.SaveTokens = false;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                // Same origin as the authorization server, so Lax suffices, and plain http on loopback keeps working.
                o.CorrelationCookie.SameSite = o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Endpoints depend on the tenant and the host the browser used; they are set per request below.
                o.Configuration = new OpenIdConnectConfiguration();
                o.Events = new OpenIdConnectEvents
                {
                    OnRedirectToIdentityProvider = context =>
                    {
                        context.ProtocolMessage.IssuerAddress = Endpoint(context.Request, context.Properties, "authorize");
                        return Task.CompletedTask;
                    },
                    OnAuthorizationCodeReceived = context =>
                    {
                        // The back channel goes to the server's own configured origin, never the one the browser's Host header named.
                        var origin = context.HttpContext.RequestServices.GetRequiredService<PublicOrigin>().Value;
                        context.TokenEndpointRequest!.TokenEndpoint = $"{origin}{context.Request.PathBase}/{Uri.EscapeDataString(Tenant(context.Request, context.Properties!))}/oauth2/v2.0/token";
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = context =>
                    {
                        // The next sign-in (after sign-out or a lost session) starts at this tenant, not the default one.
                        context.Response.Cookies.Append(LastTenantCookie, context.Principal!.FindFirstValue("tid") ?? "", new CookieOptions
                        {
                            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/admin", MaxAge = TimeSpan.FromDays(365),
                        });
                        return Task.CompletedTask;
                    },
                    OnRemoteFailure = async context =>
                    {
                        context.HandleResponse();
                        var message = context.Failure?.Message ?? "The sign-in did not complete.";
                        await HtmlPage.Message(context.HttpContext, "Sign-in failed", message, 400,
                            """<p><a href="/admin/signin">Try again</a></p>""").ExecuteAsync(context.HttpContext);
                    },
                };
            });
        services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<KeyRing, IOptions<HttpsOptions>>((o, keys, https) =>
        {
            o.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKeyResolver = (_, _, kid, _) => keys.SigningKeysFor(kid),
                IssuerValidator = TokenEndpoints.ValidateIssuer,
                ValidAudience = AuthorizeEndpoint.AdminCenterClientId,
                NameClaimType = "name",
                RoleClaimType = "roles",
            };
            // The code is redeemed over HTTPS at this same server, whose certificate may be self-signed: trust exactly it.
            var own = new Lazy<string>(() => Https.Load(https.Value).Thumbprint);
            o.BackchannelHttpHandler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None || (certificate is not null && certificate.Thumbprint == own.Value),
            };
        });
        return services;
    }

    /// <summary>
    /// Every request checks the session against the directory as it is now (<see cref="PrincipalStates"/>): a
    /// disabled or deleted account, a password reset or revoked sessions end it, and a role added or removed counts
    /// at once rather than when the cookie expires.
    /// </summary>
    private static async Task RefreshAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var states = http.RequestServices.GetRequiredService<PrincipalStates>();
        var (current, revoked) = await states.EvaluateAsync(context.Principal!, http.RequestAborted);
        if (revoked is not null || current is null)
        {
            context.RejectPrincipal();
            await http.SignOutAsync(CookieScheme);
            return;
        }
        if (!ReferenceEquals(current, context.Principal))
        {
            context.ReplacePrincipal(current);
            context.ShouldRenew = true;
        }
    }

    /// <summary>The browser's own <c>{origin}/{tenant}/oauth2/v2.0/{endpoint}</c> for the tenant chosen when sign-in started.</summary>
    private static string Endpoint(HttpRequest request, AuthenticationProperties properties, string endpoint) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/{Uri.EscapeDataString(Tenant(request, properties))}/oauth2/v2.0/{endpoint}";

    private static string Tenant(HttpRequest request, AuthenticationProperties properties) =>
        properties.Items.TryGetValue(TenantItem, out var t) && !string.IsNullOrEmpty(t) ? t
            : request.Cookies[LastTenantCookie] is { Length: > 0 } last && Guid.TryParse(last, out _) ? last
            : DefaultTenant(request.HttpContext);

    /// <summary>The bootstrap tenant, named by its domain (the domain of the first administrator).</summary>
    public static string DefaultTenant(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<BootstrapOptions>>().Value.AdminUserPrincipalName.Split('@')[1];
}
