using System.Globalization;
using Npgsql;
using Trickle.Cli;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// <c>trickle migrations generate</c> end to end, as a team uses it: generate the folder, apply every script with psql
/// in name order, change a definition, generate again (exactly one new script, the others byte-identical), apply the
/// whole folder again from the start — and the stream tables equal their queries throughout.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationsTests(PostgresCluster cluster) : IDisposable
{
    private const string Schema = """
        CREATE TABLE orders (id integer PRIMARY KEY, customer integer NOT NULL, amount numeric NOT NULL);
        CREATE TABLE visits (id integer PRIMARY KEY, page text NOT NULL);
        """;
    private const string Seed = """
        INSERT INTO orders SELECT i, i % 17, (i % 40) + 1 FROM generate_series(1, 400) AS i;
        INSERT INTO visits SELECT i, 'p' || (i % 9) FROM generate_series(1, 200) AS i;
        """;

    private readonly Dictionary<string, string> Queries = new()
    {
        ["revenue"] = "SELECT customer, count(*) AS orders, sum(amount) AS total FROM orders GROUP BY customer",
        // Reads the stream table revenue: its migration must come after revenue's.
        ["tiers"] = "SELECT CASE WHEN total >= 400 THEN 'gold' ELSE 'silver' END AS tier, count(*) AS customers FROM revenue GROUP BY 1",
        ["pages"] = "SELECT page, count(*) AS hits FROM visits GROUP BY page",
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "trickle-migrations-" + Guid.NewGuid().ToString("N")[..12]);

    private string Streams => Path.Combine(_root, "streams");
    private string Folder => Path.Combine(_root, "migrations");

    [Fact]
    public async Task AFolderGeneratedAppliedChangedAndAppliedAgainFromTheStart_KeepsEveryStreamTableEqualToItsQuery()
    {
        Directory.CreateDirectory(Streams);
        File.WriteAllText(Path.Combine(_root, "schema.sql"), Schema);
        WriteDefinition("revenue", "differential", "5s");
        WriteDefinition("tiers", "differential", null);
        WriteDefinition("pages", "auto", "1m");
        await using var database = await cluster.CreateDatabaseAsync("migrations");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);

        var first = await GenerateAsync();
        Assert.Equal(
            ["0001_trickle_runtime_" + RuntimeSuffix() + ".sql", "0002_add_public_pages.sql", "0003_add_public_revenue.sql", "0004_add_public_tiers.sql"],
            MigrationNames());
        Assert.Contains("added ", first);
        await ApplyFolderAsync(database, "the first apply");
        await AssertAllMatchAsync(database, new Random(1), "after the first apply");

        // Nothing changed: nothing to add.
        Assert.Contains("up to date, nothing to add", await GenerateAsync());
        Assert.Equal(4, MigrationNames().Length);

        // One definition changes (another query, another mode): exactly one new script, the others as they were.
        var before = MigrationNames().ToDictionary(name => name, name => File.ReadAllBytes(Path.Combine(Folder, name)));
        Queries["pages"] = "SELECT page, count(*) AS hits, max(id) AS last_id FROM visits WHERE id % 5 <> 0 GROUP BY page";
        WriteDefinition("pages", "immediate", null);
        await GenerateAsync();
        Assert.Equal([.. before.Keys, "0005_change_public_pages.sql"], MigrationNames());
        foreach (var (name, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(Folder, name)));
        Assert.Contains("-- Revision: 2", File.ReadAllText(Path.Combine(Folder, "0005_change_public_pages.sql")));

        await ApplyFolderAsync(database, "the whole folder again, from its start");
        await AssertAllMatchAsync(database, new Random(2), "after the folder ran again with the change");
        Assert.Equal("immediate", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = 'pages'"));

        // And once more: every script is a no-op now, the revision 1 script of pages included.
        var storage = await database.ScalarAsync<string>("SELECT string_agg(storage_table::text || pg_relation_filenode(storage_table), ',' ORDER BY table_name) FROM trickle.stream_table_catalog");
        var output = await ApplyFolderAsync(database, "the folder a third time");
        Assert.Contains("stream table public.pages: unchanged (revision 2 of it is installed, this script is revision 1)", output);
        Assert.Equal(storage, await database.ScalarAsync<string>("SELECT string_agg(storage_table::text || pg_relation_filenode(storage_table), ',' ORDER BY table_name) FROM trickle.stream_table_catalog"));
        await AssertAllMatchAsync(database, new Random(3), "after the third run");

        // A fresh database gets everything from the folder, the changed definition last.
        await using var fresh = await cluster.CreateDatabaseAsync("migrations_fresh");
        await fresh.ExecuteAsync(Schema);
        await fresh.ExecuteAsync(Seed);
        await ApplyFolderAsync(fresh, "the folder on a fresh database");
        await AssertAllMatchAsync(fresh, new Random(4), "on the fresh database");
    }

    [Fact]
    public async Task FlywayNaming_WritesVersionedNames_AndAScriptConfigThatTurnsOffFlywaysTransaction()
    {
        Directory.CreateDirectory(Streams);
        File.WriteAllText(Path.Combine(_root, "schema.sql"), Schema);
        WriteDefinition("pages", "differential", null);
        await GenerateAsync("--flyway");
        Assert.Equal(["V1__trickle_runtime_" + RuntimeSuffix() + ".sql", "V2__add_public_pages.sql"], MigrationNames());
        Assert.Equal("executeInTransaction=false\n", File.ReadAllText(Path.Combine(Folder, "V2__add_public_pages.sql.conf")));

        // --check: CI's "are the migrations up to date?" — exit 1 and name what is missing, writing nothing.
        WriteDefinition("revenue", "differential", null);
        var check = await RunCliAsync("migrations", "generate", "--definitions", Streams, "--schema", Path.Combine(_root, "schema.sql"), "--out", Folder, "--flyway", "--check");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("would add " + Path.Combine(Folder, "V3__add_public_revenue.sql"), check.Stdout);
        Assert.Equal(2, MigrationNames().Length);
        await Task.CompletedTask;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private void WriteDefinition(string name, string mode, string? schedule)
    {
        var options = schedule is null ? $"refresh_mode = '{mode}'" : $"schedule = '{schedule}', refresh_mode = '{mode}'";
        File.WriteAllText(Path.Combine(Streams, name + ".sql"), $"CREATE STREAM TABLE {name}\nWITH ({options})\nAS\n{Queries[name]};\n");
    }

    private string[] MigrationNames() =>
        Directory.GetFiles(Folder, "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static string RuntimeSuffix() => Trickle.Compiler.Emit.ScriptEmitter.RuntimeVersion.Replace('.', '_');

    private async Task<string> GenerateAsync(params string[] extra)
    {
        var run = await RunCliAsync(["migrations", "generate", "--definitions", Streams, "--schema", Path.Combine(_root, "schema.sql"), "--out", Folder, .. extra]);
        Assert.True(run.ExitCode == 0, $"trickle migrations generate exited {run.ExitCode}:\n{run.Stderr}");
        return run.Stdout;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exitCode = await CliApp.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Every script with psql, in name order, as <c>for f in migrations/*.sql</c> does; their messages joined.</summary>
    private async Task<string> ApplyFolderAsync(TestDatabase database, string what)
    {
        var output = new System.Text.StringBuilder();
        foreach (var name in MigrationNames())
        {
            var result = await database.RunPsqlScriptAsync(File.ReadAllText(Path.Combine(Folder, name)));
            Assert.True(result.Succeeded, $"{what}: {name}: {result.Describe()}");
            output.Append(result.StandardError);
        }
        return output.ToString();
    }

    /// <summary>Some writes, a refresh of every stream table, then each compared with its query (multiset, NULL-safe).</summary>
    private async Task AssertAllMatchAsync(TestDatabase database, Random random, string because)
    {
        await using var connection = await database.OpenConnectionAsync();
        for (var i = 0; i < 8; i++)
        {
            var id = random.Next(1, 450).ToString(CultureInfo.InvariantCulture);
            var sql = random.Next(4) switch
            {
                0 => $"INSERT INTO orders VALUES ({id}, {random.Next(0, 20)}, {random.Next(1, 90)}) ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount",
                1 => $"DELETE FROM orders WHERE id = {id}",
                2 => $"INSERT INTO visits VALUES ({id}, 'p{random.Next(0, 12)}') ON CONFLICT (id) DO UPDATE SET page = EXCLUDED.page",
                _ => $"DELETE FROM visits WHERE id = {id}",
            };
            await ExecuteAsync(connection, sql);
        }
        await ExecuteAsync(connection, "SELECT trickle.refresh(format('%I.%I', schema_name, table_name)) FROM trickle.stream_table_catalog WHERE refresh_mode <> 'immediate'");
        foreach (var (name, query) in Queries)
            await AssertMatchesAsync(connection, name, query, because);
    }
}
