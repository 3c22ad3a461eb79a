using Microsoft.Data.Sqlite;

namespace Verity.Core.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on a thread of its own. Left to SQLite, the commit that crosses the
/// auto-checkpoint size copies tens of megabytes and syncs the file while every request waits for that commit; here a
/// passive checkpoint runs beside the writer (it never blocks it), and only when the WAL has grown past a restart
/// size (<see cref="DefaultRestartFrames"/>) does a last pass under the writer lock copy the few frames written since,
/// so that the next transaction starts the WAL over from its beginning instead of letting it grow without end.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>
    /// 64 MB of 4 KB pages: each restart costs a pass under the writer lock, and every read searches the WAL index
    /// (one hash table per 4,096 frames), so neither too often nor too large.
    /// </summary>
    public const int DefaultRestartFrames = 16384;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock;
    private readonly int _restartFrames;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public WalCheckpointer(string connectionString, SemaphoreSlim writeLock, int restartFrames)
    {
        _restartFrames = restartFrames;
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _writeLock = writeLock;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpointer" };
        _thread.Start();
    }

    private void Run()
    {
        using var conn = new SqliteConnection(_connectionString);
        conn.Open();
        while (!_stop.Token.WaitHandle.WaitOne(Pause))
        {
            try
            {
                if (Checkpoint(conn) < _restartFrames)
                {
                    continue;
                }
                _writeLock.Wait(_stop.Token);
                try
                {
                    Checkpoint(conn);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            catch (SqliteException)
            {
                // A pass that failed (the disk, a lock) is simply tried again on the next tick; the WAL grows meanwhile.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One passive checkpoint; returns how many frames the WAL holds.</summary>
    private static long Checkpoint(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "pragma wal_checkpoint(passive)";
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
