using Npgsql;

namespace Verity.Load;

/// <summary>A fresh, empty database for one engine: a SQLite file or a new PostgreSQL database, removed afterwards.</summary>
internal sealed class EngineTarget : IAsyncDisposable
{
    public required string Engine { get; init; }
    public required string ConnectionString { get; init; }
    public required string WorkDir { get; init; }
    private string? _adminConnection;
    private string? _database;

    public static async Task<EngineTarget> CreateAsync(string engine, LoadOptions options)
    {
        var work = Directory.CreateTempSubdirectory("verity-load-").FullName;
        if (engine == "sqlite")
        {
            return new EngineTarget { Engine = engine, WorkDir = work, ConnectionString = $"Data Source={Path.Combine(work, "verity.db")}" };
        }
        var name = "verity_load_" + Guid.NewGuid().ToString("N")[..10];
        await using (var conn = new NpgsqlConnection(options.Postgres))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"create database {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new EngineTarget
        {
            Engine = engine, WorkDir = work, _adminConnection = options.Postgres, _database = name,
            ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name, MaxPoolSize = 200 }.ConnectionString,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_adminConnection);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"drop database if exists {_database} with (force)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(WorkDir, recursive: true);
    }
}
