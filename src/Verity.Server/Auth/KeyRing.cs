using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using Verity.Core.Query;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

internal sealed class KeyOptions
{
    public const string Section = "Verity:Keys";

    /// <summary>Where the key ring lives (mode 0700): the token keys, encrypted with Data Protection, and Data Protection's own keys.</summary>
    public string Directory { get; set; } = "data/keys";

    /// <summary>A PFX whose certificate encrypts Data Protection's keys at rest; without one they are protected only by the directory's mode.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }

    /// <summary>How long a key stays valid for reading (tokens, codes, skiptokens) after a rotation replaced it.</summary>
    public TimeSpan RetiredKeyLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often a server looks for a rotation made by another server sharing the directory.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One generation of Verity's secrets: token signing (RSA), token encryption (AES) and skiptoken HMAC keys.</summary>
internal sealed record KeyGeneration(int Id, DateTimeOffset Created, DateTimeOffset? Retired, string Signing, string Encryption, string SkipToken);

/// <summary>
/// Verity's secrets, kept apart from the data: a file in the key directory, encrypted with ASP.NET Core Data Protection
/// (whose keys sit beside it, encrypted with the operator's certificate when one is configured), never in the log
/// database, so reading the database forges nothing. Keys rotate with overlap: <see cref="RotateAsync"/> starts a new
/// generation for signing and sealing, and the ones before it keep validating what they signed until
/// <see cref="KeyOptions.RetiredKeyLifetime"/> after their retirement. Stores that held keys in their settings table
/// (before this ring existed) have them moved here as generation 1 and deleted from the table.
/// </summary>
internal sealed class KeyRing(IDirectoryStore store, IDataProtectionProvider protection, IOptions<KeyOptions> options, TimeProvider time,
    ILogger<KeyRing> logger)
{
    private const string FileName = "token-keys.dat";
    private static readonly string[] LegacySettings = ["token-signing-key-v1", "token-encryption-key-v1", "skiptoken-key-v1"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private readonly IDataProtector _protector = protection.CreateProtector("Verity.KeyRing.v1");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Loaded? _loaded;
    private CancellationTokenSource _changed = new();
    private long _checkedAt;

    private Loaded Current
    {
        get
        {
            var loaded = _loaded ?? throw new InvalidOperationException("KeyRing.LoadAsync has not run.");
            if (time.GetElapsedTime(Interlocked.Read(ref _checkedAt)) > options.Value.ReloadInterval)
            {
                Interlocked.Exchange(ref _checkedAt, time.GetTimestamp());
                ReloadIfChanged();
            }
            return _loaded!;
        }
    }

    /// <summary>The key new tokens are signed with.</summary>
    public RsaSecurityKey SigningKey => Current.Signing[0];

    /// <summary>Every key a token may still be signed with, the active one first.</summary>
    public IReadOnlyList<RsaSecurityKey> SigningKeys => Current.Signing;

    /// <summary>
    /// The keys to check a token signed as <paramref name="keyId"/> with. A kid this server does not know may come from
    /// a rotation another server just made: the ring is read again first (when its file changed).
    /// </summary>
    public IReadOnlyList<RsaSecurityKey> SigningKeysFor(string? keyId)
    {
        if (keyId is not null && !Current.Signing.Any(k => k.KeyId == keyId))
        {
            ReloadIfChanged();
        }
        return Current.Signing;
    }

    /// <summary>Every key OpenIddict's own tokens (codes) may be sealed with, the active one first.</summary>
    public IReadOnlyList<SymmetricSecurityKey> EncryptionKeys => Current.Encryption;

    public SkipTokenCodec SkipTokens => Current.SkipTokens;

    public IReadOnlyList<KeyGeneration> Generations => Current.Generations;

    /// <summary>Fires when the ring changed (a rotation here or found on disk), so OpenIddict's options are rebuilt.</summary>
    public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

    private string Directory => Path.GetFullPath(options.Value.Directory);

    private string FilePath => Path.Combine(Directory, FileName);

    public async Task LoadAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var generations = Read();
            if (generations is null)
            {
                generations = await FromSettingsAsync(ct) ?? [NewGeneration(1)];
                Write(generations);
            }
            // Moved (or made) here: the database must not keep a copy, also if an earlier start stopped before deleting it.
            foreach (var setting in LegacySettings)
            {
                await store.DeleteSettingAsync(setting, ct);
            }
            Use(generations);
            if (string.IsNullOrEmpty(options.Value.CertificatePath))
            {
                Log.KeysUnencrypted(logger, Directory);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new generation becomes the active one; the one it replaces is retired and still validates for a while.</summary>
    public async Task<KeyGeneration> RotateAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            var kept = (Read() ?? Current.Generations)
                .Where(g => g.Retired is null || g.Retired + options.Value.RetiredKeyLifetime > now)
                .Select(g => g.Retired is null ? g with { Retired = now } : g).ToList();
            var fresh = NewGeneration(kept.Max(g => g.Id) + 1);
            List<KeyGeneration> generations = [fresh, .. kept];
            Write(generations);
            Use(generations);
            Log.KeysRotated(logger, fresh.Id, SigningKey.KeyId);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the ring another server may have rotated (cheap when unchanged: one file time).</summary>
    public void ReloadIfChanged()
    {
        if (!File.Exists(FilePath) || File.GetLastWriteTimeUtc(FilePath) == _loaded?.WrittenAt || !_gate.Wait(0))
        {
            return;
        }
        try
        {
            if (Read() is { } generations)
            {
                Use(generations);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Use(List<KeyGeneration> generations)
    {
        var now = time.GetUtcNow();
        var live = generations.Where(g => g.Retired is null || g.Retired + options.Value.RetiredKeyLifetime > now)
            .OrderBy(g => g.Retired is null ? 0 : 1).ThenByDescending(g => g.Id).ToList();
        _loaded = new Loaded(live, File.GetLastWriteTimeUtc(FilePath),
            [.. live.Select(SigningKeyOf)],
            [.. live.Select(g => new SymmetricSecurityKey(Convert.FromBase64String(g.Encryption)) { KeyId = $"enc-{g.Id}" })],
            new SkipTokenCodec(live.ToDictionary(g => g.Id, g => Convert.FromBase64String(g.SkipToken)), live[0].Id));
        Interlocked.Exchange(ref _checkedAt, time.GetTimestamp());
        var changed = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        changed.Cancel();
        changed.Dispose();
    }

    private static RsaSecurityKey SigningKeyOf(KeyGeneration generation)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(generation.Signing), out _);
        // The kid is a hash of the public key, so every server and restart names the same key the same way.
        var kid = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()).AsSpan(0, 16).ToArray());
        return new RsaSecurityKey(rsa) { KeyId = kid };
    }

    private KeyGeneration NewGeneration(int id)
    {
        using var rsa = RSA.Create(2048);
        return new KeyGeneration(id, time.GetUtcNow(), null, Convert.ToBase64String(rsa.ExportPkcs8PrivateKey()),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>The keys an earlier Verity kept in the settings table, as generation 1; null when there are none.</summary>
    private async Task<List<KeyGeneration>?> FromSettingsAsync(CancellationToken ct)
    {
        var values = new string?[LegacySettings.Length];
        for (var i = 0; i < LegacySettings.Length; i++)
        {
            values[i] = await store.GetSettingAsync(LegacySettings[i], ct);
        }
        if (values is not [{ } signing, { } encryption, { } skipToken])
        {
            return null;
        }
        Log.KeysMoved(logger, Directory);
        return [new KeyGeneration(1, time.GetUtcNow(), null, signing, encryption, skipToken)];
    }

    private List<KeyGeneration>? Read()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<List<KeyGeneration>>(_protector.Unprotect(File.ReadAllBytes(FilePath)), Json);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"The key ring {FilePath} cannot be decrypted: its Data Protection keys in {Directory} (or the certificate "
                + $"in {KeyOptions.Section}:CertificatePath) are not the ones it was written with.", e);
        }
    }

    /// <summary>Writes the ring beside itself and renames it into place, so a reader never sees half a file.</summary>
    private void Write(List<KeyGeneration> generations)
    {
        CreatePrivateDirectory(Directory);
        var temporary = FilePath + "." + Guid.NewGuid().ToString("N")[..8];
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, file))
        {
            stream.Write(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(generations, Json)));
        }
        File.Move(temporary, FilePath, overwrite: true);
    }

    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private sealed record Loaded(List<KeyGeneration> Generations, DateTime WrittenAt, RsaSecurityKey[] Signing, SymmetricSecurityKey[] Encryption,
        SkipTokenCodec SkipTokens);
}

/// <summary>Tells OpenIddict's options to rebuild (with the new signing and sealing keys) when the ring changes.</summary>
internal sealed class KeyRingChanges(KeyRing keys) : IOptionsChangeTokenSource<OpenIddict.Server.OpenIddictServerOptions>
{
    public string Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => keys.ChangeToken;
}

internal static class KeyRingSetup
{
    /// <summary>
    /// The key ring and Data Protection, whose keys (used for the ring, cookies and anti-forgery tokens) are kept in
    /// the key directory and, with a configured PFX, encrypted with its certificate.
    /// </summary>
    public static WebApplicationBuilder AddVerityKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<KeyOptions>().BindConfiguration(KeyOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Verity:Keys:Directory must name a directory.")
            .Validate(o => o.RetiredKeyLifetime >= TimeSpan.FromHours(1), "Verity:Keys:RetiredKeyLifetime must be at least 01:00:00, the access tokens' lifetime.")
            .ValidateOnStart();
        var keys = builder.Configuration.GetSection(KeyOptions.Section).Get<KeyOptions>() ?? new KeyOptions();
        // Both levels made private here: a mode given when creating a directory applies to the last level only.
        KeyRing.CreatePrivateDirectory(Path.GetFullPath(keys.Directory));
        var directory = Path.Combine(Path.GetFullPath(keys.Directory), "data-protection");
        KeyRing.CreatePrivateDirectory(directory);
        var protection = builder.Services.AddDataProtection().SetApplicationName("Verity").PersistKeysToFileSystem(new DirectoryInfo(directory));
        if (keys.CertificatePath is { Length: > 0 } path)
        {
            protection.ProtectKeysWithCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, keys.CertificatePassword));
        }
        builder.Services.AddSingleton<KeyRing>();
        return builder;
    }
}
