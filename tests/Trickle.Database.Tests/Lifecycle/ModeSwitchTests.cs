using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Xunit;
using Xunit.Abstractions;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// trickle.alter_stream_table switches a stream table between IMMEDIATE, DIFFERENTIAL, AUTO and FULL at run time: after
/// every switch, and after every refresh or write that follows, it equals a recomputation of its query; only the new
/// mode's triggers exist; writers racing with switches lose nothing; a mode the query cannot be maintained in is
/// refused with the stream table untouched; drop after switches removes everything.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ModeSwitchTests(PostgresCluster cluster, ITestOutputHelper output)
{
    /// <summary>
    /// An Eulerian circuit of the complete directed graph on the four modes: starting from DIFFERENTIAL, it switches
    /// along each of the 12 ordered pairs exactly once.
    /// </summary>
    private static readonly string[] EveryPair =
        ["immediate", "full", "auto", "differential", "full", "immediate", "auto", "immediate", "differential", "auto", "full", "differential"];

    private const string Recursive = """
        CREATE TABLE edges (src integer, dst integer);
        """;

    private const string RecursiveSeed = """
        INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), (3, 4), (4, 5), (5, 5), (6, 7), (2, 3), (NULL, 1);
        """;

    public static TheoryData<string, string, string, string, string> Queries => new()
    {
        { "aggregate", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top, avg(weight) AS mean FROM items GROUP BY grp" },
        { "join", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "region_totals",
            "SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "left_join", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "distinct", Schemas.Events, Schemas.EventsSeed, "kinds", "SELECT DISTINCT kind, n FROM events" },
        { "window", Schemas.Items, Schemas.ItemsSeed, "ranked",
            "SELECT id, grp, qty, rank() OVER (PARTITION BY grp ORDER BY qty DESC) AS r FROM items" },
        { "top_k", Schemas.Items, Schemas.ItemsSeed, "top_prices",
            "SELECT id, price, grp FROM items ORDER BY price DESC NULLS LAST, id LIMIT 3" },
        { "recursive", Recursive, RecursiveSeed, "reachable",
            "WITH RECURSIVE r(node) AS (SELECT 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node FROM r" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task SwitchingAlongEveryPairOfModes_KeepsTheStreamTableEqualToItsQuery(string label, string schema, string seed, string name, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_" + label);
        await database.ExecuteAsync(schema + seed);
        await database.ExecutePsqlScriptAsync(Compile(schema, query, name, "differential"), $"install of {name}");
        await using var observer = await database.OpenConnectionAsync();
        await using var writer = await database.OpenConnectionAsync();
        var tables = await TableCatalog.ReadTablesAsync(observer);
        var generator = new DmlGenerator(tables, seed: label.Length * 7919, maxStatementsPerStep: 3);
        var mode = "differential";

        foreach (var next in EveryPair)
        {
            // Writes under the current mode: the first is refreshed (where refreshes apply), the others left pending,
            // so the switch itself must bring them in.
            for (var step = 0; step < 3; step++)
            {
                var dml = generator.NextStep(await TableCatalog.ReadStatesAsync(observer, tables));
                // In a transaction block: a step may roll a statement back to a savepoint.
                await ExecuteAsync(writer, "BEGIN;\n" + dml.ToSql() + "\nCOMMIT;");
                if (mode == "immediate")
                    await AssertMatchesAsync(observer, name, query, $"after a write in {mode} mode");
                if (step == 0 && mode != "immediate")
                {
                    await RefreshAsync(writer, name);
                    await AssertMatchesAsync(observer, name, query, $"after a refresh in {mode} mode");
                }
            }

            await AlterAsync(writer, name, next);
            output.WriteLine($"{name}: {mode} -> {next}");
            await AssertMatchesAsync(observer, name, query, $"right after switching {mode} -> {next}");
            Assert.Equal(next, await database.ScalarAsync<string>($"SELECT refresh_mode FROM trickle.stream_tables WHERE name = '{name}'"));
            await AssertTriggersOfModeAsync(database, name, next);
            Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT COALESCE(pending_changes, 0) FROM trickle.stream_tables WHERE name = '{name}'"));
            mode = next;
        }
    }

    [Fact]
    public async Task WritersAndRefreshesRacingWithSwitches_LoseNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_race");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v integer NOT NULL);";
        const string query = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";
        await database.ExecuteAsync(schema + "INSERT INTO m SELECT i, i % 5, i FROM generate_series(1, 50) AS i;");
        await database.ExecutePsqlScriptAsync(Compile(schema, query, "race", "differential"), "install of race");

        using var stop = new CancellationTokenSource();
        var written = new long[3];
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            var random = new Random(w);
            var next = 1_000_000 * (w + 1);
            while (!stop.IsCancellationRequested)
            {
                var sql = random.Next(3) switch
                {
                    0 => $"INSERT INTO m VALUES ({next++}, {random.Next(7)}, {random.Next(100)})",
                    1 => $"UPDATE m SET v = v + 1, g = (g + 1) % 7 WHERE id % 13 = {random.Next(13)}",
                    _ => $"DELETE FROM m WHERE id = (SELECT id FROM m ORDER BY random() LIMIT 1)",
                };
                try
                {
                    await ExecuteAsync(connection, sql);
                    Interlocked.Increment(ref written[w]);
                }
                catch (PostgresException e) when (e.SqlState is "40P01" or "40001" or "23505")
                {
                    // A deadlock or a key taken by another writer: this statement did not happen, the next one runs.
                }
            }
        })).ToList();
        // A refresher as the scheduler would run one: refreshes and switches serialise on the stream table's lock.
        var refreshes = 0;
        writers.Add(Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            while (!stop.IsCancellationRequested)
            {
                await RefreshAsync(connection, "race");
                refreshes++;
            }
        }));

        await using (var switcher = await database.OpenConnectionAsync())
        {
            foreach (var mode in EveryPair.Concat(EveryPair))
                await AlterAsync(switcher, "race", mode);
        }
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.All(written, count => Assert.True(count > 0, "every writer wrote while the switches ran"));
        Assert.True(refreshes > 0, "the refresher refreshed while the switches ran");
        Assert.Equal("differential", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_tables WHERE name = 'race'"));
        await RefreshAsync(database, "race");
        await AssertMatchesAsync(database, "race", query, "after racing writers and 24 switches");
        // And the last mode keeps working for new writes.
        await database.ExecuteAsync("INSERT INTO m VALUES (1, 1, 1) ON CONFLICT (id) DO UPDATE SET v = m.v + 5");
        await RefreshAsync(database, "race");
        await AssertMatchesAsync(database, "race", query, "after a write following the switches");
    }

    [Fact]
    public async Task ScheduleChange_IsNormalisedLikeTheCompiler_AndReplansTheNextRefresh()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_schedule");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL);";
        await database.ExecuteAsync(schema);
        await database.ExecutePsqlScriptAsync(Compile(schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "st", "differential", "1h"), "install");

        var before = await database.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', schedule => '90s')");
        var after = await database.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        Assert.Equal("1m30s", await database.ScalarAsync<string>("SELECT schedule FROM trickle.stream_tables WHERE name = 'st'"));
        var planned = await database.ScalarAsync<DateTime>("SELECT next_refresh_at FROM trickle.stream_tables WHERE name = 'st'");
        Assert.InRange(planned, before.AddSeconds(90), after.AddSeconds(90));

        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', schedule => '@daily')");
        Assert.Equal(["0 0 * * *|t"], await RowsAsync(database, """
            SELECT schedule, next_refresh_at = date_trunc('day', clock_timestamp() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day'
            FROM trickle.stream_tables WHERE name = 'st'
            """));

        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', schedule => 'calculated')");
        Assert.Equal(["calculated|t"], await RowsAsync(database, "SELECT schedule, next_refresh_at IS NULL FROM trickle.stream_tables WHERE name = 'st'"));

        // Mode and schedule together; an IMMEDIATE stream table keeps its schedule for later but is never due.
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', refresh_mode => 'IMMEDIATE', schedule => '5s')");
        Assert.Equal(["immediate|5s|t"], await RowsAsync(database, "SELECT refresh_mode, schedule, next_refresh_at IS NULL FROM trickle.stream_tables WHERE name = 'st'"));
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', refresh_mode => 'auto')");
        Assert.Equal(["auto|5s|t"], await RowsAsync(database, "SELECT refresh_mode, schedule, next_refresh_at IS NOT NULL FROM trickle.stream_tables WHERE name = 'st'"));

        // 'none' removes the schedule: never due (the scheduler picks stream tables by next_refresh_at), refreshed
        // only when asked; a schedule can be given again.
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', schedule => ' None ')");
        Assert.Equal(["auto||t"], await RowsAsync(database, "SELECT refresh_mode, schedule, next_refresh_at IS NULL FROM trickle.stream_tables WHERE name = 'st'"));
        await database.ExecuteAsync("INSERT INTO m VALUES (1, 1)");
        await database.ExecuteAsync("SELECT trickle.refresh('st')");
        Assert.Equal(["1|1"], await RowsAsync(database, "SELECT g, n FROM st"));
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('st', schedule => '2s')");
        Assert.Equal(["2s|t"], await RowsAsync(database, "SELECT schedule, next_refresh_at IS NOT NULL FROM trickle.stream_tables WHERE name = 'st'"));
    }

    [Theory]
    [InlineData("10 parsecs", "schedule '10 parsecs' is not a duration")]
    [InlineData("0s", "must be longer than zero")]
    [InlineData("400d", "at most 366 days")]
    [InlineData("61 * * * *", "cron minute field '61': values must be between 0 and 59")]
    [InlineData("0 0 30 feb *", "never fires")]
    [InlineData("@fortnightly", "unknown schedule '@fortnightly'")]
    public async Task BadSchedule_IsRefused_AndNothingChanges(string schedule, string message)
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_bad_schedule");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL);";
        await database.ExecuteAsync(schema);
        await database.ExecutePsqlScriptAsync(Compile(schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "st", "differential", "1h"), "install");
        var catalog = await RowsAsync(database, "SELECT c::text FROM trickle.stream_table_catalog AS c");
        var objects = await SnapshotObjectsAsync(database);

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            database.ExecuteAsync($"SELECT trickle.alter_stream_table('st', refresh_mode => 'immediate', schedule => {SqlText.Literal(schedule)})"));

        Assert.Equal("22023", error.SqlState);
        Assert.Contains(message, error.MessageText, StringComparison.Ordinal);
        Assert.Equal(catalog, await RowsAsync(database, "SELECT c::text FROM trickle.stream_table_catalog AS c"));
        Assert.Equal(objects, await SnapshotObjectsAsync(database));
    }

    [Fact]
    public async Task RuntimeScheduleCheck_AgreesWithTheCompiler()
    {
        string[] inputs =
        [
            "500ms", "3s", "90s", "1m 30s", "2min", "1h", "1d", "1D 2H", " 5s ", "1h1h", "0s", "367d", "366d", "10", "s", "5 parsecs", "5mins",
            "", "   ", "calculated", "CALCULATED", "@daily", "@Hourly", "@midnight", "@yearly", "@annually", "@monthly", "@weekly", "@sometimes",
            "*/5 * * * *", "0 9 * * mon-fri", "0 0 1 JAN *", "15,45 */2 1-15 * 7", "0 0 30 feb *", "0 0 31 4,6 *", "0 0 30 feb mon",
            "* * * *", "* * * * * *", "60 * * * *", "5-1 * * * *", "*/0 * * * *", "1/x * * * *", "a * * * *", "0 0 * foo *",
            "0 0 * * sun-sat", "0 0 * * 0-7", "0 0 1-3/2 * *", "1-2-3 * * * *", "0 0 * * 8", "0-59/15 0 * * *", "5/10 * * * *",
            "0001 * * * *", "1,,2 * * * *", "1 2 3 4 5",
        ];
        await using var database = await cluster.CreateDatabaseAsync("schedule_parity");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY);";
        await database.ExecuteAsync(schema);
        await database.ExecutePsqlScriptAsync(Compile(schema, "SELECT count(*) AS n FROM m", "st", "differential"), "install of the runtime");
        await using var connection = await database.OpenConnectionAsync();
        foreach (var input in inputs)
        {
            var compiled = Trickle.Compiler.Schedules.Schedule.Parse(input, out var compileError);
            string? normalised = null;
            string? runtimeError = null;
            try
            {
                await using var command = new NpgsqlCommand("SELECT trickle.normalize_schedule(@s)", connection);
                command.Parameters.AddWithValue("s", input);
                normalised = (string?)await command.ExecuteScalarAsync();
            }
            catch (PostgresException e)
            {
                runtimeError = e.MessageText;
            }
            Assert.True(compiled?.Text == normalised && compileError?.Message == runtimeError,
                $"schedule '{input}': compiler {compiled?.Text ?? compileError?.Message}, runtime {normalised ?? runtimeError}");
        }
    }

    [Fact]
    public async Task ModeTheQueryCannotBeMaintainedIn_IsRefusedWithItsReason_AndTheStreamTableIsUntouched()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_refused");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, at timestamptz);";
        const string volatileQuery = "SELECT g, count(*) FILTER (WHERE at > now() - interval '1 day') AS recent FROM m GROUP BY g";
        const string verbatimQuery = "SELECT m.g, l.id AS r FROM m, LATERAL (SELECT n.id FROM m AS n WHERE n.g = m.g AND n.id < m.id ORDER BY n.id DESC LIMIT 1) AS l";
        await database.ExecuteAsync(schema + "INSERT INTO m SELECT i, i % 3, now() FROM generate_series(1, 9) AS i;");
        await database.ExecutePsqlScriptAsync(Compile(schema, volatileQuery, "recent", "full"), "install of recent");
        await database.ExecutePsqlScriptAsync(Compile(schema, verbatimQuery, "ranked", "auto"), "install of ranked (recomputed as written)");
        var catalog = await RowsAsync(database, "SELECT c::text FROM trickle.stream_table_catalog AS c");
        var objects = await SnapshotObjectsAsync(database);
        var contents = await RowsAsync(database, "SELECT * FROM recent UNION ALL SELECT g, r FROM ranked");

        foreach (var (name, mode, reason) in new[]
        {
            ("recent", "differential", "now()"), ("recent", "immediate", "now()"), ("recent", "auto", "now()"),
            ("ranked", "immediate", "TRK4"), ("ranked", "differential", "TRK4"), ("ranked", "auto", "TRK4"),
        })
        {
            await database.ExecuteAsync("INSERT INTO m VALUES (100, 7, now()) ON CONFLICT (id) DO UPDATE SET g = m.g + 1");
            var error = await Assert.ThrowsAsync<PostgresException>(() =>
                database.ExecuteAsync($"SELECT trickle.alter_stream_table('{name}', refresh_mode => '{mode}')"));
            Assert.Equal("0A000", error.SqlState);
            Assert.Contains($"cannot be maintained in {mode.ToUpperInvariant()} mode", error.MessageText, StringComparison.Ordinal);
            Assert.Contains(reason, error.MessageText, StringComparison.Ordinal);
            Assert.Equal(catalog, await RowsAsync(database, "SELECT c::text FROM trickle.stream_table_catalog AS c"));
            Assert.Equal(objects, await SnapshotObjectsAsync(database));
            Assert.Equal(contents, await RowsAsync(database, "SELECT * FROM recent UNION ALL SELECT g, r FROM ranked"));
        }
        // FULL stays available, and switching to the mode it has is a no-op.
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('ranked', refresh_mode => 'full')");
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('recent', refresh_mode => 'full')");
        Assert.Equal(objects, await SnapshotObjectsAsync(database));
    }

    [Fact]
    public async Task BadRequests_AreRefusedClearly()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_bad_requests");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL);";
        await database.ExecuteAsync(schema);
        await database.ExecutePsqlScriptAsync(Compile(schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "st", "differential"), "install");

        var unknownMode = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.alter_stream_table('st', refresh_mode => 'sometimes')"));
        Assert.Equal("22023", unknownMode.SqlState);
        Assert.Contains("use auto, differential, immediate or full", unknownMode.Hint, StringComparison.Ordinal);
        var nothing = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.alter_stream_table('st')"));
        Assert.Contains("nothing to change", nothing.MessageText, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.alter_stream_table('nope', refresh_mode => 'full')"));
        Assert.Equal("42P01", missing.SqlState);

        // In REPEATABLE READ the snapshot can predate the lock on the sources: refused, nothing changed.
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var isolation = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(connection, "SELECT trickle.alter_stream_table('st', refresh_mode => 'immediate')", transaction));
        Assert.Contains("READ COMMITTED", isolation.MessageText, StringComparison.Ordinal);
        await transaction.RollbackAsync();
        Assert.Equal("differential", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_tables WHERE name = 'st'"));
    }

    [Fact]
    public async Task DropAfterSwitches_RemovesEverythingOfEveryMode()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_drop");
        var schema = Recursive;
        const string query = "WITH RECURSIVE r(node) AS (SELECT 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node, count(*) AS n FROM r GROUP BY node";
        await database.ExecuteAsync(schema + RecursiveSeed);
        // The runtime first, so that only the stream table's objects differ.
        await database.ExecutePsqlScriptAsync(Compile(schema, "SELECT count(*) AS n FROM edges", "other", "immediate"), "install of another stream table");
        var before = await SnapshotObjectsAsync(database);

        foreach (var installed in new[] { "full", "immediate" })
        {
            await database.ExecutePsqlScriptAsync(Compile(schema, query, "reach", installed), $"install of reach ({installed})");
            foreach (var mode in EveryPair)
            {
                await database.ExecuteAsync($"INSERT INTO edges VALUES ({mode.Length}, {mode.Length + 1})");
                await database.ExecuteAsync($"SELECT trickle.alter_stream_table('reach', refresh_mode => '{mode}')");
                await AssertMatchesAsync(database, "reach", query, $"after switching to {mode}");
            }
            await database.ExecuteAsync("SELECT trickle.drop_stream_table('reach')");
            Assert.Equal(before, await SnapshotObjectsAsync(database));
        }
        await AssertMatchesAsync(database, "other", "SELECT count(*) AS n FROM edges", "the other stream table on the same source");
    }

    [Fact]
    public async Task HostileNames_SwitchAlongEveryPair_AndDropRemovesEverything()
    {
        await using var database = await cluster.CreateDatabaseAsync("switch_hostile");
        const string name = "Weird \"Stream\" Täble";
        const string sqlName = "\"Weird \"\"Stream\"\" Täble\"";
        const string query = """"
            SELECT "select", count(*) AS "Row Count", sum("Total Amount") AS "sum ""x"""
            FROM "Order ""Lines""" GROUP BY "select"
            """";
        await database.ExecuteAsync(Schemas.Hostile);
        var before = await SnapshotObjectsAsync(database);
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Hostile, query, name, "immediate"), "install");
        await using var connection = await database.OpenConnectionAsync();
        var id = 0;
        foreach (var mode in EveryPair)
        {
            id++;
            await ExecuteAsync(connection, $""""INSERT INTO "Order ""Lines""" VALUES ({id}, 'k{id % 3}', {id}.5, {id}, true)"""");
            await AlterAsync(connection, name, mode);
            await AssertMatchesAsync(connection, sqlName, query, $"after switching to {mode}");
        }
        await ExecuteAsync(connection, $"SELECT trickle.drop_stream_table({SqlText.Literal(name)})");
        Assert.Equal(before.Where(line => !IsRuntimeObject(line)), (await SnapshotObjectsAsync(database)).Where(line => !IsRuntimeObject(line)));
    }

    private static async Task AlterAsync(NpgsqlConnection connection, string name, string mode)
    {
        await using var command = new NpgsqlCommand("SELECT trickle.alter_stream_table(@name, refresh_mode => @mode)", connection);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("mode", mode);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Exactly the triggers of the mode exist on the sources: capture (buffered modes), maintain (IMMEDIATE), none (FULL).</summary>
    private static async Task AssertTriggersOfModeAsync(TestDatabase database, string name, string mode)
    {
        var functions = await RowsAsync(database, $"""
            SELECT DISTINCT regexp_replace(t.tgfoid::regproc::text, '^.*__(capture|maintain|on_truncate|statement_begins).*$', '\1')
            FROM pg_trigger AS t
            WHERE NOT t.tgisinternal AND t.tgname LIKE 'trickle_{name}__%'
            """);
        string[] expected = mode switch
        {
            "full" => [],
            "immediate" => ["maintain", "on_truncate", "statement_begins"],
            _ => ["capture", "on_truncate"],
        };
        Assert.Equal(expected, functions);
    }
}
