using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.Graph;

/// <summary>
/// The official client stack, unchanged: Azure.Identity's ClientSecretCredential against Verity's token endpoint,
/// then Microsoft.Graph's GraphServiceClient against Verity's API. Run on both storage engines.
/// </summary>
public abstract class GraphSdkTests<THost>(THost host) : IClassFixture<THost> where THost : VerityHost
{
    [Fact]
    public async Task A_user_created_through_the_sdk_has_its_Add_user_entry_readable_through_AuditLogs()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();

        var created = await graph.Users.PostAsync(new User
        {
            AccountEnabled = true,
            DisplayName = "Grace Hopper",
            MailNickname = "grace",
            UserPrincipalName = $"grace@{tenant.Domain}",
            PasswordProfile = new PasswordProfile { Password = "Cobol-Compiler-1959", ForceChangePasswordNextSignIn = true },
        }, cancellationToken: TestContext.Current.CancellationToken);
        var page = await graph.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Top = 5, TestContext.Current.CancellationToken);

        Assert.NotNull(created?.Id);
        var entry = Assert.Single(page!.Value!, a => a.ActivityDisplayName == "Add user" && a.TargetResources![0].Id == created!.Id);
        Assert.Equal("UserManagement", entry.Category);
        Assert.Equal("Core Directory", entry.LoggedByService);
        Assert.Equal(OperationResult.Success, entry.Result);
        Assert.Equal("Add", entry.OperationType);
        Assert.Equal(tenant.ClientId, entry.InitiatedBy!.App!.AppId);
        Assert.Null(entry.InitiatedBy.User);
        var target = entry.TargetResources![0];
        Assert.Equal($"grace@{tenant.Domain}", target.UserPrincipalName);
        var displayName = Assert.Single(target.ModifiedProperties!, p => p.DisplayName == "DisplayName");
        Assert.Equal("[]", displayName.OldValue);
        Assert.Equal("[\"Grace Hopper\"]", displayName.NewValue);
        Assert.DoesNotContain(target.ModifiedProperties!, p => p.NewValue?.Contains("Cobol", StringComparison.Ordinal) == true);

        var byId = await graph.AuditLogs.DirectoryAudits[entry.Id].GetAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(entry.Id, byId!.Id);
        Assert.Equal(entry.ActivityDateTime, byId.ActivityDateTime);
    }

    [Fact]
    public async Task The_page_iterator_follows_nextLinks_over_every_entry_exactly_once()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();
        for (var i = 0; i < 12; i++)
        {
            await graph.Groups.PostAsync(new Group { DisplayName = $"Group {i}", MailEnabled = false, MailNickname = $"g{i}", SecurityEnabled = true },
                cancellationToken: TestContext.Current.CancellationToken);
        }

        var first = await graph.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Top = 5, TestContext.Current.CancellationToken);
        var all = new List<DirectoryAudit>();
        var iterator = PageIterator<DirectoryAudit, DirectoryAuditCollectionResponse>.CreatePageIterator(graph, first!, a => { all.Add(a); return true; });
        await iterator.IterateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(PagingState.Complete, iterator.State);
        Assert.Equal(all.Count, all.Select(a => a.Id).Distinct().Count());
        Assert.Equal(12, all.Count(a => a.ActivityDisplayName == "Add group"));
        Assert.True(all.SequenceEqual(all.OrderByDescending(a => a.ActivityDateTime)), "newest first");
    }

    [Fact]
    public async Task Paging_thousands_of_entries_while_another_task_writes_sees_no_duplicate_and_no_gap()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();
        using var admin = await tenant.AdminAsync();
        await Parallel.ForAsync(0, 2500, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = TestContext.Current.CancellationToken }, async (i, ct) =>
        {
            using var response = await admin.PostAsync("/v1.0/groups",
                TestTenant.Json($$"""{"displayName":"Bulk {{i}}","mailEnabled":false,"mailNickname":"bulk{{i}}","securityEnabled":true}"""), ct);
            response.EnsureSuccessStatusCode();
        });
        var before = await tenant.AuditAsync();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && !TestContext.Current.CancellationToken.IsCancellationRequested; i++)
            {
                using var response = await admin.PostAsync("/v1.0/groups",
                    TestTenant.Json($$"""{"displayName":"Late {{i}}","mailEnabled":false,"mailNickname":"late{{i}}","securityEnabled":true}"""), TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        var first = await graph.AuditLogs.DirectoryAudits.GetAsync(r => r.QueryParameters.Top = 100, TestContext.Current.CancellationToken);
        var seen = new List<string>();
        var iterator = PageIterator<DirectoryAudit, DirectoryAuditCollectionResponse>.CreatePageIterator(graph, first!, a => { seen.Add(a.Id!); return true; });
        await iterator.IterateAsync(TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await writer;

        Assert.Equal(seen.Count, seen.Distinct().Count());
        var committedBefore = before.Select(a => (string)a["id"]!).ToHashSet();
        Assert.Superset(committedBefore, seen.ToHashSet());
        Assert.True(seen.Count >= 2500);
    }

    [Fact]
    public async Task Graph_errors_surface_as_ODataError_with_code_and_message()
    {
        var tenant = await host.NewTenantAsync();
        var graph = tenant.Graph();

        var error = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Guid.NewGuid().ToString()].GetAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(404, error.ResponseStatusCode);
        Assert.Equal("Request_ResourceNotFound", error.Error!.Code);
    }
}

public sealed class SqliteGraphSdkTests(SqliteHost host) : GraphSdkTests<SqliteHost>(host);

public sealed class PostgresGraphSdkTests(PostgresHost host) : GraphSdkTests<PostgresHost>(host);
