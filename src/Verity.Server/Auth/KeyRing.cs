using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

/// <summary>
/// The token signing key (RSA) and the token encryption key, kept in the store so every server behind a load
/// balancer, and every restart, signs with the same key and <c>kid</c>.
/// </summary>
internal sealed class KeyRing(IDirectoryStore store)
{
    private RsaSecurityKey? _signing;
    private SymmetricSecurityKey? _encryption;

    public RsaSecurityKey SigningKey => _signing ?? throw new InvalidOperationException("KeyRing.LoadAsync has not run.");
    public SymmetricSecurityKey EncryptionKey => _encryption ?? throw new InvalidOperationException("KeyRing.LoadAsync has not run.");

    public async Task LoadAsync(CancellationToken ct)
    {
        var pkcs8 = await store.GetOrAddSettingAsync("token-signing-key-v1", static () =>
        {
            using var rsa = RSA.Create(2048);
            return Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
        }, ct);
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8), out _);
        var kid = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()).AsSpan(0, 16).ToArray());
        _signing = new RsaSecurityKey(rsa) { KeyId = kid };

        var aes = await store.GetOrAddSettingAsync("token-encryption-key-v1", static () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
        _encryption = new SymmetricSecurityKey(Convert.FromBase64String(aes));
    }
}
