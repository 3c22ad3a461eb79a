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
            o.AllowClientCredentialsFlow().AllowPasswordFlow().AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            // Codes and tokens have entries in Verity's store (TokenStore): a code is redeemed once, and a replayed one
            // revokes what its first redemption issued. Clients come from ClientStore; TokenRequests and
            // AuthorizeEndpoint.Validate decide which client may use which grant and check secrets, so OpenIddict's
            // permission lists are not used and its secret check (one stored hash per client) is removed.
            o.IgnoreEndpointPermissions().IgnoreGrantTypePermissions().IgnoreResponseTypePermissions().IgnoreScopePermissions();
            o.RemoveEventHandler(OpenIddictServerHandlers.ValidateClientSecret.Descriptor);
            o.DisableScopeValidation();
            o.DisableAccessTokenEncryption();
            o.SetAccessTokenLifetime(TimeSpan.FromHours(1));
            o.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            o.AddEventHandler<ProcessRequestContext>(b => b.UseInlineHandler(MatchTenantPath)
                .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            o.AddEventHandler<ProcessRequestContext>(b => b.UseInlineHandler(ResolveTenantAsync)
                .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order + 1).SetType(OpenIddictServerHandlerType.Custom));
            // Before OpenIddict's own client and code checks, so that callers get Entra's AADSTS errors.
            o.AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(TokenRequests.ValidateAsync)
                .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
            o.AddEventHandler<ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(AuthorizeEndpoint.Validate)
                .SetOrder(OpenIddictServerHandlers.Authentication.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom));
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
    /// Tokens redeemed from an authorization code carry its authorization (<c>oi_au_id</c>), and a replay of the code
    /// revokes their entries (RFC 6749 §4.1.2), so such a token needs its entry still valid. Tokens of the other grants
    /// have no authorization and cost no lookup.
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

    private sealed class TokenRevokedException() : SecurityTokenException("the token was revoked (its authorization code was redeemed again).");

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
    /// authorization code the user is read again, so a disabled account or a removed role takes effect at once.
    /// </summary>
    private static async Task<IResult> IssueTokenAsync(HttpContext http)
    {
        var subject = http.Items[SubjectKey] as TokenSubject;
        string? nonce = null;
        var request = http.GetOpenIddictServerRequest();
        if (request?.IsAuthorizationCodeGrantType() == true && http.Items[TenantKey] is Guid tenantId)
        {
            var code = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var store = http.RequestServices.GetRequiredService<IDirectoryStore>();
            var (user, error) = code?.GetClaim("tid") == tenantId.ToString() && code.GetClaim(Claims.Subject) is { } oid
                ? await TokenRequests.FindEnabledUserAsync(store, tenantId, oid, http.RequestAborted)
                : (null, "AADSTS9002313: The authorization code was issued for another tenant.");
            if (user is null)
            {
                return Reject(Errors.InvalidGrant, error!);
            }
            subject = await TokenRequests.SubjectOfUserAsync(store, tenantId, user, request.ClientId!, http.RequestAborted);
            SetSubject(http, subject);
            nonce = code!.GetClaim(Claims.Private.Nonce);
        }
        if (subject is null)
        {
            return Reject(Errors.UnsupportedGrantType, "Use client_credentials, password or authorization_code.");
        }
        var principal = PrincipalOf(subject, withIdentityToken: request?.IsAuthorizationCodeGrantType() == true);
        principal.SetClaim(Claims.Private.Nonce, nonce);
        principal.SetScopes(request?.GetScopes() ?? []);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string error, string description) => Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>Entra's claims for a subject; with an identity token (code flow) the user's claims go into it too.</summary>
    internal static ClaimsPrincipal PrincipalOf(TokenSubject subject, bool withIdentityToken)
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
        }
        identity.AddClaim(ArrayClaim("wids", subject.RoleIds));
        var principal = new ClaimsPrincipal(identity);
        principal.SetResources(GraphResource);
        principal.SetDestinations(claim => withIdentityToken && claim.Type is not ("appid" or "azp")
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
        var app = await store.FindObjectAsync(tenantId, Schemas.Application.Kind, clientId, ct);
        // A directory application is a confidential client in every grant, and its secret is checked here only (see
        // ClientStore): against each of its passwords that has not expired.
        if (app is not null)
        {
            var passwords = app.Secrets["passwords"]?.AsObject() ?? [];
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var valid = request.ClientSecret is { Length: > 0 } secret && passwords.Any(p =>
                Secrets.VerifyClientSecret(secret, (string)p.Value!["hash"]!)
                && DateTimeOffset.Parse((string)p.Value!["end"]!, System.Globalization.CultureInfo.InvariantCulture) > now);
            if (!valid)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the client secret value, not the client secret ID, for a secret added to app '{request.ClientId}'.");
                return;
            }
        }

        if (request.IsClientCredentialsGrantType())
        {
            if (app is null)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' was not found in the directory '{tenantId}'.");
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
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' was not found in the directory '{tenantId}'.");
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
            // The code itself (PKCE verifier, redirect_uri, client) is checked by OpenIddict; here only who may redeem one.
            if (clientId != AuthorizeEndpoint.AdminCenterClientId)
            {
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{request.ClientId}' cannot redeem authorization codes here.");
            }
            return;
        }

        context.Reject(Errors.UnsupportedGrantType, "AADSTS70003: The grant type is not supported here. Use client_credentials, password or authorization_code.");
    }

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

    /// <summary>The user with this object id when it still exists and is enabled (redeeming a code signed in earlier).</summary>
    public static async Task<(StoredObject? User, string? Error)> FindEnabledUserAsync(IDirectoryStore store, Guid tenantId, string objectId, CancellationToken ct)
    {
        var user = await store.GetObjectAsync(tenantId, objectId, ct);
        return user is null || user.Kind != Schemas.User.Kind ? (null, "AADSTS50034: The user account does not exist in this directory.")
            : (bool?)user.Data["accountEnabled"] == false ? (null, "AADSTS50057: The user account is disabled.")
            : (user, null);
    }

    public static async Task<TokenSubject> SubjectOfUserAsync(IDirectoryStore store, Guid tenantId, StoredObject user, string clientId, CancellationToken ct) =>
        new(tenantId, user.Id, false, (string?)user.Data["displayName"], (string?)user.Data["userPrincipalName"], clientId,
            [DirectoryRoles.DefaultUserRoleId, .. await RolesOfAsync(store, tenantId, user.Id, ct)], [], PrincipalStates.SessionVersionOf(user));

    private static async Task<List<string>> RolesOfAsync(IDirectoryStore store, Guid tenantId, string principalId, CancellationToken ct) =>
        [.. (await store.ListObjectsByRefAsync(tenantId, Schemas.RoleAssignment.Kind, principalId, ct)).Select(a => (string)a.Data["roleDefinitionId"]!)];
}
