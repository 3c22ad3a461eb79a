using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Verity.Server.Auth;

/// <summary>
/// Entra's error shape on every token-endpoint rejection: an <c>error_description</c> that starts with
/// <c>AADSTS&lt;code&gt;: </c> and an <c>error_codes</c> array (which MSAL reads). Verity's own rejections are written
/// that way; OpenIddict's (a replayed code, a revoked refresh token, a missing parameter) are translated here from the
/// OpenIddict error id in their <c>error_uri</c>.
/// </summary>
internal static partial class TokenErrors
{
    [GeneratedRegex(@"^AADSTS(\d+): ")]
    private static partial Regex AadstsCode();

    [GeneratedRegex(@"/(ID\d{4})$")]
    private static partial Regex OpenIddictErrorId();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedParameter();

    /// <summary>
    /// Right after OpenIddict's own normalization of the token response (invalid_token becomes invalid_grant), so that
    /// whatever reads the response next (the sign-in log) sees Entra's wording.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Wording { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseInlineHandler(WordAsEntra)
        .SetOrder(OpenIddictServerHandlers.Exchange.NormalizeErrorResponse.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>Last, just before the JSON is written: whoever rewrote the error meanwhile, its code is the one listed.</summary>
    public static OpenIddictServerHandlerDescriptor Codes { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseInlineHandler(ListErrorCodes)
        .SetOrder(OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<ApplyTokenResponseContext>.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    private static ValueTask WordAsEntra(ApplyTokenResponseContext context)
    {
        var response = context.Response;
        if (string.IsNullOrEmpty(response.Error))
        {
            return default;
        }
        if (!AadstsCode().IsMatch(response.ErrorDescription ?? ""))
        {
            var id = OpenIddictErrorId().Match(response.ErrorUri ?? "").Groups[1].Value;
            (response.Error, response.ErrorDescription) = Translate(id, response.Error, response.ErrorDescription ?? "");
        }
        // OpenIddict's documentation link names its own error (for Verity's rejections, "the request was rejected"), not Entra's.
        response.ErrorUri = null;
        return default;
    }

    private static ValueTask ListErrorCodes(ApplyTokenResponseContext context)
    {
        if (!string.IsNullOrEmpty(context.Response.Error) && AadstsCode().Match(context.Response.ErrorDescription ?? "") is { Success: true } match)
        {
            context.Response["error_codes"] = JsonSerializer.SerializeToElement(new[] { long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) });
        }
        return default;
    }

    /// <summary>OpenIddict's error (by its id, see OpenIddictResources) as Entra words it.</summary>
    private static (string Error, string Description) Translate(string id, string error, string description)
    {
        var parameter = QuotedParameter().Match(description).Groups[1].Value;
        return id switch
        {
            "ID2010" => (Errors.InvalidGrant,
                "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."),
            "ID2012" or "ID2018" or "ID2022" => (Errors.InvalidGrant,
                "AADSTS70000: The provided refresh token was revoked: it, or another token of the same sign-in, was redeemed a second time "
                + "(every token of that sign-in is revoked then). Sign in again."),
            "ID2016" or "ID2020" => (Errors.InvalidGrant,
                "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."),
            "ID2069" or "ID2070" or "ID2071" => (Errors.InvalidGrant,
                "AADSTS70000: The provided grant was issued to another client application; redeem it with the client_id it was issued to."),
            "ID2072" => (Errors.InvalidGrant,
                "AADSTS50011: The redirect URI in the request does not match the redirect URI the authorization code was issued to."),
            "ID2052" when parameter == Parameters.CodeVerifier => (Errors.InvalidGrant,
                "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request."),
            "ID2029" or "ID2054" or "ID2059" or "ID2066" or "ID2067" or "ID2068" when parameter is Parameters.ClientSecret => (Errors.InvalidClient,
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
            "ID2029" or "ID2054" or "ID2059" or "ID2066" or "ID2067" or "ID2068" => (error,
                $"AADSTS900144: The request body must contain the following parameter: '{(parameter.Length > 0 ? parameter : Parameters.ClientId)}'."),
            "ID2053" => (Errors.InvalidClient, "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
            "ID2055" => (Errors.InvalidClient, "AADSTS7000215: Invalid client secret provided."),
            "ID2032" when parameter == Parameters.GrantType => (Errors.UnsupportedGrantType,
                "AADSTS70003: The app requested an unsupported grant type. Use client_credentials, password, authorization_code or refresh_token."),
            "ID2035" or "ID2065" or "ID2074" => (Errors.InvalidScope, $"AADSTS70011: The provided value for the input parameter 'scope' isn't valid. {description}"),
            _ => (error, $"AADSTS9002313: Invalid request. Request is malformed or invalid: {description}"),
        };
    }
}
