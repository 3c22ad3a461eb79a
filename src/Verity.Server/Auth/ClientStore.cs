using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Verity.Core.Storage;
using Verity.Server.DirectoryObjects;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Verity.Server.Auth;

/// <summary>An OAuth client as OpenIddict sees it; its id doubles as the application id on token entries.</summary>
internal sealed record OAuthClient(string ClientId, string ClientType, string? DisplayName, ImmutableArray<string> RedirectUris);

/// <summary>
/// Verity's clients for OpenIddict, read-only: the built-in public client (password grant), the admin center (a public
/// client whose one redirect URI is its callback on the origin the request came to) and the tenant's directory
/// applications. An application is, as in Entra, confidential when it authenticates (sends a client secret) and public
/// otherwise; which grants and redirect URIs allow which kind is Verity's own handlers' decision (TokenRequests,
/// AuthorizeEndpoint), so OpenIddict's permission checks are off. They also verify client secrets against the
/// application's unexpired passwords, which OpenIddict's single stored hash cannot express (so its secret check is
/// removed, see <see cref="TokenEndpoints"/>), and redirect URIs against its web, publicClient and spa platforms.
/// </summary>
internal sealed class ClientStore(IDirectoryStore directory, IHttpContextAccessor accessor) : IOpenIddictApplicationStore<OAuthClient>
{
    public async ValueTask<OAuthClient?> FindByClientIdAsync(string identifier, CancellationToken ct)
    {
        var http = accessor.HttpContext!;
        if (string.Equals(identifier, TokenEndpoints.PublicClientId, StringComparison.OrdinalIgnoreCase))
        {
            return new OAuthClient(identifier, ClientTypes.Public, "Verity command line", []);
        }
        if (string.Equals(identifier, AuthorizeEndpoint.AdminCenterClientId, StringComparison.OrdinalIgnoreCase))
        {
            return new OAuthClient(identifier, ClientTypes.Public, "Verity admin center", [AuthorizeEndpoint.CallbackOf(http.Request)]);
        }
        return TokenEndpoints.TenantOf(http) is { } tenant
            && await directory.FindObjectAsync(tenant, Schemas.Application.Kind, identifier.ToLowerInvariant(), ct) is { } app
            ? new OAuthClient(identifier, Authenticates(http) ? ClientTypes.Confidential : ClientTypes.Public, (string?)app.Data["displayName"], [])
            : null;
    }

    /// <summary>Whether the request being served carries client credentials (OpenIddict's entity cache lives one request).</summary>
    private static bool Authenticates(HttpContext http) =>
        http.GetOpenIddictServerRequest() is { } request && (!string.IsNullOrEmpty(request.ClientSecret) || !string.IsNullOrEmpty(request.ClientAssertion));

    public ValueTask<OAuthClient?> FindByIdAsync(string identifier, CancellationToken ct) => FindByClientIdAsync(identifier, ct);

    public ValueTask<string?> GetIdAsync(OAuthClient application, CancellationToken ct) => new(application.ClientId);
    public ValueTask<string?> GetClientIdAsync(OAuthClient application, CancellationToken ct) => new(application.ClientId);
    public ValueTask<string?> GetClientTypeAsync(OAuthClient application, CancellationToken ct) => new(application.ClientType);
    public ValueTask<string?> GetDisplayNameAsync(OAuthClient application, CancellationToken ct) => new(application.DisplayName);
    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(OAuthClient application, CancellationToken ct) => new(application.RedirectUris);
    public ValueTask<string?> GetApplicationTypeAsync(OAuthClient application, CancellationToken ct) => new((string?)null);
    public ValueTask<string?> GetClientSecretAsync(OAuthClient application, CancellationToken ct) => new((string?)null);
    public ValueTask<string?> GetConsentTypeAsync(OAuthClient application, CancellationToken ct) => new(ConsentTypes.Implicit);
    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OAuthClient application, CancellationToken ct) =>
        new(ImmutableDictionary<CultureInfo, string>.Empty);
    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(OAuthClient application, CancellationToken ct) => new((JsonWebKeySet?)null);
    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(OAuthClient application, CancellationToken ct) => new(ImmutableArray<string>.Empty);
    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(OAuthClient application, CancellationToken ct) => new(ImmutableArray<string>.Empty);
    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OAuthClient application, CancellationToken ct) =>
        new(ImmutableDictionary<string, JsonElement>.Empty);
    // PKCE is required of every client by the server's options; lifetimes are the server's (access tokens: one hour).
    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(OAuthClient application, CancellationToken ct) => new(ImmutableArray<string>.Empty);
    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(OAuthClient application, CancellationToken ct) =>
        new(ImmutableDictionary<string, string>.Empty);

    public ValueTask<long> CountAsync(CancellationToken ct) => throw Unsupported();
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OAuthClient>, IQueryable<TResult>> query, CancellationToken ct) => throw Unsupported();
    public ValueTask CreateAsync(OAuthClient application, CancellationToken ct) => throw Unsupported();
    public ValueTask DeleteAsync(OAuthClient application, CancellationToken ct) => throw Unsupported();
    public IAsyncEnumerable<OAuthClient> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken ct) => throw Unsupported();
    public IAsyncEnumerable<OAuthClient> FindByRedirectUriAsync(string uri, CancellationToken ct) => throw Unsupported();
    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<OAuthClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken ct) =>
        throw Unsupported();
    public ValueTask<OAuthClient> InstantiateAsync(CancellationToken ct) => throw Unsupported();
    public IAsyncEnumerable<OAuthClient> ListAsync(int? count, int? offset, CancellationToken ct) => throw Unsupported();
    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<OAuthClient>, TState, IQueryable<TResult>> query, TState state, CancellationToken ct) =>
        throw Unsupported();
    public ValueTask SetApplicationTypeAsync(OAuthClient application, string? type, CancellationToken ct) => throw Unsupported();
    public ValueTask SetClientIdAsync(OAuthClient application, string? identifier, CancellationToken ct) => throw Unsupported();
    public ValueTask SetClientSecretAsync(OAuthClient application, string? secret, CancellationToken ct) => throw Unsupported();
    public ValueTask SetClientTypeAsync(OAuthClient application, string? type, CancellationToken ct) => throw Unsupported();
    public ValueTask SetConsentTypeAsync(OAuthClient application, string? type, CancellationToken ct) => throw Unsupported();
    public ValueTask SetDisplayNameAsync(OAuthClient application, string? name, CancellationToken ct) => throw Unsupported();
    public ValueTask SetDisplayNamesAsync(OAuthClient application, ImmutableDictionary<CultureInfo, string> names, CancellationToken ct) => throw Unsupported();
    public ValueTask SetJsonWebKeySetAsync(OAuthClient application, JsonWebKeySet? set, CancellationToken ct) => throw Unsupported();
    public ValueTask SetPermissionsAsync(OAuthClient application, ImmutableArray<string> permissions, CancellationToken ct) => throw Unsupported();
    public ValueTask SetPostLogoutRedirectUrisAsync(OAuthClient application, ImmutableArray<string> uris, CancellationToken ct) => throw Unsupported();
    public ValueTask SetPropertiesAsync(OAuthClient application, ImmutableDictionary<string, JsonElement> properties, CancellationToken ct) => throw Unsupported();
    public ValueTask SetRedirectUrisAsync(OAuthClient application, ImmutableArray<string> uris, CancellationToken ct) => throw Unsupported();
    public ValueTask SetRequirementsAsync(OAuthClient application, ImmutableArray<string> requirements, CancellationToken ct) => throw Unsupported();
    public ValueTask SetSettingsAsync(OAuthClient application, ImmutableDictionary<string, string> settings, CancellationToken ct) => throw Unsupported();
    public ValueTask UpdateAsync(OAuthClient application, CancellationToken ct) => throw Unsupported();

    private static NotSupportedException Unsupported() =>
        new("Verity's OAuth clients come from its directory (applications) and its own two built-in clients; OpenIddict cannot list or change them.");
}
