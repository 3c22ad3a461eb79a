using Npgsql;
using Verity.Core.Storage.Postgres;
using Verity.Core.Storage.Sqlite;

namespace Verity.Core.Storage;

/// <summary>
/// An opened backend: one object serving every contract, so a change and its audit entries share a transaction,
/// and how many group-commit writers it takes. <see cref="OAuth"/> holds the authorization server's entries,
/// <see cref="Lockout"/> smart lockout's state.
/// </summary>
public sealed record Stores(IDirectoryStore Directory, ILogStore Log, IOAuthStore OAuth, ILockoutStore Lockout, int Writers)
{
    public const string DefaultSqlite = "Data Source=data/verity.db";

    /// <summary>Opens <c>sqlite</c> (default, a file under ./data) or <c>postgres</c>; the server and the CLI share this.</summary>
    /// <exception cref="ArgumentException">Unknown provider, or postgres without a connection string.</exception>
    public static Stores Open(string provider, string? connectionString)
    {
        switch (provider.ToLowerInvariant())
        {
            case "postgres":
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new ArgumentException("A connection string is required for the postgres provider.", nameof(connectionString));
                }
                var (writes, reads, queries) = PostgresConnectionStrings(connectionString);
                var postgres = new PostgresStore(NpgsqlDataSource.Create(writes), NpgsqlDataSource.Create(reads), NpgsqlDataSource.Create(queries));
                // Two writers: one batch's round trips and fsync overlap the next batch's work.
                return new Stores(postgres, postgres, postgres, postgres, 2);
            case "sqlite":
                var sqlite = new SqliteStore(string.IsNullOrWhiteSpace(connectionString) ? DefaultSqlite : connectionString);
                return new Stores(sqlite, sqlite, sqlite, sqlite, 1);
            default:
                throw new ArgumentException($"Unknown storage provider '{provider}': use sqlite or postgres.", nameof(provider));
        }
    }

    /// <summary>
    /// The operator's PostgreSQL connection string for each of Verity's three pools (see <see cref="PostgresStore"/>):
    /// the session settings Verity relies on are added unless the operator set them, and each pool names itself in
    /// <c>application_name</c>, so <c>pg_stat_activity</c> shows which backends write.
    /// </summary>
    internal static (string Writes, string Reads, string Queries) PostgresConnectionStrings(string connectionString)
    {
        // The write path sends the same few statements over and over: let Npgsql prepare them, so PostgreSQL
        // parses and plans each once per connection instead of once per batch. Point reads are as few and fixed.
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
        }
        // Verity sets no session state (no SET, LISTEN, temp tables, advisory session locks), so a pooled
        // connection needs no reset: without this, every checkout costs PostgreSQL a DISCARD ALL (or, with
        // prepared statements, the six statements it stands for), parsed and run before the real work.
        connection.NoResetOnClose = true;
        // Verity's statements read a page or write a batch: PostgreSQL's JIT compiler never pays for itself on
        // them, and an ordered union of index walks whose row estimate crossed jit_above_cost spent 100 ms of
        // its 115 ms compiling (the 10M first-page benchmark, initiator UPN startswith). An operator's own
        // jit setting in Options wins.
        if (connection.Options?.Contains("jit", StringComparison.Ordinal) != true)
        {
            connection.Options = $"{connection.Options} -c jit=off".Trim();
        }
        var operatorsName = connection.ApplicationName;
        string Named(string pool, int maxAutoPrepare) => new NpgsqlConnectionStringBuilder(connection.ConnectionString)
        {
            ApplicationName = string.IsNullOrEmpty(operatorsName) ? $"verity {pool}" : $"{operatorsName} ({pool})",
            MaxAutoPrepare = maxAutoPrepare,
        }.ConnectionString;
        // Log queries build their SQL from the filter: too varied to prepare automatically.
        return (Named("writes", connection.MaxAutoPrepare), Named("reads", connection.MaxAutoPrepare), Named("queries", 0));
    }
}
