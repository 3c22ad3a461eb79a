using Npgsql;
using Verity.Core.Storage;
using Verity.Tests;

namespace Verity.Core.Tests.Storage;

/// <summary>The session settings Verity adds to an operator's PostgreSQL connection string, read back from the server.</summary>
public sealed class PostgresSessionSettingsTests
{
    [Fact]
    public async Task Every_pool_runs_with_jit_off()
    {
        await using var database = await TestPostgres.CreateAsync();
        var (writes, reads, queries) = Stores.PostgresConnectionStrings(database.ConnectionString);

        Assert.Equal("off", await ShowAsync(writes, "jit"));
        Assert.Equal("off", await ShowAsync(reads, "jit"));
        Assert.Equal("off", await ShowAsync(queries, "jit"));
    }

    [Fact]
    public async Task An_operators_own_jit_setting_wins()
    {
        await using var database = await TestPostgres.CreateAsync();
        var own = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c jit=on -c work_mem=8MB" }.ConnectionString;
        var (writes, reads, queries) = Stores.PostgresConnectionStrings(own);

        Assert.Equal("on", await ShowAsync(writes, "jit"));
        Assert.Equal("on", await ShowAsync(reads, "jit"));
        Assert.Equal("on", await ShowAsync(queries, "jit"));
        Assert.Equal("8MB", await ShowAsync(writes, "work_mem"));
    }

    [Fact]
    public void Writers_and_point_reads_prepare_their_statements_and_queries_do_not()
    {
        var (writes, reads, queries) = Stores.PostgresConnectionStrings("Host=127.0.0.1;Username=verity");

        Assert.Equal(64, new NpgsqlConnectionStringBuilder(writes).MaxAutoPrepare);
        Assert.Equal(64, new NpgsqlConnectionStringBuilder(reads).MaxAutoPrepare);
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(queries).MaxAutoPrepare);
        Assert.True(new NpgsqlConnectionStringBuilder(writes).NoResetOnClose);
    }

    [Fact]
    public async Task Each_pool_names_itself_in_pg_stat_activity_after_an_operators_own_name()
    {
        await using var database = await TestPostgres.CreateAsync();
        var (writes, reads, queries) = Stores.PostgresConnectionStrings(database.ConnectionString);
        var (ownWrites, _, _) = Stores.PostgresConnectionStrings(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "hr-audit" }.ConnectionString);

        Assert.Equal("verity writes", await ShowAsync(writes, "application_name"));
        Assert.Equal("verity reads", await ShowAsync(reads, "application_name"));
        Assert.Equal("verity queries", await ShowAsync(queries, "application_name"));
        Assert.Equal("hr-audit (writes)", await ShowAsync(ownWrites, "application_name"));
    }

    private static async Task<string> ShowAsync(string connectionString, string setting)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(TestContext.Current.CancellationToken);
        // SHOW takes no parameters; the names above are constants of this test.
        await using var cmd = new NpgsqlCommand($"show {setting}", conn);
        return (string)(await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
