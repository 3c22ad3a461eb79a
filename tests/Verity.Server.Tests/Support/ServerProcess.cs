using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Verity.Server.Tests.Support;

/// <summary>
/// The built server run as an operator runs it (<c>dotnet Verity.Server.dll</c>, as bench/Verity.Load does): a separate
/// process on plain HTTP on a free loopback port, with its own working directory. Unlike <see cref="VerityHost"/> it
/// can be killed, and started again on the same store.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errors;

    public Uri BaseAddress { get; }

    private ServerProcess(Process process, ConcurrentQueue<string> errors, Uri baseAddress)
    {
        _process = process;
        _errors = errors;
        BaseAddress = baseAddress;
    }

    /// <summary>Starts the server with these settings (<c>--Verity:Storage:Provider</c> …) and returns once it answers.</summary>
    public static async Task<ServerProcess> StartAsync(string workDir, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Verity.Server.dll"));
        foreach (var (name, value) in settings.Append(new("urls", baseAddress.ToString())).Append(new("Logging:LogLevel:Default", "Warning")))
        {
            start.ArgumentList.Add($"--{name}={value}");
        }
        var process = Process.Start(start)!;
        var errors = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { errors.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, errors, baseAddress);

        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (!process.HasExited && waited.Elapsed < StartTimeout)
        {
            try
            {
                if ((await probe.GetAsync("/", ct)).StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
        await server.DisposeAsync();
        throw new InvalidOperationException($"Verity.Server did not start within {StartTimeout.TotalSeconds:N0} s: {server.Errors}");
    }

    /// <summary>What the server wrote to stderr, for failure messages.</summary>
    public string Errors => string.Join('\n', _errors);

    /// <summary>An HTTP client holding an app token (client_credentials) of the given tenant.</summary>
    public async Task<HttpClient> AppClientAsync(Guid tenantId, string clientId, string clientSecret, CancellationToken ct)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var response = await client.PostAsync($"/{tenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = clientSecret,
            ["scope"] = "https://graph.microsoft.com/.default",
        }), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, body);
        client.DefaultRequestHeaders.Authorization = new("Bearer", JsonNode.Parse(body)!["access_token"]!.GetValue<string>());
        return client;
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no goodbye to clients or to the database.</summary>
    public async Task KillAsync()
    {
        Assert.False(_process.HasExited, $"Verity.Server exited before it was killed: {Errors}");
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }
}
