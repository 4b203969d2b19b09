using System.Data;
using System.Globalization;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// <c>trickle compile --upgrade</c>: an installed stream table rebuilt to a new definition beside the old one and
/// swapped in, while writers and readers keep going; dependants survive; failures and interruptions leave the old
/// stream table as it was.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UpgradeTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric NOT NULL);";
    // Rows 1–20 (v = 10, in every group) are never written by the background writers: no query below is ever empty.
    private const string Seed = """
        INSERT INTO m SELECT i, i % 5, 10 FROM generate_series(1, 20) AS i;
        INSERT INTO m SELECT i, i % 5, (i % 23) - 5 FROM generate_series(21, 300) AS i;
        """;
    private const string Name = "totals";

    public static TheoryData<string, string, string, string, string?, bool> Upgrades => new()
    {
        // aggregate to a different aggregate: every column but the key changes, so the view is created again (nothing depends on it)
        { "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g", "differential",
          "SELECT g, min(v) AS lo, max(v) AS hi, avg(v) AS mean FROM m GROUP BY g", "differential", null, false },
        // a column added at the end: the view is replaced in place and a view over it keeps working
        { "SELECT g, count(*) AS n FROM m GROUP BY g", "auto",
          "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g", "auto", "g, n", false },
        // a changed filter, IMMEDIATE to IMMEDIATE: at every moment the stream table is exactly one of the two queries
        { "SELECT id, g, v FROM m WHERE v > 0", "immediate",
          "SELECT id, g, v FROM m WHERE v > 5", "immediate", "id, g, v", true },
        // another mode, same query
        { "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g", "differential",
          "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g", "immediate", "g, n, s", false },
        { "SELECT g, count(*) AS n FROM m GROUP BY g", "immediate",
          "SELECT g, count(*) AS n FROM m WHERE v <> 0 GROUP BY g", "full", "g, n", false },
    };

    [Theory]
    [MemberData(nameof(Upgrades))]
    public async Task Upgrade_WithWritersAndReadersRunning_ReadersNeverSeeItEmpty_AndItIsThenTheNewQueryMaintained(
        string oldQuery, string oldMode, string newQuery, string newMode, string? dependantColumns, bool exactAtEveryRead)
    {
        await using var database = await cluster.CreateDatabaseAsync($"upgrade_{oldMode}_{newMode}");
        await CreateAndInstallAsync(database, Schema, Seed, oldQuery, Name, oldMode);
        if (dependantColumns is not null)
            await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT {dependantColumns} FROM {Name}");
        await database.ExecuteAsync($"GRANT SELECT ON {Name} TO PUBLIC");
        var phases = Phases(CompileUpgrade(Schema, newQuery, Name, newMode));

        await using (var traffic = Traffic.Start(database, oldQuery, newQuery, exactAtEveryRead))
        {
            await traffic.ProgressAsync();
            await database.ExecutePsqlScriptAsync(phases[0], "upgrade phase 1 (prepare)");
            await traffic.ProgressAsync();
            // A transaction open across the population: its change is not in the population's snapshot, so it must
            // stay buffered and be applied at the swap (or by the next refresh), exactly once.
            await using (var open = await database.OpenConnectionAsync())
            {
                await using var transaction = await open.BeginTransactionAsync(IsolationLevel.ReadCommitted);
                await ExecuteAsync(open, "UPDATE m SET v = v + 7, g = (g + 1) % 5 WHERE id = 3", transaction);
                await database.ExecutePsqlScriptAsync(phases[1], "upgrade phase 2 (populate)");
                await transaction.CommitAsync();
            }
            await traffic.ProgressAsync();
            await database.ExecutePsqlScriptAsync(phases[2], "upgrade phase 3 (catch up)");
            await traffic.ProgressAsync();
            await database.ExecutePsqlScriptAsync(phases[3], "upgrade phase 4 (swap)");
            await traffic.ProgressAsync();
            var problems = await traffic.StopAsync();
            Assert.True(problems.Count == 0, "readers or writers saw a problem during the upgrade:\n" + string.Join("\n", problems.Take(20)));
        }

        await using var connection = await database.OpenConnectionAsync();
        if (newMode != "immediate")
            await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, newQuery, "right after the upgrade");
        if (dependantColumns is not null)
            await AssertMatchesAsync(connection, "dependant", $"SELECT {dependantColumns} FROM ({newQuery}) AS q", "the dependent view, after the upgrade");
        await AssertOnlyGenerationAsync(connection, newMode);
        Assert.True(await ScalarAsync<bool>(connection, $"SELECT has_table_privilege('public', '{Name}', 'SELECT')"), "the grant survives");

        var random = new Random(17);
        for (var step = 0; step < 12; step++)
        {
            await RandomStepAsync(connection, random);
            if (newMode != "immediate")
                await RefreshAsync(connection, Name);
            await AssertMatchesAsync(connection, Name, newQuery, $"after random step {step} following the upgrade");
        }
    }

    [Fact]
    public async Task Upgrade_ThatChangesColumnsAViewDependsOn_FailsNamingTheView_AndLeavesTheStreamTableAsItWas()
    {
        const string oldQuery = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";
        await using var database = await cluster.CreateDatabaseAsync("upgrade_incompatible");
        await CreateAndInstallAsync(database, Schema, Seed, oldQuery, Name, "differential");
        await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT g, n FROM {Name}");
        var before = await SnapshotObjectsAsync(database);

        // n becomes numeric: a type change, which CREATE OR REPLACE VIEW cannot make while the view is kept.
        var result = await database.RunPsqlScriptAsync(CompileUpgrade(Schema, "SELECT g, sum(v) AS n FROM m GROUP BY g", Name, "differential"));

        Assert.False(result.Succeeded);
        Assert.Contains("cannot upgrade stream table public.totals: its columns change (column n is of type numeric, was bigint)", result.StandardError);
        Assert.Contains("view public.dependant", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
        await RandomStepAsync(connection, new Random(3));
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, oldQuery, "the old stream table, after the failed upgrade");
    }

    [Fact]
    public async Task InterruptedUpgrades_LeaveTheOldStreamTableWorking_AndTheNextRunDiscardsWhatTheyBuilt()
    {
        const string oldQuery = "SELECT g, count(*) AS n FROM m GROUP BY g";
        const string abandoned = "SELECT g, count(*) AS n, max(v) AS top FROM m GROUP BY g";
        const string newQuery = "SELECT g, count(*) AS n, sum(v) AS s FROM m WHERE v > 0 GROUP BY g";
        await using var database = await cluster.CreateDatabaseAsync("upgrade_interrupted");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var empty = await SnapshotObjectsAsync(database);
        await database.ExecutePsqlScriptAsync(Compile(Schema, oldQuery, Name, "differential"), "install");
        await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT g, n FROM {Name}");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(5);

        // Stopped after preparing, then after populating: the old stream table is read and refreshed as before.
        var target = Phases(CompileUpgrade(Schema, newQuery, Name, "auto"));
        await database.ExecutePsqlScriptAsync(target[0], "phase 1 only");
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
        await RandomStepAsync(connection, random);
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, oldQuery, "the old stream table while an upgrade is prepared");
        await database.ExecutePsqlScriptAsync(target[0] + target[1] + target[2], "phases 1 to 3 again (the first run's generation discarded)");
        await RandomStepAsync(connection, random);
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, oldQuery, "the old stream table while an upgrade is populated");

        // Another definition's run stops half-way too; then the first script runs whole and finishes.
        var other = Phases(CompileUpgrade(Schema, abandoned, Name, "differential"));
        await database.ExecutePsqlScriptAsync(other[0] + other[1], "an abandoned upgrade to another definition");
        await RandomStepAsync(connection, random);
        var full = CompileUpgrade(Schema, newQuery, Name, "auto");
        var rerun = await database.RunPsqlScriptAsync(full);
        Assert.True(rerun.Succeeded, rerun.Describe());
        Assert.Contains("an unfinished upgrade was discarded; starting over", rerun.StandardError);

        await RandomStepAsync(connection, random);
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, newQuery, "after the rerun");
        await AssertMatchesAsync(connection, "dependant", $"SELECT g, n FROM ({newQuery}) AS q", "the dependent view, after the rerun");
        await AssertOnlyGenerationAsync(connection, "auto");

        // The same script once more: nothing to do, and it says so without touching anything.
        var again = await database.RunPsqlScriptAsync(full);
        Assert.False(again.Succeeded);
        Assert.Contains("is already at this definition", again.StandardError);
        await AssertOnlyGenerationAsync(connection, "auto");

        // An upgrade left half-way is dropped with the stream table.
        await database.ExecuteAsync("DROP VIEW dependant");
        await database.ExecutePsqlScriptAsync(other[0], "an upgrade stopped after preparing");
        await database.ExecuteAsync($"SELECT trickle.drop_stream_table('{Name}')");
        Assert.Equal(empty.ToList(), (await SnapshotObjectsAsync(database)).Where(line => !IsRuntimeObject(line)).ToList());
    }

    [Fact]
    public async Task UpgradingTwice_KeepsTheDependentView_AndEachSwapDropsThePreviousGeneration()
    {
        string[] queries =
        [
            "SELECT g, count(*) AS n FROM m GROUP BY g",
            "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g",
            "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS top FROM m WHERE v > -3 GROUP BY g",
        ];
        string[] modes = ["immediate", "differential", "immediate"];
        await using var database = await cluster.CreateDatabaseAsync("upgrade_twice");
        await CreateAndInstallAsync(database, Schema, Seed, queries[0], Name, modes[0]);
        await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT g, n FROM {Name}");
        await database.ExecuteAsync($"GRANT SELECT ON {Name} TO PUBLIC");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(11);
        for (var i = 1; i < queries.Length; i++)
        {
            await RandomStepAsync(connection, random);
            await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, queries[i], Name, modes[i]), $"upgrade {i}");
            await AssertOnlyGenerationAsync(connection, modes[i]);
            for (var step = 0; step < 4; step++)
            {
                await RandomStepAsync(connection, random);
                await RefreshAsync(connection, Name);
                await AssertMatchesAsync(connection, Name, queries[i], $"after upgrade {i}, step {step}");
                await AssertMatchesAsync(connection, "dependant", $"SELECT g, n FROM ({queries[i]}) AS q", $"the dependent view after upgrade {i}");
            }
        }
        Assert.True(await ScalarAsync<bool>(connection, $"SELECT has_table_privilege('public', '{Name}', 'SELECT')"), "the grant survives");
        Assert.Equal(1L, await ScalarAsync<long>(connection,
            $"SELECT count(*) FROM trickle.refresh_history WHERE table_name = '{Name}' AND reason LIKE 'upgrade to generation %'"));
    }

    [Fact]
    public async Task Upgrade_WhileTheSchedulerRefreshesIt_NoRefreshFails_AndTheSchedulerGoesOnWithTheNewGeneration()
    {
        const string oldQuery = "SELECT g, count(*) AS n FROM m GROUP BY g";
        const string newQuery = "SELECT g, count(*) AS n, sum(v) AS s FROM m WHERE v > -5 GROUP BY g";
        await using var database = await cluster.CreateDatabaseAsync("upgrade_scheduled");
        await CreateAndInstallAsync(database, Schema, Seed, oldQuery, Name, "differential", "50ms");
        var script = CompileUpgrade(Schema, newQuery, Name, "auto", "50ms");
        await using (var scheduler = await Scheduling.SchedulerSession.StartAsync(database))
        {
            await using (var traffic = Traffic.Start(database, oldQuery, newQuery, exact: false))
            {
                await traffic.ProgressAsync();
                await database.ExecutePsqlScriptAsync(script, "upgrade under the scheduler");
                await traffic.ProgressAsync();
                var problems = await traffic.StopAsync();
                Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
            }
            // Only the scheduler consumes this change, through the new generation's refresh.
            await database.ExecuteAsync("INSERT INTO m VALUES (9999, 1, 3)");
            await Scheduling.SchedulerSession.EventuallyAsync(async () =>
                await database.ScalarAsync<long>($"SELECT pending_changes FROM trickle.stream_tables WHERE name = '{Name}'") == 0,
                "the scheduler applied every change");
            await scheduler.StopAsync();
        }
        await using var connection = await database.OpenConnectionAsync();
        await AssertMatchesAsync(connection, Name, newQuery, "refreshed by the scheduler after the upgrade");
        Assert.Equal("0|0|auto", (await RowsAsync(connection, $"""
            SELECT c.failure_count, (SELECT count(*) FROM trickle.refresh_history AS h WHERE h.strategy = 'failed'), c.refresh_mode
            FROM trickle.stream_table_catalog AS c WHERE c.table_name = '{Name}'
            """)).Single());
    }

    [Fact]
    public async Task Swap_WaitingForAWriterThatThenRefreshes_LetsItRefreshAndCommit_ThenCompletes()
    {
        const string oldQuery = "SELECT g, count(*) AS n FROM m GROUP BY g";
        const string newQuery = "SELECT g, count(*) AS n, min(v) AS lo FROM m GROUP BY g";
        await using var database = await cluster.CreateDatabaseAsync("upgrade_writer_refreshes");
        await CreateAndInstallAsync(database, Schema, Seed, oldQuery, Name, "differential");
        var phases = Phases(CompileUpgrade(Schema, newQuery, Name, "differential"));
        await database.ExecutePsqlScriptAsync(phases[0] + phases[1] + phases[2], "upgrade phases 1 to 3");

        await using var writer = await database.OpenConnectionAsync();
        await using var transaction = await writer.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await ExecuteAsync(writer, "INSERT INTO m VALUES (777, 2, 1)", transaction);
        // The swap waits for the writer's lock on m; the writer then waits for the catalog row the swap locks.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var swap = database.ExecutePsqlScriptAsync(phases[3], "upgrade phase 4 (swap)", timeout.Token);
        await Scheduling.SchedulerSession.EventuallyAsync(async () => swap.IsCompleted
            || await database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'm'::regclass AND NOT granted)"),
            "the swap waiting for the writer");
        await using (var refresh = new NpgsqlCommand($"SELECT trickle.refresh('{Name}')", writer, transaction) { CommandTimeout = 30 })
            await refresh.ExecuteScalarAsync();
        await transaction.CommitAsync();
        await swap;

        await using var connection = await database.OpenConnectionAsync();
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, newQuery, "after the swap that waited for the writer");
        await AssertOnlyGenerationAsync(connection, "differential");
    }

    [Fact]
    public async Task Upgrade_ToAJoinWithAnotherTable_AndBack_CapturesTheNewSource_AndLeavesNoTriggerOnTheOldOne()
    {
        const string schema = Schema + " CREATE TABLE labels (g integer PRIMARY KEY, label text NOT NULL);";
        const string seed = Seed + " INSERT INTO labels SELECT i, 'group ' || i FROM generate_series(0, 3) AS i;";
        string[] queries =
        [
            "SELECT g, count(*) AS n FROM m GROUP BY g",
            "SELECT m.g, count(*) AS n, max(l.label) AS label FROM m JOIN labels AS l ON l.g = m.g GROUP BY m.g",
            // the label column must stay (a view depends on the stream table): same name and type, no longer a join
            "SELECT g, count(*) AS n, min('none'::text) AS label FROM m WHERE v > 1 GROUP BY g",
        ];
        await using var database = await cluster.CreateDatabaseAsync("upgrade_join");
        await CreateAndInstallAsync(database, schema, seed, queries[0], Name, "differential");
        await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT g, n FROM {Name}");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(23);
        for (var i = 1; i < queries.Length; i++)
        {
            await database.ExecutePsqlScriptAsync(CompileUpgrade(schema, queries[i], Name, i == 1 ? "immediate" : "auto"), $"upgrade {i}");
            // IMMEDIATE: insert, update, delete and the BEFORE STATEMENT trigger that counts pending statements.
            Assert.Equal(i == 1 ? 4L : 0L, await ScalarAsync<long>(connection,
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'labels'::regclass AND NOT tgisinternal AND tgname NOT LIKE '%truncate'"));
            for (var step = 0; step < 4; step++)
            {
                await RandomStepAsync(connection, random);
                await ExecuteAsync(connection, $"UPDATE labels SET label = 'label {random.Next(100)}' WHERE g = {random.Next(4)}");
                await RefreshAsync(connection, Name);
                await AssertMatchesAsync(connection, Name, queries[i], $"after upgrade {i}, step {step}");
                await AssertMatchesAsync(connection, "dependant", $"SELECT g, n FROM ({queries[i]}) AS q", $"the dependent view after upgrade {i}");
            }
            await AssertOnlyGenerationAsync(connection, i == 1 ? "immediate" : "auto");
        }
    }

    /// <summary>
    /// Generations of other shapes: a query recomputed as written (TRK4101) upgraded to a maintained one, then to
    /// recursive CTEs (r's storage, buffers and triggers carry the generation too), then back to a plain query.
    /// </summary>
    [Fact]
    public async Task Upgrade_FromAQueryRecomputedAsWritten_ThroughRecursiveCtes_KeepsEveryGenerationApart()
    {
        const string schema = "CREATE TABLE edges (src integer, dst integer);";
        const string seed = "INSERT INTO edges SELECT i, i + 1 FROM generate_series(1, 30) AS i; INSERT INTO edges VALUES (5, 2), (12, 40), (40, 41);";
        (string Query, string Mode)[] generations =
        [
            ("SELECT e.src, l.n FROM edges AS e, LATERAL (SELECT count(*) AS n FROM edges AS f WHERE f.src = e.dst) AS l", "full"),
            ("WITH RECURSIVE r(node) AS (SELECT 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node FROM r", "differential"),
            ("WITH RECURSIVE r(node, depth) AS (SELECT 1, 0 UNION ALL SELECT e.dst, r.depth + 1 FROM r JOIN edges e ON e.src = r.node WHERE r.depth < 6) SELECT node, count(*) AS paths FROM r GROUP BY node", "auto"),
            ("SELECT src AS node, count(*) AS paths FROM edges GROUP BY src", "immediate"),
            // to IMMEDIATE over a recursive CTE: the swap's switch moves r's own capture to maintenance too
            ("WITH RECURSIVE r(node) AS (SELECT 3 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node FROM r", "immediate"),
        ];
        await using var database = await cluster.CreateDatabaseAsync("upgrade_shapes");
        await database.ExecuteAsync(schema);
        await database.ExecuteAsync(seed);
        await database.ExecutePsqlScriptAsync(Compile(schema, generations[0].Query, Name, generations[0].Mode), "install recomputed as written");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(29);
        for (var i = 1; i < generations.Length; i++)
        {
            var (query, mode) = generations[i];
            await database.ExecutePsqlScriptAsync(CompileUpgrade(schema, query, Name, mode), $"upgrade {i}");
            await AssertOnlyGenerationAsync(connection, mode);
            for (var step = 0; step < 4; step++)
            {
                var (a, b) = (random.Next(1, 45), random.Next(1, 45));
                await ExecuteAsync(connection, random.Next(3) == 0
                    ? $"DELETE FROM edges WHERE src = {a}"
                    : $"INSERT INTO edges VALUES ({a}, {b})");
                await RefreshAsync(connection, Name);
                await AssertMatchesAsync(connection, Name, query, $"generation {i} ({mode}), step {step}");
            }
        }
    }

    [Fact]
    public async Task UpgradeOfAStreamTableNotInstalled_FailsAndCreatesNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("upgrade_missing");
        await CreateAndInstallAsync(database, Schema, Seed, "SELECT g, count(*) AS n FROM m GROUP BY g", "other", "differential");
        var before = await SnapshotObjectsAsync(database);

        var result = await database.RunPsqlScriptAsync(CompileUpgrade(Schema, "SELECT g FROM m GROUP BY g", Name, "differential"));

        Assert.False(result.Succeeded);
        Assert.Contains("stream table public.totals is not installed", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
    }

    /// <summary>The upgrade script's four transactions, each ending with its COMMIT.</summary>
    private static string[] Phases(string script)
    {
        var parts = script.Split("\nCOMMIT;\n");
        Assert.Equal(5, parts.Length);
        return parts[..4].Select(part => part + "\nCOMMIT;\n").ToArray();
    }

    /// <summary>
    /// Every internal object of the stream table (storage, buffers, functions, triggers) belongs to the generation its
    /// catalog row names, nothing is left of earlier ones or of unfinished upgrades, and the catalog says the mode.
    /// </summary>
    private static async Task AssertOnlyGenerationAsync(NpgsqlConnection connection, string mode)
    {
        var generation = await ScalarAsync<string>(connection, $"SELECT generation FROM trickle.stream_table_catalog WHERE table_name = '{Name}'");
        Assert.NotNull(generation);
        Assert.Equal(mode, await ScalarAsync<string>(connection, $"SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = '{Name}'"));
        var objects = await RowsAsync(connection, $"""
            SELECT 'class ' || relname FROM pg_class WHERE relnamespace = 'trickle'::regnamespace AND relname LIKE '{Name}%'
            UNION ALL SELECT 'proc ' || proname FROM pg_proc WHERE pronamespace = 'trickle'::regnamespace AND proname LIKE '{Name}%'
            UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'trickle%{Name}%'
            """);
        Assert.Contains(objects, o => o.StartsWith("class ", StringComparison.Ordinal));
        Assert.Contains(objects, o => o.StartsWith("proc ", StringComparison.Ordinal));
        if (mode != "full")
            Assert.Contains(objects, o => o.StartsWith("trigger ", StringComparison.Ordinal));
        var strays = objects.Where(o => !o.Contains($"{Name}~{generation}__", StringComparison.Ordinal)).ToList();
        Assert.True(strays.Count == 0, "objects of another generation remain: " + string.Join(", ", strays));
        Assert.DoesNotContain(objects, o => o.EndsWith("__view", StringComparison.Ordinal));
        // Every mode's functions and buffers exist (trickle.alter_stream_table switches between them); only the
        // installed mode's triggers do: no capture in IMMEDIATE or FULL, and nothing left in the buffers.
        if (mode is "immediate" or "full")
        {
            var capturing = await RowsAsync(connection, $"SELECT tgname FROM pg_trigger WHERE tgname LIKE 'trickle%{Name}%' AND tgfoid::regproc::text LIKE '%capture%'");
            Assert.True(capturing.Count == 0, "capture triggers in " + mode + ": " + string.Join(", ", capturing));
            foreach (var buffer in objects.Where(o => o.StartsWith("class ", StringComparison.Ordinal) && o.Contains("__changes_", StringComparison.Ordinal) && !o.EndsWith("_idx", StringComparison.Ordinal)))
                Assert.Equal(0L, await ScalarAsync<long>(connection, $"SELECT count(*) FROM trickle.\"{buffer["class ".Length..]}\""));
        }
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relname LIKE 'trickle~retiring~%'"));
    }

    /// <summary>One transaction of 1–4 random writes: new rows, rows changing value or group, deletes.</summary>
    private static async Task RandomStepAsync(NpgsqlConnection connection, Random random)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        for (var i = random.Next(1, 5); i > 0; i--)
            await ExecuteAsync(connection, RandomWrite(random, 21, 500), transaction);
        await transaction.CommitAsync();
    }

    private static string RandomWrite(Random random, int firstId, int lastId)
    {
        var id = random.Next(firstId, lastId + 1);
        var g = random.Next(0, 6);
        var v = random.Next(-8, 20).ToString(CultureInfo.InvariantCulture);
        return random.Next(4) switch
        {
            0 => $"INSERT INTO m VALUES ({id}, {g}, {v}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
            1 => $"UPDATE m SET v = {v} WHERE id = {id}",
            2 => $"UPDATE m SET g = {g} WHERE id BETWEEN {id} AND {Math.Min(id + 3, lastId)}",
            _ => $"DELETE FROM m WHERE id = {id}",
        };
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Two writers (single-row READ COMMITTED transactions on rows 21–500) and two readers, until stopped. Each read
    /// counts the stream table's rows and, in the same statement (one snapshot), both queries' rows: the stream table
    /// must never be empty (the queries never are), and with <c>exact</c> (IMMEDIATE before and after) it must have
    /// exactly as many rows as one of the two queries.
    /// </summary>
    private sealed class Traffic : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];
        private readonly List<string> _problems = [];
        private readonly int[] _progress = new int[4];

        public static Traffic Start(TestDatabase database, string oldQuery, string newQuery, bool exact)
        {
            var traffic = new Traffic();
            for (var w = 0; w < 2; w++)
                traffic._tasks.Add(traffic.WriteAsync(database, w));
            for (var r = 0; r < 2; r++)
                traffic._tasks.Add(traffic.ReadAsync(database, 2 + r, oldQuery, newQuery, exact));
            return traffic;
        }

        /// <summary>Waits until every writer and reader has done a few more operations: each phase overlaps all of them.</summary>
        public Task ProgressAsync() => WithinAsync(TimeSpan.FromSeconds(60), "writers and readers making progress", async token =>
        {
            var start = (int[])_progress.Clone();
            while (Enumerable.Range(0, _progress.Length).Any(i => Volatile.Read(ref _progress[i]) < start[i] + 3))
            {
                if (_tasks.FirstOrDefault(t => t.IsCompleted) is { } ended)
                    await ended;  // a worker that died: its exception, rather than a timeout
                await Task.Delay(10, token);
            }
            return true;
        });

        public async Task<List<string>> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_tasks);
            lock (_problems) return [.. _problems];
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try { await Task.WhenAll(_tasks); } catch (Exception) { /* reported by StopAsync when it matters */ }
            _stop.Dispose();
        }

        private void Problem(string text)
        {
            lock (_problems) _problems.Add(text);
        }

        private Task WriteAsync(TestDatabase database, int writer) => Task.Run(async () =>
        {
            var random = new Random(31 * writer + 7);
            await using var connection = await database.OpenConnectionAsync();
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await ExecuteAsync(connection, RandomWrite(random, 21 + 240 * writer, 260 + 240 * writer));
                }
                catch (PostgresException exception)
                {
                    Problem($"writer {writer}: {exception.MessageText}");
                }
                Interlocked.Increment(ref _progress[writer]);
            }
        });

        private Task ReadAsync(TestDatabase database, int slot, string oldQuery, string newQuery, bool exact) => Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            var sql = $"SELECT (SELECT count(*) FROM {Name}), (SELECT count(*) FROM ({oldQuery}) AS o), (SELECT count(*) FROM ({newQuery}) AS n)";
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await using var command = new NpgsqlCommand(sql, connection);
                    await using var reader = await command.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    var (rows, oldRows, newRows) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                    if (rows == 0)
                        Problem($"reader {slot}: the stream table was empty (old query {oldRows} rows, new {newRows})");
                    else if (exact && rows != oldRows && rows != newRows)
                        Problem($"reader {slot}: {rows} rows, but the old query has {oldRows} and the new one {newRows}");
                }
                catch (PostgresException exception)
                {
                    Problem($"reader {slot}: {exception.SqlState} {exception.MessageText}");
                }
                Interlocked.Increment(ref _progress[slot]);
            }
        });
    }
}
