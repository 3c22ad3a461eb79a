using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Verity.Core.Query;

/// <summary>
/// Opaque, tamper-evident <c>$skiptoken</c>s: the commit-order position to continue after, bound to the query that
/// produced it by an HMAC over (version, position, query fingerprint). A changed token or one reused with another
/// query fails to decode.
/// </summary>
public sealed class SkipTokenCodec(byte[] key)
{
    private const byte Version = 1;
    private const int MacBytes = 16;

    public string Encode(long position, string queryFingerprint)
    {
        Span<byte> token = stackalloc byte[1 + 8 + MacBytes];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..9], position);
        Mac(token[..9], queryFingerprint).AsSpan(0, MacBytes).CopyTo(token[9..]);
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Returns the position, or null when the token is malformed, altered, or was issued for another query.</summary>
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
        if (bytes.Length != 1 + 8 + MacBytes || bytes[0] != Version)
        {
            return null;
        }
        var expected = Mac(bytes.AsSpan(0, 9), queryFingerprint).AsSpan(0, MacBytes);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(9)) ? BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1, 8)) : null;
    }

    private byte[] Mac(ReadOnlySpan<byte> header, string fingerprint)
    {
        var data = new byte[header.Length + Encoding.UTF8.GetByteCount(fingerprint)];
        header.CopyTo(data);
        Encoding.UTF8.GetBytes(fingerprint, data.AsSpan(header.Length));
        return HMACSHA256.HashData(key, data);
    }
}
