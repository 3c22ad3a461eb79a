using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Core.Query;

/// <summary>
/// Opaque, tamper-evident <c>$skiptoken</c>s: the commit-order position to continue after, bound to the query that
/// produced it by an HMAC over (version, key id, position, query fingerprint). A changed token or one reused with
/// another query fails to decode. Keys rotate: tokens name the key that signed them, and decode while that key is kept.
/// </summary>
/// <param name="keys">HMAC keys by id: the active one and those retired but still honoured.</param>
/// <param name="activeKeyId">The key new tokens are signed with.</param>
public sealed class SkipTokenCodec(IReadOnlyDictionary<int, byte[]> keys, int activeKeyId)
{
    private const byte Version = 2;
    /// <summary>Tokens before key rotation carried no key id; they were signed with what is now key 1.</summary>
    private const byte UnnumberedVersion = 1;
    private const int MacBytes = 16;

    public string Encode(long position, string queryFingerprint)
    {
        Span<byte> token = stackalloc byte[1 + 2 + 8 + MacBytes];
        token[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(token[1..3], (ushort)activeKeyId);
        BinaryPrimitives.WriteInt64BigEndian(token[3..11], position);
        Mac(keys[activeKeyId], token[..11], queryFingerprint).AsSpan(0, MacBytes).CopyTo(token[11..]);
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>
    /// Returns the position, or null when the token is malformed, altered, was issued for another query, or was
    /// signed with a key that is no longer kept.
    /// </summary>
    public long? Decode(string token, string queryFingerprint)
    {
        if (token.Length is 0 or > 64)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            bytes = Convert.FromBase64String(padded.PadRight((padded.Length + 3) / 4 * 4, '='));
        }
        catch (FormatException)
        {
            return null;
        }
        var (header, keyId) = bytes switch
        {
            [Version, ..] when bytes.Length == 1 + 2 + 8 + MacBytes => (11, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(1, 2))),
            [UnnumberedVersion, ..] when bytes.Length == 1 + 8 + MacBytes => (9, 1),
            _ => (0, -1),
        };
        if (header == 0 || !keys.TryGetValue(keyId, out var key))
        {
            return null;
        }
        var expected = Mac(key, bytes.AsSpan(0, header), queryFingerprint).AsSpan(0, MacBytes);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(header)) ? BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(header - 8, 8)) : null;
    }

    private static byte[] Mac(byte[] key, ReadOnlySpan<byte> header, string fingerprint)
    {
        var data = new byte[header.Length + Encoding.UTF8.GetByteCount(fingerprint)];
        header.CopyTo(data);
        Encoding.UTF8.GetBytes(fingerprint, data.AsSpan(header.Length));
        return HMACSHA256.HashData(key, data);
    }
}
