using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Cli.Commands;

/// <summary>
/// What the online commands share: the options that reach the server's operator API (<c>/operator/…</c>) with the
/// operator key, and one way to call it, print the answer, and exit. Exit codes: 0 done; 1 the server was
/// unreachable, refused the key or failed; 2 bad arguments, including those the server rejects (400, 409).
/// </summary>
internal sealed class OperatorApi
{
    private const string KeyVariable = "VERITY_OPERATOR_KEY";
    private const string DefaultKeyFile = "data/keys/operator.key";

    public Option<string> Server { get; } = new("--server")
    {
        Description = "The server's URL",
        DefaultValueFactory = _ => "https://127.0.0.1:5443",
    };

    public Option<FileInfo> KeyFile { get; } = new("--key-file")
    {
        Description = $"The file holding the operator key (the server prints its path at start); else ${KeyVariable}, else {DefaultKeyFile}",
    };

    public Option<FileInfo> CaFile { get; } = new("--ca-file")
    {
        Description = "A PEM certificate to trust as the server's root, such as the self-signed data/https.pem the server writes",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the server's JSON instead of text" };

    public OperatorApi()
    {
        Server.Validators.Add(r =>
        {
            if (!Uri.TryCreate(r.GetValueOrDefault<string>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                r.AddError("--server must be an http or https URL, such as https://127.0.0.1:5443.");
            }
        });
    }

    /// <summary>A command that calls the operator API, with the shared options and <paramref name="own"/>.</summary>
    public Command Command(string name, string description, IEnumerable<Option> own, Func<ParseResult, HttpClient, CancellationToken, Task<HttpResponseMessage>> send,
        Func<JsonNode, string> text)
    {
        var command = new Command(name, description);
        foreach (var option in own.Concat([Server, KeyFile, CaFile, Json]))
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, ct) => RunAsync(parse, (http, c) => send(parse, http, c), text, ct));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> send, Func<JsonNode, string> text,
        CancellationToken ct)
    {
        string key;
        X509Certificate2? ca;
        try
        {
            key = ReadKey(parse.GetValue(KeyFile));
            ca = parse.GetValue(CaFile) is { } file ? X509Certificate2.CreateFromPem(File.ReadAllText(file.FullName)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var url = parse.GetValue(Server)!;
        using var http = Client(new Uri(url.EndsWith('/') ? url : url + "/"), key, ca);
        string body;
        int status;
        try
        {
            using var response = await send(http, ct);
            (status, body) = ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            var tls = e.InnerException is System.Security.Authentication.AuthenticationException
                ? " (to trust the server's self-signed certificate, pass --ca-file with its data/https.pem)"
                : "";
            await Console.Error.WriteLineAsync($"Cannot reach {url}: {e.InnerException?.Message ?? e.Message}{tls}");
            return 1;
        }
        if (status is < 200 or > 299)
        {
            await Console.Error.WriteLineAsync($"The server answered {status}: {ErrorMessage(body)}");
            return status is 400 or 409 ? 2 : 1;
        }
        var result = JsonNode.Parse(body)!;
        await Console.Out.WriteLineAsync(parse.GetValue(Json) ? result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : text(result));
        return 0;
    }

    /// <summary>The key from --key-file, else the environment, else the server's default key file in this directory.</summary>
    private static string ReadKey(FileInfo? file)
    {
        if (file is null && Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment.Trim();
        }
        var path = file?.FullName ?? Path.GetFullPath(DefaultKeyFile);
        return File.Exists(path)
            ? File.ReadAllText(path).Trim()
            : throw new IOException($"No operator key: {path} does not exist. Pass --key-file with the path the server prints at start, or set {KeyVariable}.");
    }

    /// <summary>HTTPS that trusts the system's roots, or only <paramref name="ca"/> when given; the host name is checked either way.</summary>
    private static HttpClient Client(Uri server, string key, X509Certificate2? ca)
    {
        var handler = new SocketsHttpHandler();
        if (ca is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            };
        }
        var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>The message of a Graph error body (<c>{"error":{"code","message"}}</c>), or the body itself.</summary>
    private static string ErrorMessage(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"] is { } error ? $"{error["code"]}: {error["message"]}" : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>Rows under a header, in columns two spaces apart (the last one left ragged).</summary>
    public static string Table(string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i])));
        return string.Join(Environment.NewLine, [Line(header), .. rows.Select(Line)]);
    }
}
