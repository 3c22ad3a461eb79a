using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

internal sealed class LockoutOptions
{
    public const string Section = "Verity:Lockout";

    /// <summary>Failed passwords (distinct ones) that lock a sign-in name: Entra's default, 10.</summary>
    [Range(1, 1_000, ErrorMessage = "Verity:Lockout:Threshold must be between 1 and 1,000 failed passwords (Entra's default is 10).")]
    public int Threshold { get; set; } = 10;

    /// <summary>How long the first lock lasts: Entra's default, 60 seconds. Each further lock lasts twice the one before.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest a lock grows to.</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Entra's smart lockout for passwords (the password grant and the admin center's sign-in form, through
/// <see cref="TokenRequests.CheckPasswordAsync"/>). After <see cref="LockoutOptions.Threshold"/> failed passwords a
/// sign-in name is locked for <see cref="LockoutOptions.Duration"/>; every failed password after that locks it again
/// once the lock has lifted, each lock twice as long as the one before, up to <see cref="LockoutOptions.MaxDuration"/>:
/// the k-th lock lasts min(Duration × 2^(k−1), MaxDuration). While locked, every attempt gets AADSTS50053, also with
/// the right password. Entra does not count a repeat of one of the last three bad passwords, nor does Verity. A
/// successful sign-in forgets the failures, and so does a day without a counted failure once no lock is running.
/// <para>
/// The state is keyed by tenant and sign-in name whether or not a user has the name, so an unknown name goes through
/// the same 50126-then-50053 answers as a real one, and it lives in the database, so servers sharing it share locks and
/// a restart unlocks nothing. A locked name is refused before the password hash is computed: that answer is as fast for
/// an unknown name as for a real one, so the time it takes tells nothing the 50053 itself does not (the unknown-user
/// path still costs a hash whenever the password is checked). Bad passwords are remembered as HMAC-SHA256 tags, keyed
/// with a key derived from the key ring (never in the database) and bound to the tenant and name, so the database holds
/// no password, nor a hash of one that could be guessed offline. After a key rotation a repeat of a bad password from
/// before counts once more.
/// </para>
/// </summary>
internal sealed class SmartLockout(ILockoutStore store, KeyRing keys, IOptions<LockoutOptions> options, TimeProvider time)
{
    /// <summary>Entra's message for a locked account (IdsLocked).</summary>
    public const string LockedError = "AADSTS50053: The account is locked, you've tried to sign in too many times with an incorrect user ID or password.";

    /// <summary>How long failures are remembered without a new one (and without a running lock).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    private static readonly byte[] TagKeyLabel = "Verity smart lockout: bad password tags v1"u8.ToArray();

    /// <summary>Before the password is checked: Entra's 50053 when the name is locked, null to go on and check it.</summary>
    public async Task<string?> RefuseIfLockedAsync(Guid tenantId, string? username, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return (await store.GetLockoutAsync(tenantId, NameKey(username), now, ct))?.IsLockedAt(now) == true ? LockedError : null;
    }

    /// <summary>
    /// After the password was checked: Entra's 50053 when the name was locked meanwhile (by concurrent failures, whatever
    /// this password was, so that a right guess among them is not told apart), else null; a wrong password is counted,
    /// and a right one forgets the failures.
    /// </summary>
    public async Task<string?> SettleAsync(Guid tenantId, string? username, string? password, bool passwordIsRight, CancellationToken ct)
    {
        var name = NameKey(username);
        var now = time.GetUtcNow();
        var state = await store.GetLockoutAsync(tenantId, name, now, ct);
        if (state?.IsLockedAt(now) == true)
        {
            return LockedError;
        }
        if (passwordIsRight)
        {
            if (state is not null)
            {
                await store.ResetLockoutAsync(tenantId, name, ct);
            }
            return null;
        }
        await store.RecordFailureAsync(tenantId, name, Tag(tenantId, name, password ?? ""), now, now + ForgetAfter, failures => LockUntil(now, failures), ct);
        return null;
    }

    /// <summary>When the lock that the failure bringing the count to <paramref name="failures"/> starts ends; null below the threshold.</summary>
    private DateTimeOffset? LockUntil(DateTimeOffset now, int failures)
    {
        var o = options.Value;
        if (failures < o.Threshold)
        {
            return null;
        }
        var duration = o.Duration;
        for (var lockout = 1; lockout <= failures - o.Threshold && duration < o.MaxDuration; lockout++)
        {
            duration += duration;
        }
        return now + (duration < o.MaxDuration ? duration : o.MaxDuration);
    }

    /// <summary>
    /// The name as the user lookup sees it (lower case), trimmed, hashed: a fixed-size key, and no typed name (which is
    /// sometimes a password typed in the wrong field) in the table as text.
    /// </summary>
    private static string NameKey(string? username) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes((username ?? "").Trim().ToLowerInvariant())));

    private byte[] Tag(Guid tenantId, string nameKey, string password)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.EncryptionKeys[0].Key, 32, salt: [], info: TagKeyLabel);
        var bound = Encoding.UTF8.GetBytes($"{tenantId:N}\n{nameKey}\n{password}");
        try
        {
            return HMACSHA256.HashData(key, bound);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bound);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static void Add(IServiceCollection services)
    {
        services.AddOptions<LockoutOptions>().BindConfiguration(LockoutOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Duration >= TimeSpan.FromSeconds(1) && o.Duration <= TimeSpan.FromDays(1),
                "Verity:Lockout:Duration must be between 00:00:01 and 1.00:00:00 (a time span such as 00:01:00, Entra's default; a bare number means days).")
            .Validate(o => o.MaxDuration >= o.Duration && o.MaxDuration <= TimeSpan.FromDays(1),
                "Verity:Lockout:MaxDuration must be at least Verity:Lockout:Duration and at most 1.00:00:00 (default 00:30:00).")
            .ValidateOnStart();
        services.AddSingleton<SmartLockout>();
    }
}
