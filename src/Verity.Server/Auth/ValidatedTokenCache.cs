using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Verity.Server.Auth;

/// <summary>
/// Validates each distinct access token once and remembers the result until the token expires (at most ten
/// minutes). A client sends the same token for an hour; verifying its RSA signature on every request was the
/// largest single CPU cost of a write. Only valid results are kept, keyed by the whole token string.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider time) : JsonWebTokenHandler
{
    private const int MaxEntries = 50_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTimeOffset Until)> _valid = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_valid.TryGetValue(token, out var cached) && cached.Until > now)
        {
            return cached.Result;
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } validated)
        {
            if (_valid.Count >= MaxEntries)
            {
                _valid.Clear();
            }
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc));
            _valid[token] = (result, expires < now + MaxAge ? expires : now + MaxAge);
        }
        return result;
    }
}
