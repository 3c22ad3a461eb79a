using Microsoft.Win32.SafeHandles;

namespace Verity.Core.Storage.Sqlite;

/// <summary>
/// Makes committed WAL pages durable, on a thread of its own. The writer commits with synchronous=NORMAL (pages
/// appended, no fsync) and asks here for a sync it can wait on without holding up the next transaction. One fsync
/// covers every page written to the file before it began, so every request made before it starts completes with it;
/// requests made while it runs wait for the next one.
/// </summary>
internal sealed class WalSync : IDisposable
{
    private readonly SafeFileHandle _wal;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<TaskCompletionSource> _waiting = [];
    private bool _stopping;

    public WalSync(string walPath)
    {
        // The writer keeps the database open, so its WAL file stays (reset in place, never deleted) while this lives.
        _wal = File.OpenHandle(walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL sync" };
        _thread.Start();
    }

    /// <summary>Completes once everything committed before this call is on disk.</summary>
    public Task SyncAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stopping)
            {
                throw new ObjectDisposedException(nameof(WalSync));
            }
            _waiting.Add(done);
            Monitor.Pulse(_gate);
        }
        return done.Task;
    }

    private void Run()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (_gate)
            {
                while (_waiting.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }
                if (_waiting.Count == 0)
                {
                    return;
                }
                (batch, _waiting) = (_waiting, []);
            }
            try
            {
                RandomAccess.FlushToDisk(_wal);
                batch.ForEach(d => d.TrySetResult());
            }
            catch (IOException e)
            {
                batch.ForEach(d => d.TrySetException(e));
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
        _wal.Dispose();
    }
}
