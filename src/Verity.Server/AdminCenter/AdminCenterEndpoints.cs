using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Verity.Core.Model;
using Verity.Server.Auth;
using Verity.Server.Logs;

namespace Verity.Server.AdminCenter;

/// <summary>
/// The admin center under <c>/admin</c>: one server-rendered shell per log (<see cref="AdminBlade"/>: audit logs at
/// <c>/admin/</c>, sign-in logs at <c>/admin/signins</c>) whose script reads the log through the Graph API, the
/// insights page, sign-in and sign-out, the refusal page, and its static files (embedded, no CDN).
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
        app.MapGet("/admin", (HttpContext http, IAntiforgery antiforgery, IOptions<DownloadOptions> download) => // also serves /admin/
            ShellAsync(http, antiforgery, download, AdminBlade.Audits));
        app.MapGet("/admin/signins", (HttpContext http, IAntiforgery antiforgery, IOptions<DownloadOptions> download) =>
            ShellAsync(http, antiforgery, download, AdminBlade.SignIns));
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

    /// <summary>A log's page, or a sign-in when there is no session, or a refusal when no role of the caller reads that log.</summary>
    private static async Task<IResult> ShellAsync(HttpContext http, IAntiforgery antiforgery, IOptions<DownloadOptions> download, AdminBlade blade)
    {
        var (caller, refusal) = await ReaderAsync(http, blade);
        if (caller is null)
        {
            return refusal!;
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        var body = $"""
            {Header(caller, tokens, blade.Key)}
            <main id="main">
            <nav class="tabs" aria-label="{HtmlPage.E(blade.Title)}" id="log-tabs" hidden></nav>
            <section id="log" aria-live="polite"></section>
            </main>
            """;
        // The download's rows per file: the configured most, or Entra's limit for this log (100,000 sign-ins), the lower.
        var maxRows = Math.Min(download.Value.MaxRows, blade.Api.MaxDownloadRows);
        return HtmlPage.Render(http, blade.Title, body, script: "app.js",
            bodyAttributes: $""" data-log="{HtmlPage.E(blade.Key)}" data-tenant="{HtmlPage.E(caller.TenantId.ToString())}" data-user="{HtmlPage.E(caller.ObjectId)}" data-antiforgery="{HtmlPage.E(tokens.RequestToken)}" data-download-max-rows="{maxRows}" """);
    }

    /// <summary>
    /// <c>/admin/insights?log=signIns&amp;days=30</c>: a log's questions (audit log by default) answered by its insights
    /// API, each with its number, a short list and a chart over time, linking to the list behind it.
    /// </summary>
    private static async Task<IResult> InsightsAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var key = http.Request.Query["log"].ToString();
        if (AdminBlade.All.FirstOrDefault(b => b.Key == (key.Length == 0 ? AdminBlade.Audits.Key : key)) is not { } blade)
        {
            return HtmlPage.Message(http, "No such log", $"There is no log '{key}'. Use one of: {string.Join(", ", AdminBlade.All.Select(b => b.Key))}.", 404,
                """<p><a href="/admin/insights">Insights</a></p>""");
        }
        var (caller, refusal) = await ReaderAsync(http, blade);
        if (caller is null)
        {
            return refusal!;
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        var body = $"""
            {Header(caller, tokens, "insights")}
            <main id="main">
            <section id="insights" aria-live="polite"></section>
            </main>
            """;
        return HtmlPage.Render(http, "Insights", body, script: "insights.js",
            bodyAttributes: $""" data-log="{HtmlPage.E(blade.Key)}" data-tenant="{HtmlPage.E(caller.TenantId.ToString())}" data-user="{HtmlPage.E(caller.ObjectId)}" data-antiforgery="{HtmlPage.E(tokens.RequestToken)}" """);
    }

    private static string Header(Caller caller, AntiforgeryTokenSet tokens, string? current = null) => $"""
        <header class="topbar">
        <a class="brand" href="{(AdminBlade.All.FirstOrDefault(b => b.CanRead(caller)) ?? AdminBlade.Audits).Path}">Verity admin center</a>
        {(AdminBlade.CanReadAny(caller) ? Sections(caller, current) : "")}
        <span class="who" id="signed-in-user">{HtmlPage.E(caller.UserPrincipalName ?? caller.DisplayName ?? caller.ObjectId)}</span>
        <form method="post" action="/admin/signout">
        <input type="hidden" name="{HtmlPage.E(tokens.FormFieldName)}" value="{HtmlPage.E(tokens.RequestToken)}">
        <button type="submit" id="sign-out">Sign out</button>
        </form>
        </header>
        """;

    /// <summary>
    /// The admin center's pages, as Entra's "Monitoring &amp; health" lists them. Every log is listed even when the
    /// caller's roles do not read it (its page says so); Insights opens on a log the caller reads.
    /// </summary>
    private static string Sections(Caller caller, string? current)
    {
        string Link(string key, string href, string label) =>
            $"""<a href="{href}" id="nav-{key}"{(key == current ? " aria-current=\"page\"" : "")}>{label}</a>""";
        var insights = AdminBlade.Audits.CanRead(caller) ? "/admin/insights" : $"/admin/insights?log={AdminBlade.SignIns.Key}";
        return $"""<nav class="sections" aria-label="Admin center">{string.Concat(AdminBlade.All.Select(b => Link(b.Key, b.Path, b.Title)))}{Link("insights", insights, "Insights")}</nav>""";
    }

    /// <summary>The signed-in caller when it may read the blade's log; otherwise the result to return (a sign-in challenge, or 403).</summary>
    private static async Task<(Caller? Caller, IResult? Refusal)> ReaderAsync(HttpContext http, AdminBlade blade)
    {
        var session = await http.AuthenticateAsync(AdminCenterAuth.CookieScheme);
        var caller = session.Succeeded ? Caller.FromPrincipal(session.Principal!, http.Connection.RemoteIpAddress?.ToString()) : null;
        if (caller is null)
        {
            return (null, Challenge(http.Request.Query[AdminCenterAuth.TenantItem], $"{http.Request.Path}{http.Request.QueryString}"));
        }
        if (!blade.CanRead(caller))
        {
            var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
            var name = caller.UserPrincipalName ?? caller.ObjectId;
            var readable = AdminBlade.All.Where(b => b.CanRead(caller)).Select(b => $"""<a href="{b.Path}">{HtmlPage.E(b.Title)}</a>""").ToList();
            var elsewhere = readable.Count == 0 ? "" : $"""<p>Your roles read: {string.Join(", ", readable)}.</p>""";
            return (null, HtmlPage.Render(http, "No access", $"""
                {Header(caller, tokens, blade.Key)}
                <main class="card narrow" id="no-access">
                <h1>You don't have access</h1>
                <p>{HtmlPage.E(name)} is signed in, but reading {HtmlPage.E(blade.Title.ToLowerInvariant())} needs one of these directory roles:
                {HtmlPage.E(string.Join(", ", ReaderRoles(blade.Api.Read)))}.</p>
                {elsewhere}
                <p>Ask a Global Administrator to assign you one, then sign in again.</p>
                </main>
                """, 403));
        }
        return (caller, null);
    }

    private static IEnumerable<string> ReaderRoles(Permission permission) =>
        DirectoryRoles.BuiltIn.Where(r => r.Permissions.Contains(permission)).Select(r => r.DisplayName);

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
