using OpenIddict.Abstractions;
using Verity.Core.Storage;

namespace Verity.Server.Auth;

/// <summary>
/// Keeps the token table small: every hour, deletes the entries of codes and tokens that can no longer be used (expired,
/// redeemed or revoked) and the authorizations left without tokens, once they are a day old. Through OpenIddict's
/// managers, so its rules for what may go apply. Smart lockout's expired entries go too.
/// </summary>
internal sealed class TokenPruner(IServiceScopeFactory scopes, TimeProvider time, ILogger<TokenPruner> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinimumAge = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var threshold = time.GetUtcNow() - MinimumAge;
                await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, stoppingToken);
                await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, stoppingToken);
                await scope.ServiceProvider.GetRequiredService<ILockoutStore>().PruneLockoutsAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.TokenPruneFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
