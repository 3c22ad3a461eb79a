using Npgsql;

namespace Verity.Load;

/// <summary>
/// A database for one engine: a SQLite file or a PostgreSQL database. Fresh and removed afterwards, unless --keep
/// names a directory: then it is created there once, reused by later runs (with its tenant), and left in place.
/// </summary>
internal sealed class EngineTarget : IAsyncDisposable
{
    public required string Engine { get; init; }
    public required string ConnectionString { get; init; }
    public required string WorkDir { get; init; }
    /// <summary>The server's bootstrap tenant, which read mode fills.</summary>
    public required Guid TenantId { get; init; }
    /// <summary>The bootstrap application's credentials, kept with the tenant: a reused database has no other way in.</summary>
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public bool Kept { get; private init; }
    private string? _adminConnection;
    private string? _database;

    /// <summary>How many entries an earlier --keep run appended (0 for a fresh target).</summary>
    public long FilledEntries => File.Exists(FilledFile) ? long.Parse(File.ReadAllText(FilledFile), System.Globalization.CultureInfo.InvariantCulture) : 0;

    public void MarkFilled(long entries) => File.WriteAllText(FilledFile, entries.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private string FilledFile => Path.Combine(WorkDir, "filled");

    public static async Task<EngineTarget> CreateAsync(string engine, LoadOptions options)
    {
        var kept = options.Keep is not null;
        var work = kept ? Directory.CreateDirectory(Path.Combine(options.Keep!, engine)).FullName : Directory.CreateTempSubdirectory("verity-load-").FullName;
        var identityFile = Path.Combine(work, "identity");
        if (!File.Exists(identityFile))
        {
            await File.WriteAllLinesAsync(identityFile, [Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "load-" + Guid.NewGuid().ToString("N")]);
        }
        var identity = await File.ReadAllLinesAsync(identityFile);
        var tenant = Guid.Parse(identity[0]);
        if (engine == "sqlite")
        {
            return new EngineTarget { Engine = engine, WorkDir = work, TenantId = tenant, ClientId = identity[1], ClientSecret = identity[2], Kept = kept, ConnectionString = $"Data Source={Path.Combine(work, "verity.db")}" };
        }
        var name = kept ? "verity_load_kept" : "verity_load_" + Guid.NewGuid().ToString("N")[..10];
        await using (var conn = new NpgsqlConnection(options.Postgres))
        {
            await conn.OpenAsync();
            await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = @n", conn);
            exists.Parameters.AddWithValue("n", name);
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
            {
                await using var cmd = new NpgsqlCommand($"create database {name}", conn);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        return new EngineTarget
        {
            Engine = engine, WorkDir = work, TenantId = tenant, ClientId = identity[1], ClientSecret = identity[2], Kept = kept, _adminConnection = options.Postgres, _database = name,
            ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name, MaxPoolSize = 200 }.ConnectionString,
        };
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Kept)
        {
            return;
        }
        if (_database is not null)
        {
            await using var conn = new NpgsqlConnection(_adminConnection);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"drop database if exists {_database} with (force)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        Directory.Delete(WorkDir, recursive: true);
    }
}
