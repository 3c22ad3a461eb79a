using System.Text.Json.Nodes;
using Verity.Core.Model;
using Verity.Core.Storage;

namespace Verity.Core.Tests.Storage;

/// <summary>
/// Every storage behaviour, written once and run against each backend (SqliteStoreTests, PostgresStoreTests).
/// Each test works in tenants of its own on a store shared by the class.
/// </summary>
public abstract partial class StoreConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private int _clock;

    protected IDirectoryStore Directory { get; private set; } = null!;
    protected ILogStore Log { get; private set; } = null!;

    /// <summary>Creates a migrated store on an empty database.</summary>
    protected abstract Task<(IDirectoryStore Directory, ILogStore Log)> CreateStoreAsync();

    /// <summary>Runs SQL straight against the backend, bypassing the store (to prove what the database itself refuses).</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    protected abstract Task DisposeStoreAsync();

    public async ValueTask InitializeAsync()
    {
        (Directory, Log) = await CreateStoreAsync();
        await Directory.MigrateAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected async Task<Guid> NewTenantAsync()
    {
        var id = Guid.NewGuid();
        await Directory.CreateTenantAsync(new Tenant(id, "Test", $"{id:N}.test", T0), Ct);
        return id;
    }

    protected DirectoryAudit Audit(string activity = "Add user", string? targetId = null, string category = "UserManagement") => new()
    {
        Id = $"Directory_{Guid.NewGuid()}_TESTS_{Interlocked.Increment(ref _clock)}",
        Category = category,
        CorrelationId = Guid.NewGuid().ToString(),
        Result = AuditResult.Success,
        ActivityDisplayName = activity,
        ActivityDateTime = T0.AddSeconds(Interlocked.Increment(ref _clock)),
        OperationType = "Add",
        InitiatedBy = new AuditInitiator(new UserIdentity("u1", "Admin", "admin@contoso.test", "203.0.113.5"), null),
        TargetResources = [new TargetResource { Id = targetId ?? Guid.NewGuid().ToString(), Type = "User", UserPrincipalName = "x@contoso.test",
            ModifiedProperties = [new ModifiedProperty("DisplayName", "[]", "[\"X\"]")] }],
        AdditionalDetails = [new KeyValue("User-Agent", "tests")],
    };

    protected static StoredObject User(Guid tenant, string upn, string? id = null) => new()
    {
        TenantId = tenant,
        Kind = "user",
        Id = id ?? Guid.NewGuid().ToString(),
        LookupKey = upn,
        Data = new JsonObject { ["userPrincipalName"] = upn, ["displayName"] = upn.Split('@')[0] },
        Secrets = new JsonObject { ["passwordHash"] = "x" },
    };

    protected async Task<IReadOnlyList<StoredLogEntry>> AllEntriesAsync(Guid tenant)
    {
        var page = await Log.QueryAsync(new LogQuery { TenantId = tenant, Top = 10_000, Descending = false }, Ct);
        return page.Entries;
    }
}
