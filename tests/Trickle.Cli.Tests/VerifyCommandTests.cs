using Npgsql;
using Trickle.Compiler;

namespace Trickle.Cli.Tests;

/// <summary>
/// <c>trickle verify</c> against a real PostgreSQL: a stream table against its defining query from the catalog, and any
/// relation against another (an IMMV's hidden columns ignored), as multisets, NULL-safe, with types lacking equality.
/// </summary>
public sealed class VerifyCommandTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = """
        CREATE TABLE orders (id bigint PRIMARY KEY, customer int, amount numeric(12,2));
        CREATE TABLE events (kind text, payload json, at point);
        """;

    [Fact]
    public async Task EqualStreamTable_ExitsZero_EvenWithPendingChanges_WhichItAppliesAndRollsBack()
    {
        var connection = await CreateDatabaseAsync("verify_equal");
        await InstallAsync(connection, "totals", "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer");
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (1, 1, 5), (2, 1, NULL), (3, NULL, 7), (4, NULL, NULL)");
        await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (5, 2, 1)");

        var run = await CliRunner.RunAsync("verify", "totals", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.Equal("public.totals equals its defining query (3 rows)\n", run.Stdout);
        // The refresh verify ran was rolled back: the change is still pending.
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT pending_changes FROM trickle.stream_tables"));
    }

    [Fact]
    public async Task RowTamperedInStorage_ExitsOne_AndPrintsTheRowWithItsDifference()
    {
        var connection = await CreateDatabaseAsync("verify_tampered");
        await InstallAsync(connection, "totals", "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer");
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 3, i FROM generate_series(1, 9) AS i; INSERT INTO orders VALUES (10, NULL, NULL)");
        await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");

        // Lose the NULL group's stored row, as a bug or a hand edit would.
        var storage = await ScalarAsync<string>(connection, "SELECT storage_table::text FROM trickle.stream_table_catalog");
        await ExecuteAsync(connection, $"DELETE FROM {storage} WHERE k1 IS NULL");

        var run = await CliRunner.RunAsync("verify", "public.totals", "--connection", connection);

        Assert.Equal(CliApp.ExitFailure, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.Equal("public.totals differs from its defining query: 1 distinct rows differ, 1 copies in all (public.totals has 3 rows, its defining query 4)", lines[0]);
        Assert.Equal("diff  customer  n  total", lines[1]);
        Assert.Equal("-1    NULL      1  NULL", lines[2]);
        Assert.StartsWith("diff +n: n more copies of the row in public.totals", lines[3]);
    }

    [Fact]
    public async Task Duplicates_AreCountedAsMultisets_AndTheOutputIsBounded()
    {
        var connection = await CreateDatabaseAsync("verify_duplicates");
        await InstallAsync(connection, "kinds", "SELECT kind FROM events");
        await ExecuteAsync(connection, "INSERT INTO events (kind) SELECT 'k' || (i % 30) FROM generate_series(1, 90) AS i; INSERT INTO events (kind) VALUES (NULL), (NULL)");
        await ExecuteAsync(connection, "SELECT trickle.refresh('kinds'); CREATE TABLE copy AS SELECT * FROM kinds");
        await ExecuteAsync(connection, "INSERT INTO copy VALUES (NULL), (NULL), ('k1'); DELETE FROM copy WHERE ctid IN (SELECT ctid FROM copy WHERE kind IN ('k2', 'k3', 'k4'))");

        var equal = await CliRunner.RunAsync("verify", "kinds", "--connection", connection);
        var run = await CliRunner.RunAsync("verify", "kinds", "--against", "copy", "--limit", "3", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, equal.ExitCode);
        Assert.Equal(CliApp.ExitFailure, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.Equal("public.kinds differs from public.copy: 5 distinct rows differ, 12 copies in all (public.kinds has 92 rows, public.copy 86)", lines[0]);
        Assert.Equal(["diff  kind", "+3    k2", "+3    k3", "+3    k4", "… and 2 more differing rows (--limit 3)"], lines[1..6]);

        var all = await CliRunner.RunAsync("verify", "kinds", "--against", "copy", "--connection", connection);
        Assert.Contains("\n-1    k1\n", all.Stdout);
        Assert.Contains("\n-2    NULL\n", all.Stdout);
    }

    [Fact]
    public async Task TypesWithoutEquality_AreComparedAsText()
    {
        var connection = await CreateDatabaseAsync("verify_json");
        await InstallAsync(connection, "lists", "SELECT kind, json_agg(kind) AS list FROM events GROUP BY kind");
        await ExecuteAsync(connection, """INSERT INTO events VALUES ('a', '{"x": 1}', '(1,2)'), ('a', '{"x": 1}', '(1,2)'), ('b', NULL, NULL), ('c', '[1, 2]', '(0,0)')""");
        await ExecuteAsync(connection, """CREATE TABLE copy AS SELECT * FROM events; UPDATE copy SET payload = '{"x": 2}' WHERE kind = 'c'""");

        var equal = await CliRunner.RunAsync("verify", "lists", "--connection", connection);
        var different = await CliRunner.RunAsync("verify", "events", "--against", "copy", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, equal.ExitCode);
        Assert.Equal("public.lists equals its defining query (3 rows)\n", equal.Stdout);
        Assert.Equal(CliApp.ExitFailure, different.ExitCode);
        Assert.Contains("\n+1    c     [1, 2]    (0,0)\n", different.Stdout);
        Assert.Contains("\n-1    c     {\"x\": 2}  (0,0)\n", different.Stdout);
        Assert.Contains("public.events differs from public.copy: 2 distinct rows differ, 2 copies in all", different.Stdout);
    }

    [Fact]
    public async Task Against_IgnoresIvmHiddenColumns_ComparesByName_AndReportsDifferentColumnSets()
    {
        var connection = await CreateDatabaseAsync("verify_against");
        await InstallAsync(connection, "totals", "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer");
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 3, i FROM generate_series(1, 9) AS i");
        // An IMMV as pg_ivm lays it out: its columns in another order, and the hidden counters.
        await ExecuteAsync(connection, """
            CREATE TABLE immv AS SELECT sum(amount) AS total, customer, count(*) AS n, count(*) AS __ivm_count__, count(amount) AS __ivm_count_total__
            FROM orders GROUP BY customer;
            CREATE TABLE narrower AS SELECT customer, count(*) AS n, 1 AS extra FROM orders GROUP BY customer;
            """);

        var equal = await CliRunner.RunAsync("verify", "totals", "--against", "immv", "--connection", connection);
        var columns = await CliRunner.RunAsync("verify", "totals", "--against", "narrower", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, equal.ExitCode);
        Assert.Equal("public.totals equals public.immv (3 rows)\n", equal.Stdout);
        Assert.Equal(CliApp.ExitFailure, columns.ExitCode);
        Assert.Equal("public.totals and public.narrower have different columns:\n  only in public.totals: total\n  only in public.narrower: extra\n", columns.Stdout);
    }

    [Fact]
    public async Task AfterAnUpgrade_TheNewDefiningQueryAndItsSearchPathAreVerified()
    {
        var connection = await CreateDatabaseAsync("verify_upgrade");
        await InstallAsync(connection, "totals", "SELECT customer, count(*) AS n FROM orders GROUP BY customer");
        // As a stream table installed by a runtime that did not record the search_path yet.
        await ExecuteAsync(connection, "UPDATE trickle.stream_table_catalog SET defining_search_path = NULL");
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Schema)], new Trickle.Compiler.Diagnostics.DiagnosticBag());
        var upgrade = Compilation.Compile(new SourceText("totals.sql", "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer"),
            catalog, new CompilationOptions(Name: "totals", Mode: RefreshMode.Differential, Upgrade: true));
        Assert.True(upgrade.Success, string.Join("\n", upgrade.Diagnostics));

        var before = await CliRunner.RunAsync("verify", "totals", "--connection", connection);
        await ExecuteAsync(connection, upgrade.Script!);
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 4, i FROM generate_series(1, 20) AS i");
        var after = await CliRunner.RunAsync("verify", "totals", "--connection", connection);

        Assert.Equal((CliApp.ExitSuccess, "public.totals equals its defining query (0 rows)\n"), (before.ExitCode, before.Stdout));
        Assert.Equal("pg_catalog, \"public\", pg_temp", await ScalarAsync<string>(connection, "SELECT defining_search_path FROM trickle.stream_table_catalog"));
        Assert.Equal((CliApp.ExitSuccess, "public.totals equals its defining query (4 rows)\n"), (after.ExitCode, after.Stdout));
    }

    [Fact]
    public async Task CannotCompare_ExitsTwo_WithOneLine()
    {
        var connection = await CreateDatabaseAsync("verify_usage");

        var noRuntime = await CliRunner.RunAsync("verify", "totals", "--connection", connection);
        var noRelation = await CliRunner.RunAsync("verify", "orders", "--against", "nowhere", "--connection", connection);
        var noServer = await CliRunner.RunAsync("verify", "totals", "--connection", "Host=/nonexistent;Port=1;Username=x;Timeout=2");
        await InstallAsync(connection, "totals", "SELECT customer FROM orders");
        var noStreamTable = await CliRunner.RunAsync("verify", "elsewhere", "--connection", connection);

        Assert.Equal(CliApp.ExitUsage, noRuntime.ExitCode);
        Assert.Equal("trickle: error: this database has no trickle runtime (schema trickle): nothing is installed to verify\n", noRuntime.Stderr);
        Assert.Equal(CliApp.ExitUsage, noRelation.ExitCode);
        Assert.Equal("trickle: error: relation nowhere does not exist\n", noRelation.Stderr);
        Assert.Equal(CliApp.ExitUsage, noServer.ExitCode);
        Assert.Single(noServer.StderrLines);
        Assert.Equal(CliApp.ExitUsage, noStreamTable.ExitCode);
        Assert.Equal("trickle: error: stream table elsewhere does not exist\n", noStreamTable.Stderr);

        // The defining query runs under its recorded search_path: not while another role may create in one of its
        // schemas (it could capture a name and run with the rights of whoever verifies).
        var hostile = new NpgsqlConnectionStringBuilder(connection).Database + "_hostile";
        await ExecuteAsync(connection, $"CREATE ROLE \"{hostile}\" LOGIN NOSUPERUSER; GRANT CREATE ON SCHEMA public TO \"{hostile}\"");
        var writable = await CliRunner.RunAsync("verify", "totals", "--connection", connection);
        Assert.Equal(CliApp.ExitUsage, writable.ExitCode);
        Assert.StartsWith($"trickle: error: stream table public.totals: role {hostile} may create objects in schema public", writable.Stderr);
        Assert.Single(writable.StderrLines);
        await ExecuteAsync(connection, $"REVOKE CREATE ON SCHEMA public FROM \"{hostile}\"");
        Assert.Equal(CliApp.ExitSuccess, (await CliRunner.RunAsync("verify", "totals", "--connection", connection)).ExitCode);
    }

    [Fact]
    public async Task ImmvColumnList_InstallsWithTheListedNames_AndEqualsItsQuery()
    {
        var connection = await CreateDatabaseAsync("verify_immv_columns");
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 4, i * 1.5 FROM generate_series(1, 20) AS i; INSERT INTO orders VALUES (100, NULL, NULL)");
        await InstallAsync(connection, "ignored", "SELECT create_immv('public.renamed(cust, \"Total\")', 'SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer')");
        await ExecuteAsync(connection, "UPDATE orders SET customer = 9 WHERE id % 5 = 0; DELETE FROM orders WHERE id = 3");

        var names = await ScalarAsync<string>(connection,
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'renamed'");
        var run = await CliRunner.RunAsync("verify", "renamed", "--connection", connection);

        Assert.Equal("cust,Total,count", names);
        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.Equal("public.renamed equals its defining query (5 rows)\n", run.Stdout);
        Assert.Equal(0L, await ScalarAsync<long>(connection, """
            SELECT count(*) FROM (
                (SELECT cust, "Total", count FROM renamed EXCEPT ALL SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer)
                UNION ALL
                (SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer EXCEPT ALL SELECT cust, "Total", count FROM renamed)) AS d
            """));
    }

    [Fact]
    public async Task TopKWithTies_VerifiesAgainstTheQueryWithTheSameTieBreakers()
    {
        var connection = await CreateDatabaseAsync("verify_top_k_ties");
        // Every amount ties: which rows the limit keeps is decided by the tie-breaker (customer, NULLs last) alone.
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, (i * 7) % 11, 1 FROM generate_series(1, 30) AS i; INSERT INTO orders VALUES (31, NULL, 1)");
        await InstallAsync(connection, "cheapest", "SELECT customer, amount FROM orders ORDER BY amount LIMIT 4");
        await ExecuteAsync(connection, "DELETE FROM orders WHERE customer = 0; UPDATE orders SET amount = 2 WHERE id = 2");
        await ExecuteAsync(connection, "SELECT trickle.refresh('cheapest')");

        var run = await CliRunner.RunAsync("verify", "cheapest", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.Equal("public.cheapest equals its defining query (4 rows)\n", run.Stdout);
        Assert.Equal("SELECT customer, amount FROM orders ORDER BY amount, 1 LIMIT 4",
            await ScalarAsync<string>(connection, "SELECT defining_query FROM trickle.stream_table_catalog"));
        Assert.Equal("1:1.00,1:1.00,1:1.00,2:1.00", await ScalarAsync<string>(connection,
            "SELECT string_agg(customer || ':' || amount, ',' ORDER BY customer, amount) FROM cheapest"));
    }

    private async Task<string> CreateDatabaseAsync(string name)
    {
        await server.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await server.ExecuteAsync($"CREATE DATABASE {name}");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        await ExecuteAsync(connection, Schema);
        return connection;
    }

    private static async Task InstallAsync(string connection, string name, string definition, RefreshMode mode = RefreshMode.Differential)
    {
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Schema)], new Trickle.Compiler.Diagnostics.DiagnosticBag());
        var options = definition.Contains("create_immv") ? new CompilationOptions() : new CompilationOptions(Name: name, Mode: mode);
        var result = Compilation.Compile(new SourceText($"{name}.sql", definition), catalog, options);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        await ExecuteAsync(connection, result.Script!);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
