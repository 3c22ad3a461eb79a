using System.Text.Json.Nodes;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

/// <summary>The platforms of an application registration a redirect URI is registered under, as Entra models them.</summary>
[Flags]
internal enum RedirectPlatforms
{
    None = 0,
    /// <summary><c>web.redirectUris</c>: a confidential client, which redeems its codes with a client secret.</summary>
    Web = 1,
    /// <summary><c>publicClient.redirectUris</c> (mobile and desktop): a public client, no secret.</summary>
    PublicClient = 2,
    /// <summary><c>spa.redirectUris</c>: a public client in a browser, which redeems its codes cross-origin.</summary>
    Spa = 4,
}

/// <summary>
/// Entra's rules for a directory application's redirect URIs. Which platform the request's redirect URI is registered
/// under makes the client confidential (web) or public (publicClient, spa), as Entra decides it: "Azure AD looks at the
/// reply URL provided in the request and cross checks it with the reply URLs registered". URIs compare exactly, except
/// that a loopback URI (localhost, 127.0.0.1, [::1]) matches on any port: Entra's "localhost exceptions", after
/// RFC 8252 §7.3 (native apps listen on an ephemeral port).
/// </summary>
internal static class RedirectUris
{
    public static RedirectPlatforms PlatformsOf(StoredObject application, string? redirectUri)
    {
        if (string.IsNullOrEmpty(redirectUri))
        {
            return RedirectPlatforms.None;
        }
        var platforms = RedirectPlatforms.None;
        foreach (var (property, platform) in (ReadOnlySpan<(string, RedirectPlatforms)>)
            [("web", RedirectPlatforms.Web), ("publicClient", RedirectPlatforms.PublicClient), ("spa", RedirectPlatforms.Spa)])
        {
            if (application.Data[property]?["redirectUris"] is JsonArray uris
                && uris.Any(u => u is JsonValue v && v.TryGetValue<string>(out var registered) && Matches(registered, redirectUri)))
            {
                platforms |= platform;
            }
        }
        return platforms;
    }

    /// <summary>
    /// "Allow public client flows" (<c>isFallbackPublicClient</c>): the password grant without a client secret, where no
    /// redirect URI says which kind of client is asking.
    /// </summary>
    public static bool AllowsPublicClientFlows(StoredObject application) => (bool?)application.Data["isFallbackPublicClient"] == true;

    public static bool Matches(string registered, string requested)
    {
        if (string.Equals(registered, requested, StringComparison.Ordinal))
        {
            return true;
        }
        if (!Uri.TryCreate(registered, UriKind.Absolute, out var left) || !Uri.TryCreate(requested, UriKind.Absolute, out var right))
        {
            return false;
        }
        // Scheme and host are case-insensitive and "https://app.example" is "https://app.example/"; the path and query
        // are compared exactly (Entra's redirect URIs are case-sensitive).
        var components = IsLoopback(left) && IsLoopback(right)
            ? UriComponents.Scheme | UriComponents.Host | UriComponents.PathAndQuery
            : UriComponents.Scheme | UriComponents.Host | UriComponents.Port | UriComponents.PathAndQuery;
        return Uri.Compare(left, right, components, UriFormat.UriEscaped, StringComparison.Ordinal) == 0;
    }

    private static bool IsLoopback(Uri uri) => uri.Scheme is "http" or "https" && uri.IsLoopback;
}
