using System.Security.Cryptography;
using System.Text;

namespace Verity.Server.Auth;

/// <summary>Client-secret hashing and password rules (passwords are hashed by <see cref="PasswordHasher"/>). Plain secrets are never stored or logged.</summary>
internal static class Secrets
{
    /// <summary>Client secrets are 256-bit random values, so one SHA-256 is enough (no stretching needed).</summary>
    public static string HashClientSecret(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool VerifyClientSecret(string secret, string stored) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashClientSecret(secret)), Encoding.ASCII.GetBytes(stored));

    /// <summary>A new client secret: 40 URL-safe characters, like Entra's.</summary>
    public static string NewClientSecret()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
        return RandomNumberGenerator.GetString(alphabet, 40);
    }

    /// <summary>Entra's complexity rule: 8 to 256 characters, with three of lower case, upper case, digits and symbols.</summary>
    public static bool MeetsPolicy(string password)
    {
        if (password.Length is < 8 or > 256)
        {
            return false;
        }
        var classes = (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsUpper) ? 1 : 0)
            + (password.Any(char.IsDigit) ? 1 : 0) + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
        return classes >= 3;
    }

    public static string NewPassword()
    {
        const string letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const string digits = "23456789";
        return RandomNumberGenerator.GetString(letters, 10) + RandomNumberGenerator.GetString(digits, 4) + "!"
            + RandomNumberGenerator.GetString(letters, 3);
    }
}
