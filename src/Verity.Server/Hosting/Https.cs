using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Verity.Server.Hosting;

internal sealed class HttpsOptions
{
    public const string Section = "Verity:Https";

    /// <summary>A PFX file to serve HTTPS with. When empty, a self-signed certificate is made on first start.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    /// <summary>Where the generated certificate is kept (PFX, and the public part as PEM for clients to trust).</summary>
    public string GeneratedCertificatePath { get; set; } = "data/https.pfx";
}

/// <summary>
/// HTTPS for the token endpoint and the API. OAuth clients such as Azure.Identity insist on an https authority, so
/// Verity always has a certificate: the configured one, or a self-signed one for 127.0.0.1 and localhost.
/// </summary>
internal static class Https
{
    public static WebApplicationBuilder AddVerityHttps(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HttpsOptions>().BindConfiguration(HttpsOptions.Section);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpsOptions>>((kestrel, https) =>
        {
            var certificate = Load(https.Value);
            kestrel.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            kestrel.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
            Graph.RequestLimits.Configure(kestrel.Limits);
        });
        return builder;
    }

    public static X509Certificate2 Load(HttpsOptions options)
    {
        if (options.CertificatePath is { Length: > 0 } path)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
        }
        var generated = Path.GetFullPath(options.GeneratedCertificatePath);
        if (File.Exists(generated))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(generated, null);
        }
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Verity self-signed", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var notBefore = TimeProvider.System.GetUtcNow().AddDays(-1);
        using var cert = request.CreateSelfSigned(notBefore, notBefore.AddYears(5));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(generated)!);
        // The private key: readable by the server's user only (the PEM beside it is the public part, for clients).
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(generated, file))
        {
            stream.Write(cert.Export(X509ContentType.Pfx));
        }
        File.WriteAllText(Path.ChangeExtension(generated, ".pem"), cert.ExportCertificatePem());
        return X509CertificateLoader.LoadPkcs12FromFile(generated, null);
    }
}
