using System.Net;

namespace Verity.Server.AdminCenter;

/// <summary>
/// The layout of every server-rendered page (admin center and sign-in): one stylesheet, scripts only from
/// <c>/admin/assets</c>, and a Content-Security-Policy that forbids inline script and style.
/// </summary>
internal static class HtmlPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The site icon: SVG where the browser takes it, else the ICO also served at /favicon.ico.</summary>
    public const string Icons = """<link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/admin/assets/favicon.svg" type="image/svg+xml">""";

    /// <summary>HTML-encodes text for an element body or a double-quoted attribute.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static IResult Render(HttpContext http, string title, string body, int status = 200, string? script = null, string bodyAttributes = "")
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        var scriptTag = script is null ? "" : $"""<script type="module" src="/admin/assets/{script}"></script>""";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · Verity</title>
            {Icons}
            <link rel="stylesheet" href="/admin/assets/admin.css">
            {scriptTag}
            </head>
            <body{bodyAttributes}>
            {body}
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>A page with a heading, a message and optional follow-up HTML (links, a form).</summary>
    public static IResult Message(HttpContext http, string title, string message, int status, string more = "") => Render(http, title, $"""
        <main class="card narrow">
        <h1>{E(title)}</h1>
        <p>{E(message)}</p>
        {more}
        </main>
        """, status);
}
