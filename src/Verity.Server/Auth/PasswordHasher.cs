using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Verity.Server.Auth;

internal sealed class PasswordOptions
{
    public const string Section = "Verity:Passwords";

    /// <summary>PBKDF2-HMAC-SHA256 iterations for new hashes: OWASP's 600,000 by default. Lower only for tests.</summary>
    [Range(1_000, 10_000_000, ErrorMessage = "Verity:Passwords:Pbkdf2Iterations must be between 1,000 and 10,000,000 (OWASP recommends 600,000).")]
    public int Pbkdf2Iterations { get; set; } = 600_000;
}

/// <summary>
/// Password hashes: PBKDF2-HMAC-SHA256 with a random salt, stored as <c>pbkdf2-sha256$iterations$salt$hash</c>, so a
/// hash made with fewer iterations than configured still verifies and is replaced at the next successful sign-in.
/// </summary>
internal sealed class PasswordHasher(IOptions<PasswordOptions> options)
{
    private readonly Lazy<string> _unknownUser = new(() => Hash(Guid.NewGuid().ToString(), options.Value.Pbkdf2Iterations));

    public int Iterations => options.Value.Pbkdf2Iterations;

    /// <summary>A hash that nobody's password matches, costing what a real one does (unknown users take as long as known ones).</summary>
    public string UnknownUserHash => _unknownUser.Value;

    public string HashPassword(string password) => Hash(password, Iterations);

    public static bool VerifyPassword(string password, string? stored)
    {
        if (Parse(stored) is not var (iterations, salt, expected))
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>True when <paramref name="stored"/> was made with fewer iterations than are configured now.</summary>
    public bool NeedsUpgrade(string? stored) => Parse(stored) is var (iterations, _, _) && iterations < Iterations;

    private static string Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"pbkdf2-sha256${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    private static (int Iterations, byte[] Salt, byte[] Hash)? Parse(string? stored) =>
        stored?.Split('$') is ["pbkdf2-sha256", var iterations, var salt, var hash]
        && int.TryParse(iterations, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? (n, Convert.FromBase64String(salt), Convert.FromBase64String(hash))
            : null;

    public static void Add(IServiceCollection services)
    {
        services.AddOptions<PasswordOptions>().BindConfiguration(PasswordOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PasswordHasher>();
    }
}
