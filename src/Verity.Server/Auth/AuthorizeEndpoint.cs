using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Verity.Core.Storage;
using Verity.Server.AdminCenter;
using Verity.Server.SignInLogs;
using Verity.Server.DirectoryObjects;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Verity.Server.Auth;

/// <summary>
/// <c>/{tenant}/oauth2/v2.0/authorize</c>: the authorization code flow with PKCE (OpenIddict, passthrough). GET shows
/// a sign-in form; its POST (anti-forgery checked) verifies the password as the password grant does and sends the
/// browser back to the client with a code. Clients are the admin center (on this server's own origin) and the tenant's
/// directory applications, at a redirect URI registered under their web, publicClient or spa platform.
/// </summary>
internal static class AuthorizeEndpoint
{
    /// <summary>The admin center's client id (Entra's id for its own portal app), a public client using PKCE.</summary>
    public const string AdminCenterClientId = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
    public const string AdminCenterCallbackPath = "/admin/signin-oidc";

    /// <summary>The admin center's callback on the origin the request came to: its one redirect URI.</summary>
    public static string CallbackOf(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{AdminCenterCallbackPath}";

    /// <summary>
    /// The client and its redirect URI, with Entra's errors: the admin center's callback, or a redirect URI registered
    /// for the directory application (<see cref="RedirectUris"/>), whose service principal, if any, is enabled.
    /// </summary>
    public static async ValueTask ValidateAsync(ValidateAuthorizationRequestContext context)
    {
        var http = context.Transaction.GetHttpRequest()!;
        if (string.IsNullOrEmpty(context.RedirectUri))
        {
            context.Reject(Errors.InvalidRequest, "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.");
            return;
        }
        if (string.Equals(context.ClientId, AdminCenterClientId, StringComparison.OrdinalIgnoreCase))
        {
            var callback = CallbackOf(http);
            if (!string.Equals(context.RedirectUri, callback, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidRequest, $"AADSTS50011: The redirect URI '{context.RedirectUri}' does not match the admin center's ({callback}).");
            }
            return;
        }
        var store = http.HttpContext.RequestServices.GetRequiredService<IDirectoryStore>();
        var ct = http.HttpContext.RequestAborted;
        var tenantId = TokenEndpoints.TenantOf(context.Transaction);
        var clientId = context.ClientId?.ToLowerInvariant() ?? "";
        var app = tenantId is { } tenant ? await store.FindObjectAsync(tenant, Schemas.Application.Kind, clientId, ct) : null;
        if (app is null)
        {
            context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{context.ClientId}' was not found in the directory '{tenantId}'.");
        }
        else if (RedirectUris.PlatformsOf(app, context.RedirectUri) == RedirectPlatforms.None)
        {
            context.Reject(Errors.InvalidRequest, $"AADSTS50011: The redirect URI '{context.RedirectUri}' specified in the request does not match the redirect URIs configured for the application '{context.ClientId}'. "
                + "Make sure the redirect URI sent in the request matches one in the application's web, publicClient or spa redirectUris.");
        }
        else if (await store.FindObjectAsync(tenantId!.Value, Schemas.ServicePrincipal.Kind, clientId, ct) is { } sp && (bool?)sp.Data["accountEnabled"] == false)
        {
            context.Reject(Errors.UnauthorizedClient, $"AADSTS7000112: Application '{context.ClientId}' is disabled.");
        }
    }

    public static async Task<IResult> HandleAsync(HttpContext http, IDirectoryStore store, IAntiforgery antiforgery)
    {
        var request = http.GetOpenIddictServerRequest();
        if (request is null || TokenEndpoints.TenantOf(http) is not { } tenantId || await store.GetTenantAsync(tenantId, http.RequestAborted) is not { } tenant)
        {
            return HtmlPage.Message(http, "Sign-in failed", "This is not a valid sign-in request. Start again from the admin center.", 400,
                """<p><a href="/admin/">Open the admin center</a></p>""");
        }
        var username = request.LoginHint ?? "";
        string? error = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType && http.Request.Form.ContainsKey("password"))
        {
            username = http.Request.Form["username"].ToString().Trim();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                error = "The sign-in form expired or did not come from this page. Please sign in again.";
            }
            else
            {
                var (user, failure) = await TokenRequests.CheckPasswordAsync(http.RequestServices, tenantId, username, http.Request.Form["password"], http.RequestAborted);
                if (user is not null)
                {
                    var subject = await TokenRequests.SubjectOfUserAsync(store, tenantId, user, request.ClientId!.ToLowerInvariant(), http.RequestAborted);
                    var principal = TokenEndpoints.PrincipalOf(subject, withIdentityToken: true, [.. request.GetScopes()]);
                    // When the user signed in, kept in the code and the refresh tokens redeemed from it (no destination).
                    principal.SetClaim(Claims.AuthenticationTime, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds());
                    SignInCapture.KeepBrowser(http, principal);
                    return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
                }
                error = failure;
                // A refused sign-in on the form never reaches the token endpoint: it is logged here, as Entra logs a
                // failed interactive sign-in. (A successful one is logged when its code is redeemed.)
                await SignInCapture.RecordFormFailureAsync(http, tenantId, request.ClientId, username, failure!);
            }
        }
        var client = string.Equals(request.ClientId, AdminCenterClientId, StringComparison.OrdinalIgnoreCase)
            ? "the Verity admin center"
            : (string?)(await store.FindObjectAsync(tenantId, Schemas.Application.Kind, request.ClientId!.ToLowerInvariant(), http.RequestAborted))?.Data["displayName"]
              ?? request.ClientId!;
        return SignInForm(http, antiforgery, request, tenant, client, username, error);
    }

    private static readonly HashSet<string> FormFields = ["username", "password", "__RequestVerificationToken"];

    private static IResult SignInForm(HttpContext http, IAntiforgery antiforgery, OpenIddictRequest request, Tenant tenant, string client, string username,
        string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        // The authorization request travels on in hidden fields, so the POST is the same request plus the credentials.
        var hidden = string.Concat(request.GetParameters()
            .Where(p => !FormFields.Contains(p.Key))
            .Select(p => $"""<input type="hidden" name="{HtmlPage.E(p.Key)}" value="{HtmlPage.E((string?)p.Value)}">"""));
        var alert = error is null ? "" : $"""<p class="error" role="alert" id="signin-error">{HtmlPage.E(error)}</p>""";
        var body = $"""
            <main class="card narrow">
            <h1>Sign in</h1>
            <p class="muted">to <span id="client-name">{HtmlPage.E(client)}</span> of <strong id="tenant-name">{HtmlPage.E(tenant.DisplayName)}</strong>
              (<span id="tenant-domain">{HtmlPage.E(tenant.DefaultDomain)}</span>)</p>
            {alert}
            <form method="post" class="stack" autocomplete="on">
            <input type="hidden" name="{HtmlPage.E(tokens.FormFieldName)}" value="{HtmlPage.E(tokens.RequestToken)}">
            {hidden}
            <label for="username">User name</label>
            <input id="username" name="username" type="text" inputmode="email" required autocomplete="username" autofocus value="{HtmlPage.E(username)}"
              placeholder="someone@{HtmlPage.E(tenant.DefaultDomain)}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" required autocomplete="current-password">
            <button type="submit" class="primary">Sign in</button>
            </form>
            <p class="muted">Another organization? <a href="/admin/signin/choose">Choose the tenant</a></p>
            </main>
            """;
        return HtmlPage.Render(http, "Sign in", body, error is null ? 200 : 400);
    }
}
