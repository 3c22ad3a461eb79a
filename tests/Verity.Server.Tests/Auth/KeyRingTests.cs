using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Verity.Core.Storage;
using Verity.Server.Tests.Support;
using static Verity.Server.Tests.Support.TestTenant;
using static Verity.Server.Tests.Support.VerityCli;

namespace Verity.Server.Tests.Auth;

/// <summary>A store from before the key ring: its token and skiptoken keys sit in plain text in the settings table.</summary>
public sealed class LegacyKeysHost : SqliteHost
{
    public string LegacySigningKey { get; private set; } = "";
    public string LegacyKeyId { get; private set; } = "";

    protected override async Task<IReadOnlyDictionary<string, string>> StorageSettingsAsync()
    {
        var settings = await base.StorageSettingsAsync();
        var store = Stores.Open("sqlite", settings["Verity:Storage:ConnectionString"]).Directory;
        await store.MigrateAsync(CancellationToken.None);
        using var rsa = RSA.Create(2048);
        LegacySigningKey = Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
        LegacyKeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()).AsSpan(0, 16).ToArray());
        await store.SetSettingAsync("token-signing-key-v1", LegacySigningKey, CancellationToken.None);
        await store.SetSettingAsync("token-encryption-key-v1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CancellationToken.None);
        await store.SetSettingAsync("skiptoken-key-v1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CancellationToken.None);
        SqliteConnection.ClearAllPools();
        return settings;
    }
}

/// <summary>
/// Secrets kept apart from data: the keys live in the key directory, encrypted with Data Protection, never in the
/// database; keys found in an older store's settings table move there; rotation keeps earlier tokens and skiptokens
/// valid while new ones use the new key.
/// </summary>
public sealed class KeyRingTests(LegacyKeysHost host) : IClassFixture<LegacyKeysHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string[] Online(params string[] args) =>
        [.. args, "--server", host.BaseAddress.ToString(), "--key-file", host.OperatorKeyFile, "--ca-file", host.CertificatePemFile];

    private static string KeyIdOf(string jwt) =>
        (string)JsonNode.Parse(Base64UrlEncoder.Decode(jwt.Split('.')[0]))!["kid"]!;

    private async Task<HashSet<string>> PublishedKeyIdsAsync(TestTenant tenant)
    {
        using var client = host.NewClient();
        var keys = await ExpectAsync(await client.GetAsync($"/{tenant.Id}/discovery/v2.0/keys", Ct), HttpStatusCode.OK);
        return [.. keys["keys"]!.AsArray().Select(k => (string)k!["kid"]!)];
    }

    [Fact]
    public async Task Keys_found_in_the_settings_table_move_to_the_encrypted_key_ring_and_leave_the_database()
    {
        var tenant = await host.NewTenantAsync();
        var store = host.Services.GetRequiredService<IDirectoryStore>();

        foreach (var setting in new[] { "token-signing-key-v1", "token-encryption-key-v1", "skiptoken-key-v1" })
        {
            Assert.Null(await store.GetSettingAsync(setting, Ct));
        }
        Assert.Contains(host.LegacyKeyId, await PublishedKeyIdsAsync(tenant));
        var ring = await File.ReadAllBytesAsync(Path.Combine(host.KeyDirectory, "token-keys.dat"), Ct);
        Assert.DoesNotContain(host.LegacySigningKey[..40], Encoding.Latin1.GetString(ring), StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(host.KeyDirectory, "data-protection"), "key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.Equal(Private, File.GetUnixFileMode(host.KeyDirectory));
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(host.KeyDirectory, "data-protection")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(host.KeyDirectory, "token-keys.dat")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.ChangeExtension(host.CertificatePemFile, ".pfx")));
        }
        await using var db = new SqliteConnection($"Data Source={host.DatabaseFile};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync(Ct);
        await using var settings = db.CreateCommand();
        settings.CommandText = "select count(*) from settings where value like @key";
        settings.Parameters.AddWithValue("@key", $"%{host.LegacySigningKey[..40]}%");
        Assert.Equal(0L, (long)(await settings.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task After_rotation_new_tokens_use_the_new_key_and_earlier_tokens_and_skiptokens_still_work()
    {
        var tenant = await host.NewTenantAsync();
        var before = await tenant.AppTokenAsync();
        using var old = host.NewClient(before);
        var page = await ExpectAsync(await old.GetAsync("/v1.0/auditLogs/directoryAudits?$top=1", Ct), HttpStatusCode.OK);
        var next = (string)page["@odata.nextLink"]!;

        var rotated = await RunAsync(Online("keys", "rotate", "--json"));
        var after = await tenant.AppTokenAsync();
        var listed = await RunAsync(Online("keys", "list"));

        Assert.True(rotated.Exit == 0, rotated.Error);
        Assert.NotEqual(KeyIdOf(before), KeyIdOf(after));
        Assert.Equal((string?)JsonNode.Parse(rotated.Output)!["signingKeyId"], KeyIdOf(after));
        await ExpectAsync(await old.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK);
        await ExpectAsync(await old.GetAsync(next, Ct), HttpStatusCode.OK);
        using var fresh = host.NewClient(after);
        await ExpectAsync(await fresh.GetAsync("/v1.0/users", Ct), HttpStatusCode.OK);
        var published = await PublishedKeyIdsAsync(tenant);
        Assert.Contains(KeyIdOf(before), published);
        Assert.Contains(KeyIdOf(after), published);
        Assert.True(listed.Exit == 0, listed.Error);
        var lines = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("GENERATION", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("active", StringComparison.Ordinal) && l.TrimEnd().EndsWith(KeyIdOf(after), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("retired", StringComparison.Ordinal) && l.TrimEnd().EndsWith(KeyIdOf(before), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Key_rotation_needs_the_operator_key()
    {
        var tenant = await host.NewTenantAsync();
        using var admin = host.NewClient(await tenant.AppTokenAsync());

        var response = await admin.PostAsync("/operator/keys/rotate", null, Ct);

        await ExpectErrorAsync(response, HttpStatusCode.Unauthorized);
    }
}
