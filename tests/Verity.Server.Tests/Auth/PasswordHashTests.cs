using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;
using Verity.Server.Auth;
using Verity.Server.Tests.Support;

namespace Verity.Server.Tests.Auth;

/// <summary>A host with the server's own password-hash settings.</summary>
public sealed class DefaultPasswordHost : SqliteHost
{
    protected override int? PasswordIterations => null;
}

/// <summary>Passwords are hashed with OWASP's 600,000 PBKDF2-SHA256 iterations, and older hashes are upgraded at sign-in.</summary>
public sealed class PasswordHashTests(DefaultPasswordHost host) : IClassFixture<DefaultPasswordHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> StoredHashAsync(TestTenant tenant, string upn) =>
        (string)(await host.Services.GetRequiredService<IDirectoryStore>().FindObjectAsync(tenant.Id, "user", upn.ToLowerInvariant(), Ct))!.Secrets["passwordHash"]!;

    [Fact]
    public async Task New_passwords_get_600000_iterations_and_a_weaker_hash_is_replaced_at_the_next_sign_in()
    {
        var tenant = await host.NewTenantAsync();
        var store = host.Services.GetRequiredService<IDirectoryStore>();
        var user = (await store.FindObjectAsync(tenant.Id, "user", tenant.AdminUpn.ToLowerInvariant(), Ct))!;
        var weak = new PasswordHasher(Options.Create(new PasswordOptions { Pbkdf2Iterations = 1_000 })).HashPassword(tenant.AdminPassword);
        var secrets = user.Secrets.DeepClone().AsObject();
        secrets["passwordHash"] = weak;

        Assert.StartsWith("pbkdf2-sha256$600000$", await StoredHashAsync(tenant, tenant.AdminUpn), StringComparison.Ordinal);
        var outcome = await host.Services.GetRequiredService<ChangeWriter>().SubmitAsync(new DirectoryChange
        {
            TenantId = tenant.Id, Ops = [new UpdateObject(user with { Secrets = secrets })], Audits = [],
        });
        Assert.True(outcome.Committed);
        Assert.StartsWith("pbkdf2-sha256$1000$", await StoredHashAsync(tenant, tenant.AdminUpn), StringComparison.Ordinal);
        await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword);

        var upgraded = await StoredHashAsync(tenant, tenant.AdminUpn);
        Assert.StartsWith("pbkdf2-sha256$600000$", upgraded, StringComparison.Ordinal);
        Assert.NotEqual(weak, upgraded);
        Assert.NotEmpty(await tenant.UserTokenAsync(tenant.AdminUpn, tenant.AdminPassword));
        Assert.DoesNotContain(await tenant.AuditAsync(), e => e.ToJsonString().Contains("passwordHash", StringComparison.Ordinal));
    }
}
