using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Graph;

namespace Verity.Server.AdminCenter;

/// <summary>
/// <c>GET/PUT /admin/api/preferences/{name}</c>: small JSON values the admin center remembers per user (the chosen
/// columns of each log and tab, local time or UTC), stored server-side per tenant and user so they follow the user to any browser. Only the
/// admin-center session may use them; a PUT needs the page's anti-forgery token in a header.
/// </summary>
internal static partial class AdminPreferences
{
    public const int MaxBytes = 4096;

    /// <summary>Stored compact; served as application/json to the page only, so HTML-sensitive characters need no escaping.</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void MapAdminPreferences(this WebApplication app)
    {
        app.MapGet("/admin/api/preferences/{name}", GetAsync);
        app.MapPut("/admin/api/preferences/{name}", PutAsync).DisableAntiforgery();
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>The stored JSON, or 204 when the user has not saved this preference.</summary>
    private static async Task<IResult> GetAsync(HttpContext http, string name, IDirectoryStore store)
    {
        var key = await KeyAsync(http, name);
        return await store.GetSettingAsync(key, http.RequestAborted) is { } json ? Results.Text(json, "application/json") : Results.NoContent();
    }

    private static async Task<IResult> PutAsync(HttpContext http, string name, IDirectoryStore store, IAntiforgery antiforgery)
    {
        var key = await KeyAsync(http, name);
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            throw GraphException.BadRequest("The anti-forgery token is missing or invalid: reload the page and try again.", "Request_AntiforgeryFailed");
        }
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw new GraphException(415, "UnsupportedMediaType", "The request body must be JSON (Content-Type: application/json).");
        }
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted)) > 0)
        {
            length += read;
        }
        if (length > MaxBytes)
        {
            throw new GraphException(413, "RequestEntityTooLarge", $"A preference holds at most {MaxBytes} bytes of JSON.");
        }
        string json;
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            json = JsonSerializer.Serialize(document.RootElement, Compact);
        }
        catch (JsonException)
        {
            throw GraphException.BadRequest("The request body is not valid JSON.");
        }
        await store.SetSettingAsync(key, json, http.RequestAborted);
        return Results.NoContent();
    }

    /// <summary>The setting key for the signed-in reader; throws 401/403 in Graph's shape otherwise, 400 for a bad name.</summary>
    private static async Task<string> KeyAsync(HttpContext http, string name)
    {
        var session = await http.AuthenticateAsync(AdminCenterAuth.CookieScheme);
        var caller = session.Succeeded ? Caller.FromPrincipal(session.Principal!, null) : null;
        if (caller is null)
        {
            throw new GraphException(401, "InvalidAuthenticationToken", "Sign in to the admin center first.");
        }
        if (!AdminBlade.CanReadAny(caller))
        {
            throw GraphException.Forbidden();
        }
        if (!NamePattern().IsMatch(name))
        {
            throw GraphException.BadRequest($"Invalid preference name '{name}': use 1 to 64 letters, digits, '.', '_' or '-'.");
        }
        return $"pref:{caller.TenantId}:{caller.ObjectId}:{name}";
    }
}
