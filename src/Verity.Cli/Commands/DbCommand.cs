using System.CommandLine;
using Npgsql;
using Verity.Core.Storage;

namespace Verity.Cli.Commands;

/// <summary>
/// <c>verity db migrate</c>: applies the schema files the server would apply at start, for operators who keep schema
/// changes apart from deployments. Exit codes: 0 applied (or nothing to do), 1 failed, 2 bad arguments.
/// </summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var provider = new Option<string>("--provider") { Description = "sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        provider.AcceptOnlyFromAmong("sqlite", "postgres");
        var connection = new Option<string>("--connection-string")
        {
            Description = "SQLite or Npgsql connection string",
            DefaultValueFactory = _ => Stores.DefaultSqlite,
        };
        var migrate = new Command("migrate", "Apply the numbered schema files that are not applied yet.") { provider, connection };
        migrate.SetAction(async (parse, ct) =>
        {
            try
            {
                await Stores.Open(parse.GetValue(provider)!, parse.GetValue(connection)).Directory.MigrateAsync(ct);
                await Console.Out.WriteLineAsync("Schema is up to date.");
                return 0;
            }
            catch (Exception e) when (e is NpgsqlException or Microsoft.Data.Sqlite.SqliteException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"Migration failed: {e.Message}");
                return 1;
            }
        });
        return new Command("db", "Database maintenance.") { migrate };
    }
}
