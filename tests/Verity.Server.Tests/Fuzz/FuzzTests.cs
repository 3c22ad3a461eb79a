using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.Fuzz;

/// <summary>
/// Grammar-based fuzzing through real HTTP on both engines: random <c>$filter</c>s and query options against the audit
/// log, and random bodies against every write endpoint. Any 5xx, stack trace, exception type name or non-Graph error
/// body fails the test, and so does a refused change attempt without its failure entry in the log. Reproducible:
/// <c>VERITY_FUZZ_SEED</c> picks the seed (printed with every finding) and <c>VERITY_FUZZ_COUNT</c> the count.
/// </summary>
public abstract partial class FuzzTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private const int DefaultSeed = 20261204;
    private static readonly int Seed = FilterGrammar.SeedFromEnvironment(DefaultSeed);
    private static readonly int Count = int.TryParse(Environment.GetEnvironmentVariable("VERITY_FUZZ_COUNT"), NumberStyles.None,
        CultureInfo.InvariantCulture, out var count) ? count : 10_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"\b[A-Z][A-Za-z]+Exception\b|\n\s+at |System\.[A-Z]|Microsoft\.[A-Z][A-Za-z]+\.")]
    private static partial Regex Leak();

    [Fact]
    public async Task Random_filters_and_query_options_get_an_answer_or_a_Graph_error_never_a_5xx()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        await tenant.CreateUserAsync(admin, "fuzzy");
        var findings = new ConcurrentQueue<string>();

        string[] collections = ["users", "groups", "applications", "servicePrincipals"];
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            // Three in ten go to the directory's collections, whose $filter/$orderby go through the same OData parser.
            var directory = i % 10 is 2 or 3 or 4;
            // Two in ten go to the sign-in log, through the same log engine as the audit log but its own description.
            var signIns = i % 10 is 7 or 8;
            var query = new FilterGrammar(ItemSeed(i), directory ? FilterGrammar.DirectoryProperties
                : signIns ? FilterGrammar.SignInProperties : FilterGrammar.AuditProperties).NextQuery();
            var path = (i % 10) switch
            {
                0 => "/v1.0/auditLogs/directoryAudits/$count",
                1 => $"/v1.0/auditLogs/directoryAudits/download?format={(i % 20 == 1 ? "csv" : "json")}&",
                2 => $"/v1.0/{collections[i / 10 % 4]}/$count",
                3 or 4 => $"/v1.0/{collections[i / 10 % 4]}",
                7 => i % 20 == 7 ? "/beta/auditLogs/signIns" : "/v1.0/auditLogs/signIns/$count",
                8 => i % 20 == 8 ? $"/v1.0/auditLogs/signIns/download?format={(i % 40 == 8 ? "csv" : "json")}&" : "/v1.0/auditLogs/signIns",
                _ => "/v1.0/auditLogs/directoryAudits",
            };
            var url = path.EndsWith('&') ? path + query : $"{path}?{query}";
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
            if (directory && i % 3 > 0)
            {
                request.Headers.Add("ConsistencyLevel", "eventual");
            }
            using var response = await admin.SendAsync(request, ct);
            if (await ProblemAsync(response, ct) is { } problem)
            {
                findings.Enqueue($"#{i} GET {url} -> {problem}");
            }
        });

        Assert.True(findings.IsEmpty, Report(findings));
    }

    [Fact]
    public async Task Random_bodies_to_every_write_endpoint_get_an_answer_or_a_Graph_error_and_every_refusal_is_audited()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        var targets = await CreateTargetsAsync(tenant, admin);
        var ids = targets.Values.Append(Guid.NewGuid().ToString()).Append("nope").ToList();
        var findings = new ConcurrentQueue<string>();
        var refused = new ConcurrentDictionary<string, string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            var (endpoint, body, contentType) = new BodyGrammar(ItemSeed(i), tenant.Domain, ids).Next();
            var path = Regex.Replace(endpoint.Path, @"\{(\w+)\}", m => i % 50 == 0 ? Guid.NewGuid().ToString() : targets[m.Groups[1].Value]);
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            var requestId = $"fuzz-{Seed}-{i}";
            request.Headers.Add("client-request-id", requestId);
            using var response = await admin.SendAsync(request, ct);
            if (await ProblemAsync(response, ct) is { } problem)
            {
                findings.Enqueue($"#{i} {endpoint.Method} {path} {contentType} body {BodyGrammar.Describe(body)} -> {problem}");
            }
            if ((int)response.StatusCode is 400 or 403 or 409 or 413 or 415)
            {
                refused[requestId] = $"#{i} {endpoint.Method} {path} -> {(int)response.StatusCode}";
            }
        });

        Assert.True(findings.IsEmpty, Report(findings));
        var audited = await FailureCorrelationIdsAsync(admin);
        var unaudited = refused.Where(r => !audited.Contains(r.Key)).Select(r => r.Value).ToList();
        Assert.True(unaudited.Count == 0, $"{unaudited.Count} of {refused.Count} refused attempts left no failure entry (seed {Seed}):\n{string.Join('\n', unaudited.Take(20))}");
        Assert.True(refused.Count > Count / 10, $"Only {refused.Count} of {Count} bodies were refused: the grammar no longer reaches the validators.");
    }

    /// <summary>Null when the response is acceptable: below 500, naming no internals, and any error in Graph's shape.</summary>
    private static async Task<string?> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(ct);
        if (status >= 500)
        {
            return $"{status} {Truncate(text)}";
        }
        if (Leak().IsMatch(text))
        {
            return $"{status} leaks internals: {Truncate(text)}";
        }
        if (status < 400)
        {
            return null;
        }
        try
        {
            var error = JsonNode.Parse(text)?["error"];
            if (error?["code"]?.GetValue<string>() is { Length: > 0 } && error["message"]?.GetValue<string>() is { Length: > 0 }
                && error["innerError"]?["request-id"] is not null)
            {
                return null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
        }
        return $"{status} is not a Graph error: {Truncate(text)}";
    }

    /// <summary>Objects for the {placeholders} of the write endpoints' paths, and ids the bodies may name.</summary>
    private static async Task<Dictionary<string, string>> CreateTargetsAsync(TestTenant tenant, HttpClient admin)
    {
        var user = await tenant.CreateUserAsync(admin, "target");
        var group = await TestTenant.ExpectAsync(await admin.PostAsync("/v1.0/groups",
            TestTenant.Json("""{"displayName":"Fuzz group","mailEnabled":false,"mailNickname":"fuzz","securityEnabled":true}"""), Ct), HttpStatusCode.Created);
        var application = await TestTenant.ExpectAsync(await admin.PostAsync("/v1.0/applications", TestTenant.Json("""{"displayName":"Fuzz app"}"""), Ct),
            HttpStatusCode.Created);
        var servicePrincipal = await TestTenant.ExpectAsync(await admin.PostAsync("/v1.0/servicePrincipals",
            TestTenant.Json($$"""{"appId":"{{application["appId"]}}"}"""), Ct), HttpStatusCode.Created);
        return new()
        {
            ["user"] = (string)user["id"]!,
            ["group"] = (string)group["id"]!,
            ["application"] = (string)application["id"]!,
            ["appId"] = (string)application["appId"]!,
            ["servicePrincipal"] = (string)servicePrincipal["id"]!,
        };
    }

    private static async Task<HashSet<string>> FailureCorrelationIdsAsync(HttpClient admin)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? next = "/v1.0/auditLogs/directoryAudits?$filter=result%20eq%20'failure'&$select=correlationId&$top=1000";
        while (next is not null)
        {
            var page = await TestTenant.ExpectAsync(await admin.GetAsync(next, Ct), HttpStatusCode.OK);
            ids.UnionWith(page["value"]!.AsArray().Select(e => (string)e!["correlationId"]!));
            next = (string?)page["@odata.nextLink"];
        }
        return ids;
    }

    private static int ItemSeed(int index) => unchecked((Seed * 1_000_003) + index);

    private static string Truncate(string text) => text.Length > 400 ? text[..400] + "…" : text;

    private static string Report(IEnumerable<string> findings) =>
        $"Seed {Seed} (rerun with VERITY_FUZZ_SEED={Seed}); {findings.Count()} findings, the first 20:\n{string.Join('\n', findings.Take(20))}";
}

public sealed class SqliteFuzzTests(SqliteHost host) : FuzzTests<SqliteHost>(host);

public sealed class PostgresFuzzTests(PostgresHost host) : FuzzTests<PostgresHost>(host);
