namespace Verity.Server.Hosting;

/// <summary>The page at <c>/</c>: a link to the admin center, and how to get a token and read the audit log with curl.</summary>
internal static class LandingPage
{
    public static void MapLandingPage(this WebApplication app) => app.MapGet("/", Render);

    private static IResult Render(HttpContext http)
    {
        var origin = System.Net.WebUtility.HtmlEncode($"{http.Request.Scheme}://{http.Request.Host}");
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";
        var html = $$$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Verity</title>{{{AdminCenter.HtmlPage.Icons}}}
            <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;overflow:auto}</style></head>
            <body><h1>Verity</h1>
            <p>A self-hosted identity directory whose every change lands in an audit log you can query with the Microsoft Graph
            <code>auditLogs</code> API.</p>
            <p><a href="/admin/"><strong>Open the admin center</strong></a> to browse and filter the audit log, or use curl or the
            Microsoft Graph SDK as below.</p>
            <h2>1. Get a token (password grant for the bootstrap admin)</h2>
            <pre>TOKEN=$(curl -sk {{{origin}}}/&lt;tenant-id-or-domain&gt;/oauth2/v2.0/token \
              -d grant_type=password -d client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46 \
              -d scope=https://graph.microsoft.com/.default \
              --data-urlencode username=admin@verity.local --data-urlencode 'password=&lt;printed password&gt;' | jq -r .access_token)</pre>
            <h2>2. Create a user</h2>
            <pre>curl -sk {{{origin}}}/v1.0/users -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{
              "accountEnabled": true, "displayName": "Ada Lovelace", "mailNickname": "ada",
              "userPrincipalName": "ada@verity.local", "passwordProfile": {"password": "Analytical-Engine-1"}}'</pre>
            <h2>3. Read its audit entry</h2>
            <pre>curl -sk '{{{origin}}}/v1.0/auditLogs/directoryAudits?$top=5' -H "Authorization: Bearer $TOKEN"</pre>
            <p>OpenID configuration: <code>{{{origin}}}/&lt;tenant&gt;/v2.0/.well-known/openid-configuration</code></p>
            </body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
