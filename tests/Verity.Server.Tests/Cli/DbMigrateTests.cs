using Microsoft.Data.Sqlite;
using static Verity.Server.Tests.Support.VerityCli;

namespace Verity.Server.Tests.Cli;

/// <summary>The built <c>verity</c> command, run as an operator would.</summary>
public sealed class DbMigrateTests
{
    [Fact]
    public async Task Db_migrate_applies_the_schema_once_and_says_so()
    {
        var file = Path.Combine(Path.GetTempPath(), $"verity-cli-{Guid.NewGuid():N}.db");

        var first = await RunAsync("db", "migrate", "--connection-string", $"Data Source={file}");
        var second = await RunAsync("db", "migrate", "--connection-string", $"Data Source={file}");

        Assert.Equal(0, first.Exit);
        Assert.Contains("up to date", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, second.Exit);
        await using var conn = new SqliteConnection($"Data Source={file};Pooling=False");
        await conn.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = conn.CreateCommand();
        // Each numbered schema file applied exactly once, none twice. Numbers may have gaps (one reserved for a change
        // not merged yet), which the migration runner tolerates: it applies whichever numbers it has not applied.
        var scripts = typeof(Verity.Core.Storage.Stores).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Sqlite.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => long.Parse(n.AsSpan("Sqlite.".Length, 4), provider: System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        cmd.CommandText = "select version from schema_migrations order by version";
        var applied = new List<long>();
        await using (var r = await cmd.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await r.ReadAsync(TestContext.Current.CancellationToken))
            {
                applied.Add(r.GetInt64(0));
            }
        }
        Assert.True(scripts.Count >= 2);
        Assert.Equal(scripts, applied);
        File.Delete(file);
    }

    [Fact]
    public async Task Bad_arguments_exit_with_2_and_an_unreachable_database_with_1()
    {
        var bad = await RunAsync("db", "migrate", "--provider", "oracle");
        var unreachable = await RunAsync("db", "migrate", "--provider", "postgres", "--connection-string", "Host=127.0.0.1;Port=1;Username=x;Timeout=2");

        Assert.Equal(2, bad.Exit);
        Assert.Contains("oracle", bad.Error, StringComparison.Ordinal);
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("Migration failed", unreachable.Error, StringComparison.Ordinal);
    }
}
