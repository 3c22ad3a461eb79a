using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Verity.Core.Storage;
using Verity.Server.Tests.Support;
using Verity.Tests;
using static Verity.Server.Tests.Support.AuditFiles;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.AuditLogs;

/// <summary>GET /v1.0/auditLogs/directoryAudits/download: the Entra CSV layout and a JSON array, filtered, capped and resumable.</summary>
public sealed class DownloadTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    private const string Download = "/v1.0/auditLogs/directoryAudits/download";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A tenant with real audited changes (a user added and updated) and a thousand synthetic entries after them.</summary>
    private async Task<(TestTenant Tenant, HttpClient Admin, JsonObject User)> TenantWithHistoryAsync(int synthetic = 1_000)
    {
        var tenant = await host.NewTenantAsync();
        var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "csv", displayName: "Casey, \"CSV\" Sv");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""{"jobTitle":"=1+1","department":"Prüfung & <Audit> 監査"}"""), Ct), HttpStatusCode.NoContent);
        await host.Services.GetRequiredService<ILogStore>().BulkAppendAsync(SyntheticAudits.Generate(tenant.Id, synthetic), 500, Ct);
        return (tenant, admin, user);
    }

    [Fact]
    public async Task Csv_has_the_entra_header_and_one_row_per_entry_with_old_and_new_values()
    {
        var (_, admin, user) = await TenantWithHistoryAsync();

        using var response = await admin.GetAsync($"{Download}?format=csv", Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment; filename=\"AuditLogs_", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.Equal([0xEF, 0xBB, 0xBF], body[..3]);
        Assert.StartsWith("\"Date (UTC)\",\"CorrelationId\",\"Service\",\"Category\",\"Activity\",\"Result\",\"ResultReason\",\"User Agent\"," +
            "\"ActorType\",\"ActorDisplayName\",\"ActorObjectId\",\"ActorUserPrincipalName\",\"IPAddress\",\"ActorHomeTenantId\",\"ActorHomeTenantName\"," +
            "\"ActorServicePrincipalId\",\"ActorServicePrincipalName\",\"Target1Type\",\"Target1DisplayName\",\"Target1ObjectId\",\"Target1UserPrincipalName\"," +
            "\"Target1ModifiedProperty1Name\",\"Target1ModifiedProperty1OldValue\",\"Target1ModifiedProperty1NewValue\"", Encoding.UTF8.GetString(body, 3, body.Length - 3), StringComparison.Ordinal);
        var rows = ParseCsv(body[3..]);
        var header = rows[0];
        Assert.Equal(87, header.Length);
        Assert.Equal("Target3ModifiedProperty5NewValue", header[73]);
        Assert.Equal(["AdditionalDetail6Key", "AdditionalDetail6Value", "Notes"], header[^3..]);
        var api = await AllFromApiAsync(admin);
        Assert.Equal(api.Count, rows.Count - 1);
        Assert.All(rows, r => Assert.Equal(87, r.Length));

        var update = api.Single(e => (string?)e["activityDisplayName"] == "Update user" && (string?)e["targetResources"]![0]!["id"] == (string?)user["id"]);
        var row = rows.Single(r => r[4] == "Update user" && r[19] == (string?)user["id"]);
        var cell = (string name) => row[Array.IndexOf(header, name)];
        Assert.Equal((string?)update["activityDateTime"], cell("Date (UTC)"));
        Assert.Equal((string?)update["correlationId"], cell("CorrelationId"));
        Assert.Equal("User", cell("ActorType"));
        Assert.Equal((string?)update["initiatedBy"]!["user"]!["userPrincipalName"], cell("ActorUserPrincipalName"));
        Assert.Equal("Casey, \"CSV\" Sv", cell("Target1DisplayName"));
        var properties = update["targetResources"]![0]!["modifiedProperties"]!.AsArray();
        for (var p = 0; p < Math.Min(5, properties.Count); p++)
        {
            Assert.Equal((string?)properties[p]!["displayName"], cell($"Target1ModifiedProperty{p + 1}Name"));
            Assert.Equal((string?)properties[p]!["oldValue"] ?? "", cell($"Target1ModifiedProperty{p + 1}OldValue"));
            var expected = (string?)properties[p]!["newValue"] ?? "";
            // A cell a spreadsheet would run as a formula is escaped with an apostrophe.
            Assert.Equal(expected.Length > 0 && "=+-@".Contains(expected[0], StringComparison.Ordinal) ? "'" + expected : expected, cell($"Target1ModifiedProperty{p + 1}NewValue"));
        }
    }

    [Fact]
    public async Task Every_csv_cell_is_the_api_entry_in_the_entra_layout()
    {
        var (_, admin, _) = await TenantWithHistoryAsync();

        using var response = await admin.GetAsync($"{Download}?format=csv", Ct);
        var rows = ParseCsv((await response.Content.ReadAsByteArrayAsync(Ct))[3..]);

        var api = await AllFromApiAsync(admin);
        Assert.Equal(api.Count, rows.Count - 1);
        Assert.Contains(api, e => e["initiatedBy"]!["app"] is JsonObject);
        Assert.Contains(api, e => e["additionalDetails"]!.AsArray().Count > 0);
        for (var i = 0; i < api.Count; i++)
        {
            Assert.Equal(ExpectedCsvRow(api[i]), rows[i + 1]);
        }
    }

    /// <summary>The row reference §6.6 describes, built from the API's JSON; formula-like text gets its apostrophe.</summary>
    private static string[] ExpectedCsvRow(JsonObject entry)
    {
        static string Text(JsonNode? node, string name) => node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        var user = entry["initiatedBy"]!["user"] as JsonObject;
        var app = entry["initiatedBy"]!["app"] as JsonObject;
        var details = entry["additionalDetails"]!.AsArray();
        var targets = entry["targetResources"]!.AsArray();
        var cells = new List<string>
        {
            Text(entry, "activityDateTime"), Text(entry, "correlationId"), Text(entry, "loggedByService"), Text(entry, "category"),
            Text(entry, "activityDisplayName"), Text(entry, "result"), Text(entry, "resultReason"),
            details.Where(d => Text(d, "key") == "User-Agent").Select(d => Text(d, "value")).FirstOrDefault() ?? "",
            user is not null ? "User" : app is not null ? "App" : "",
            Text(user, "displayName") is { Length: > 0 } name ? name : Text(app, "displayName"),
            Text(user, "id"), Text(user, "userPrincipalName"), Text(user, "ipAddress"), Text(user, "homeTenantId"), Text(user, "homeTenantName"),
            Text(app, "servicePrincipalId"), Text(app, "servicePrincipalName"),
        };
        for (var t = 0; t < 3; t++)
        {
            var target = t < targets.Count ? targets[t] : null;
            cells.AddRange([Text(target, "type"), Text(target, "displayName"), Text(target, "id"), Text(target, "userPrincipalName")]);
            var properties = target?["modifiedProperties"]?.AsArray() ?? [];
            for (var p = 0; p < 5; p++)
            {
                var property = p < properties.Count ? properties[p] : null;
                cells.AddRange([Text(property, "displayName"), Text(property, "oldValue"), Text(property, "newValue")]);
            }
        }
        for (var d = 0; d < 6; d++)
        {
            var detail = d < details.Count ? details[d] : null;
            cells.AddRange([Text(detail, "key"), Text(detail, "value")]);
        }
        var hidden = targets.Take(3).Select((t, i) => (Count: (t!["modifiedProperties"]?.AsArray().Count ?? 0) - 5, Target: i + 1)).Where(h => h.Count > 0)
            .Select(h => h.Count == 1 ? $"1 more modified property of target {h.Target}" : $"{h.Count} more modified properties of target {h.Target}").ToList();
        if (targets.Count > 3)
        {
            hidden.Add(targets.Count == 4 ? "1 more target" : $"{targets.Count - 3} more targets");
        }
        if (details.Count > 6)
        {
            hidden.Add(details.Count == 7 ? "1 more additional detail" : $"{details.Count - 6} more additional details");
        }
        cells.Add(hidden.Count > 0 ? $"Not shown: {string.Join("; ", hidden)}. The JSON download has the whole entry." : "");
        return [.. cells.Select(c => c.Length > 0 && "=+-@".Contains(c[0], StringComparison.Ordinal) ? "'" + c : c)];
    }

    [Fact]
    public async Task A_csv_row_that_leaves_modified_properties_out_says_so_and_points_to_the_json()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var user = await tenant.CreateUserAsync(admin, "many");
        await ExpectAsync(await admin.PatchAsync($"/v1.0/users/{user["id"]}", Json("""
            {"givenName":"Ada","surname":"King","jobTitle":"Analyst","department":"Engines","officeLocation":"London",
             "mobilePhone":"+44 20 0000","city":"London","country":"UK"}
            """), Ct), HttpStatusCode.NoContent);

        using var response = await admin.GetAsync($"{Download}?format=csv&$filter={Uri.EscapeDataString("activityDisplayName eq 'Update user'")}", Ct);
        var rows = ParseCsv((await response.Content.ReadAsByteArrayAsync(Ct))[3..]);

        var api = (await AllFromApiAsync(admin)).Single(e => (string?)e["activityDisplayName"] == "Update user");
        var properties = api["targetResources"]![0]!["modifiedProperties"]!.AsArray().Count;
        Assert.True(properties > 5, $"{properties} modified properties");
        var row = Assert.Single(rows.Skip(1));
        Assert.Equal($"Not shown: {properties - 5} more modified properties of target 1. The JSON download has the whole entry.", row[^1]);
        Assert.Equal(ExpectedCsvRow(api), row);
    }

    [Fact]
    public async Task Json_is_the_filtered_entries_exactly_as_the_api_serves_them()
    {
        var (_, admin, _) = await TenantWithHistoryAsync();
        const string filter = "category eq 'GroupManagement' and result eq 'success'";

        var body = await ExpectArrayAsync(await admin.GetAsync($"{Download}?format=json&$orderby=activityDateTime%20asc&$filter={Uri.EscapeDataString(filter)}", Ct));

        var api = await AllFromApiAsync(admin, filter);
        api.Reverse();
        Assert.NotEmpty(api);
        Assert.Equal(api.Select(e => e.ToJsonString()), body.Select(e => e!.ToJsonString()));
    }

    [Fact]
    public async Task A_capped_download_names_the_next_file_which_resumes_exactly_while_entries_are_written()
    {
        var (tenant, admin, _) = await TenantWithHistoryAsync(synthetic: 250);
        var all = await AllFromApiAsync(admin);

        using var first = await admin.GetAsync($"{Download}?format=json&maxRows=100", Ct);
        var firstRows = await ExpectArrayAsync(first);
        await tenant.CreateUserAsync(admin, "latecomer");
        var next = first.Headers.GetValues("Link").Single();
        Assert.EndsWith(">; rel=\"next\"", next, StringComparison.Ordinal);
        var rest = new List<JsonNode?>();
        string? link = next[1..next.IndexOf('>', StringComparison.Ordinal)];
        while (link is not null)
        {
            using var part = await admin.GetAsync(link, Ct);
            rest.AddRange(await ExpectArrayAsync(part));
            link = part.Headers.TryGetValues("Link", out var links) ? links.Single()[1..links.Single().IndexOf('>', StringComparison.Ordinal)] : null;
        }

        Assert.Equal(100, firstRows.Count);
        Assert.Equal(all.Select(e => (string?)e["id"]), firstRows.Concat(rest).Select(e => (string?)e!["id"]));
    }

    [Theory]
    [InlineData("format=xml", "format 'xml' is not supported")]
    [InlineData("maxRows=0", "maxRows")]
    [InlineData("maxRows=250001", "from 1 to 250000")]
    [InlineData("cursor=AAAA", "cursor is invalid")]
    [InlineData("$top=5", "Unknown query parameter '$top'")]
    [InlineData("$filter=category%20eq", "Invalid $filter")]
    [InlineData("$orderby=category", "$orderby 'category' is not supported")]
    public async Task Bad_download_requests_are_400(string query, string message)
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();

        await ExpectErrorAsync(await admin.GetAsync($"{Download}?{query}", Ct), HttpStatusCode.BadRequest, message);
    }

    [Fact]
    public async Task A_cursor_works_only_for_the_query_that_issued_it_and_readers_need_the_role()
    {
        var (tenant, admin, _) = await TenantWithHistoryAsync(synthetic: 50);
        using var first = await admin.GetAsync($"{Download}?format=json&maxRows=10", Ct);
        var link = first.Headers.GetValues("Link").Single();
        var cursor = link[(link.IndexOf("cursor=", StringComparison.Ordinal) + 7)..link.IndexOf('>', StringComparison.Ordinal)];
        await tenant.CreateUserAsync(admin, "reader", password: "Reader-Password-1!");
        using var reader = host.NewClient(await tenant.UserTokenAsync($"reader@{tenant.Domain}", "Reader-Password-1!"));

        var otherFilter = await admin.GetAsync($"{Download}?format=json&maxRows=10&$filter={Uri.EscapeDataString("result eq 'failure'")}&cursor={cursor}", Ct);
        var noRole = await reader.GetAsync($"{Download}?format=csv", Ct);

        await ExpectErrorAsync(otherFilter, HttpStatusCode.BadRequest, "cursor is invalid");
        await ExpectErrorAsync(noRole, HttpStatusCode.Forbidden);
    }

    private static async Task<JsonArray> ExpectArrayAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsArray();
    }
}
