using Npgsql;
using Trickle.Compiler.Catalog;

namespace Trickle.Cli.Tests;

/// <summary>
/// <c>trickle compile --connection</c> over views, materialized views and foreign tables of a real database: a view is
/// expanded into the definition PostgreSQL holds and maintained from its tables (the script installs and stays equal
/// to the query); the other two are refused at the reference under DIFFERENTIAL and IMMEDIATE and recomputed under
/// AUTO and FULL, and no compile that succeeds fails at install.
/// </summary>
public sealed class LiveViewTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = """
        DROP SCHEMA IF EXISTS shop, trickle CASCADE;
        DROP SERVER IF EXISTS faraway CASCADE;
        DROP FOREIGN DATA WRAPPER IF EXISTS nowhere CASCADE;
        CREATE SCHEMA shop;
        CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL, amount int NOT NULL, status text NOT NULL);
        CREATE TABLE shop.customers (id int PRIMARY KEY, region text);
        CREATE VIEW shop.paid AS SELECT id, customer_id, amount FROM shop.orders WHERE status = 'paid';
        CREATE VIEW shop.big_paid (order_id, cust, amt) WITH (security_barrier) AS SELECT id, customer_id, amount FROM shop.paid WHERE amount > 10;
        CREATE VIEW shop.by_region WITH (security_invoker = true) AS
            SELECT c.region, sum(o.amount) AS total FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id GROUP BY c.region;
        CREATE MATERIALIZED VIEW shop.snapshot AS SELECT id, amount FROM shop.orders;
        CREATE FOREIGN DATA WRAPPER nowhere;
        CREATE SERVER faraway FOREIGN DATA WRAPPER nowhere;
        CREATE FOREIGN TABLE shop.remote (id int) SERVER faraway;
        INSERT INTO shop.customers SELECT i, 'r' || (i % 3) FROM generate_series(1, 6) AS i;
        INSERT INTO shop.orders SELECT i, i % 6 + 1, i * 3 % 17, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'paid' END FROM generate_series(1, 30) AS i;
        """;

    private const string OverViews = "SELECT c.region, sum(b.amt) AS total, count(*) AS n\nFROM shop.big_paid b\n  JOIN shop.customers c ON c.id = b.cust\nGROUP BY c.region";

    [Fact]
    public async Task Reader_KnowsViewsWithQualifiedDefinitions_MaterializedViewsAndForeignTables()
    {
        await server.ExecuteAsync(Schema);
        var catalog = await LiveCatalogReader.ReadAsync(server.ConnectionString, CancellationToken.None);

        var bigPaid = catalog.Find("shop", "big_paid")!;
        Assert.Equal(RelationKind.View, bigPaid.Kind);
        Assert.Contains("FROM shop.paid", bigPaid.View!.QueryText);
        Assert.Equal(["order_id", "cust", "amt"], bigPaid.View.ColumnNames);
        Assert.True(bigPaid.View.SecurityBarrier);
        Assert.True(catalog.Find("shop", "by_region")!.View!.SecurityInvoker);
        Assert.Equal(RelationKind.MaterializedView, catalog.Find("shop", "snapshot")!.Kind);
        Assert.Null(catalog.Find("shop", "snapshot")!.View);
        Assert.Equal(RelationKind.ForeignTable, catalog.Find("shop", "remote")!.Kind);
        // The definitions are printed with an empty search_path; the session's own is still what unqualified names use.
        Assert.Equal(["public"], catalog.SearchPath);
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task StreamTableOverNestedViewsJoinedWithATable_CompilesInstallsAndStaysEqualToItsQuery(string mode)
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var name = "over_views_" + mode;

        var run = await CliRunner.RunAsync("compile", dir.File("st.sql", OverViews), "--connection", server.ConnectionString,
            "--name", name, "--mode", mode, "-o", dir.File("out.sql"));

        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        await server.ExecuteAsync(File.ReadAllText(dir.File("out.sql")));
        Assert.Equal(["shop.customers", "shop.orders"], await TriggeredTablesAsync());

        await server.ExecuteAsync("""
            INSERT INTO shop.orders VALUES (100, 2, 50, 'paid'), (101, 3, 11, 'paid'), (102, 3, 99, 'open');
            UPDATE shop.orders SET status = 'open' WHERE id = 1;
            UPDATE shop.orders SET amount = 5 WHERE id = 4;
            UPDATE shop.customers SET region = 'moved' WHERE id = 2;
            DELETE FROM shop.orders WHERE id IN (7, 8);
            """);
        if (mode == "differential")
            await server.ExecuteAsync($"SELECT trickle.refresh('{name}')");

        Assert.Equal(0L, await DifferenceAsync(name, OverViews));
        Assert.True(await CountAsync($"SELECT count(*) FROM {name}") > 0);
    }

    [Fact]
    public async Task ReplacingAnExpandedView_OrRenamingAColumnItReads_IsRefused_WhileAnUnchangedReplaceIsNot()
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var run = await CliRunner.RunAsync("compile", dir.File("st.sql", OverViews), "--connection", server.ConnectionString,
            "--name", "guarded", "--mode", "differential", "-o", dir.File("out.sql"));
        Assert.Equal(0, run.ExitCode);
        await server.ExecuteAsync(File.ReadAllText(dir.File("out.sql")));

        // The same definition again changes nothing the stream table was compiled from.
        await server.ExecuteAsync("CREATE OR REPLACE VIEW shop.paid AS SELECT id, customer_id, amount FROM shop.orders WHERE status = 'paid'");
        var replaced = await Assert.ThrowsAsync<PostgresException>(() =>
            server.ExecuteAsync("CREATE OR REPLACE VIEW shop.paid AS SELECT id, customer_id, amount FROM shop.orders WHERE status <> 'open'"));
        Assert.Contains("cannot replace view shop.paid: stream table public.guarded", replaced.MessageText);
        var nested = await Assert.ThrowsAsync<PostgresException>(() =>
            server.ExecuteAsync("CREATE OR REPLACE VIEW shop.big_paid (order_id, cust, amt) AS SELECT id, customer_id, amount FROM shop.paid WHERE amount > 11"));
        Assert.Contains("cannot replace view shop.big_paid", nested.MessageText);
        // The view's base table column is read by the maintenance functions by name: the guard protects it too.
        var renamed = await Assert.ThrowsAsync<PostgresException>(() => server.ExecuteAsync("ALTER TABLE shop.orders RENAME COLUMN status TO state"));
        Assert.Contains("stream table public.guarded", renamed.MessageText);

        await server.ExecuteAsync("SELECT trickle.drop_stream_table('guarded')");
        await server.ExecuteAsync("CREATE OR REPLACE VIEW shop.paid AS SELECT id, customer_id, amount FROM shop.orders WHERE status <> 'open'");
    }

    [Theory]
    [InlineData("differential", "shop.snapshot", "materialized view shop.snapshot cannot be maintained incrementally")]
    [InlineData("immediate", "shop.snapshot", "materialized view shop.snapshot cannot be maintained incrementally")]
    [InlineData("differential", "shop.remote", "foreign table shop.remote cannot be maintained incrementally")]
    [InlineData("immediate", "shop.remote", "foreign table shop.remote cannot be maintained incrementally")]
    public async Task MaterializedViewOrForeignTable_UnderAnIncrementalMode_IsAPositionedError(string mode, string relation, string message)
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var file = dir.File("st.sql", $"SELECT o.id\nFROM shop.orders o\n  JOIN {relation} s ON s.id = o.id");

        var run = await CliRunner.RunAsync("compile", file, "--connection", server.ConnectionString, "--name", "refused", "--mode", mode, "-o", dir.File("out.sql"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{file}:3:8: error TRK4001: {message}", line);
        Assert.False(File.Exists(dir.File("out.sql")));
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task MaterializedView_UnderAutoOrFull_IsRecomputed_AndInstalls(string mode)
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var name = "recomputed_" + mode;
        const string query = "SELECT o.status, count(*) AS n\nFROM shop.orders o\n  JOIN shop.snapshot s ON s.id = o.id\nGROUP BY o.status";

        var run = await CliRunner.RunAsync("compile", dir.File("st.sql", query), "--connection", server.ConnectionString, "--name", name, "--mode", mode,
            "-o", dir.File("out.sql"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning TRK4101", Assert.Single(run.StderrLines));
        await server.ExecuteAsync(File.ReadAllText(dir.File("out.sql")));
        Assert.Empty(await TriggeredTablesAsync(name));
        await server.ExecuteAsync($"REFRESH MATERIALIZED VIEW shop.snapshot; DELETE FROM shop.orders WHERE id < 5; REFRESH MATERIALIZED VIEW shop.snapshot; SELECT trickle.refresh('{name}')");
        Assert.Equal(0L, await DifferenceAsync(name, query));
    }

    /// <summary>The tables carrying capture triggers of trickle (of the stream table <paramref name="only"/>, if given).</summary>
    private async Task<List<string>> TriggeredTablesAsync(string? only = null)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE NOT t.tgisinternal AND c.relnamespace <> 'trickle'::regnamespace AND (@only::text IS NULL OR t.tgname LIKE '%' || @only || '%')
            ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue("only", (object?)only ?? DBNull.Value);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>Rows in the stream table and not in the query, plus rows in the query and not in the stream table (a multiset difference).</summary>
    private Task<long> DifferenceAsync(string streamTable, string query) => CountAsync($"""
        SELECT count(*) FROM (
            (SELECT * FROM {streamTable} EXCEPT ALL ({query}))
            UNION ALL
            (({query}) EXCEPT ALL SELECT * FROM {streamTable})) AS d
        """);

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
