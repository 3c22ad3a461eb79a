using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Verity.Core.Storage.Sqlite;

/// <summary>
/// One of the writer's statements, prepared once and run through SQLite's C API. Microsoft.Data.Sqlite builds a data
/// reader per execution and looks every parameter up by name as it binds; with half a dozen statements per audited
/// change that was a tenth of the one writer thread's time. Here the parameter positions are resolved once, and a
/// run is bind, step and reset. It runs inside whatever transaction the writer connection holds.
/// </summary>
internal sealed class WriterStatement : IDisposable
{
    private const int Row = 100;
    private const int Done = 101;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    public WriterStatement(SqliteConnection conn, string sql)
    {
        _db = conn.Handle ?? throw new InvalidOperationException("The writer connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
        for (var i = 1; i <= raw.sqlite3_bind_parameter_count(_stmt); i++)
        {
            _positions[raw.sqlite3_bind_parameter_name(_stmt, i).utf8_to_string()] = i;
        }
    }

    /// <summary>Binds a value as Microsoft.Data.Sqlite would: text, a 64-bit integer, a blob, or NULL for null and DBNull.</summary>
    public WriterStatement Set(string name, object? value)
    {
        var i = _positions[name];
        Check(value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_stmt, i),
            string s => raw.sqlite3_bind_text(_stmt, i, s),
            long l => raw.sqlite3_bind_int64(_stmt, i, l),
            int n => raw.sqlite3_bind_int64(_stmt, i, n),
            short n => raw.sqlite3_bind_int64(_stmt, i, n),
            byte[] b => raw.sqlite3_bind_blob(_stmt, i, b),
            _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType(), "Unsupported parameter type."),
        });
        return this;
    }

    public WriterStatement Set(string name, long value)
    {
        Check(raw.sqlite3_bind_int64(_stmt, _positions[name], value));
        return this;
    }

    /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
    public int Execute()
    {
        int rc;
        while ((rc = raw.sqlite3_step(_stmt)) == Row)
        {
        }
        Finish(rc);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The first column of the first row as an integer, or null when there is no row.</summary>
    public long? ScalarInt64()
    {
        var rc = raw.sqlite3_step(_stmt);
        long? value = rc == Row ? raw.sqlite3_column_int64(_stmt, 0) : null;
        Finish(rc == Row ? Done : rc);
        return value;
    }

    private void Finish(int rc)
    {
        if (rc != Done)
        {
            // The message belongs to this failure only until the next call on the connection: read it before reset.
            var error = Error(rc);
            raw.sqlite3_reset(_stmt);
            throw error;
        }
        raw.sqlite3_reset(_stmt);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(rc);
        }
    }

    private SqliteException Error(int rc) => new(raw.sqlite3_errmsg(_db).utf8_to_string(), rc & 0xFF, rc);

    public void Dispose() => _stmt.Dispose();
}
