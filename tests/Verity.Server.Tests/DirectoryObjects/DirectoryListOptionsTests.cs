using System.Net;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;

namespace Verity.Server.Tests.DirectoryObjects;

/// <summary>
/// $filter, $search, $orderby, $select and $count on users, groups, applications and servicePrincipals through the
/// official Graph SDK, and Graph's 400s for advanced queries without their parameters over raw HTTP.
/// </summary>
public abstract class DirectoryListOptionsTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TestTenant Tenant, GraphServiceClient Graph)> PeopleAsync(TestTenant tenant)
    {
        var graph = tenant.Graph();
        foreach (var (alias, name, enabled) in new[] { ("ada", "Ada Lovelace", true), ("alan", "Alan Turing", false), ("grace", "Grace Hopper", true) })
        {
            await graph.Users.PostAsync(new User
            {
                AccountEnabled = enabled, DisplayName = name, MailNickname = alias, UserPrincipalName = $"{alias}@{tenant.Domain}",
                Mail = $"{alias}@example.org", PasswordProfile = new PasswordProfile { Password = "Analytical-Engine-1" },
            }, cancellationToken: Ct);
        }
        return (tenant, graph);
    }

    private static string[] Names(UserCollectionResponse? page) => [.. page!.Value!.Select(u => u.DisplayName!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Default_filters_work_without_advanced_query_parameters_and_compare_case_insensitively()
    {
        var (tenant, graph) = await PeopleAsync(await host.NewTenantAsync());

        var startsWith = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "startswith(displayName,'a')", Ct);
        var upper = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "startsWith(displayName, 'ADA')", Ct);
        var byUpn = await graph.Users.GetAsync(r => r.QueryParameters.Filter = $"userPrincipalName eq 'Grace@{tenant.Domain}'", Ct);
        var disabled = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "accountEnabled eq false", Ct);
        var listed = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "displayName in ('Ada Lovelace', 'Grace Hopper') and accountEnabled eq true", Ct);
        var range = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "displayName ge 'b' and displayName le 'h'", Ct);

        Assert.Equal(["Ada Lovelace", "Alan Turing"], Names(startsWith));
        Assert.Equal(["Ada Lovelace"], Names(upper));
        Assert.Equal(["Grace Hopper"], Names(byUpn));
        Assert.Equal(["Alan Turing"], Names(disabled));
        Assert.Equal(["Ada Lovelace", "Grace Hopper"], Names(listed));
        Assert.Equal(["Grace Hopper"], Names(range));
        Assert.Null(startsWith!.OdataCount);
    }

    [Fact]
    public async Task Advanced_filters_with_ConsistencyLevel_and_count_return_the_matches_and_their_count()
    {
        var (_, graph) = await PeopleAsync(await host.NewTenantAsync());

        var enabled = await graph.Users.GetAsync(r =>
        {
            r.QueryParameters.Filter = "accountEnabled ne false and not(startsWith(displayName, 'Verity'))";
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var endsWith = await graph.Users.GetAsync(r =>
        {
            r.QueryParameters.Filter = "endsWith(mail, '@EXAMPLE.org') or endswith(userPrincipalName, 'nobody.test')";
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var withoutJobTitle = await graph.Users.GetAsync(r =>
        {
            r.QueryParameters.Filter = "jobTitle eq null and mail ne null";
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var counted = await graph.Users.Count.GetAsync(r =>
        {
            r.QueryParameters.Filter = "startswith(displayName,'a')";
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var everyone = await graph.Users.Count.GetAsync(r => r.Headers.Add("ConsistencyLevel", "eventual"), Ct);

        Assert.Equal(["Ada Lovelace", "Grace Hopper"], Names(enabled));
        Assert.Equal(2, enabled!.OdataCount);
        Assert.Equal(["Ada Lovelace", "Alan Turing", "Grace Hopper"], Names(endsWith));
        Assert.Equal(3, endsWith!.OdataCount);
        Assert.Equal(3, withoutJobTitle!.OdataCount);
        Assert.Equal(2, counted);
        Assert.Equal(4, everyone);
    }

    [Fact]
    public async Task Search_matches_words_of_displayName_and_prefixes_of_other_properties()
    {
        var (_, graph) = await PeopleAsync(await host.NewTenantAsync());
        foreach (var (name, nickname, unified) in new[] { ("One Video", "onevideo", true), ("Drive-Team", "drive", false), ("Finance", "finance", true) })
        {
            await graph.Groups.PostAsync(new Group
            {
                DisplayName = name, MailNickname = nickname, MailEnabled = false, SecurityEnabled = true, GroupTypes = unified ? ["Unified"] : [],
            }, cancellationToken: Ct);
        }

        var word = await graph.Users.GetAsync(r => { r.QueryParameters.Search = "\"displayName:love\""; r.Headers.Add("ConsistencyLevel", "eventual"); }, Ct);
        var either = await graph.Users.GetAsync(r =>
        {
            r.QueryParameters.Search = "\"displayName:turing\" OR \"mail:grace\"";
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var groups = await graph.Groups.GetAsync(r =>
        {
            r.QueryParameters.Search = "(\"displayName:video\" OR \"displayName:team\") AND \"mailNickname:o\"";
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var unifiedSearch = await graph.Groups.GetAsync(r =>
        {
            r.QueryParameters.Filter = "groupTypes/any(c:c eq 'Unified')";
            r.QueryParameters.Search = "\"displayName:fin\"";
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var notInside = await graph.Users.GetAsync(r => { r.QueryParameters.Search = "\"displayName:ovelace\""; r.Headers.Add("ConsistencyLevel", "eventual"); }, Ct);

        Assert.Equal(["Ada Lovelace"], Names(word));
        Assert.Equal(["Alan Turing", "Grace Hopper"], Names(either));
        Assert.Equal(2, either!.OdataCount);
        Assert.Equal(["One Video"], groups!.Value!.Select(g => g.DisplayName));
        Assert.Equal(["Finance"], unifiedSearch!.Value!.Select(g => g.DisplayName));
        Assert.Empty(notInside!.Value!);
    }

    [Fact]
    public async Task Orderby_pages_every_object_once_in_order_and_select_returns_only_the_named_properties()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();
        string[] names = ["beta", "Alpha", "delta", "Charlie", "echo", "alpha two", "Foxtrot"];
        foreach (var name in names)
        {
            await graph.Applications.PostAsync(new Application { DisplayName = name }, cancellationToken: Ct);
        }

        var first = await graph.Applications.GetAsync(r =>
        {
            r.QueryParameters.Orderby = ["displayName desc"];
            r.QueryParameters.Filter = "displayName ne 'Verity automation'";
            r.QueryParameters.Select = ["displayName", "appId"];
            r.QueryParameters.Count = true;
            r.QueryParameters.Top = 3;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var seen = new List<Application>();
        var iterator = PageIterator<Application, ApplicationCollectionResponse>.CreatePageIterator(graph, first!, a => { seen.Add(a); return true; },
            r => { r.Headers.Add("ConsistencyLevel", "eventual"); return r; });
        await iterator.IterateAsync(Ct);

        Assert.Equal(7, first!.OdataCount);
        Assert.NotNull(first.OdataNextLink);
        Assert.Equal(names.OrderByDescending(n => n.ToLowerInvariant(), StringComparer.Ordinal), seen.Select(a => a.DisplayName));
        Assert.All(seen, a => Assert.NotNull(a.AppId));
        Assert.All(seen, a => Assert.Null(a.Id));
        Assert.All(seen, a => Assert.Null(a.CreatedDateTime));
    }

    [Fact]
    public async Task Service_principals_and_groups_filter_on_their_documented_properties()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();
        var app = await graph.Applications.PostAsync(new Application { DisplayName = "Box sync" }, cancellationToken: Ct);
        await graph.ServicePrincipals.PostAsync(new ServicePrincipal { AppId = app!.AppId }, cancellationToken: Ct);
        await graph.Groups.PostAsync(new Group { DisplayName = "Mail group", MailNickname = "mg", MailEnabled = true, SecurityEnabled = false }, cancellationToken: Ct);
        await graph.Groups.PostAsync(new Group { DisplayName = "Security group", MailNickname = "sg", MailEnabled = false, SecurityEnabled = true }, cancellationToken: Ct);

        var byAppId = await graph.ServicePrincipals.GetAsync(r => r.QueryParameters.Filter = $"appId eq '{app.AppId}'", Ct);
        var sorted = await graph.ServicePrincipals.GetAsync(r =>
        {
            r.QueryParameters.Filter = "startswith(displayName, 'box') or startswith(displayName, 'verity')";
            r.QueryParameters.Orderby = ["displayName"];
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        }, Ct);
        var security = await graph.Groups.GetAsync(r => { r.QueryParameters.Filter = "securityEnabled eq true and mailEnabled eq false"; }, Ct);
        var groupsByName = await graph.Groups.GetAsync(r => { r.QueryParameters.Orderby = ["displayName desc"]; }, Ct);

        Assert.Equal("Box sync", Assert.Single(byAppId!.Value!).DisplayName);
        Assert.Equal(["Box sync", "Verity automation"], sorted!.Value!.Select(s => s.DisplayName));
        Assert.Equal(2, sorted.OdataCount);
        Assert.Equal("Security group", Assert.Single(security!.Value!).DisplayName);
        Assert.Equal(["Security group", "Mail group"], groupsByName!.Value!.Select(g => g.DisplayName));
    }

    [Fact]
    public async Task Advanced_queries_without_their_parameters_are_Graphs_400s()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = await tenant.AdminAsync();
        async Task<string> Expect(string url, string code, string? header = null, string? message = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (header is not null)
            {
                request.Headers.Add("ConsistencyLevel", header);
            }
            var error = await ExpectErrorAsync(await admin.SendAsync(request, Ct), HttpStatusCode.BadRequest, message);
            Assert.Equal(code, (string?)error["code"]);
            return (string)error["message"]!;
        }

        await Expect("/v1.0/users?$filter=accountEnabled ne true", "Request_UnsupportedQuery", message: "ConsistencyLevel:eventual");
        await Expect("/v1.0/users?$filter=accountEnabled ne true", "Request_UnsupportedQuery", "eventual", "$count=true");
        await Expect("/v1.0/users?$filter=endsWith(mail,'@example.org')&$count=true", "Request_UnsupportedQuery", message: "endsWith");
        await Expect("/v1.0/applications?$orderby=displayName", "Request_UnsupportedQuery", message: "displayName");
        await Expect("/v1.0/users?$filter=startswith(displayName,'a')&$orderby=displayName", "Request_UnsupportedQuery", message: "$orderby and $filter");
        await Expect("/v1.0/users?$filter=companyName eq 'Contoso'", "Request_UnsupportedQuery", message: "companyName");
        await Expect("/v1.0/users?$search=\"displayName:ada\"", "Request_UnsupportedQuery", message: "ConsistencyLevel: eventual");
        await Expect("/v1.0/users/$count", "Request_BadRequest", message: "$count is not currently supported");
        await Expect("/v1.0/groups?$filter=createdDateTime ge 2021-11-01&$count=true", "Request_UnsupportedQuery", message: "createdDateTime");
        var property = await Expect("/v1.0/users?$filter=jobTitle eq 'x' or passwordPolicies eq 'x'", "Request_UnsupportedQuery", message: "$filter");
        var op = await Expect("/v1.0/users?$filter=accountEnabled ge true", "Request_UnsupportedQuery", "eventual", "accountEnabled");
        await Expect("/v1.0/users?$filter=createdDateTime gt 2021-11-01", "Request_UnsupportedQuery", message: "Supported: eq, ne, ge, le");
        await Expect("/v1.0/users?$filter=businessPhones/any(p: startswith(p, '1'))", "Request_UnsupportedQuery", message: "businessPhones/any(x: x eq 'value')");
        await Expect("/v1.0/users?$orderby=jobTitle", "Request_UnsupportedQuery", message: "Sortable: displayName, userPrincipalName, createdDateTime");
        await Expect("/v1.0/users?$search=\"ada\"", "Request_UnsupportedQuery", "eventual", "\"property:text\"");
        await Expect("/v1.0/users?$select=displayName,passwordProfile", "Request_BadRequest", message: "passwordProfile");
        await Expect("/v1.0/users?$skiptoken=WyIiLG51bGwsIngiXQ&$orderby=displayName", "BadRequest", message: "$skiptoken");
        await Expect("/v1.0/roleManagement/directory/roleAssignments?$orderby=id", "Request_UnsupportedQuery", message: "Supported: $top, $skiptoken");

        Assert.Contains("passwordPolicies", property, StringComparison.Ordinal);
        Assert.Contains("supports eq, ne, not, in", op, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sdk_surfaces_an_unsupported_filter_as_ODataError()
    {
        var (_, graph) = await PeopleAsync(await host.NewTenantAsync());

        var error = await Assert.ThrowsAsync<ODataError>(() => graph.Users.GetAsync(r => r.QueryParameters.Filter = "displayName ne 'Ada Lovelace'", Ct));
        var counted = await graph.Users.GetAsync(r => r.QueryParameters.Count = true, Ct);

        Assert.Equal(400, error.ResponseStatusCode);
        Assert.Equal("Request_UnsupportedQuery", error.Error!.Code);
        Assert.Null(counted!.OdataCount);
        Assert.Equal(4, counted.Value!.Count);
    }
}

public sealed class SqliteDirectoryListOptionsTests(SqliteHost host) : DirectoryListOptionsTests<SqliteHost>(host);

public sealed class PostgresDirectoryListOptionsTests(PostgresHost host) : DirectoryListOptionsTests<PostgresHost>(host);
