using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Verity.Core.Model;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.DirectoryObjects;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Verity.Server.SignInLogs;

/// <summary>
/// Every answer of <c>/{tenant}/oauth2/v2.0/token</c> becomes one <c>signIn</c> in the tenant's log, success or
/// failure, committed before the answer is sent; if it cannot be committed the answer becomes a refusal
/// (<c>temporarily_unavailable</c>, AADSTS90033). Password and authorization-code grants are interactive user sign-ins,
/// refresh-token redemptions non-interactive ones, client credentials service-principal sign-ins. A request whose
/// tenant does not exist has no tenant log to go to (AADSTS90002); it is answered and not logged.
/// </summary>
internal static partial class SignInCapture
{
    public static void AddSignInCapture(this OpenIddictServerBuilder server) =>
        // Before the ASP.NET Core host writes the response (and picks its status code from the error).
        server.AddEventHandler<ApplyTokenResponseContext>(b => b.UseInlineHandler(OnTokenResponseAsync)
            .SetOrder(OpenIddict.Server.AspNetCore.OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<ApplyTokenResponseContext>.Descriptor.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom));

    [GeneratedRegex(@"^AADSTS(\d{1,9}):")]
    private static partial Regex AadstsCode();

    private static async ValueTask OnTokenResponseAsync(ApplyTokenResponseContext context)
    {
        var http = context.Transaction.GetHttpRequest()?.HttpContext;
        if (http is null || TokenEndpoints.TenantOf(context.Transaction) is not { } tenantId)
        {
            return;
        }
        var request = context.Request;
        var response = context.Response;
        var services = http.RequestServices;
        var code = response.Error is null ? SignInErrorCodes.Success : ErrorCodeOf(response.Error, response.ErrorDescription);
        var kind = request?.GrantType switch
        {
            GrantTypes.ClientCredentials => SignInEventType.ServicePrincipal,
            GrantTypes.RefreshToken => SignInEventType.NonInteractiveUser,
            _ => SignInEventType.InteractiveUser,
        };
        var signIn = await SignInFactory.CreateAsync(http, tenantId, kind, request?.ClientId, TokenEndpoints.SubjectOf(http),
            attemptedUser: request?.Username, code, response.ErrorDescription, browser: request?.IsAuthorizationCodeGrantType() == true);
        if (!await services.GetRequiredService<SignInRecorder>().RecordAsync(tenantId, signIn) && response.Error is null)
        {
            // Tokens are not handed out for a sign-in the log does not hold.
            foreach (var name in response.GetParameters().Select(p => p.Key).ToList())
            {
                response.RemoveParameter(name);
            }
            response.Error = Errors.TemporarilyUnavailable;
            response.ErrorDescription = "AADSTS90033: A transient error has occurred: the sign-in could not be logged. Please try again.";
        }
    }

    private const string BrowserAddressClaim = "verity_browser_ip";
    private const string BrowserAgentClaim = "verity_browser_ua";
    private const string BrowserKey = "verity.signin-browser";

    /// <summary>
    /// A code-flow sign-in happens in the user's browser, but is logged when the code is redeemed, often by a server (the
    /// admin center's back channel). The code keeps the browser's address and User-Agent (claims without destination,
    /// so in no token) for the log to record the user's, not the redeemer's.
    /// </summary>
    public static void KeepBrowser(HttpContext http, ClaimsPrincipal code)
    {
        code.SetClaim(BrowserAddressClaim, http.Connection.RemoteIpAddress?.ToString());
        code.SetClaim(BrowserAgentClaim, SignInFactory.UserAgentOf(http));
    }

    /// <summary>At redemption: the browser the code's sign-in came from, for <see cref="SignInFactory"/>.</summary>
    public static void UseBrowserOf(HttpContext http, ClaimsPrincipal? grant)
    {
        if (grant?.GetClaim(BrowserAddressClaim) is { } address)
        {
            http.Items[BrowserKey] = (address, grant.GetClaim(BrowserAgentClaim));
        }
    }

    internal static (string Address, string? UserAgent)? BrowserOf(HttpContext http) => http.Items[BrowserKey] as (string, string?)?;

    /// <summary>
    /// A password refused on the authorization endpoint's sign-in form (the admin center's, or an application's code
    /// flow): an interactive browser sign-in that failed. If it cannot be logged the form still says why it failed; the
    /// user has no token either way.
    /// </summary>
    public static async Task RecordFormFailureAsync(HttpContext http, Guid tenantId, string? clientId, string username, string error)
    {
        var code = ErrorCodeOf(Errors.InvalidGrant, error);
        var signIn = await SignInFactory.CreateAsync(http, tenantId, SignInEventType.InteractiveUser, clientId, subject: null, attemptedUser: username, code, error, browser: true);
        await http.RequestServices.GetRequiredService<SignInRecorder>().RecordAsync(tenantId, signIn);
    }

    /// <summary>Entra's code: from the AADSTS prefix Verity's refusals carry, else from the OAuth error OpenIddict gave.</summary>
    internal static int ErrorCodeOf(string error, string? description)
    {
        if (description is not null && AadstsCode().Match(description) is { Success: true } match
            && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return code;
        }
        return error switch
        {
            Errors.InvalidClient => SignInErrorCodes.InvalidClientSecret,
            Errors.UnauthorizedClient => SignInErrorCodes.ApplicationNotFound,
            Errors.InvalidGrant => SignInErrorCodes.ExpiredOrRevokedGrant,
            Errors.UnsupportedGrantType => SignInErrorCodes.UnsupportedGrantType,
            _ => SignInErrorCodes.InvalidRequest,
        };
    }
}

/// <summary>Builds a <c>signIn</c> from the request that made it: who, with which application, from where, with what result.</summary>
internal static class SignInFactory
{
    /// <summary>Names of the built-in clients (Entra's names for these application ids).</summary>
    private static readonly Dictionary<string, string> BuiltInClients = new(StringComparer.OrdinalIgnoreCase)
    {
        [TokenEndpoints.PublicClientId] = "Microsoft Azure CLI",
        [AuthorizeEndpoint.AdminCenterClientId] = "Azure Portal",
    };

    public static async Task<SignIn> CreateAsync(HttpContext http, Guid tenantId, SignInEventType kind, string? clientId, TokenSubject? subject,
        string? attemptedUser, int errorCode, string? description, bool browser)
    {
        var services = http.RequestServices;
        var store = services.GetRequiredService<IDirectoryStore>();
        var ct = http.RequestAborted;
        var appId = (subject?.AppId ?? clientId)?.ToLowerInvariant();
        var app = appId is null || BuiltInClients.ContainsKey(appId) ? null : await store.FindObjectAsync(tenantId, Schemas.Application.Kind, appId, ct);
        var appName = appId is not null && BuiltInClients.TryGetValue(appId, out var builtIn) ? builtIn : (string?)app?.Data["displayName"];
        string? userId = null, userName = null, upn = null, spId = null, spName = null;
        if (kind == SignInEventType.ServicePrincipal)
        {
            var sp = subject is { IsApp: true } ? null : appId is null ? null : await store.FindObjectAsync(tenantId, Schemas.ServicePrincipal.Kind, appId, ct);
            spId = subject is { IsApp: true } ? subject.ObjectId : sp?.Id;
            spName = subject is { IsApp: true } ? subject.DisplayName : (string?)sp?.Data["displayName"];
            appName ??= spName;
        }
        else if (subject is { IsApp: false })
        {
            (userId, userName, upn) = (subject.ObjectId, subject.DisplayName, subject.UserPrincipalName?.ToLowerInvariant());
        }
        else if (!string.IsNullOrEmpty(attemptedUser))
        {
            // A refused password names the account it was tried on (Entra logs the user when it exists).
            upn = attemptedUser.Trim().ToLowerInvariant();
            var user = upn.Length > 256 ? null : await store.FindObjectAsync(tenantId, Schemas.User.Kind, upn, ct);
            (userId, userName) = (user?.Id, (string?)user?.Data["displayName"]);
            upn = upn.Length > 256 ? upn[..256] : upn;
            if (user is null && errorCode == SignInErrorCodes.InvalidUserNameOrPassword)
            {
                // The client is told 50126 whether or not the name exists, so it cannot learn which do; the log, read
                // by administrators, records what Entra's records: the account does not exist.
                errorCode = SignInErrorCodes.UserAccountNotFound;
                description = "The client was told AADSTS50126 (invalid username or password), so that it cannot learn which user names exist.";
            }
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var origin = SignInCapture.BrowserOf(http);
        var userAgent = origin is { } b ? b.UserAgent : UserAgentOf(http);
        var correlation = http.Request.Headers["client-request-id"].ToString();
        return new SignIn
        {
            Id = Graph.RequestIds.NewVersion7(now).ToString(),
            CreatedDateTime = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero),
            UserId = userId ?? "",
            UserDisplayName = userName,
            UserPrincipalName = upn,
            AppId = appId,
            AppDisplayName = appName,
            IpAddress = origin?.Address ?? http.Connection.RemoteIpAddress?.ToString(),
            ClientAppUsed = kind == SignInEventType.ServicePrincipal ? null : browser ? SignInClientApps.Browser : SignInClientApps.MobileAppsAndDesktopClients,
            UserAgent = userAgent,
            CorrelationId = Guid.TryParse(correlation, out var id) ? id.ToString() : Graph.RequestIds.NewVersion7(now).ToString(),
            IsInteractive = kind == SignInEventType.InteractiveUser,
            SignInEventTypes = [kind],
            ResourceDisplayName = "Microsoft Graph",
            ResourceId = TokenEndpoints.GraphResource,
            ResourceTenantId = tenantId.ToString(),
            HomeTenantId = tenantId.ToString(),
            ServicePrincipalId = spId,
            ServicePrincipalName = spName,
            Status = SignInErrorCodes.Status(errorCode, errorCode == SignInErrorCodes.Success ? null : Details(description)),
            DeviceDetail = DeviceDetail.FromUserAgent(userAgent),
        };
    }

    /// <summary>The request's User-Agent, cut at 512 characters.</summary>
    internal static string? UserAgentOf(HttpContext http) =>
        http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? (ua.Length > 512 ? ua[..512] : ua) : null;

    /// <summary>What the refusal told the client, without its AADSTS prefix (Entra's additionalDetails).</summary>
    private static string? Details(string? description) =>
        description is null ? null : description.StartsWith("AADSTS", StringComparison.Ordinal) && description.IndexOf(": ", StringComparison.Ordinal) is > 0 and var at
            ? description[(at + 2)..]
            : description;
}
