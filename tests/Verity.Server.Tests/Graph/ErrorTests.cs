using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.Graph;

/// <summary>Bad input gets Graph's error shape with a specific message, and changes nothing.</summary>
public sealed class ErrorTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewUser(string domain, string alias = "nina") =>
        $$$"""{"accountEnabled":true,"displayName":"Nina","mailNickname":"{{{alias}}}","userPrincipalName":"{{{alias}}}@{{{domain}}}","passwordProfile":{"password":"Nina-Passw0rd"}}""";

    [Theory]
    [InlineData("{\"displayName\":", "Unable to read JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"accountEnabled\":true,\"displayName\":\"N\",\"mailNickname\":\"n\",\"userPrincipalName\":\"n@DOMAIN\",\"passwordProfile\":{\"password\":\"Nina-Passw0rd\"},\"favouriteColour\":\"red\"}", "'favouriteColour' does not exist")]
    [InlineData("{\"accountEnabled\":true,\"displayName\":\"N\",\"mailNickname\":\"n\",\"passwordProfile\":{\"password\":\"Nina-Passw0rd\"}}", "'userPrincipalName' is required")]
    [InlineData("{\"accountEnabled\":\"yes\",\"displayName\":\"N\",\"mailNickname\":\"n\",\"userPrincipalName\":\"n@DOMAIN\",\"passwordProfile\":{\"password\":\"Nina-Passw0rd\"}}", "'accountEnabled'")]
    [InlineData("{\"accountEnabled\":true,\"displayName\":\"N\",\"mailNickname\":\"n\",\"userPrincipalName\":\"n@elsewhere.test\",\"passwordProfile\":{\"password\":\"Nina-Passw0rd\"}}", "domain portion")]
    [InlineData("{\"accountEnabled\":true,\"displayName\":\"N\",\"mailNickname\":\"n\",\"userPrincipalName\":\"n@DOMAIN\",\"passwordProfile\":{\"password\":\"short\"}}", "complexity")]
    [InlineData("{\"accountEnabled\":true,\"displayName\":\"N\",\"mailNickname\":\"n\",\"userPrincipalName\":\"n@DOMAIN\",\"passwordProfile\":{\"password\":\"Nina-Passw0rd\"},\"id\":\"abc\"}", "read-only")]
    public async Task Invalid_user_bodies_are_400_with_a_specific_message_and_create_nothing(string body, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var before = (await ExpectAsync(await admin.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK))["value"]!.AsArray().Count;

        var response = await admin.PostAsync("/v1.0/users", Json(body.Replace("DOMAIN", tenant.Domain, StringComparison.Ordinal)), Ct);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, message);
        Assert.Equal(before, (await ExpectAsync(await admin.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK))["value"]!.AsArray().Count);
        var failure = (await tenant.AuditAsync()).Last();
        Assert.Equal("Add user", (string?)failure["activityDisplayName"]);
        Assert.Equal("failure", (string?)failure["result"]);
    }

    [Fact]
    public async Task A_duplicate_user_principal_name_is_400_and_audited_as_a_failure()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "nina");

        var response = await admin.PostAsync("/v1.0/users", Json(NewUser(tenant.Domain.ToUpperInvariant())), Ct);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, "same value for property userPrincipalName");
        var entries = (await tenant.AuditAsync()).Where(a => (string?)a["activityDisplayName"] == "Add user").Skip(1).ToList();
        Assert.Equal(["success", "failure"], entries.Select(e => (string?)e["result"]));
    }

    [Fact]
    public async Task Another_tenants_object_is_404_not_403_and_is_left_alone()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var otherAdmin = await other.AdminAsync();
        var foreign = await other.CreateUserAsync(otherAdmin, "zed", displayName: "Zed");

        var get = await admin.GetAsync($"/v1.0/users/{foreign["id"]}", Ct);
        var patch = await admin.PatchAsync($"/v1.0/users/{foreign["id"]}", Json("""{"displayName":"Hacked"}"""), Ct);
        var delete = await admin.DeleteAsync($"/v1.0/users/{foreign["id"]}", Ct);
        var audit = await admin.GetAsync($"/v1.0/auditLogs/directoryAudits/{(await other.LastAuditAsync("Add user"))["id"]}", Ct);

        await ExpectErrorAsync(get, HttpStatusCode.NotFound);
        await ExpectErrorAsync(patch, HttpStatusCode.NotFound);
        await ExpectErrorAsync(delete, HttpStatusCode.NotFound);
        await ExpectErrorAsync(audit, HttpStatusCode.NotFound);
        Assert.Equal("Zed", (string?)(await ExpectAsync(await otherAdmin.GetAsync($"/v1.0/users/{foreign["id"]}", Ct), HttpStatusCode.OK))["displayName"]);
        Assert.DoesNotContain(await tenant.AuditAsync(), a => a.ToJsonString().Contains((string)foreign["id"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_malformed_and_forged_tokens_are_401()
    {
        var tenant = await host.NewTenantAsync();
        var token = await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword);
        var parts = token.Split('.');
        var forgedPayload = Convert.ToBase64String(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace(tenant.AdminId, Guid.NewGuid().ToString(), StringComparison.Ordinal)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var none = host.NewClient();
        using var garbage = host.NewClient("not-a-jwt");
        using var forged = host.NewClient($"{parts[0]}.{forgedPayload}.{parts[2]}");

        var missing = await ExpectErrorAsync(await none.GetAsync("/v1.0/users", Ct), HttpStatusCode.Unauthorized, "empty");
        await ExpectErrorAsync(await garbage.GetAsync("/v1.0/users", Ct), HttpStatusCode.Unauthorized);
        await ExpectErrorAsync(await forged.GetAsync("/v1.0/users", Ct), HttpStatusCode.Unauthorized, "signature");
        await ExpectErrorAsync(await forged.PostAsync("/v1.0/users", Json(NewUser(tenant.Domain)), Ct), HttpStatusCode.Unauthorized);

        Assert.Equal("InvalidAuthenticationToken", (string?)missing["code"]);
        Assert.DoesNotContain(await tenant.AuditAsync(), a => (string?)a["activityDisplayName"] == "Add user" && (string?)a["targetResources"]![0]!["userPrincipalName"] == $"nina@{tenant.Domain}");
    }

    [Fact]
    public async Task Oversized_bodies_are_413_and_wrong_media_types_415()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var huge = "{\"displayName\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";

        var tooLarge = await admin.PostAsync("/v1.0/groups", Json(huge), Ct);
        var text = await admin.PostAsync("/v1.0/groups", new StringContent("displayName=x", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);

        await ExpectErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        await ExpectErrorAsync(text, HttpStatusCode.UnsupportedMediaType, "application/json");
        var attempts = (await tenant.AuditAsync()).Where(a => (string?)a["activityDisplayName"] == "Add group").ToList();
        Assert.Equal(["failure", "failure"], attempts.Select(a => (string?)a["result"]));
        Assert.Contains("larger than the limit", (string?)attempts[0]["resultReason"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("isof(id, null)")]
    [InlineData("isof(null)")]
    [InlineData("cast(category, 1)")]
    [InlineData("isof(initiatedBy, true)")]
    [InlineData("cast(result, 12:30:00) eq 'x'")]
    [InlineData("category eq '\u0000'")]
    public async Task Filters_the_OData_binder_cannot_type_are_400_naming_the_problem(string filter)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        var list = await admin.GetAsync($"/v1.0/auditLogs/directoryAudits?$filter={Uri.EscapeDataString(filter)}", Ct);
        var count = await admin.GetAsync($"/v1.0/auditLogs/directoryAudits/$count?$filter={Uri.EscapeDataString(filter)}", Ct);

        await ExpectErrorAsync(list, HttpStatusCode.BadRequest, "$filter");
        await ExpectErrorAsync(count, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE }, "UTF-8")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "UTF-8")]
    [InlineData(new byte[] { 0xC3, 0x28 }, "UTF-8")]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0', (byte)'x' }, "surrogate")]
    public async Task Invalid_UTF8_and_lone_surrogates_in_a_body_are_400_and_audited_as_a_failure(byte[] inside, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "utf");
        byte[] Body(string prefix) => [.. Encoding.UTF8.GetBytes(prefix), .. inside, .. "\"}"u8.ToArray()];
        var create = new ByteArrayContent(Body("{\"accountEnabled\":true,\"mailNickname\":\"n\",\"displayName\":\""));
        create.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var patch = new ByteArrayContent(Body("{\"displayName\":\""));
        patch.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await ExpectErrorAsync(await admin.PostAsync("/v1.0/users", create, Ct), HttpStatusCode.BadRequest, message);
        await ExpectErrorAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", patch, Ct), HttpStatusCode.BadRequest, message);

        var audit = await tenant.AuditAsync();
        Assert.Equal("failure", (string?)audit.Last(a => (string?)a["activityDisplayName"] == "Add user")["result"]);
        var update = audit.Last(a => (string?)a["activityDisplayName"] == "Update user");
        Assert.Equal("failure", (string?)update["result"]);
        Assert.Equal((string?)user["id"], (string?)update["targetResources"]![0]!["id"]);
    }

    [Fact]
    public async Task Urls_and_headers_over_the_limits_get_414_and_431_in_the_Graph_shape()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        using var manyHeaders = new HttpRequestMessage(HttpMethod.Get, "/v1.0/users");
        for (var i = 0; i < 300; i++)
        {
            manyHeaders.Headers.Add($"x-extra-{i}", "1");
        }
        using var bigHeader = new HttpRequestMessage(HttpMethod.Get, "/v1.0/users");
        bigHeader.Headers.Add("x-big", new string('h', 100_000));

        var longUrl = await admin.GetAsync("/v1.0/auditLogs/directoryAudits?$filter=" + Uri.EscapeDataString($"category eq '{new string('c', 40_000)}'"), Ct);

        await ExpectErrorAsync(longUrl, HttpStatusCode.RequestUriTooLong, "URL");
        await ExpectErrorAsync(await admin.SendAsync(manyHeaders, Ct), HttpStatusCode.RequestHeaderFieldsTooLarge, "header fields");
        await ExpectErrorAsync(await admin.SendAsync(bigHeader, Ct), HttpStatusCode.RequestHeaderFieldsTooLarge, "bytes");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_get_the_graph_error_shape()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await ExpectErrorAsync(await admin.GetAsync("/v1.0/nothingHere", Ct), HttpStatusCode.NotFound);
        await ExpectErrorAsync(await admin.PutAsync("/v1.0/users", Json("{}"), Ct), HttpStatusCode.MethodNotAllowed);
        await ExpectErrorAsync(await admin.GetAsync("/v1.0/users?$filter=passwordProfile eq 'x'", Ct), HttpStatusCode.BadRequest, "$filter");
        await ExpectErrorAsync(await admin.GetAsync("/v1.0/users?$top=5000", Ct), HttpStatusCode.BadRequest, "$top");
    }

    [Fact]
    public async Task The_client_request_id_is_echoed_and_becomes_the_correlation_id()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var correlation = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/groups") { Content = Json("""{"displayName":"Corr","mailEnabled":false,"mailNickname":"corr","securityEnabled":true}""") };
        request.Headers.Add("client-request-id", correlation);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("VerityTests", "1.0"));

        var response = await admin.SendAsync(request, Ct);

        Assert.Equal(correlation, response.Headers.GetValues("client-request-id").Single());
        var entry = await tenant.LastAuditAsync("Add group");
        Assert.Equal(correlation, (string?)entry["correlationId"]);
        Assert.StartsWith($"Directory_{correlation}_", (string?)entry["id"], StringComparison.Ordinal);
        Assert.Equal("VerityTests/1.0", (string?)entry["additionalDetails"]![0]!["value"]);
    }

    [Fact]
    public async Task An_unexpected_exception_is_a_500_with_a_request_id_and_no_detail()
    {
        var handler = host.Services.GetServices<IExceptionHandler>().Single();
        var context = new DefaultHttpContext { RequestServices = host.Services };
        context.Response.Body = new MemoryStream();
        context.Items["verity.request-id"] = "req-1";

        await handler.TryHandleAsync(context, new InvalidOperationException("secret table name: directory_objects"), Ct);

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync(Ct);
        Assert.Equal(500, context.Response.StatusCode);
        Assert.Contains("\"code\":\"generalException\"", body, StringComparison.Ordinal);
        Assert.Contains("\"request-id\":\"req-1\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("directory_objects", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_keys_nul_characters_bad_tokens_and_impossible_dates_are_400_not_500()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var app = await ExpectAsync(await admin.PostAsync("/v1.0/applications", Json("""{"displayName":"Dates"}"""), Ct), HttpStatusCode.Created);
        using var anonymous = host.NewClient();

        await ExpectErrorAsync(await admin.PostAsync("/v1.0/groups",
            Json("""{"displayName":"a","displayName":"b","mailEnabled":false,"mailNickname":"d","securityEnabled":true}"""), Ct), HttpStatusCode.BadRequest, "repeats a property");
        await ExpectErrorAsync(await admin.PostAsync("/v1.0/groups",
            Json("""{"displayName":"a\u0000b","mailEnabled":false,"mailNickname":"n","securityEnabled":true}"""), Ct), HttpStatusCode.BadRequest, "NUL");
        await ExpectErrorAsync(await admin.GetAsync("/v1.0/users?$skiptoken=AA", Ct), HttpStatusCode.BadRequest, "skiptoken");
        await ExpectErrorAsync(await admin.PostAsync($"/v1.0/applications/{app["id"]}/addPassword",
            Json("""{"passwordCredential":{"startDateTime":"9999-06-01T00:00:00Z"}}"""), Ct), HttpStatusCode.BadRequest, "9000");
        var tenantless = await anonymous.PostAsync("/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = tenant.ClientId, ["client_secret"] = tenant.ClientSecret,
        }), Ct);
        var discovery = await anonymous.GetAsync("/v2.0/.well-known/openid-configuration", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, tenantless.StatusCode);
        Assert.Contains("AADSTS90002", await tenantless.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, discovery.StatusCode);
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight((padded.Length + 3) / 4 * 4, '='));
    }
}
