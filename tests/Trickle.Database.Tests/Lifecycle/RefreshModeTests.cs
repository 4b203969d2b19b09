using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// FULL recomputes on refresh and not before; refreshing an IMMEDIATE table is a no-op; AUTO applies small batches and
/// recomputes large ones, and says which and why in the refresh history.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RefreshModeTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 3, i FROM generate_series(1, 12) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS mx FROM m GROUP BY g";
    private const string Contents = "SELECT g, n, s::text, mx::text FROM st";
    private const string ThousandRows = "INSERT INTO m SELECT i, i % 7, i FROM generate_series(1, 1000) AS i;";

    /// <summary>The storage table of stream table st, to watch where its rows are (ctid) across refreshes.</summary>
    private static async Task<string> StorageTableAsync(TestDatabase database) =>
        (await database.ScalarAsync<string>("SELECT storage_table::text FROM trickle.stream_table_catalog WHERE table_name = 'st'"))!;

    [Fact]
    public async Task Full_IsStaleUntilRefreshed_ThenEqualsTheRecomputation()
    {
        await using var database = await cluster.CreateDatabaseAsync("full_mode");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "full");
        await AssertMatchesAsync(database, "st", Totals, "after install");
        var installed = await RowsAsync(database, Contents);

        await database.ExecuteAsync("INSERT INTO m VALUES (100, 9, 1); UPDATE m SET v = 0 WHERE id = 12; DELETE FROM m WHERE id = 1");
        Assert.Equal(installed, await RowsAsync(database, Contents));

        // A recompute writes only the difference: groups 9 (new), 0 (id 12 changed) and 1 (id 1 deleted); 2 is untouched.
        Assert.Equal(3L, await RefreshAsync(database, "st"));
        await AssertMatchesAsync(database, "st", Totals, "after refresh");
        Assert.Equal(0L, await RefreshAsync(database, "st"));
        await AssertMatchesAsync(database, "st", Totals, "after a refresh that found nothing changed");
        await database.ExecuteAsync("TRUNCATE m; INSERT INTO m VALUES (1, 1, 1)");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after truncate and refresh");
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT refresh_count FROM trickle.stream_tables WHERE name = 'st'"));
    }

    [Fact]
    public async Task RefreshOfAnImmediateTable_ReturnsZero_AndChangesNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("immediate_refresh");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "immediate");
        await database.ExecuteAsync("INSERT INTO m VALUES (100, 9, 1.50); DELETE FROM m WHERE id = 1");
        await AssertMatchesAsync(database, "st", Totals, "without refresh");
        var storage = await StorageTableAsync(database);
        var storageRows = await RowsAsync(database, $"SELECT s.ctid::text || s::text FROM {storage} AS s");

        Assert.Equal(0L, await RefreshAsync(database, "st"));

        Assert.Equal(storageRows, await RowsAsync(database, $"SELECT s.ctid::text || s::text FROM {storage} AS s"));
        await AssertMatchesAsync(database, "st", Totals, "after the no-op refresh");
    }

    private const string History = "SELECT string_agg(strategy || ': ' || reason, E'\\n' ORDER BY id) FROM trickle.refresh_history WHERE table_name = 'st'";

    [Fact]
    public async Task Auto_AppliesSmallBatches_RecomputesLargeOnes_AndRecordsWhy()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_mode");
        await CreateAndInstallAsync(database, Schema, ThousandRows, Totals, "st", "auto");
        await database.ExecuteAsync("ANALYZE m");
        var storage = await StorageTableAsync(database);

        // 10 rows of 1,000: a delta touches one group; the rows of the other groups stay where they are.
        await database.ExecuteAsync("UPDATE m SET v = v + 1 WHERE id BETWEEN 1 AND 70 AND g = 3");
        var untouched = await RowsAsync(database, $"SELECT s.ctid::text FROM {storage} AS s WHERE s.\"k1\" <> 3");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after a small batch");
        Assert.Equal(untouched, await RowsAsync(database, $"SELECT s.ctid::text FROM {storage} AS s WHERE s.\"k1\" <> 3"));

        // 600 of 1,000 rows, some twice: a recomputation, whose writes replace every stored row.
        await database.ExecuteAsync("UPDATE m SET v = v * 2 WHERE id <= 600; DELETE FROM m WHERE id > 900; INSERT INTO m VALUES (5000, 42, 1)");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after a large batch");
        Assert.Empty(await RowsAsync(database, $"SELECT s.ctid::text FROM {storage} AS s WHERE s.ctid::text = ANY (ARRAY['{string.Join("','", untouched)}'])"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.\"st__changes_1\""));

        var history = (await database.ScalarAsync<string>(History))!.Split('\n');
        Assert.Equal(3, history.Length);
        Assert.Equal("full: install", history[0]);
        Assert.Equal("differential: 20 pending change rows are 2.00% of the 1000 source rows (threshold 25% until refreshes are measured)", history[1]);
        // Counting stops at the threshold, a quarter of the sources' rows until refreshes are measured.
        // More pending change rows than the 7 stored groups: the recomputation replaces them all instead of comparing.
        Assert.Equal("full: at least 250 pending change rows are 25.00% of the 1000 source rows (threshold 25% until refreshes are measured); the 7 stored rows replaced, not compared", history[2]);
        Assert.Equal("auto", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_tables WHERE name = 'st'"));
    }

    [Fact]
    public async Task Auto_Recomputing_ComparesWhenStoredRowsOutnumberThePendingChanges()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_compare");
        const string PerRow = "SELECT id, count(*) AS n, sum(v) AS s FROM m GROUP BY id";
        await CreateAndInstallAsync(database, Schema, ThousandRows, PerRow, "st", "auto");
        await database.ExecuteAsync("ANALYZE m");
        var storage = await StorageTableAsync(database);

        // 300 of 1,000 rows: a recomputation (counting stops at 250 change rows), but of 1,000 stored groups at most 300
        // change. Comparing writes only those: the other 700 rows stay where they are.
        await database.ExecuteAsync("UPDATE m SET v = v + 1 WHERE id <= 300");
        var untouched = await RowsAsync(database, $"SELECT s.ctid::text FROM {storage} AS s WHERE s.\"k1\" > 300");
        await RefreshAsync(database, "st");

        await AssertMatchesAsync(database, "st", PerRow, "after the recomputation");
        Assert.Equal(untouched, await RowsAsync(database, $"SELECT s.ctid::text FROM {storage} AS s WHERE s.\"k1\" > 300"));
        Assert.Equal("full: at least 250 pending change rows are 25.00% of the 1000 source rows (threshold 25% until refreshes are measured)",
            await database.ScalarAsync<string>("SELECT strategy || ': ' || reason FROM trickle.refresh_history WHERE table_name = 'st' ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task Auto_WithMeasurementsOfBoth_ComparesTheMeasuredCosts()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_measured");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "auto");
        // A differential refresh of 1,000 change rows that took 1 ms, and a full refresh of 100 ms: 5,000 change rows
        // are estimated at 5 ms (apply them), 200,000 at 200 ms (recompute), whatever their share of the sources.
        await database.ExecuteAsync("""
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 1, 'differential', 'test', 1000, 10), ('public', 'st', now(), 100, 'full', 'test', NULL, 10),
                   ('public', 'st', now(), 100, 'full', 'test', NULL, 10), ('public', 'st', now(), 100, 'full', 'test', NULL, 10)
            """);

        var small = await database.ScalarAsync<string>("SELECT strategy FROM trickle.choose_refresh_strategy('public', 'st', 5000, 1e9)");
        var large = await database.ScalarAsync<string>("SELECT strategy FROM trickle.choose_refresh_strategy('public', 'st', 200000, 1e9)");
        var reason = await database.ScalarAsync<string>("SELECT reason FROM trickle.choose_refresh_strategy('public', 'st', 200000, 1e9)");

        Assert.Equal("differential", small);
        Assert.Equal("full", large);
        // Counting pending rows stops where the decision is made: 100 ms / 0.001 ms per row, or the sources' size.
        Assert.Equal(100_000L, await database.ScalarAsync<long>("SELECT trickle.full_refresh_threshold('public', 'st', 1e9)"));
        Assert.Equal(5_000L, await database.ScalarAsync<long>("SELECT trickle.full_refresh_threshold('public', 'st', 5000)"));
        Assert.Equal(250L, await database.ScalarAsync<long>("SELECT trickle.full_refresh_threshold('public', 'other', 1000)"));
        Assert.Equal("at least 200000 pending change rows at 0.0010 ms each (recent differential refreshes) against 100.0 ms for a full refresh (recent ones)", reason);
    }

    /// <summary>
    /// A top-k or window stream table's differential refresh has a fixed part that can exceed a whole recomputation
    /// (measured on 1,000,000 orders: 5.6 ms for 100 change rows against 1.7 ms). A cost per row alone cannot say so:
    /// differential refreshes of several sizes give both parts by least squares, and small ones of one size bound the
    /// fixed part. Either way AUTO then recomputes even for one pending row.
    /// </summary>
    [Theory]
    [InlineData("(100, 6.0), (1000, 6.9), (10000, 15.9)", 5.9, "at least 1 pending change rows at 0.0010 ms each plus 5.9 ms (recent differential refreshes) against 1.7 ms for a full refresh (recent ones)")]
    [InlineData("(100, 5.6), (100, 5.8), (120, 5.6)", 5.6, "the cheapest recent differential refresh took 5.6 ms, a full refresh 1.7 ms (recent ones)")]
    public async Task Auto_WhoseDifferentialFixedCostExceedsARecomputation_Recomputes(string differentials, double fixedMs, string reason)
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_fixed_" + (int)(fixedMs * 10));
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "auto");
        await database.ExecuteAsync($"""
            ANALYZE m;
            DELETE FROM trickle.refresh_history;
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            SELECT 'public', 'st', now(), d.ms, 'differential', 'test', d.n, 1 FROM (VALUES {differentials}) AS d(n, ms);
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 1.7, 'full', 'test', NULL, 4);
            """);

        Assert.Equal(fixedMs, await database.ScalarAsync<double>("SELECT round(fixed_ms::numeric, 3)::float8 FROM trickle.measured_refresh_costs('public', 'st')"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT trickle.full_refresh_threshold('public', 'st', 1e6)"));

        // A real refresh of one pending change row follows the measurements, and stays correct.
        await database.ExecuteAsync("UPDATE m SET v = v + 1 WHERE id = 1");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after the recomputation");
        Assert.Equal("full: " + reason,
            await database.ScalarAsync<string>("SELECT strategy || ': ' || reason FROM trickle.refresh_history WHERE table_name = 'st' ORDER BY id DESC LIMIT 1"));
    }

    /// <summary>
    /// A full refresh measured once (at install, on cold caches) and never again would keep AUTO applying changes after
    /// a recomputation became the cheaper choice. Once 20 refreshes in a row were differential and one is estimated at
    /// half the measured full refresh or more, AUTO recomputes once to measure it again; a much cheaper differential
    /// refresh, or a full refresh among the last 20, keeps applying.
    /// </summary>
    [Fact]
    public async Task Auto_AfterTwentyDifferentialRefreshes_NearTheFullCost_MeasuresAFullRefreshAgain()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_remeasure");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "auto");
        await database.ExecuteAsync("""
            ANALYZE m;
            DELETE FROM trickle.refresh_history;
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 1.5, 'full', 'install', NULL, 4);
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            SELECT 'public', 'st', now(), 1.1, 'differential', 'test', 10, 1 FROM generate_series(1, 19);
            """);
        const string Choice = "SELECT strategy FROM trickle.choose_refresh_strategy('public', 'st', 10, 1e6)";
        // 19 differential refreshes and the install: a full refresh is among the last 20. One size only: the cost per
        // change row is unknown, and the reason says what is known instead of "until refreshes are measured".
        Assert.Equal("differential", await database.ScalarAsync<string>(Choice));
        Assert.Equal("10 pending change rows are 0.00% of the 1000000 source rows (threshold 25% while the cost per change row is unmeasured; the cheapest recent differential refresh took 1.1 ms, a full refresh 1.5 ms)",
            await database.ScalarAsync<string>("SELECT reason FROM trickle.choose_refresh_strategy('public', 'st', 10, 1e6)"));

        await database.ExecuteAsync("""
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 1.1, 'differential', 'test', 10, 1)
            """);
        await database.ExecuteAsync("UPDATE m SET v = v + 1 WHERE id = 1");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after the re-measuring recomputation");
        Assert.Equal("full: re-measuring a full refresh: none of the last 20 refreshes was one, and a differential one is estimated at 1.1 ms against 1.5 ms measured for a full one",
            await database.ScalarAsync<string>("SELECT strategy || ': ' || reason FROM trickle.refresh_history WHERE table_name = 'st' ORDER BY id DESC LIMIT 1"));
        // Measured now: the next ones follow the figures again (whichever they favour), without re-measuring.
        Assert.DoesNotContain("re-measuring", await database.ScalarAsync<string>("SELECT reason FROM trickle.choose_refresh_strategy('public', 'st', 10, 1e6)"));

        // Differential refreshes far cheaper than the full one are never interrupted.
        await database.ExecuteAsync("""
            DELETE FROM trickle.refresh_history;
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 100, 'full', 'install', NULL, 4);
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            SELECT 'public', 'st', now(), 1.1, 'differential', 'test', 10, 1 FROM generate_series(1, 30);
            """);
        Assert.Equal("differential", await database.ScalarAsync<string>(Choice));
    }

    /// <summary>
    /// Small differential refreshes of one size that were cheap say nothing of the cost per row: AUTO keeps the
    /// share-of-the-sources rule for a batch it has not measured, as before any measurement.
    /// </summary>
    [Fact]
    public async Task Auto_WithOnlyCheapSmallRefreshesMeasured_KeepsTheShareRule()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_cheap_small");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "auto");
        await database.ExecuteAsync("""
            INSERT INTO trickle.refresh_history (schema_name, table_name, started_at, duration_ms, strategy, reason, rows_in, rows_out)
            VALUES ('public', 'st', now(), 0.5, 'differential', 'test', 10, 1), ('public', 'st', now(), 100, 'full', 'test', NULL, 4)
            """);

        Assert.Null(await database.ScalarAsync<double?>("SELECT per_change_ms FROM trickle.measured_refresh_costs('public', 'st')"));
        Assert.Equal("differential", await database.ScalarAsync<string>("SELECT strategy FROM trickle.choose_refresh_strategy('public', 'st', 5000, 1e6)"));
        Assert.Equal("full", await database.ScalarAsync<string>("SELECT strategy FROM trickle.choose_refresh_strategy('public', 'st', 300000, 1e6)"));
        Assert.Equal(250_000L, await database.ScalarAsync<long>("SELECT trickle.full_refresh_threshold('public', 'st', 1e6)"));
    }

    [Fact]
    public async Task Auto_Recomputing_TruncatesTheBuffers_UnlessAWriterHoldsThem()
    {
        await using var database = await cluster.CreateDatabaseAsync("auto_truncate");
        await CreateAndInstallAsync(database, Schema, ThousandRows, Totals, "st", "auto");
        await database.ExecuteAsync("ANALYZE m");
        const string BufferFile = "SELECT pg_relation_filenode('trickle.\"st__changes_1\"')::bigint";

        // Below 1 MB of buffered changes, deleting the consumed rows is cheaper than a truncation's new files.
        var before = await database.ScalarAsync<long>(BufferFile);
        await database.ExecuteAsync("UPDATE m SET v = v * 2 WHERE id <= 600");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after a small recomputation");
        Assert.Equal(before, await database.ScalarAsync<long>(BufferFile));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.\"st__changes_1\""));

        // Nobody else writes: the recomputation truncates the large buffer (a new file) instead of deleting its rows.
        await database.ExecuteAsync("INSERT INTO m SELECT i, i % 7, i FROM generate_series(1001, 41000) AS i");
        Assert.True(await database.ScalarAsync<long>("SELECT pg_relation_size('trickle.\"st__changes_1\"')") >= 1 << 20);
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after a truncating recomputation");
        Assert.NotEqual(before, await database.ScalarAsync<long>(BufferFile));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.\"st__changes_1\""));
        await database.ExecuteAsync("ANALYZE m");

        // A writer's uncommitted change sits in the buffer: the recomputation cannot see it, so it must survive.
        await using var writer = await database.OpenConnectionAsync();
        await using var open = await writer.BeginTransactionAsync();
        await using (var write = new Npgsql.NpgsqlCommand("INSERT INTO m VALUES (70000, 99, 5)", writer, open))
            await write.ExecuteNonQueryAsync();
        before = await database.ScalarAsync<long>(BufferFile);
        await database.ExecuteAsync("UPDATE m SET v = v + 1 WHERE id <= 30000");
        await RefreshAsync(database, "st");
        Assert.Equal(before, await database.ScalarAsync<long>(BufferFile));
        await open.CommitAsync();
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after a recomputation that deleted the rows it consumed");
    }

    [Fact]
    public async Task RefreshHistory_KeepsTheLatestThousandEntriesPerStreamTable()
    {
        await using var database = await cluster.CreateDatabaseAsync("history_retention");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "differential");
        await database.ExecuteAsync("SELECT trickle.record_refresh('public', 'other', now(), 'full', 'kept', NULL, 0)");

        await database.ExecuteAsync("SELECT trickle.record_refresh('public', 'st', now(), 'differential', 'entry ' || i, NULL, i) FROM generate_series(1, 1500) AS i");

        var kept = await database.ScalarAsync<long>("SELECT count(*) FROM trickle.refresh_history WHERE table_name = 'st'");
        Assert.InRange(kept, 1000, 1099);
        Assert.Equal(1500L, await database.ScalarAsync<long>("SELECT max(rows_out) FROM trickle.refresh_history WHERE table_name = 'st'"));
        // The entries kept are the latest ones.
        Assert.Equal(1501 - kept, await database.ScalarAsync<long>("SELECT min(rows_out) FROM trickle.refresh_history WHERE table_name = 'st'"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.refresh_history WHERE table_name = 'other'"));
    }
}
