using Npgsql;

namespace Verity.Tests;

/// <summary>
/// A fresh PostgreSQL database on the server named by VERITY_TEST_POSTGRES, dropped when disposed. The test script
/// (scripts/test.sh) starts a throwaway cluster and sets the variable; without it, tests fail and say so.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "VERITY_TEST_POSTGRES";
    private readonly string _admin;

    public string ConnectionString { get; }

    private TestPostgres(string admin, string connectionString)
    {
        _admin = admin;
        ConnectionString = connectionString;
    }

    public static async Task<TestPostgres> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(admin))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set. Run the suite with scripts/test.sh, which starts PostgreSQL on 127.0.0.1, or set {Variable} " +
                "to a connection string of a server where this user may create databases.");
        }
        var name = "verity_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"create database {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new TestPostgres(admin, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var conn = new NpgsqlConnection(_admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"drop database if exists {name} with (force)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
