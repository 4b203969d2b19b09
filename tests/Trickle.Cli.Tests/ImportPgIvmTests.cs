using System.Diagnostics;
using Npgsql;

namespace Trickle.Cli.Tests;

/// <summary>
/// <c>trickle import-pg-ivm</c> end to end. pg_ivm itself cannot be built on the test machines (it needs the server's
/// development package), so the database holds a faithful replica of its catalog instead: schema pgivm, table
/// pg_ivm_immv with pg_ivm 1.11+'s columns and types, rows pointing at plain tables that stand in for the IMMVs, laid
/// out as pg_ivm lays them out (the column list's names, the hidden __ivm_* counters) and holding the query's rows.
/// </summary>
public sealed class ImportPgIvmTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Sources = """
        CREATE TABLE orders (id bigint PRIMARY KEY, customer int, amount numeric(12,2));
        CREATE TABLE customers (id int PRIMARY KEY, name text);
        INSERT INTO orders SELECT i, NULLIF(i % 5, 4), (i * 7 % 23) + 0.5 FROM generate_series(1, 60) AS i;
        INSERT INTO customers SELECT i, 'c' || i FROM generate_series(1, 8) AS i;
        CREATE SCHEMA analytics;
        """;

    /// <summary>pg_ivm 1.11+'s catalog table, column for column (see its pg_ivm--1.11.sql).</summary>
    private const string ReplicaCatalog = """
        CREATE SCHEMA pgivm;
        CREATE TABLE pgivm.pg_ivm_immv (
            immvrelid regclass NOT NULL,
            immvuuid uuid NOT NULL,
            querystring text NOT NULL,
            ispopulated bool NOT NULL,
            lastivmupdate xid8,
            CONSTRAINT pg_ivm_immv_pkey PRIMARY KEY (immvrelid),
            CONSTRAINT pg_ivm_immv_uuid UNIQUE (immvuuid)
        );
        """;

    /// <summary>
    /// Three IMMVs as pg_ivm leaves them: create_immv('order_totals(cust, total, n)', …) over an aggregate (hidden
    /// counters; pg_ivm stores its query deparsed with the IMMV's names), a projection whose stored query names its
    /// first column otherwise (an alias must be added), and SELECT * renamed by a column list (no alias possible).
    /// </summary>
    private const string StandInImmvs = """
        CREATE TABLE public.order_totals AS
            SELECT customer AS cust, sum(amount) AS total, count(*) AS n, count(amount) AS __ivm_count_total__, count(*) AS __ivm_count__
            FROM orders GROUP BY customer;
        CREATE TABLE analytics.big_orders AS SELECT id AS order_id, amount FROM orders WHERE amount > 10;
        CREATE TABLE public."Customer Copy" AS SELECT id AS cid, name FROM customers;
        INSERT INTO pgivm.pg_ivm_immv VALUES
            ('public.order_totals', gen_random_uuid(),
             'SELECT orders.customer AS cust, sum(orders.amount) AS total, count(*) AS n FROM public.orders GROUP BY orders.customer', true, NULL),
            ('analytics.big_orders', gen_random_uuid(), 'SELECT o.id, o.amount FROM public.orders o WHERE o.amount > 10', true, NULL),
            ('public."Customer Copy"', gen_random_uuid(), 'SELECT * FROM public.customers', true, NULL);
        """;

    [Fact]
    public async Task ImportedDefinitions_CompileInstallBeside_AndVerifyEqualToTheirImmvs()
    {
        var connection = await CreateDatabaseAsync("import_pg_ivm");
        using var output = new TempDirectory();

        var import = await CliRunner.RunAsync("import-pg-ivm", "--connection", connection, "-o", output.Path);

        Assert.True(import.ExitCode == CliApp.ExitSuccess, import.Stderr);
        Assert.Equal(["analytics.big_orders.sql", "migrate.sh", "public.Customer_Copy.sql", "public.order_totals.sql"], output.FileNames());
        Assert.StartsWith("imported 3 IMMV(s) from pgivm.pg_ivm_immv:", import.Stdout);
        var bigOrders = File.ReadAllText(output.File("analytics.big_orders.sql"));
        Assert.Contains("CREATE STREAM TABLE \"analytics\".\"big_orders\" WITH (refresh_mode = 'immediate') AS\nSELECT o.id AS \"order_id\", o.amount FROM public.orders o WHERE o.amount > 10;", bigOrders);
        Assert.Contains("SELECT create_immv('\"public\".\"Customer Copy\"(\"cid\", \"name\")', $immv$SELECT * FROM public.customers$immv$);",
            File.ReadAllText(output.File("public.Customer_Copy.sql")));

        foreach (var (file, immv, beside) in new[]
                 {
                     ("analytics.big_orders.sql", "analytics.big_orders", "analytics.big_orders__trickle"),
                     ("public.Customer_Copy.sql", "public.\"Customer Copy\"", "public.Customer Copy__trickle"),
                     ("public.order_totals.sql", "public.order_totals", "public.order_totals__trickle"),
                 })
        {
            var script = output.File(file + ".install");
            var compile = await CliRunner.RunAsync("compile", output.File(file), "--connection", connection, "--name", beside, "-o", script);
            Assert.True(compile.ExitCode == CliApp.ExitSuccess, compile.Stderr);
            await ExecuteAsync(connection, File.ReadAllText(script));

            var dot = beside.IndexOf('.');
            var verify = await CliRunner.RunAsync("verify", $"{beside[..dot]}.\"{beside[(dot + 1)..]}\"", "--against", immv, "--connection", connection);

            Assert.True(verify.ExitCode == CliApp.ExitSuccess, verify.Stdout + verify.Stderr);
            Assert.Contains(" equals ", verify.Stdout);
        }
    }

    [Fact]
    public async Task MigrationPlan_ReplacesEveryImmvByAStreamTableOfTheSameName()
    {
        var connection = await CreateDatabaseAsync("import_pg_ivm_plan");
        using var output = new TempDirectory();
        var import = await CliRunner.RunAsync("import-pg-ivm", "--connection", connection, "-o", output.Path);
        Assert.True(import.ExitCode == CliApp.ExitSuccess, import.Stderr);

        var (exitCode, log) = await RunPlanAsync(output.File("migrate.sh"), connection);

        Assert.True(exitCode == 0, log);
        Assert.Contains("migrated 3 IMMV(s) to trickle stream tables", log);
        Assert.Equal("Customer Copy,big_orders,order_totals", await ScalarAsync<string>(connection,
            "SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\") FROM trickle.stream_tables"));
        Assert.Equal(0L, await ScalarAsync<long>(connection,
            "SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_\\_pg\\_ivm' OR relname LIKE '%\\_\\_trickle'"));
        Assert.Equal("cust,total,n", await ScalarAsync<string>(connection,
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'order_totals'"));

        // Run again: every IMMV is gone from pg_ivm's catalog, so every section is skipped.
        var (again, againLog) = await RunPlanAsync(output.File("migrate.sh"), connection);
        Assert.True(again == 0, againLog);
        Assert.Equal(3, againLog.Split("not an IMMV in pgivm.pg_ivm_immv: skipped").Length - 1);

        // Maintained from here on, by writers (IMMEDIATE), and equal to their queries.
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (1000, 2, 99), (1001, NULL, 11); UPDATE customers SET name = 'renamed' WHERE id = 3; DELETE FROM orders WHERE id < 10");
        foreach (var name in new[] { "order_totals", "analytics.big_orders", "public.\"Customer Copy\"" })
        {
            var verify = await CliRunner.RunAsync("verify", name, "--connection", connection);
            Assert.True(verify.ExitCode == CliApp.ExitSuccess, verify.Stdout + verify.Stderr);
        }
    }

    [Fact]
    public async Task DatabaseWithoutPgIvm_ExitsTwo()
    {
        await server.ExecuteAsync("DROP DATABASE IF EXISTS import_no_pg_ivm WITH (FORCE)");
        await server.ExecuteAsync("CREATE DATABASE import_no_pg_ivm");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "import_no_pg_ivm" }.ConnectionString;
        using var output = new TempDirectory();

        var run = await CliRunner.RunAsync("import-pg-ivm", "--connection", connection, "-o", output.Path);

        Assert.Equal(CliApp.ExitUsage, run.ExitCode);
        Assert.StartsWith("trickle: error: pg_ivm's catalog (pgivm.pg_ivm_immv", run.Stderr);
        Assert.Empty(output.FileNames());
    }

    private async Task<(int ExitCode, string Log)> RunPlanAsync(string plan, string connection)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(plan);
        var trickle = Path.Combine(AppContext.BaseDirectory, "trickle.dll");
        start.Environment["TRICKLE"] = $"dotnet {trickle}";
        start.Environment["TRICKLE_CONNECTION"] = connection;
        start.Environment["PSQL_CONNECTION"] = $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database}";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private async Task<string> CreateDatabaseAsync(string name)
    {
        await server.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await server.ExecuteAsync($"CREATE DATABASE {name}");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        await ExecuteAsync(connection, Sources + ReplicaCatalog + StandInImmvs);
        return connection;
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
