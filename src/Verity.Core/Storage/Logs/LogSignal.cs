using System.Collections.Concurrent;

namespace Verity.Core.Storage;

/// <summary>
/// Wakes readers that follow a tenant's log live as soon as this process commits new entries for it. A reader takes
/// <see cref="Next"/> before it queries, so a commit between its query and its wait is never missed. Commits made by
/// other servers on the same database are not signalled here: followers also poll on a timeout.
/// </summary>
public sealed class LogSignal
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _next = new();

    /// <summary>A task that completes at the next commit of entries for <paramref name="tenantId"/>.</summary>
    public Task Next(Guid tenantId) =>
        _next.GetOrAdd(tenantId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(IEnumerable<Guid> tenantIds)
    {
        foreach (var tenant in tenantIds.Distinct())
        {
            if (_next.TryRemove(tenant, out var waiting))
            {
                waiting.TrySetResult();
            }
        }
    }
}
