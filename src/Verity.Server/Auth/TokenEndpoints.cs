using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Verity.Core.Storage;
using Verity.Server.DirectoryObjects;
using Verity.Server.Graph;
using Verity.Server.SignInLogs;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Verity.Server.Auth;

/// <summary>
/// A real OAuth 2.0 / OpenID Connect server (OpenIddict) at Entra's per-tenant addresses:
/// <c>/{tenant}/oauth2/v2.0/token</c>, <c>/{tenant}/v2.0/.well-known/openid-configuration</c> and
/// <c>/{tenant}/discovery/v2.0/keys</c>; tenant is a GUID or the tenant's domain. Access tokens are JWTs with Entra's
/// claims (tid, oid, wids, roles, idtyp) validated on every Graph call.
/// </summary>
internal static partial class TokenEndpoints
{
    /// <summary>The built-in public client for the password grant (CLI, scripts, tests).</summary>
    public const string PublicClientId = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

    /// <summary>Microsoft Graph's resource id: the audience of every access token, as in Entra.</summary>
    public const string GraphResource = "00000003-0000-0000-c000-000000000000";

    private const string SegmentKey = "verity.tenant-segment";
    private const string TenantKey = "verity.tenant-id";
    private const string SubjectKey = "verity.token-subject";

    [GeneratedRegex(@"^/([^/]+)/(oauth2/v2\.0/token|oauth2/v2\.0/authorize|v2\.0/\.well-known/openid-configuration|discovery/v2\.0/keys)$")]
    private static partial Regex TenantPath();

    public static IServiceCollection AddVerityTokens(this IServiceCollection services)
    {
        services.AddSingleton<PrincipalStates>();
        services.AddSingleton<SignInRecorder>();
        PasswordHasher.Add(services);
        SmartLockout.Add(services);
        services.AddHttpContextAccessor();
        services.AddHostedService<TokenPruner>();
        services.AddOpenIddict()
            .AddCore(o => o.SetDefaultApplicationEntity<OAuthClient>().SetDefaultAuthorizationEntity<OAuthAuthorization>().SetDefaultTokenEntity<OAuthToken>()
                .ReplaceApplicationStore<OAuthClient, ClientStore>(ServiceLifetime.Scoped)
                .ReplaceAuthorizationStore<OAuthAuthorization, AuthorizationStore>(ServiceLifetime.Scoped)
                .ReplaceTokenStore<OAuthToken, TokenStore>(ServiceLifetime.Scoped))
            .AddServer(o =>
        {
            o.SetTokenEndpointUris("oauth2/v2.0/token")
             .SetAuthorizationEndpointUris("oauth2/v2.0/authorize")
             .SetConfigurationEndpointUris("v2.0/.well-known/openid-configuration")
             .SetJsonWebKeySetEndpointUris("discovery/v2.0/keys");
            o.AllowClientCredentialsFlow().AllowPasswordFlow().AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
            // Codes and tokens have entries in Verity's store (TokenStore): a code is redeemed once, and a replayed one
            // revokes what its first redemption issued. Clients come from ClientStore; TokenRequests and
            // AuthorizeEndpoint.ValidateAsync decide which client may use which grant, check secrets and match redirect
            // URIs with Entra's rules (a loopback URI on any port), so OpenIddict's permission lists are not used and its
            // secret check (one stored hash per client) and exact redirect URI check are removed.
            o.IgnoreEndpointPermissions().IgnoreGrantTypePermissions().IgnoreResponseTypePermissions().IgnoreScopePermissions();
            o.RemoveEventHandler(OpenIddictServerHandlers.ValidateClientSecret.Descriptor);
            o.RemoveEventHandler(OpenIddictServerHandlers.Authentication.ValidateClientRedirectUri.Descriptor);
            // Entra lets a refresh token ask for other scopes of the resource than the sign-in did (consent permitting);
            // Verity's delegated scopes grant nothing by themselves (roles do), so the refresh grant takes the scopes asked.
            o.RemoveEventHandler(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor);
            // Entra's v2.0 token endpoint takes a scope with an authorization code too (MSAL always sends one).
            o.RemoveEventHandler(OpenIddictServerHandlers.Exchange.ValidateScopeParameter.Descriptor);
            o.DisableScopeValidation();
            o.DisableAccessTokenEncryption();
            o.SetAccessTokenLifetime(TimeSpan.FromHours(1));
            // Refresh tokens as Entra's (issued with offline_access): each redemption returns a new one with a fresh 90 days,
            // so one unused for 90 days has expired "due to inactivity" (AADSTS700082). Entra leaves the redeemed one valid
            // too; Verity rolls them (OpenIddict's default): a refresh token is redeemed once, and one presented again
            // more than 30 seconds after its redemption revokes every token of its sign-in (RFC 9700 §4.14.2, refresh
            // token rotation for public clients), since only a copy held by someone else would be. The 30 seconds let a
            // client retry a refresh whose answer it lost, or two threads refresh at once, without signing the user out.
            o.SetRefreshTokenLifetime(TimeSpan.FromDays(90));
            o.SetRefreshTokenReuseLeeway(TimeSpan.FromSeconds(30));
            o.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            o.AddEventHandler<ProcessRequestContext>(b => b.UseInlineHandler(MatchTenantPath)
                .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            o.AddEventHandler<ProcessRequestContext>(b => b.UseInlineHandler(ResolveTenantAsync)
                .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order + 1).SetType(OpenIddictServerHandlerType.Custom));
            // Before OpenIddict's own client and code checks, so that callers get Entra's AADSTS errors.
            o.AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(TokenRequests.ValidateAsync)
                .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            o.AddEventHandler<ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(AuthorizeEndpoint.ValidateAsync)
                .SetOrder(OpenIddictServerHandlers.Authentication.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            // Before the token's entry is read, so that an expired refresh token is told apart from a revoked one.
            o.AddEventHandler<ValidateTokenContext>(b => b.UseInlineHandler(RejectExpiredRefreshToken)
                .SetOrder(OpenIddictServerHandlers.Protection.RestoreTokenEntryProperties.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            o.AddEventHandler(TokenErrors.Wording);
            o.AddEventHandler(TokenErrors.Codes);
            o.AddEventHandler<HandleConfigurationRequestContext>(b => b.UseInlineHandler(AdvertiseTenantEndpoints)
                .SetOrder(int.MaxValue - 100).SetType(OpenIddictServerHandlerType.Custom));
            o.AddSignInCapture();
        });
        // The active key first (OpenIddict signs and seals with the first), then the retired ones that still validate;
        // rebuilt whenever the ring rotates.
        services.AddOptions<OpenIddictServerOptions>().Configure<KeyRing>((o, keys) =>
        {
            o.SigningCredentials.AddRange(keys.SigningKeys.Select(k => new SigningCredentials(k, SecurityAlgorithms.RsaSha256)));
            o.EncryptionCredentials.AddRange(keys.EncryptionKeys.Select(k =>
                new EncryptingCredentials(k, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512)));
        });
        services.AddSingleton<Microsoft.Extensions.Options.IOptionsChangeTokenSource<OpenIddictServerOptions>, KeyRingChanges>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<KeyRing, ValidatedTokenCache>((o, keys, cache) =>
        {
            o.MapInboundClaims = false;
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(cache);
            o.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKeyResolver = (_, _, kid, _) => keys.SigningKeysFor(kid),
                ValidAudiences = [GraphResource, "https://graph.microsoft.com"],
                IssuerValidator = ValidateIssuer,
                ClockSkew = TimeSpan.FromMinutes(2),
                NameClaimType = "name",
            };
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = EvaluateAccessAsync,
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    if (context.HttpContext.Items[typeof(SessionRevoked)] is SessionRevoked revoked)
                    {
                        await ChallengeClaimsAsync(context.HttpContext, revoked);
                        return;
                    }
                    var message = context.AuthenticateFailure is null
                        ? "Access token is empty. Send Authorization: Bearer <token> from /{tenant}/oauth2/v2.0/token."
                        : $"Access token validation failure: {Describe(context.AuthenticateFailure)}";
                    context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                    await GraphErrorHandler.WriteAsync(context.HttpContext, 401, "InvalidAuthenticationToken", message);
                },
            };
        });
        services.AddAuthorization();
        return services;
    }

    /// <summary>A valid token still has to agree with the directory now (<see cref="PrincipalStates"/>).</summary>
    private static async Task EvaluateAccessAsync(TokenValidatedContext context)
    {
        if (await IsRevokedAsync(context.HttpContext, context.Principal!))
        {
            context.Fail(new TokenRevokedException());
            return;
        }
        var states = context.HttpContext.RequestServices.GetRequiredService<PrincipalStates>();
        var (principal, revoked) = await states.EvaluateAsync(context.Principal!, context.HttpContext.RequestAborted);
        if (revoked is not null)
        {
            context.HttpContext.Items[typeof(SessionRevoked)] = revoked;
            context.Fail(revoked.Message);
            return;
        }
        context.Principal = principal;
    }

    /// <summary>
    /// Tokens redeemed from an authorization code, and those issued with a refresh token, carry their sign-in's
    /// authorization (<c>oi_au_id</c>), and a replayed code or refresh token revokes their entries (RFC 6749 §4.1.2,
    /// RFC 9700 §4.14.2), so such a token needs its entry still valid. Other tokens have no authorization and cost no lookup.
    /// </summary>
    private static async Task<bool> IsRevokedAsync(HttpContext http, ClaimsPrincipal principal)
    {
        if (principal.FindFirst(Claims.Private.AuthorizationId) is null)
        {
            return false;
        }
        var entry = Guid.TryParse(principal.FindFirst("tid")?.Value, out var tenantId) && principal.FindFirst(Claims.Private.TokenId)?.Value is { } id
            ? await http.RequestServices.GetRequiredService<IOAuthStore>().FindTokenAsync(tenantId, id, http.RequestAborted)
            : null;
        return entry?.Status != Statuses.Valid;
    }

    private sealed class TokenRevokedException() : SecurityTokenException("the token was revoked (the authorization code or a refresh token of its sign-in was redeemed again).");

    /// <summary>
    /// Entra's continuous-access-evaluation answer: 401 with a claims challenge asking for a token issued from now on
    /// (<c>{"access_token":{"nbf":{"essential":true,"value":"…"}}}</c>), which MSAL turns into a fresh sign-in.
    /// </summary>
    private static async Task ChallengeClaimsAsync(HttpContext http, SessionRevoked revoked)
    {
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        var claims = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $$$$"""{"access_token":{"nbf":{"essential":true,"value":"{{{{now}}}}"}}}"""));
        var authorize = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/{revoked.TenantId}/oauth2/v2.0/authorize";
        http.Response.Headers.WWWAuthenticate = $"Bearer authorization_uri=\"{authorize}\", error=\"insufficient_claims\", claims=\"{claims}\"";
        await GraphErrorHandler.WriteAsync(http, 401, "InvalidAuthenticationToken",
            $"Continuous access evaluation resulted in challenge with result: InteractionRequired and code: {revoked.Code}. {revoked.Message}");
    }

    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "the token has expired.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the signature is invalid.",
        SecurityTokenInvalidAudienceException => "invalid audience.",
        SecurityTokenInvalidIssuerException => "invalid issuer.",
        TokenRevokedException => failure.Message,
        _ => "the token is malformed or was not issued by this server.",
    };

    /// <summary>The issuer must be <c>…/{tid}/v2.0</c> for the token's own tenant; the host is whatever the client used.</summary>
    internal static string ValidateIssuer(string issuer, SecurityToken token, TokenValidationParameters parameters)
    {
        var tid = (token as JsonWebToken)?.TryGetPayloadValue<string>("tid", out var t) == true ? t : null;
        if (tid is null || !Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.AbsolutePath.TrimEnd('/') != $"/{tid}/v2.0")
        {
            throw new SecurityTokenInvalidIssuerException("The issuer does not match the token's tenant.");
        }
        return issuer;
    }

    private static ValueTask MatchTenantPath(ProcessRequestContext context)
    {
        var request = context.Transaction.GetHttpRequest()!;
        var match = TenantPath().Match(request.Path.Value ?? "");
        if (match.Success)
        {
            context.Transaction.Properties[SegmentKey] = match.Groups[1].Value;
            context.BaseUri = new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/{match.Groups[1].Value}/");
        }
        return default;
    }

    private static async ValueTask ResolveTenantAsync(ProcessRequestContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Unknown || !context.Transaction.Properties.TryGetValue(SegmentKey, out var segment))
        {
            return;
        }
        var http = context.Transaction.GetHttpRequest()!.HttpContext;
        var store = http.RequestServices.GetRequiredService<IDirectoryStore>();
        var text = (string)segment!;
        var tenant = Guid.TryParse(text, out var id)
            ? await store.GetTenantAsync(id, http.RequestAborted)
            : await store.FindTenantByDomainAsync(text, http.RequestAborted);
        if (tenant is null)
        {
            context.Reject(Errors.InvalidRequest, $"AADSTS90002: Tenant '{text}' not found. Check the tenant id or domain in the URL.");
            return;
        }
        context.Transaction.Properties[TenantKey] = tenant.Id;
        http.Items[TenantKey] = tenant.Id;
        context.BaseUri = new Uri(new Uri(context.BaseUri!, "/"), $"{http.Request.PathBase}/{tenant.Id}/v2.0".TrimStart('/'));
    }

    private static ValueTask AdvertiseTenantEndpoints(HandleConfigurationRequestContext context)
    {
        var request = context.Transaction.GetHttpRequest()!;
        if (TenantOf(context.Transaction) is not { } tid)
        {
            context.Reject(Errors.InvalidRequest, "AADSTS90002: No tenant in the address. Use /{tenant}/v2.0/.well-known/openid-configuration.");
            return default;
        }
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}/{tid}";
        context.TokenEndpoint = new Uri($"{root}/oauth2/v2.0/token");
        context.JsonWebKeySetEndpoint = new Uri($"{root}/discovery/v2.0/keys");
        context.AuthorizationEndpoint = new Uri($"{root}/oauth2/v2.0/authorize");
        // The identity token's claims MSAL and OpenID Connect clients build their account from, as Entra lists them.
        context.Claims.UnionWith(["tid", "oid", "name", "preferred_username", "ver", "nonce", "at_hash"]);
        context.Metadata["tenant_region_scope"] = "NA";
        context.Metadata["cloud_instance_name"] = "microsoftonline.com";
        return default;
    }

    public static void MapVerityTokens(this WebApplication app)
    {
        app.MapPost("/{tenant}/oauth2/v2.0/token", (Delegate)IssueTokenAsync);
        app.MapMethods("/{tenant}/oauth2/v2.0/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeEndpoint.HandleAsync).DisableAntiforgery();
        app.MapGet("/common/userrealm/{upn}", UserRealm);
    }

    /// <summary>
    /// Passthrough token endpoint: the request was validated by <see cref="TokenRequests"/>; sign in its subject. For an
    /// authorization code or a refresh token, the user is checked again through <see cref="PrincipalStates"/> (a
    /// disabled, deleted or revoked account is refused with Entra's AADSTS code) and read again, so roles and names are
    /// the current ones.
    /// </summary>
    private static async Task<IResult> IssueTokenAsync(HttpContext http)
    {
        var subject = http.Items[SubjectKey] as TokenSubject;
        var request = http.GetOpenIddictServerRequest();
        ClaimsPrincipal? grant = null;
        if (request is not null && (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType()) && http.Items[TenantKey] is Guid tenantId)
        {
            grant = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            SignInCapture.UseBrowserOf(http, grant);
            var (redeemed, error, description) = await TokenRequests.RedeemAsync(http, tenantId, request, grant);
            if (redeemed is null)
            {
                return Reject(error!, description!);
            }
            subject = redeemed;
            SetSubject(http, subject);
        }
        if (request is null || subject is null)
        {
            return Reject(Errors.UnsupportedGrantType, "AADSTS70003: The app requested an unsupported grant type. Use client_credentials, password, authorization_code or refresh_token.");
        }
        var principal = PrincipalOf(subject, withIdentityToken: !subject.IsApp, TokenRequests.GrantedScopes(request, grant, subject));
        principal.SetClaim(Claims.Private.Nonce, request.IsAuthorizationCodeGrantType() ? grant?.GetClaim(Claims.Private.Nonce) : null);
        // Kept in codes and refresh tokens only (no destination): when the user signed in, and the kind of client the
        // tokens were issued to, which a refresh must present itself as again.
        principal.SetClaim(Claims.AuthenticationTime, long.TryParse(grant?.GetClaim(Claims.AuthenticationTime), CultureInfo.InvariantCulture, out var signedIn)
            ? signedIn : Now(http).ToUnixTimeSeconds());
        principal.SetClaim(TokenRequests.ClientTypeClaim, TokenRequests.ClientTypeOf(http, request, grant));
        var properties = new AuthenticationProperties();
        // MSAL builds its account from client_info (base64url {"uid": oid, "utid": tid}) when it asks with client_info=1.
        if (!subject.IsApp && (string?)request["client_info"] == "1")
        {
            properties.Parameters["client_info"] = Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(
                new Dictionary<string, string> { ["uid"] = subject.ObjectId, ["utid"] = subject.TenantId.ToString() }));
        }
        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static DateTimeOffset Now(HttpContext http) => http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();

    internal static IResult Reject(string error, string description) => Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>
    /// Refresh tokens live 90 days from their issue; one presented later is refused as Entra refuses it, before OpenIddict
    /// reads its entry (which says "no longer valid" alike for expired and revoked ones).
    /// </summary>
    private static ValueTask RejectExpiredRefreshToken(ValidateTokenContext context)
    {
        if (context.Principal is { } token && token.GetTokenType() == TokenTypeIdentifiers.RefreshToken
            && token.GetExpirationDate() is { } expires && expires < context.Options.TimeProvider!.GetUtcNow())
        {
            var issued = token.GetCreationDate() ?? expires;
            context.Reject(Errors.InvalidGrant, string.Create(CultureInfo.InvariantCulture,
                $"AADSTS700082: The refresh token has expired due to inactivity. The token was issued on {issued:yyyy-MM-ddTHH:mm:ssZ} and was inactive for {expires - issued:c}."));
        }
        return default;
    }

    /// <summary>
    /// Entra's claims for a subject, with the scopes granted (<c>scp</c> for a user). With an identity token (user
    /// sign-ins asking <c>openid</c>) the user's claims go into it too, so MSAL's account has its username
    /// (<c>preferred_username</c>), object and tenant ids.
    /// </summary>
    internal static ClaimsPrincipal PrincipalOf(TokenSubject subject, bool withIdentityToken, IReadOnlyCollection<string>? scopes = null)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, "name", "roles");
        identity.SetClaim(Claims.Subject, subject.ObjectId).SetClaim("oid", subject.ObjectId).SetClaim("tid", subject.TenantId.ToString())
            .SetClaim("idtyp", subject.IsApp ? "app" : "user").SetClaim("appid", subject.AppId).SetClaim("azp", subject.AppId)
            .SetClaim("ver", "2.0").SetClaim(PrincipalStates.SessionVersionClaim, subject.SessionVersion);
        if (subject.IsApp)
        {
            identity.SetClaim("app_displayname", subject.DisplayName);
            identity.AddClaim(ArrayClaim("roles", subject.AppRoles));
        }
        else
        {
            identity.SetClaim("name", subject.DisplayName).SetClaim("upn", subject.UserPrincipalName).SetClaim("preferred_username", subject.UserPrincipalName);
            if (scopes is not null)
            {
                identity.SetClaim("scp", TokenRequests.DelegatedPermissions(scopes));
            }
        }
        identity.AddClaim(ArrayClaim("wids", subject.RoleIds));
        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(GraphResource);
        if (scopes is not null)
        {
            principal.SetScopes(scopes);
        }
        principal.SetDestinations(claim => withIdentityToken && claim.Type is not ("appid" or "azp" or "scp")
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return principal;
    }

    /// <summary>Entra sends <c>roles</c> and <c>wids</c> as JSON arrays even with one value; clients index into them.</summary>
    private static Claim ArrayClaim(string type, IReadOnlyList<string> values) =>
        new(type, System.Text.Json.JsonSerializer.Serialize(values), JsonClaimValueTypes.JsonArray);

    /// <summary>MSAL.NET's password flow asks this before the token endpoint; every Verity account is a managed one.</summary>
    private static IResult UserRealm(string upn) => Results.Json(new
    {
        ver = "1.0",
        account_type = "Managed",
        domain_name = upn.Contains('@', StringComparison.Ordinal) ? upn[(upn.IndexOf('@', StringComparison.Ordinal) + 1)..] : upn,
        cloud_instance_name = "microsoftonline.com",
        cloud_audience_urn = "urn:federation:MicrosoftOnline",
    });

    internal static void SetSubject(HttpContext http, TokenSubject subject) => http.Items[SubjectKey] = subject;

    /// <summary>Who the token request signed in, once validated (the sign-in log reads it).</summary>
    internal static TokenSubject? SubjectOf(HttpContext http) => http.Items[SubjectKey] as TokenSubject;

    /// <summary>The tenant resolved from an OpenIddict endpoint's address (<c>/{tenant}/…</c>), once OpenIddict has run.</summary>
    internal static Guid? TenantOf(HttpContext http) => http.Items[TenantKey] as Guid?;

    /// <summary>The tenant resolved from the address, or null when the request came without one (e.g. /oauth2/v2.0/token).</summary>
    internal static Guid? TenantOf(OpenIddictServerTransaction transaction) =>
        transaction.Properties.TryGetValue(TenantKey, out var tenant) ? (Guid)tenant! : null;
}

internal sealed record TokenSubject(Guid TenantId, string ObjectId, bool IsApp, string? DisplayName, string? UserPrincipalName, string AppId,
    IReadOnlyList<string> RoleIds, IReadOnlyList<string> AppRoles, long SessionVersion = 0);

/// <summary>Checks a token request against the directory, with Entra's AADSTS errors.</summary>
internal static class TokenRequests
{
    /// <summary>
    /// In codes and refresh tokens: the kind of client they were issued to (<c>public</c>, <c>spa</c> or
    /// <c>confidential</c>); a refresh must come from the same kind, as in Entra.
    /// </summary>
    public const string ClientTypeClaim = "verity_client_type";

    private const string SpaRedemptionKey = "verity.spa-redemption";

    public static async ValueTask ValidateAsync(ValidateTokenRequestContext context)
    {
        var http = context.Transaction.GetHttpRequest()!.HttpContext;
        var store = http.RequestServices.GetRequiredService<IDirectoryStore>();
        if (TokenEndpoints.TenantOf(context.Transaction) is not { } tenantId)
        {
            context.Reject(Errors.InvalidRequest, "AADSTS90002: No tenant in the address. Use /{tenant}/oauth2/v2.0/token with a tenant id or domain.");
            return;
        }
        var ct = http.RequestAborted;
        var request = context.Request;
        if (string.IsNullOrEmpty(request.ClientId))
        {
            context.Reject(Errors.InvalidRequest, "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
            return;
        }
        var clientId = request.ClientId.ToLowerInvariant();
        var builtIn = clientId is TokenEndpoints.PublicClientId or AuthorizeEndpoint.AdminCenterClientId;
        var app = builtIn ? null : await store.FindObjectAsync(tenantId, Schemas.Application.Kind, clientId, ct);
        var hasSecret = !string.IsNullOrEmpty(request.ClientSecret);
        if (builtIn && hasSecret)
        {
            context.Reject(Errors.InvalidClient, "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
            return;
        }
        // A secret, when sent, is checked here only (see ClientStore): against each of the app's passwords that has not
        // expired. Without one, the app is a public client, which only some grants allow.
        if (app is not null && hasSecret)
        {
            var passwords = app.Secrets["passwords"]?.AsObject() ?? [];
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var valid = passwords.Any(p =>
                Secrets.VerifyClientSecret(request.ClientSecret!, (string)p.Value!["hash"]!)
                && DateTimeOffset.Parse((string)p.Value!["end"]!, System.Globalization.CultureInfo.InvariantCulture) > now);
            if (!valid)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the client secret value, not the client secret ID, for a secret added to app '{request.ClientId}'.");
                return;
            }
        }
        if (app is null && !builtIn && !request.IsClientCredentialsGrantType())
        {
            context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' was not found in the directory '{tenantId}'.");
            return;
        }
        var secretMissing = $"AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";

        if (request.IsClientCredentialsGrantType())
        {
            if (app is null)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' was not found in the directory '{tenantId}'.");
                return;
            }
            if (!hasSecret)
            {
                context.Reject(Errors.InvalidClient, secretMissing);
                return;
            }
            var sp = await store.FindObjectAsync(tenantId, Schemas.ServicePrincipal.Kind, clientId, ct);
            if (sp is null)
            {
                context.Reject(Errors.UnauthorizedClient, $"AADSTS7000229: The client application {request.ClientId} is missing service principal in the tenant {tenantId}.");
                return;
            }
            if ((bool?)sp.Data["accountEnabled"] == false)
            {
                context.Reject(Errors.UnauthorizedClient, $"AADSTS7000112: Application '{request.ClientId}' is disabled.");
                return;
            }
            var roles = await RolesOfAsync(store, tenantId, sp.Id, ct);
            TokenEndpoints.SetSubject(http, new TokenSubject(tenantId, sp.Id, true, (string?)sp.Data["displayName"], null, clientId, roles,
                [.. roles.SelectMany(r => DirectoryRoles.Find(r)?.AppPermissions ?? []).Distinct()]));
            return;
        }

        if (request.IsPasswordGrantType())
        {
            if (app is null && clientId != TokenEndpoints.PublicClientId)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' cannot use the password grant here.");
                return;
            }
            // No redirect URI tells what kind of client asks: Entra takes the app's "Allow public client flows".
            if (app is not null && !hasSecret && !RedirectUris.AllowsPublicClientFlows(app))
            {
                context.Reject(Errors.InvalidClient, secretMissing + " Or set the application's isFallbackPublicClient to true to allow public client flows.");
                return;
            }
            var (user, error) = await CheckPasswordAsync(http.RequestServices, tenantId, request.Username, request.Password, ct);
            if (user is null)
            {
                context.Reject(Errors.InvalidGrant, error!);
                return;
            }
            TokenEndpoints.SetSubject(http, await SubjectOfUserAsync(store, tenantId, user, clientId, ct));
            return;
        }

        if (request.IsAuthorizationCodeGrantType())
        {
            // The code itself (PKCE verifier, redirect_uri, client) is checked by OpenIddict; here which kind of client
            // the redirect URI makes the app: web needs its secret, publicClient and spa must not send one.
            if (app is null)
            {
                if (clientId != AuthorizeEndpoint.AdminCenterClientId)
                {
                    context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' cannot redeem authorization codes here.");
                }
                return;
            }
            var platforms = RedirectUris.PlatformsOf(app, request.RedirectUri);
            if (platforms == RedirectPlatforms.None)
            {
                context.Reject(Errors.InvalidGrant, $"AADSTS50011: The redirect URI '{request.RedirectUri}' specified in the request does not match the redirect URIs configured for the application '{request.ClientId}'.");
            }
            else if (hasSecret && !platforms.HasFlag(RedirectPlatforms.Web))
            {
                context.Reject(Errors.InvalidClient, "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
            }
            else if (!hasSecret && (platforms & (RedirectPlatforms.PublicClient | RedirectPlatforms.Spa)) == 0)
            {
                context.Reject(Errors.InvalidClient, secretMissing);
            }
            else if (!hasSecret && !platforms.HasFlag(RedirectPlatforms.PublicClient))
            {
                if (!http.Request.Headers.ContainsKey("Origin"))
                {
                    context.Reject(Errors.InvalidRequest, "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.");
                    return;
                }
                http.Items[SpaRedemptionKey] = true;
            }
            return;
        }

        if (request.IsRefreshTokenGrantType())
        {
            // Who may redeem it (the client it was issued to, as the same kind of client) is checked once it is read.
            return;
        }

        context.Reject(Errors.UnsupportedGrantType, "AADSTS70003: The app requested an unsupported grant type. Use client_credentials, password, authorization_code or refresh_token.");
    }

    /// <summary>
    /// The subject of an authorization code or refresh token being redeemed, when its user may still sign in: checked
    /// through <see cref="PrincipalStates"/> as every API call is, with the errors Entra gives a refresh (a revoked
    /// grant is AADSTS50173, a disabled account AADSTS50057, a deleted one AADSTS50034). Roles and names are read anew.
    /// </summary>
    public static async Task<(TokenSubject? Subject, string? Error, string? Description)> RedeemAsync(HttpContext http, Guid tenantId, OpenIddictRequest request,
        ClaimsPrincipal? grant)
    {
        var what = request.IsRefreshTokenGrantType() ? "refresh token" : "authorization code";
        if (grant?.GetClaim("tid") != tenantId.ToString() || grant.GetClaim("oid") is not { } oid)
        {
            return (null, Errors.InvalidGrant, $"AADSTS9002313: The {what} was issued for another tenant.");
        }
        // Who the refused grant was for, as the grant names them: the sign-in log records a refused refresh or code
        // against its user, as Entra does. Replaced by the user as read now when the grant is honoured.
        TokenEndpoints.SetSubject(http, new TokenSubject(tenantId, oid, false, grant.GetClaim("name"), grant.GetClaim("preferred_username"),
            request.ClientId!.ToLowerInvariant(), [], []));
        if (request.IsRefreshTokenGrantType() && request.ClientId != TokenEndpoints.PublicClientId)
        {
            var issuedTo = grant.GetClaim(ClientTypeClaim);
            var hasSecret = !string.IsNullOrEmpty(request.ClientSecret);
            if (issuedTo == "confidential" && !hasSecret)
            {
                return (null, Errors.InvalidClient, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            }
            if (issuedTo is "public" or "spa" && hasSecret)
            {
                return (null, Errors.InvalidClient, "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
            }
            if (issuedTo == "spa" && !http.Request.Headers.ContainsKey("Origin"))
            {
                return (null, Errors.InvalidRequest,
                    "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.");
            }
        }
        var ct = http.RequestAborted;
        var store = http.RequestServices.GetRequiredService<IDirectoryStore>();
        var (_, revoked) = await http.RequestServices.GetRequiredService<PrincipalStates>().EvaluateAsync(grant, ct);
        var user = revoked is { Code: "UserDeleted" } ? null : await store.GetObjectAsync(tenantId, oid, ct);
        if (user is null || user.Kind != Schemas.User.Kind)
        {
            return (null, Errors.InvalidGrant, $"AADSTS50034: The user account {oid} does not exist in the {tenantId} directory. To sign into this application, the account must be added to the directory.");
        }
        if (revoked is { Code: "UserDisabled" })
        {
            return (null, Errors.InvalidGrant, "AADSTS50057: The user account is disabled.");
        }
        if (revoked is not null)
        {
            var issued = long.TryParse(grant.GetClaim(Claims.AuthenticationTime), out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : "unknown";
            return (null, Errors.InvalidGrant, "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. "
                + $"The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date "
                + $"(before which tokens are not valid) for this user is '{(string?)user.Data["signInSessionsValidFromDateTime"] ?? "unknown"}'.");
        }
        var current = await SubjectOfUserAsync(store, tenantId, user, request.ClientId!.ToLowerInvariant(), ct);
        // The grant's session version, not the one just read: a revocation committed since the check above still counts.
        return (current with { SessionVersion = long.TryParse(grant.GetClaim(PrincipalStates.SessionVersionClaim), out var v) ? v : 0 }, null, null);
    }

    /// <summary>
    /// The scopes a token is issued for: those asked (a code or refresh token redeemed without naming any keeps its sign-in's). An app gets none of
    /// OpenID Connect's; a refresh always gets a new refresh token, as Entra returns one on every redemption.
    /// </summary>
    public static IReadOnlyCollection<string> GrantedScopes(OpenIddictRequest request, ClaimsPrincipal? grant, TokenSubject subject)
    {
        var asked = request.GetScopes();
        IEnumerable<string> scopes = asked.IsEmpty && grant is not null ? grant.GetScopes() : asked;
        if (subject.IsApp)
        {
            return [.. scopes.Where(s => s is not (Scopes.OpenId or Scopes.Profile or Scopes.Email or Scopes.OfflineAccess))];
        }
        return request.IsRefreshTokenGrantType() ? [.. scopes.Append(Scopes.OfflineAccess).Distinct(StringComparer.Ordinal)] : [.. scopes];
    }

    private static readonly string[] GraphPrefixes = ["https://graph.microsoft.com/", $"{TokenEndpoints.GraphResource}/"];

    /// <summary>
    /// A user token's <c>scp</c>: Microsoft Graph's delegated permissions asked for (<c>User.Read</c>, or with the
    /// resource's prefix) and OpenID Connect's <c>openid</c>, <c>profile</c>, <c>email</c>. <c>.default</c> stands for
    /// the app's configured permissions, which Verity has no consent for: it is <c>Directory.AccessAsUser.All</c>, what
    /// a delegated Verity token can do (the user's own roles decide). No Graph permission at all gives
    /// <c>User.Read</c>, as Entra does for a sign-in that asks only for OpenID Connect scopes.
    /// </summary>
    public static string DelegatedPermissions(IEnumerable<string> scopes)
    {
        var granted = new List<string>();
        foreach (var scope in scopes)
        {
            if (scope is Scopes.OpenId or Scopes.Profile or Scopes.Email)
            {
                granted.Add(scope);
                continue;
            }
            var prefix = GraphPrefixes.FirstOrDefault(p => scope.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            var name = prefix is not null ? scope[prefix.Length..] : scope.Contains('/', StringComparison.Ordinal) || scope.Contains(':', StringComparison.Ordinal) ? null : scope;
            if (name is null or "" || scope == Scopes.OfflineAccess)
            {
                continue;
            }
            granted.Add(name == ".default" ? "Directory.AccessAsUser.All" : name);
        }
        if (!granted.Any(g => g is not (Scopes.OpenId or Scopes.Profile or Scopes.Email)))
        {
            granted.Add("User.Read");
        }
        return string.Join(' ', granted.Distinct(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The kind of client a token request comes from, kept in its codes and refresh tokens (<see cref="ClientTypeClaim"/>).</summary>
    public static string ClientTypeOf(HttpContext http, OpenIddictRequest request, ClaimsPrincipal? grant) =>
        request.IsRefreshTokenGrantType() && grant?.GetClaim(ClientTypeClaim) is { } issuedTo ? issuedTo
        : !string.IsNullOrEmpty(request.ClientSecret) ? "confidential"
        : http.Items.ContainsKey(SpaRedemptionKey) ? "spa"
        : "public";

    /// <summary>
    /// The user when the password is right and the account enabled; otherwise Entra's AADSTS error. A locked name gets
    /// 50053 whatever the password (<see cref="SmartLockout"/>). A hash made with fewer iterations than configured is
    /// replaced with a new one now that the password is known.
    /// </summary>
    public static async Task<(StoredObject? User, string? Error)> CheckPasswordAsync(IServiceProvider services, Guid tenantId, string? username, string? password,
        CancellationToken ct)
    {
        var store = services.GetRequiredService<IDirectoryStore>();
        var hasher = services.GetRequiredService<PasswordHasher>();
        var lockout = services.GetRequiredService<SmartLockout>();
        if (await lockout.RefuseIfLockedAsync(tenantId, username, ct) is { } locked)
        {
            return (null, locked);
        }
        var user = string.IsNullOrEmpty(username) ? null : await store.FindObjectAsync(tenantId, Schemas.User.Kind, username.ToLowerInvariant(), ct);
        // An unknown user costs the same hash as a known one, so response times do not reveal which names exist.
        var hash = (string?)user?.Secrets["passwordHash"] ?? hasher.UnknownUserHash;
        var right = PasswordHasher.VerifyPassword(password ?? "", hash) && user is not null;
        if (await lockout.SettleAsync(tenantId, username, password, right, ct) is { } lockedMeanwhile)
        {
            return (null, lockedMeanwhile);
        }
        if (!right || user is null)
        {
            return (null, "AADSTS50126: Error validating credentials due to invalid username or password.");
        }
        if ((bool?)user.Data["accountEnabled"] == false)
        {
            return (null, "AADSTS50057: The user account is disabled.");
        }
        if (hasher.NeedsUpgrade(hash))
        {
            var secrets = user.Secrets.DeepClone().AsObject();
            secrets["passwordHash"] = hasher.HashPassword(password!);
            // Not an audited change (the password is the same); a lost race with another change just waits for the next sign-in.
            await services.GetRequiredService<ChangeWriter>().SubmitAsync(new DirectoryChange
            {
                TenantId = tenantId, Ops = [new UpdateObject(user with { Secrets = secrets })], Audits = [],
            });
        }
        return (user, null);
    }

    public static async Task<TokenSubject> SubjectOfUserAsync(IDirectoryStore store, Guid tenantId, StoredObject user, string clientId, CancellationToken ct) =>
        new(tenantId, user.Id, false, (string?)user.Data["displayName"], (string?)user.Data["userPrincipalName"], clientId,
            [DirectoryRoles.DefaultUserRoleId, .. await RolesOfAsync(store, tenantId, user.Id, ct)], [], PrincipalStates.SessionVersionOf(user));

    private static async Task<List<string>> RolesOfAsync(IDirectoryStore store, Guid tenantId, string principalId, CancellationToken ct) =>
        [.. (await store.ListObjectsByRefAsync(tenantId, Schemas.RoleAssignment.Kind, principalId, ct)).Select(a => (string)a.Data["roleDefinitionId"]!)];
}
