using System.Net;
using System.Net.Sockets;
using Npgsql;
using Trickle.Cli.Commands;
using Trickle.Compiler;

namespace Trickle.Cli.Tests;

/// <summary><c>trickle worker</c>, <c>status</c> and <c>refresh</c> against a real PostgreSQL with a stream table installed.</summary>
public sealed class DatabaseCommandTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = "CREATE TABLE orders (id bigint PRIMARY KEY, customer int NOT NULL, amount numeric(12,2));";
    private const string Totals = "SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer";

    [Fact]
    public async Task Worker_RefreshesLogsServesMetrics_ReconnectsAfterItsBackendIsKilled_AndExitsCleanlyOnCancel()
    {
        var connection = await CreateDatabaseAsync("cli_worker", ("totals", "200ms"));
        var port = FreePort();
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var stop = new CancellationTokenSource();
        var worker = Task.Run(() => CliApp.RunAsync(
            ["worker", "--connection", connection, "--tick", "20ms", "--retry-delay", "100ms", "--metrics-port", port.ToString()],
            TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop.Token));

        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 7, i FROM generate_series(1, 100) AS i");
        await EventuallyAsync(connection, "SELECT pending_changes = 0 AND rows_applied_total > 0 FROM trickle.stream_tables");
        var firstPid = await ScalarAsync<int>(connection, "SELECT trickle.scheduler_pid()");

        using (var http = new HttpClient())
        {
            var metrics = await http.GetStringAsync($"http://localhost:{port}/metrics");
            Assert.Contains("# TYPE trickle_refreshes_total counter", metrics);
            Assert.Contains("trickle_rows_applied_total{stream_table=\"public.totals\"} 7", metrics);
            Assert.Contains("trickle_pending_changes{stream_table=\"public.totals\"} 0", metrics);
            Assert.Contains("trickle_scheduler_running 1", metrics);
        }

        // A restart looks like this to the worker: its backend terminated. It reconnects and carries on.
        await ExecuteAsync(connection, $"SELECT pg_terminate_backend({firstPid})");
        await EventuallyAsync(connection, $"SELECT trickle.scheduler_pid() IS NOT NULL AND trickle.scheduler_pid() <> {firstPid}");
        await ExecuteAsync(connection, "UPDATE orders SET amount = amount + 1 WHERE customer = 3");
        await EventuallyAsync(connection, "SELECT pending_changes = 0 FROM trickle.stream_tables");

        await stop.CancelAsync();
        Assert.Equal(CliApp.ExitSuccess, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("refreshed public.totals: 7 rows", stdout.ToString());
        Assert.Contains("stopping: signal received", stdout.ToString());
        Assert.Contains("reconnecting in 1 s", stderr.ToString());
        Assert.Equal(0L, await ScalarAsync<long>(connection, """
            SELECT count(*) FROM (SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer
                                  EXCEPT SELECT * FROM totals) AS missing
            """));
        Assert.Null(await ScalarAsync<int?>(connection, "SELECT trickle.scheduler_pid()"));
    }

    /// <summary>
    /// A source switched to WAL capture: the worker's second session reads its changes from the slot into the buffer
    /// (no trigger runs; nothing else fills it while the stream table has no schedule), and the scheduler's refreshes,
    /// in REPEATABLE READ, apply them.
    /// </summary>
    [Fact]
    public async Task Worker_ReadsWalCapturedChangesIntoTheBuffer_AndTheSchedulerAppliesThem()
    {
        var connection = await CreateDatabaseAsync("cli_worker_wal", ("totals", null));
        await ExecuteAsync(connection, "ALTER TABLE orders REPLICA IDENTITY FULL");
        await ExecuteAsync(connection, "SELECT trickle.set_capture('orders', 'wal')");
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var stop = new CancellationTokenSource();
        var worker = Task.Run(() => CliApp.RunAsync(
            ["worker", "--connection", connection, "--tick", "20ms", "--wal-interval", "20ms"],
            TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop.Token));
        try
        {
            await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 7, i FROM generate_series(1, 100) AS i");
            await ExecuteAsync(connection, "UPDATE orders SET amount = amount + 1 WHERE customer = 3");
            await EventuallyAsync(connection, "SELECT count(*) = 128 FROM trickle.totals__changes_1");
            Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));

            await ExecuteAsync(connection, "SELECT trickle.alter_stream_table('totals', schedule => '200ms')");
            await EventuallyAsync(connection, """
                SELECT NOT EXISTS (SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer
                                   EXCEPT SELECT * FROM totals)
                   AND (SELECT count(*) FROM totals) = 7
                """);
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(CliApp.ExitSuccess, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain("WAL capture:", stderr.ToString());
        await ExecuteAsync(connection, "SELECT pg_drop_replication_slot(trickle.wal_slot_name())");
    }

    /// <summary>
    /// The scheduler's CALL cancelled (pg_cancel_backend, as an operator or a timeout would): the worker logs why and
    /// starts again with its backoff, which goes back to the shortest delay once a session has run healthy. A
    /// statement_timeout set for the database does not cancel it: the worker's session has none.
    /// </summary>
    [Fact]
    public async Task Worker_SurvivesCancellationAndStatementTimeout_AndResetsItsBackoffAfterAHealthySession()
    {
        var connection = await CreateDatabaseAsync("cli_worker_cancel", ("totals", "100ms"));
        await server.ExecuteAsync("ALTER DATABASE cli_worker_cancel SET statement_timeout = '300ms'");
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var stop = new CancellationTokenSource();
        var worker = new Trickle.Cli.Worker.SchedulerWorker(
            new Trickle.Cli.Worker.SchedulerWorkerSettings(connection, TimeSpan.FromMilliseconds(20), 5, TimeSpan.FromMilliseconds(100))
            {
                HealthyPeriod = TimeSpan.FromSeconds(1.5),
            },
            new Trickle.Cli.Worker.WorkerLog(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr)));
        var run = Task.Run(() => worker.RunAsync(stop.Token));

        await EventuallyAsync(connection, "SELECT trickle.scheduler_pid() IS NOT NULL");
        var pid = await ScalarAsync<int>(connection, "SELECT trickle.scheduler_pid()");
        // Well past the database's statement_timeout, the same session still runs the scheduler.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(pid, await ScalarAsync<int>(connection, "SELECT trickle.scheduler_pid()"));

        // Two cancellations in quick succession back off (1 s, then 2 s); one after a healthy session starts over at 1 s.
        for (var round = 0; round < 3; round++)
        {
            if (round == 2)
                await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.True(await ScalarAsync<bool>(connection, $"SELECT pg_cancel_backend({pid})"));
            await EventuallyAsync(connection, $"SELECT trickle.scheduler_pid() IS NOT NULL AND trickle.scheduler_pid() <> {pid}");
            pid = await ScalarAsync<int>(connection, "SELECT trickle.scheduler_pid()");
        }
        Assert.False(run.IsCompleted, "the worker gave up after a cancellation");

        // It refreshes again.
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 4, i FROM generate_series(1, 40) AS i");
        await EventuallyAsync(connection, "SELECT pending_changes = 0 AND rows_applied_total > 0 FROM trickle.stream_tables");
        Assert.Equal(0L, await ScalarAsync<long>(connection, """
            SELECT count(*) FROM (SELECT customer, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer
                                  EXCEPT SELECT * FROM totals) AS missing
            """));

        await stop.CancelAsync();
        Assert.Equal(CliApp.ExitSuccess, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("statement_timeout is 300ms for this role; the scheduler's session sets it to 0", stdout.ToString());
        var restarts = stderr.ToString().Split('\n').Where(l => l.Contains("was cancelled")).ToList();
        Assert.Equal(3, restarts.Count);
        Assert.Contains("canceling statement due to user request, SQLSTATE 57014", restarts[0]);
        Assert.EndsWith("restarting in 1 s", restarts[0]);
        Assert.EndsWith("restarting in 2 s", restarts[1]);
        Assert.EndsWith("restarting in 1 s", restarts[2]);
    }

    [Fact]
    public async Task Repair_PutsBackADroppedTrigger_AndRecomputes_ARefusalIsOneLine()
    {
        var connection = await CreateDatabaseAsync("cli_repair", ("totals", null));
        await ExecuteAsync(connection, "DROP TRIGGER trickle_totals__insert ON orders");
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 3, i FROM generate_series(1, 9) AS i");

        var run = await CliRunner.RunAsync("repair", "totals", "--connection", connection);
        var missing = await CliRunner.RunAsync("repair", "nowhere", "--connection", connection);

        Assert.True(run.ExitCode == CliApp.ExitSuccess, run.Stderr);
        Assert.StartsWith("repaired totals: recomputed, 3 rows changed in ", run.Stdout);
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.health()"));
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (100, 7, 1)");
        await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));
        Assert.Equal(CliApp.ExitFailure, missing.ExitCode);
        Assert.Equal("trickle: error: stream table nowhere does not exist (SQLSTATE 42P01)\n", missing.Stderr);
    }

    [Fact]
    public async Task Worker_ExitsWhenTheSchedulerIsStoppedFromSql()
    {
        var connection = await CreateDatabaseAsync("cli_worker_stop", ("totals", "1s"));
        var worker = CliRunner.RunAsync("worker", "--connection", connection);
        await EventuallyAsync(connection, "SELECT trickle.scheduler_pid() IS NOT NULL");

        await ExecuteAsync(connection, "SELECT trickle.stop_scheduler()");

        var run = await worker.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.Contains("scheduler stopped by trickle.stop_scheduler()", run.Stdout);
    }

    [Fact]
    public async Task Status_PrintsEveryStreamTableAsATable_ThenHealthProblems()
    {
        var connection = await CreateDatabaseAsync("cli_status", ("totals", "1m30s"), ("on_demand", null));
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (1, 1, 5)");

        var run = await CliRunner.RunAsync("status", "--connection", connection);

        // A scheduled stream table without a running scheduler is a problem health() reports: probes see exit 3.
        Assert.Equal(StatusCommand.ExitUnhealthy, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.StartsWith("stream table      mode          schedule  status", lines[0]);
        Assert.Matches(@"^public\.on_demand  differential  -         active  ", lines[2]);
        Assert.Matches(@"^public\.totals     differential  1m30s     active  .*  1 +0$", lines[3]);
        Assert.Contains("health: (database): scheduler not running: 1 stream tables have a schedule", run.Stdout);
    }

    [Fact]
    public async Task Status_WithoutHealthProblems_Exits0_ReadingTheConnectionFromAUri()
    {
        var connection = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync("cli_status_ok", ("on_demand", null)));
        var uri = $"postgresql://{connection.Username}@/{connection.Database}?host={Uri.EscapeDataString(connection.Host!)}&port={connection.Port}&application_name=probe";

        var run = await CliRunner.RunAsync("status", "--connection", uri);

        Assert.True(run.ExitCode == CliApp.ExitSuccess, run.Stdout + run.Stderr);
        Assert.EndsWith("health: no problems\n", run.Stdout);
    }

    [Fact]
    public async Task Status_OnADatabaseWithoutTheRuntime_SaysSoInOneLine_Exits1()
    {
        await server.ExecuteAsync("DROP DATABASE IF EXISTS cli_no_runtime WITH (FORCE)");
        await server.ExecuteAsync("CREATE DATABASE cli_no_runtime");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "cli_no_runtime" }.ConnectionString;

        var run = await CliRunner.RunAsync("status", "--connection", connection);

        Assert.Equal(CliApp.ExitFailure, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal("trickle: error: database \"cli_no_runtime\" has no trickle runtime (schema trickle with trickle.stream_tables): install a stream table's script there first\n", run.Stderr);
    }

    [Fact]
    public async Task Status_WithoutConnection_ConnectsThroughThePgEnvironmentVariables_AsPsqlDoes()
    {
        var connection = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync("cli_status_env", ("on_demand", null)));
        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = connection.Host!, ["PGPORT"] = connection.Port.ToString(), ["PGUSER"] = connection.Username!,
            ["PGDATABASE"] = connection.Database!, ["PGPASSWORD"] = "unused-with-trust",
        };

        var run = await ProcessSmokeTests.RunToolAsync(environment, "status");
        var refresh = await ProcessSmokeTests.RunToolAsync(environment, "refresh", "on_demand");

        Assert.True(run.ExitCode == CliApp.ExitSuccess, run.Stderr);
        Assert.Contains("public.on_demand", run.Stdout);
        Assert.True(refresh.ExitCode == CliApp.ExitSuccess, refresh.Stderr);
    }

    [Fact]
    public async Task Refresh_AppliesPendingChanges_AndAnUnknownNameFailsWithOneLine()
    {
        var connection = await CreateDatabaseAsync("cli_refresh", ("totals", null));
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 3, i FROM generate_series(1, 9) AS i");

        var run = await CliRunner.RunAsync("refresh", "totals", "--connection", connection);
        var missing = await CliRunner.RunAsync("refresh", "nowhere", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.StartsWith("refreshed totals: 3 rows changed in ", run.Stdout);
        Assert.Equal(3L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));
        Assert.Equal(CliApp.ExitFailure, missing.ExitCode);
        Assert.Equal("trickle: error: stream table nowhere does not exist (SQLSTATE 42P01)\n", missing.Stderr);

        // An operator role with the documented grants (docs/runtime.md, "Roles and privileges") refreshes too; a role
        // without EXECUTE on trickle.refresh is refused.
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var operatorRole = builder.Database + "_operator";
        var otherRole = builder.Database + "_other";
        await ExecuteAsync(connection, $"""
            CREATE ROLE "{operatorRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{otherRole}" LOGIN NOSUPERUSER;
            GRANT USAGE ON SCHEMA trickle TO "{operatorRole}", "{otherRole}";
            GRANT EXECUTE ON FUNCTION trickle.refresh(text) TO "{operatorRole}";
            INSERT INTO orders VALUES (10, 3, 1);
            """);
        var asOperator = new NpgsqlConnectionStringBuilder(connection) { Username = operatorRole }.ConnectionString;
        var asOther = new NpgsqlConnectionStringBuilder(connection) { Username = otherRole }.ConnectionString;
        var byOperator = await CliRunner.RunAsync("refresh", "totals", "--connection", asOperator);
        var byOther = await CliRunner.RunAsync("refresh", "totals", "--connection", asOther);
        NpgsqlConnection.ClearPool(new NpgsqlConnection(asOperator));
        NpgsqlConnection.ClearPool(new NpgsqlConnection(asOther));
        Assert.Equal(CliApp.ExitSuccess, byOperator.ExitCode);
        Assert.StartsWith("refreshed totals: 1 rows changed in ", byOperator.Stdout);
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));
        Assert.Equal(CliApp.ExitFailure, byOther.ExitCode);
        Assert.Contains("permission denied for function refresh", byOther.Stderr);
    }

    [Fact]
    public async Task Refresh_OfAStreamTableOverADiamond_RunsInOneSnapshot_WhereReadCommittedIsRefused()
    {
        var connection = await CreateDatabaseAsync("cli_refresh_diamond", ("totals", null), ("counts", null));
        var schema = Schema + $"\nCREATE STREAM TABLE totals AS {Totals};\nCREATE STREAM TABLE counts AS {Totals};";
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schema)], new Trickle.Compiler.Diagnostics.DiagnosticBag());
        var combined = Compilation.Compile(new SourceText("combined.sql", "SELECT t.customer, t.total, c.n FROM totals t JOIN counts c ON c.customer = t.customer"),
            catalog, new CompilationOptions(Name: "combined", Mode: RefreshMode.Differential));
        Assert.True(combined.Success, string.Join("\n", combined.Diagnostics));
        await ExecuteAsync(connection, combined.Script!);
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 4, i FROM generate_series(1, 12) AS i");

        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT trickle.refresh('combined')"));
        var run = await CliRunner.RunAsync("refresh", "combined", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.StartsWith("refreshed combined: 4 rows changed in ", run.Stdout);
        Assert.Equal(0L, await ScalarAsync<long>(connection,
            "SELECT count(*) FROM (SELECT * FROM combined EXCEPT SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer) AS d"));
    }

    [Fact]
    public async Task Alter_SwitchesModeAndSchedule_AndABadScheduleFailsWithOneLineChangingNothing()
    {
        var connection = await CreateDatabaseAsync("cli_alter", ("totals", "1h"));
        await ExecuteAsync(connection, "INSERT INTO orders SELECT i, i % 3, i FROM generate_series(1, 9) AS i");

        var run = await CliRunner.RunAsync("alter", "totals", "--mode", "immediate", "--schedule", "90s", "--connection", connection);
        var bad = await CliRunner.RunAsync("alter", "totals", "--mode", "full", "--schedule", "61 * * * *", "--connection", connection);

        Assert.Equal(CliApp.ExitSuccess, run.ExitCode);
        Assert.Equal("altered totals: mode immediate, schedule 1m30s\n", run.Stdout);
        // Switching brought the buffered rows in; IMMEDIATE keeps it current from here.
        Assert.Equal(3L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));
        await ExecuteAsync(connection, "INSERT INTO orders VALUES (100, 7, 1)");
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"));
        Assert.Equal(CliApp.ExitFailure, bad.ExitCode);
        Assert.Equal("trickle: error: cron minute field '61': values must be between 0 and 59 (SQLSTATE 22023)\n", bad.Stderr);
        Assert.Equal("immediate", await ScalarAsync<string>(connection, "SELECT refresh_mode FROM trickle.stream_tables"));
    }

    [Fact]
    public async Task LongNames_InstallAndRefresh_AsTheyCompiled()
    {
        // Source and stream tables past 63 bytes (truncated as PostgreSQL truncates them), and two stream tables whose
        // names differ only after the bytes their internal objects' names keep: every derived name must fit and differ.
        var source = "sensor_readings_" + new string('r', 60);
        var first = "per_sensor_totals_" + new string('t', 35) + "_first";
        var second = "per_sensor_totals_" + new string('t', 35) + "_second";
        var overLong = "per_sensor_totals_" + new string('x', 60);
        var schema = $"CREATE TABLE {source} (id int PRIMARY KEY, sensor int NOT NULL, reading numeric);";
        await server.ExecuteAsync("DROP DATABASE IF EXISTS cli_long_names WITH (FORCE)");
        await server.ExecuteAsync("CREATE DATABASE cli_long_names");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "cli_long_names" }.ConnectionString;
        await ExecuteAsync(connection, schema);
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schema)], new Trickle.Compiler.Diagnostics.DiagnosticBag());
        foreach (var name in new[] { first, second, overLong })
        {
            var result = Compilation.Compile(new SourceText("q.sql", $"CREATE STREAM TABLE {name} AS SELECT sensor, sum(reading) AS total FROM {source} GROUP BY sensor"),
                catalog, new CompilationOptions(Mode: RefreshMode.Differential));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            await ExecuteAsync(connection, result.Script!);
        }

        await ExecuteAsync(connection, $"INSERT INTO {source} SELECT i, i % 5, i FROM generate_series(1, 50) AS i");
        foreach (var name in new[] { first, second, overLong[..63] })
        {
            var refresh = await CliRunner.RunAsync("refresh", name, "--connection", connection);
            Assert.True(refresh.ExitCode == CliApp.ExitSuccess, $"{name}: {refresh.Stderr}");
            Assert.Equal(0L, await ScalarAsync<long>(connection,
                $"SELECT count(*) FROM ((SELECT * FROM {name} EXCEPT ALL SELECT sensor, sum(reading) FROM {source} GROUP BY sensor) UNION ALL (SELECT sensor, sum(reading) FROM {source} GROUP BY sensor EXCEPT ALL SELECT * FROM {name})) AS d"));
        }
        Assert.Equal(3L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_tables"));
    }

    /// <summary>A fresh database with <see cref="Schema"/> and the given DIFFERENTIAL stream tables over <see cref="Totals"/>.</summary>
    private async Task<string> CreateDatabaseAsync(string name, params (string Name, string? Schedule)[] streamTables)
    {
        await server.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await server.ExecuteAsync($"CREATE DATABASE {name}");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        await ExecuteAsync(connection, Schema);
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Schema)], diagnostics);
        foreach (var (table, schedule) in streamTables)
        {
            var result = Compilation.Compile(new SourceText("totals.sql", Totals), catalog,
                new CompilationOptions(Name: table, Mode: RefreshMode.Differential, Schedule: schedule));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            await ExecuteAsync(connection, result.Script!);
        }
        return connection;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T?> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    private static async Task EventuallyAsync(string connectionString, string condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ScalarAsync<bool?>(connectionString, condition) != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 30 s: {condition}");
            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
