using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Verity.Load;

/// <summary>Verity.Server as a separate process (Release build), as an operator would run it.</summary>
internal sealed class VerityProcess : IAsyncDisposable
{
    private readonly Process _process;

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;
    public string ClientId { get; }
    public string ClientSecret { get; }

    private VerityProcess(Process process, Uri baseAddress, string clientId, string clientSecret)
    {
        _process = process;
        BaseAddress = baseAddress;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    public static async Task<VerityProcess> StartAsync(LoadOptions options, EngineTarget target)
    {
        if (!File.Exists(options.ServerDll))
        {
            throw new FileNotFoundException($"Build the server first: dotnet build -c Release src/Verity.Server ({options.ServerDll} is missing).");
        }
        var port = FreePort();
        var (clientId, secret) = (target.ClientId, target.ClientSecret);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = target.WorkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        InlineCompletions.PassCallersSetting(start);
        foreach (var arg in new[]
        {
            options.ServerDll, "--urls", $"http://127.0.0.1:{port}",
            "--Verity:Storage:Provider", target.Engine, "--Verity:Storage:ConnectionString", target.ConnectionString,
            "--Verity:Bootstrap:ClientId", clientId, "--Verity:Bootstrap:ClientSecret", secret,
            "--Verity:Bootstrap:TenantId", target.TenantId.ToString(),
            "--Verity:Bootstrap:AdminPassword", Scenarios.AdminPassword,
            "--Logging:LogLevel:Default", "Warning",
        })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[server] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        // Long enough for the schema migrations a kept 10-million-entry database may still need (an index or a
        // backfill over it takes minutes), which run before the server answers.
        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout)
        {
            try
            {
                if ((await probe.GetAsync("/")).StatusCode == HttpStatusCode.OK)
                {
                    return new VerityProcess(process, baseAddress, clientId, secret);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Verity.Server exited with code {process.ExitCode}.");
            }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"Verity.Server did not answer within {StartTimeout.TotalMinutes:N0} minutes.");
    }

    // Schema 7 (PostgreSQL) rewrites every target row of a kept 10-million-entry log: more than 15 minutes there.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(60);

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
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
