using System.Threading.Channels;

namespace Verity.Core.Storage;

/// <summary>What became of a submitted change: committed, or refused with the conflict that stopped it.</summary>
public sealed record ChangeOutcome(bool Committed, ConflictKind? Conflict = null, string? Reason = null);

/// <summary>
/// Thrown by <see cref="ChangeWriter.SubmitAsync"/> when the writer's queue is full: the change was not taken, nothing
/// of it (not even a failure audit) will be written, and the caller should answer "retry later".
/// </summary>
public sealed class ChangeQueueFullException(int capacity)
    : Exception($"The write queue is full: {capacity} changes are waiting to be committed.")
{
    public int Capacity { get; } = capacity;
}

/// <summary>
/// Group commit: changes submitted by concurrent requests are committed together in one transaction, so the cost
/// of a durable commit is shared. A conflicting change never takes its neighbours down: the batch is retried one
/// change at a time, and a change that still conflicts commits its failure audits instead. The queue is bounded: under
/// more load than the store can commit, submitters are refused at once rather than queued without limit.
/// </summary>
public sealed class ChangeWriter : IAsyncDisposable
{
    private const int MaxBatch = 1000;

    /// <summary>Changes waiting to be committed, at most, unless the constructor is told otherwise.</summary>
    public const int DefaultCapacity = 2_000;

    private volatile bool _closed;
    private readonly IDirectoryStore _store;
    private readonly LogSignal? _signal;
    private readonly Channel<Pending> _queue;
    private readonly Task[] _loops;

    /// <param name="store">Where changes are committed.</param>
    /// <param name="writers">
    /// Batches in flight at once: 1 for SQLite (one writer anyway; its WAL sync already overlaps the next batch, see
    /// <see cref="IDirectoryStore.ApplyAsync"/>); 2 for PostgreSQL, so one batch's round trips and fsync overlap the
    /// next batch's work.
    /// </param>
    /// <param name="signal">Told after each commit which tenants have new log entries (live followers wait on it).</param>
    /// <param name="capacity">
    /// Changes that may wait for a writer; one more makes <see cref="SubmitAsync"/> throw <see cref="ChangeQueueFullException"/>.
    /// Batches being committed do not count.
    /// </param>
    public ChangeWriter(IDirectoryStore store, int writers = 1, LogSignal? signal = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _store = store;
        _signal = signal;
        Capacity = capacity;
        // Wait is the mode in which TryWrite refuses when full (the Drop modes would take the change and lose another).
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = writers == 1, FullMode = BoundedChannelFullMode.Wait });
        // Threads of their own: SQLite commits block (and fsync), and blocked pool threads on two cores starve requests.
        _loops = [.. Enumerable.Range(0, writers).Select(_ => Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
    }

    /// <summary>
    /// True while the queue has no room: a hint for refusing a change before doing its work, as <see cref="SubmitAsync"/>
    /// would refuse it after. Under overload a refusal must cost little.
    /// </summary>
    public bool IsFull => _queue.Reader.Count >= Capacity;

    /// <summary>Changes that may wait for a writer at once.</summary>
    public int Capacity { get; }

    /// <summary>Objects as committed through this writer, for read-modify-writes that the store version-checks.</summary>
    public CommittedObjects Objects { get; } = new();

    /// <summary>
    /// Raised for each committed change before its submitter is answered, so caches of what it changed (the
    /// server's view of who may sign in) are dropped before the next request can read them.
    /// </summary>
    public event Action<DirectoryChange>? Committed;

    /// <summary>Queues the change and completes once it is committed (or refused by a conflict).</summary>
    /// <exception cref="ChangeQueueFullException">The queue is full; the change was not taken.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public async Task<ChangeOutcome> SubmitAsync(DirectoryChange change)
    {
        change = change with { Entries = change.ToEntries() };
        var pending = new Pending(change, new TaskCompletionSource<ChangeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            throw new ChangeQueueFullException(Capacity);
        }
        var outcome = await pending.Done.Task.ConfigureAwait(false);
        Objects.Record(change, outcome);
        if (outcome.Committed)
        {
            Committed?.Invoke(change);
        }
        return outcome;
    }

    private void Run()
    {
        var batch = new List<Pending>(MaxBatch);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
            {
                batch.Add(p);
            }
            CommitBatchAsync(batch).GetAwaiter().GetResult();
            batch.Clear();
        }
    }

    private async Task CommitBatchAsync(List<Pending> batch)
    {
        var remaining = batch;
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            try
            {
                var changes = remaining.Select(p => p.Change).ToList();
                var durable = await _store.ApplyAsync(changes, CancellationToken.None).ConfigureAwait(false);
                // The next batch may start now (and reuse the batch list: hence the copy); these changes are
                // acknowledged once durable.
                _ = AcknowledgeAsync([.. remaining], changes, durable);
                return;
            }
            catch (ChangeConflictException conflict) when (conflict.Index >= 0 && conflict.Index < remaining.Count && attempt < 8)
            {
                // The store named the change: settle it alone and commit the others together again.
                await CommitFailureAsync(remaining[conflict.Index], conflict).ConfigureAwait(false);
                remaining = [.. remaining.Where((_, i) => i != conflict.Index)];
            }
            catch (ChangeConflictException)
            {
                // The store could not tell which change conflicted (or many did): one by one, so only those fail.
                await CommitOneByOneAsync(remaining).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (remaining.Count > 1)
            {
                // Not a conflict (bad data, a dropped connection): find the change at fault without failing the others.
                await CommitOneByOneAsync(remaining).ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                remaining[0].Done.TrySetException(e);
                return;
            }
        }
    }

    private async Task AcknowledgeAsync(List<Pending> batch, IReadOnlyList<DirectoryChange> changes, Task durable)
    {
        try
        {
            await durable.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Applied but not known to be on disk: report the failure rather than acknowledge what a crash could lose.
            batch.ForEach(p => p.Done.TrySetException(e));
            return;
        }
        Notify(changes);
        batch.ForEach(p => p.Done.TrySetResult(new ChangeOutcome(true)));
    }

    private async Task CommitAsync(IReadOnlyList<DirectoryChange> changes)
    {
        await _store.CommitAsync(changes, CancellationToken.None).ConfigureAwait(false);
        Notify(changes);
    }

    private void Notify(IReadOnlyList<DirectoryChange> changes) => _signal?.Notify(changes.Where(c => c.ToEntries().Count > 0).Select(c => c.TenantId));

    private async Task CommitOneByOneAsync(List<Pending> batch)
    {
        foreach (var p in batch)
        {
            try
            {
                await CommitAsync([p.Change]).ConfigureAwait(false);
                p.Done.TrySetResult(new ChangeOutcome(true));
            }
            catch (ChangeConflictException conflict)
            {
                await CommitFailureAsync(p, conflict).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                p.Done.TrySetException(e);
            }
        }
    }

    private async Task CommitFailureAsync(Pending p, ChangeConflictException conflict)
    {
        try
        {
            // A stale read is retried by the caller, which then writes the one entry that describes the change.
            var failures = conflict.Kind == ConflictKind.Stale ? [] : p.Change.FailureAudits?.Invoke(conflict.Message) ?? [];
            if (failures.Count > 0)
            {
                var failed = new DirectoryChange { TenantId = p.Change.TenantId, Audits = failures };
                await CommitAsync([failed]).ConfigureAwait(false);
            }
            p.Done.TrySetResult(new ChangeOutcome(false, conflict.Kind, conflict.Message));
        }
        catch (Exception e)
        {
            p.Done.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private sealed record Pending(DirectoryChange Change, TaskCompletionSource<ChangeOutcome> Done);
}
