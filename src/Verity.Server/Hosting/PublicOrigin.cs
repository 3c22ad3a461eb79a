using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Verity.Server.Hosting;

internal sealed class PublicOriginOptions
{
    /// <summary>
    /// <c>scheme://host[:port]</c> at which this server is reached, for the calls it makes to itself (the admin
    /// center redeeming its sign-in code). Empty: the first HTTPS address the server listens on.
    /// </summary>
    public string? PublicOrigin { get; set; }
}

/// <summary>
/// Where the server calls itself. Never taken from a request: a client's Host header would otherwise choose where the
/// server sends an authorization code and its PKCE verifier.
/// </summary>
internal sealed class PublicOrigin(IOptions<PublicOriginOptions> options, IServer server)
{
    public string Value => options.Value.PublicOrigin is { Length: > 0 } configured ? configured.TrimEnd('/') : Listening();

    private string Listening()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("https:", StringComparison.Ordinal)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server listens on no address; set Verity:PublicOrigin.");
        var uri = new UriBuilder(address);
        // A wildcard binding (0.0.0.0, [::], +, *) is reached on this machine through loopback.
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*")
        {
            uri.Host = "127.0.0.1";
        }
        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }

    public static void Add(IServiceCollection services)
    {
        services.AddOptions<PublicOriginOptions>().BindConfiguration("Verity")
            .Validate(o => string.IsNullOrEmpty(o.PublicOrigin) || (Uri.TryCreate(o.PublicOrigin, UriKind.Absolute, out var uri)
                && uri.Scheme is "https" or "http" && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query)),
                "Verity:PublicOrigin must be an origin such as https://verity.example.com:5443, without a path.")
            .ValidateOnStart();
        services.AddSingleton<PublicOrigin>();
    }
}
