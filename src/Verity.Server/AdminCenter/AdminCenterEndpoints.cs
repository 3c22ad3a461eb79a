using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Verity.Core.Model;
using Verity.Server.Auth;
using Verity.Server.Logs;

namespace Verity.Server.AdminCenter;

/// <summary>
/// The admin center under <c>/admin</c>: one server-rendered shell per log (the audit log today) whose script reads
/// the log through the Graph API, sign-in and sign-out, the refusal page, and its static files (embedded, no CDN).
/// </summary>
internal static class AdminCenterEndpoints
{
    public static IServiceCollection AddAdminCenter(this IServiceCollection services) => services.AddAdminCenterAuth();

    private static readonly EmbeddedFileProvider Assets = new(typeof(AdminCenterEndpoints).Assembly, "Verity.Server.AdminCenter.wwwroot");

    public static void MapAdminCenter(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/admin/assets",
            FileProvider = Assets,
            OnPrepareResponse = c => c.Context.Response.Headers.XContentTypeOptions = "nosniff",
        });
        app.MapGet("/favicon.ico", Favicon); // browsers ask for it on any page, the API's JSON included
        app.MapGet("/admin", ShellAsync); // also serves /admin/
        app.MapGet("/admin/insights", InsightsAsync);
        app.MapGet("/admin/signin", (Delegate)SignIn);
        app.MapGet("/admin/signin/choose", (Delegate)ChooseTenant);
        app.MapPost("/admin/signout", SignOutAsync).DisableAntiforgery();
        app.MapGet("/admin/signed-out", (HttpContext http) => HtmlPage.Message(http, "Signed out", "You have signed out of the Verity admin center.", 200,
            """<p><a href="/admin/signin">Sign in again</a></p>"""));
        app.MapGet("/admin/api/catalogue", (Delegate)CatalogueAsync);
        app.MapAdminPreferences();
    }

    private static IResult Favicon(HttpContext http)
    {
        http.Response.Headers.CacheControl = "public, max-age=86400";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Stream(Assets.GetFileInfo("favicon.ico").CreateReadStream(), "image/x-icon");
    }

    /// <summary>The audit log page, or a sign-in when there is no session, or a refusal when the role does not allow reading logs.</summary>
    private static async Task<IResult> ShellAsync(HttpContext http, IAntiforgery antiforgery, IOptions<DownloadOptions> download)
    {
        var (caller, refusal) = await ReaderAsync(http);
        if (caller is null)
        {
            return refusal!;
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        var user = caller.UserPrincipalName ?? caller.DisplayName ?? caller.ObjectId;
        var body = $"""
            {Header(user, tokens, "logs")}
            <main id="main">
            <nav class="tabs" aria-label="Activity logs" id="log-tabs"></nav>
            <section id="log" aria-live="polite"></section>
            </main>
            """;
        return HtmlPage.Render(http, "Audit logs", body, script: "app.js",
            bodyAttributes: $""" data-tenant="{HtmlPage.E(caller.TenantId.ToString())}" data-user="{HtmlPage.E(caller.ObjectId)}" data-antiforgery="{HtmlPage.E(tokens.RequestToken)}" data-download-max-rows="{download.Value.MaxRows}" """);
    }

    /// <summary>
    /// <c>/admin/insights?days=30</c>: the auditor's questions (product brief) answered by the insights API, each with
    /// its number, a short list and a chart over time, linking to the list behind it.
    /// </summary>
    private static async Task<IResult> InsightsAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var (caller, refusal) = await ReaderAsync(http);
        if (caller is null)
        {
            return refusal!;
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        var user = caller.UserPrincipalName ?? caller.DisplayName ?? caller.ObjectId;
        var body = $"""
            {Header(user, tokens, "insights")}
            <main id="main">
            <section id="insights" aria-live="polite"></section>
            </main>
            """;
        return HtmlPage.Render(http, "Insights", body, script: "insights.js",
            bodyAttributes: $""" data-tenant="{HtmlPage.E(caller.TenantId.ToString())}" data-user="{HtmlPage.E(caller.ObjectId)}" """);
    }

    private static string Header(string user, AntiforgeryTokenSet tokens, string? current = null) => $"""
        <header class="topbar">
        <a class="brand" href="/admin/">Verity admin center</a>
        {(current is null ? "" : Sections(current))}
        <span class="who" id="signed-in-user">{HtmlPage.E(user)}</span>
        <form method="post" action="/admin/signout">
        <input type="hidden" name="{HtmlPage.E(tokens.FormFieldName)}" value="{HtmlPage.E(tokens.RequestToken)}">
        <button type="submit" id="sign-out">Sign out</button>
        </form>
        </header>
        """;

    /// <summary>The admin center's pages, for readers (the refusal page has none).</summary>
    private static string Sections(string current)
    {
        string Link(string key, string href, string label) =>
            $"""<a href="{href}" id="nav-{key}"{(key == current ? " aria-current=\"page\"" : "")}>{label}</a>""";
        return $"""<nav class="sections" aria-label="Admin center">{Link("logs", "/admin/", "Activity logs")}{Link("insights", "/admin/insights", "Insights")}</nav>""";
    }

    /// <summary>The signed-in caller when it may read logs; otherwise the result to return (a sign-in challenge, or 403).</summary>
    private static async Task<(Caller? Caller, IResult? Refusal)> ReaderAsync(HttpContext http)
    {
        var session = await http.AuthenticateAsync(AdminCenterAuth.CookieScheme);
        var caller = session.Succeeded ? Caller.FromPrincipal(session.Principal!, http.Connection.RemoteIpAddress?.ToString()) : null;
        if (caller is null)
        {
            return (null, Challenge(http.Request.Query[AdminCenterAuth.TenantItem], $"{http.Request.Path}{http.Request.QueryString}"));
        }
        if (!caller.Has(Permission.ReadAuditLogs))
        {
            var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
            var name = caller.UserPrincipalName ?? caller.ObjectId;
            return (null, HtmlPage.Render(http, "No access", $"""
                {Header(name, tokens)}
                <main class="card narrow" id="no-access">
                <h1>You don't have access</h1>
                <p>{HtmlPage.E(name)} is signed in, but reading activity logs needs one of these directory roles:
                {HtmlPage.E(string.Join(", ", ReaderRoles))}.</p>
                <p>Ask a Global Administrator to assign you one, then sign in again.</p>
                </main>
                """, 403));
        }
        return (caller, null);
    }

    private static IEnumerable<string> ReaderRoles =>
        DirectoryRoles.BuiltIn.Where(r => r.Permissions.Contains(Permission.ReadAuditLogs)).Select(r => r.DisplayName);

    private static IResult Challenge(string? tenant, string returnUrl)
    {
        var properties = new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/admin/" };
        if (!string.IsNullOrWhiteSpace(tenant))
        {
            properties.Items[AdminCenterAuth.TenantItem] = tenant.Trim();
        }
        return Results.Challenge(properties, [AdminCenterAuth.OidcScheme]);
    }

    /// <summary><c>/admin/signin?tenant=…&amp;returnUrl=…</c>: starts a sign-in for a tenant (id or domain; default the bootstrap tenant).</summary>
    private static IResult SignIn(HttpContext http) =>
        Challenge(http.Request.Query[AdminCenterAuth.TenantItem], http.Request.Query["returnUrl"].ToString() is { Length: > 0 } r ? r : "/admin/");

    private static IResult ChooseTenant(HttpContext http) => HtmlPage.Render(http, "Choose the organization", $"""
        <main class="card narrow">
        <h1>Choose the organization</h1>
        <form method="get" action="/admin/signin" class="stack">
        <label for="tenant">Tenant id or domain</label>
        <input id="tenant" name="tenant" required placeholder="{HtmlPage.E(AdminCenterAuth.DefaultTenant(http))}" autofocus>
        <button type="submit" class="primary">Continue</button>
        </form>
        </main>
        """);

    private static bool IsLocal(string url) => url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return HtmlPage.Message(http, "Sign-out not confirmed", "The sign-out form expired or came from another site. Nothing was changed.", 400,
                """<p><a href="/admin/">Back to the admin center</a></p>""");
        }
        await http.SignOutAsync(AdminCenterAuth.CookieScheme);
        return Results.Redirect("/admin/signed-out");
    }

    /// <summary>Services, categories and activities the filters offer (the activity catalogue), for readers only.</summary>
    private static async Task<IResult> CatalogueAsync(HttpContext http)
    {
        var session = await http.AuthenticateAsync(AdminCenterAuth.CookieScheme);
        var caller = session.Succeeded ? Caller.FromPrincipal(session.Principal!, null) : null;
        if (caller is null || !caller.Has(Permission.ReadAuditLogs))
        {
            return Results.StatusCode(caller is null ? 401 : 403);
        }
        return Results.Json(new
        {
            services = Activities.All.Select(a => a.Service).Distinct().Order(StringComparer.Ordinal),
            categories = Activities.All.Select(a => a.Category).Distinct().Order(StringComparer.Ordinal),
            activities = Activities.All.Select(a => new { a.DisplayName, a.Category, a.Service }),
        });
    }
}
