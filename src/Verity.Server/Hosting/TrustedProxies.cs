using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Verity.Server.Hosting;

internal sealed class TrustedProxiesOptions
{
    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of the reverse proxies in front of Verity. Only a
    /// connection from one of them may name the client's address in <c>X-Forwarded-For</c>; empty (the default): no one.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// The client address the sign-in log records, and every other use of the remote address: the connection's own, or the
/// last hop of <c>X-Forwarded-For</c> added by a proxy the operator listed. ASP.NET Core trusts loopback by default;
/// here nothing is trusted that the operator did not name, so a client cannot write its own address into the log.
/// </summary>
internal static class TrustedProxies
{
    public static void Add(IServiceCollection services)
    {
        services.AddOptions<TrustedProxiesOptions>().BindConfiguration("Verity")
            .Validate(o => o.TrustedProxies.All(p => IPAddress.TryParse(p, out _) || System.Net.IPNetwork.TryParse(p, out _)),
                "Verity:TrustedProxies holds IP addresses (10.0.0.5) or networks in CIDR form (10.0.0.0/8).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<Microsoft.Extensions.Options.IOptions<TrustedProxiesOptions>>((o, proxies) =>
        {
            // With both lists empty the middleware would trust every sender: no listed proxy means no forwarding at all.
            o.ForwardedHeaders = proxies.Value.TrustedProxies.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list defaults to loopback too: cleared, so only what the operator listed is trusted
            o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in proxies.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    o.KnownProxies.Add(address);
                }
                else
                {
                    o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                }
            }
        });
    }

    /// <summary>Applies X-Forwarded-For from trusted proxies, before anything reads the remote address.</summary>
    public static void UseTrustedProxies(this WebApplication app) => app.UseForwardedHeaders();
}
