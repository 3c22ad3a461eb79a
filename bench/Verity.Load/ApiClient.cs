using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Verity.Load;

/// <summary>An HTTP client holding an app token from Verity's own token endpoint (client credentials).</summary>
internal sealed class ApiClient(HttpClient http, string token) : IDisposable
{
    public string Token { get; } = token;

    /// <summary>The bootstrap tenant's domain: that of the default admin, admin@verity.local.</summary>
    private const string Tenant = "verity.local";

    public HttpClient Http { get; } = http;

    public static async Task<ApiClient> ConnectAsync(Uri baseAddress, string clientId, string secret)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var token = await http.PostAsync($"/{Tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "https://graph.microsoft.com/.default",
        }));
        var body = JsonNode.Parse(await token.Content.ReadAsStringAsync())!;
        var accessToken = (string?)body["access_token"] ?? throw new InvalidOperationException($"No token: {body.ToJsonString()}");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return new ApiClient(http, accessToken);
    }

    public void Dispose() => Http.Dispose();
}
