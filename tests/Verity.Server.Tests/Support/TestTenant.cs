using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Graph;
using Verity.Server.Hosting;

namespace Verity.Server.Tests.Support;

/// <summary>One test's tenant: its ids, credentials, and helpers that talk to Verity over real HTTP.</summary>
internal sealed class TestTenant(VerityHost host, ProvisionedTenant tenant)
{
    public const string PublicClientId = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

    public VerityHost Host { get; } = host;
    public Guid Id => tenant.TenantId;
    public string Domain => tenant.Domain;
    public string AdminUpn => tenant.AdminUserPrincipalName;
    public string AdminPassword => tenant.AdminPassword;
    public string AdminId => tenant.AdminId;
    public string ClientId => tenant.ClientId!;
    public string ClientSecret => tenant.ClientSecret!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<HttpResponseMessage> RequestTokenAsync(IDictionary<string, string> form, string? tenantSegment = null)
    {
        using var client = Host.NewClient();
        return await client.PostAsync($"/{tenantSegment ?? Id.ToString()}/oauth2/v2.0/token", new FormUrlEncodedContent(form), Ct);
    }

    public async Task<string> UserTokenAsync(string upn, string password)
    {
        var response = await RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = PublicClientId, ["username"] = upn, ["password"] = password,
            ["scope"] = "https://graph.microsoft.com/.default",
        });
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    public async Task<string> AppTokenAsync(string? clientId = null, string? secret = null)
    {
        var response = await RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId ?? ClientId, ["client_secret"] = secret ?? ClientSecret,
            ["scope"] = "https://graph.microsoft.com/.default",
        });
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    public async Task<HttpClient> AdminAsync() => Host.NewClient(await UserTokenAsync(AdminUpn, AdminPassword));

    /// <summary>
    /// The official client stack, unchanged: Azure.Identity's ClientSecretCredential against Verity's token endpoint,
    /// then Microsoft.Graph's GraphServiceClient against Verity's API, as this tenant's automation app.
    /// </summary>
    public GraphServiceClient Graph()
    {
        var credential = new ClientSecretCredential(Id.ToString(), ClientId, ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = Host.BaseAddress,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(new HttpClient(Host.NewHandler())),
        });
        // Positional arguments: the named form hits two overloads (CS0121).
        var auth = new Microsoft.Graph.Authentication.AzureIdentityAuthenticationProvider(credential, ["127.0.0.1"], null, true,
            ["https://graph.microsoft.com/.default"]);
        return new GraphServiceClient(GraphClientFactory.Create(finalHandler: Host.NewHandler()), auth, new Uri(Host.BaseAddress, "v1.0").ToString());
    }

    /// <summary>Creates a user as the tenant admin and returns its JSON.</summary>
    public async Task<JsonObject> CreateUserAsync(HttpClient client, string alias, string? password = null, string? displayName = null)
    {
        var response = await client.PostAsJsonAsync("/v1.0/users", new
        {
            accountEnabled = true,
            displayName = displayName ?? alias,
            mailNickname = alias,
            userPrincipalName = $"{alias}@{Domain}",
            passwordProfile = new { password = password ?? "User-Password-1!", forceChangePasswordNextSignIn = false },
        }, Ct);
        return await ExpectAsync(response, HttpStatusCode.Created);
    }

    public async Task<string> AssignRoleAsync(HttpClient client, string principalId, string roleDefinitionId)
    {
        var response = await client.PostAsJsonAsync("/v1.0/roleManagement/directory/roleAssignments",
            new { principalId, roleDefinitionId, directoryScopeId = "/" }, Ct);
        return (string)(await ExpectAsync(response, HttpStatusCode.Created))["id"]!;
    }

    /// <summary>Every audit entry of this tenant, oldest first, read through the API.</summary>
    public async Task<List<JsonObject>> AuditAsync(HttpClient? client = null)
    {
        var reader = client ?? await AdminAsync();
        var all = new List<JsonObject>();
        string? next = "/v1.0/auditLogs/directoryAudits?$top=1000";
        while (next is not null)
        {
            var page = await ExpectAsync(await reader.GetAsync(next, Ct), HttpStatusCode.OK);
            all.AddRange(page["value"]!.AsArray().Select(v => v!.AsObject()));
            next = (string?)page["@odata.nextLink"];
        }
        all.Reverse();
        return all;
    }

    /// <summary>The newest successful entry of an activity.</summary>
    public async Task<JsonObject> LastAuditAsync(string activity, HttpClient? client = null) =>
        (await AuditAsync(client)).Last(a => (string?)a["activityDisplayName"] == activity && (string?)a["result"] == "success");

    /// <summary>Every entry of an activity that names the given object among its targets, oldest first.</summary>
    public async Task<List<JsonObject>> AuditOfAsync(string activity, string targetId) =>
        [.. (await AuditAsync()).Where(a => (string?)a["activityDisplayName"] == activity
            && a["targetResources"]!.AsArray().Any(t => (string?)t!["id"] == targetId))];

    public static async Task<JsonObject> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? [] : JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Asserts a Graph error response and returns its error object.</summary>
    public static async Task<JsonObject> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? messageContains = null)
    {
        var body = await ExpectAsync(response, status);
        var error = body["error"]!.AsObject();
        Assert.False(string.IsNullOrEmpty((string?)error["code"]));
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.NotNull(error["innerError"]?["request-id"]);
        Assert.NotNull(error["innerError"]?["date"]);
        Assert.NotNull(error["innerError"]?["client-request-id"]);
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, (string)error["message"]!, StringComparison.OrdinalIgnoreCase);
        }
        var text = body.ToJsonString();
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        return error;
    }

    public static StringContent Json(string raw) => new(raw, Encoding.UTF8, "application/json");

    public static JsonObject Property(JsonObject target, string name) =>
        target["modifiedProperties"]!.AsArray().Select(p => p!.AsObject()).Single(p => (string?)p["displayName"] == name);

    public static string Serialize(object value) => JsonSerializer.Serialize(value);
}
