using System.Data;
using Npgsql;
using Trickle.Compiler.Emit;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Dag.StreamTableGraph;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Dag;

/// <summary>
/// A diamond: b and c both read a, d joins b and c. Every row of a has v = 1, so in every consistent state d's s (a sum
/// of v through b) equals its n (a count through c): a d that combined b and c from different versions of a shows s ≠ n.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DiamondConsistencyTests(PostgresCluster cluster)
{
    private const string Tables = "CREATE TABLE a (id integer PRIMARY KEY, g integer NOT NULL, v integer NOT NULL);";
    private const string Seed = "INSERT INTO a SELECT i, i % 5, 1 FROM generate_series(1, 100) AS i;";
    private const string B = "SELECT g, sum(v) AS s FROM a GROUP BY g";
    private const string C = "SELECT g, count(*) AS n FROM a GROUP BY g";
    private const string D = "SELECT b.g, b.s, c.n FROM b JOIN c ON b.g = c.g";
    private const string DFromA = "SELECT g, sum(v) AS s, count(*) AS n FROM a GROUP BY g";
    private const string Inconsistent = "SELECT count(*) FROM d WHERE s IS DISTINCT FROM n";

    private async Task<TestDatabase> CreateAsync(string prefix, string bMode = "differential", string cMode = "differential", string dMode = "differential",
        string? bSchedule = null, string? cSchedule = null, string? dSchedule = null)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await database.ExecuteAsync(Tables + Seed);
        await InstallAsync(database, Tables,
        [
            new GraphNode("b", bMode, B, bSchedule),
            new GraphNode("c", cMode, C, cSchedule),
            new GraphNode("d", dMode, D, dSchedule),
        ]);
        return database;
    }

    [Fact]
    public async Task UpstreamRefreshedAlone_ThenTheSourceChanges_RefreshingTheReaderBringsBothUpstreamsToOneVersion()
    {
        await using var database = await CreateAsync("diamond_alone");
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, "INSERT INTO a SELECT i, i % 7, 1 FROM generate_series(101, 160) AS i");
        await RefreshAsync(connection, "b");   // b alone: no diamond below it, READ COMMITTED is fine
        await ExecuteAsync(connection, "INSERT INTO a SELECT i, 3, 1 FROM generate_series(161, 170) AS i; DELETE FROM a WHERE id % 11 = 0");

        await RefreshInOneSnapshotAsync(connection, "d");

        Assert.Equal(0L, await database.ScalarAsync<long>(Inconsistent));
        await AssertMatchesAsync(connection, "d", D, "(d against b and c as stored)");
        await AssertMatchesAsync(connection, "d", DFromA, "(d against a)");
        await AssertMatchesAsync(connection, "c", C);
    }

    /// <summary>
    /// The source commits while the cascade is between b's refresh and c's (c's refresh lock is held by another
    /// session). In one REPEATABLE READ snapshot c still sees a as b saw it. The same cascade in READ COMMITTED, where
    /// each refresh takes a snapshot of its own, leaves d combining two versions of a: the test sees the difference.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SourceCommitsBetweenTheUpstreamsRefreshes_OneSnapshotKeepsTheReaderConsistent(bool oneSnapshot)
    {
        await using var database = await CreateAsync(oneSnapshot ? "diamond_one_snapshot" : "diamond_read_committed");
        await database.ExecuteAsync("INSERT INTO a SELECT i, i % 5, 1 FROM generate_series(101, 150) AS i");

        await using var holder = await database.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await ExecuteAsync(holder, "LOCK TABLE trickle.c__refresh_lock IN EXCLUSIVE MODE", holding);

        await using var refresher = await database.OpenConnectionAsync();
        await using var refreshing = await refresher.BeginTransactionAsync(oneSnapshot ? IsolationLevel.RepeatableRead : IsolationLevel.ReadCommitted);
        // READ COMMITTED is refused by trickle.refresh here; refresh_cascade is the same cascade without that check.
        var sql = oneSnapshot
            ? "SELECT trickle.refresh('d')"
            : "SELECT trickle.refresh_cascade(c) FROM trickle.stream_table_catalog AS c WHERE c.table_name = 'd'";
        var cascade = ExecuteAsync(refresher, sql, refreshing);
        await EventuallyAsync(async () => await database.ScalarAsync<bool>(
            $"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {refresher.ProcessID}"), "the cascade waits for c's refresh lock");

        await database.ExecuteAsync("INSERT INTO a SELECT i, 1, 1 FROM generate_series(201, 220) AS i");
        await holding.CommitAsync();
        await cascade.WaitAsync(TimeSpan.FromSeconds(30));
        await refreshing.CommitAsync();

        var inconsistent = await database.ScalarAsync<long>(Inconsistent);
        if (oneSnapshot)
            Assert.Equal(0L, inconsistent);
        else
            Assert.True(inconsistent > 0, "without one snapshot c sees the rows committed after b's refresh: the test must be able to fail");

        // The rows committed meanwhile are still buffered for b and c; the next refresh applies them once.
        await using var connection = await database.OpenConnectionAsync();
        await RefreshInOneSnapshotAsync(connection, "d");
        Assert.Equal(0L, await database.ScalarAsync<long>(Inconsistent));
        await AssertMatchesAsync(connection, "d", DFromA, "after the next refresh");
        await AssertMatchesAsync(connection, "b", B);
        await AssertMatchesAsync(connection, "c", C);
    }

    /// <summary>
    /// A reader only full recomputation maintains (its query is kept as written) still records what it reads: the install
    /// asks PostgreSQL which relations the query resolves to. So it cascades and needs one snapshot like any other.
    /// </summary>
    [Fact]
    public async Task ReaderRecomputedAsWritten_RecordsWhatItReads_AndIsRefreshedWithItsUpstreams()
    {
        await using var database = await CreateAsync("diamond_verbatim");
        const string recomputed = "SELECT b.g, b.s, x.n FROM b, LATERAL (SELECT c.n FROM c WHERE c.g = b.g) AS x";
        var schema = Tables + $"\nCREATE STREAM TABLE b AS {B};\nCREATE STREAM TABLE c AS {C};";
        await database.ExecutePsqlScriptAsync(Compile(schema, recomputed, "v", "full"), "install of v");
        Assert.Equal(["v|b", "v|c"], await RowsAsync(database, "SELECT table_name, upstream_name FROM trickle.stream_table_dependencies WHERE table_name = 'v'"));
        Assert.True(await database.ScalarAsync<bool>("SELECT trickle.needs_one_snapshot('public', 'v')"));

        await database.ExecuteAsync("INSERT INTO a SELECT i, i % 3, 1 FROM generate_series(500, 530) AS i");
        await using var connection = await database.OpenConnectionAsync();
        await RefreshInOneSnapshotAsync(connection, "v");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM v WHERE s <> n"));
        await AssertMatchesAsync(connection, "v", DFromA, "(the recomputed reader against a)");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.drop_stream_table('c')"));
        Assert.Contains("public.d, public.v", refused.MessageText);
    }

    [Fact]
    public async Task RefreshOfADiamondReader_InReadCommitted_IsRefusedWithAHint()
    {
        await using var database = await CreateAsync("diamond_refused");
        await using var connection = await database.OpenConnectionAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => RefreshAsync(connection, "d"));
        Assert.Equal("25000", refused.SqlState);
        Assert.Contains("share a source", refused.MessageText);
        Assert.Contains("BEGIN ISOLATION LEVEL REPEATABLE READ", refused.Hint);
        var all = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT * FROM trickle.refresh_all()"));
        Assert.Equal("25000", all.SqlState);

        // b has no diamond below it: READ COMMITTED refreshes it; refresh_all in one snapshot refreshes everything in order.
        await database.ExecuteAsync("INSERT INTO a VALUES (1000, 2, 1)");
        Assert.Equal(1L, await RefreshAsync(connection, "b"));
        var order = await InOneSnapshotAsync(connection, async transaction =>
        {
            await using var command = new NpgsqlCommand("SELECT string_agg(name, ',' ORDER BY ordinality) FROM trickle.refresh_all() WITH ORDINALITY", connection, transaction);
            return (string)(await command.ExecuteScalarAsync())!;
        });
        Assert.Equal("b,c,d", order);
        await AssertMatchesAsync(connection, "d", DFromA);
    }

    /// <summary>
    /// Eight writers insert and delete rows of a while the scheduler refreshes b, c and d on short schedules and another
    /// session refreshes b alone and d with its upstreams: no read of d ever shows s ≠ n, and at the end every stream
    /// table equals its recomputation.
    /// </summary>
    [Theory]
    [InlineData("differential", "auto", "differential")]
    [InlineData("immediate", "differential", "auto")]
    public async Task EightWritersWhileTheSchedulerAndARefresherRun_NoReadOfTheReaderSeesTwoVersions(string bMode, string cMode, string dMode)
    {
        await using var database = await CreateAsync("diamond_concurrent_" + bMode, bMode, cMode, dMode,
            bMode == "immediate" ? null : "100ms", "150ms", "200ms");
        await using var scheduler = await StartAsync(database);
        using var stop = new CancellationTokenSource();

        var writers = Enumerable.Range(1, 8).Select(w => Task.Run(() => WriteAsync(database, w, stop.Token))).ToList();
        var refresher = Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            var refreshes = 0;
            while (!stop.IsCancellationRequested)
            {
                await RefreshAsync(connection, "c");
                await RefreshInOneSnapshotAsync(connection, "d");
                refreshes++;
            }
            return refreshes;
        });
        var reads = 0L;
        var changesSeen = new HashSet<string>();
        await using (var reader = await database.OpenConnectionAsync())
        {
            var until = DateTime.UtcNow.AddSeconds(6);
            while (DateTime.UtcNow < until)
            {
                Assert.Equal(0L, (long)(await new NpgsqlCommand(Inconsistent, reader).ExecuteScalarAsync())!);
                changesSeen.Add((string)(await new NpgsqlCommand("SELECT COALESCE(string_agg(g || ':' || n, ',' ORDER BY g), '') FROM d", reader).ExecuteScalarAsync())!);
                reads++;
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(await refresher > 0);
        Assert.True(changesSeen.Count > 1, "d should have changed while it was read");

        await using var connection = await database.OpenConnectionAsync();
        await RefreshInOneSnapshotAsync(connection, "d");
        await scheduler.StopAsync();
        Assert.Equal(0L, await database.ScalarAsync<long>(Inconsistent));
        await AssertMatchesAsync(connection, "b", B, "after the concurrent run");
        await AssertMatchesAsync(connection, "c", C, "after the concurrent run");
        await AssertMatchesAsync(connection, "d", D, "after the concurrent run");
        await AssertMatchesAsync(connection, "d", DFromA, "after the concurrent run");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT sum(failure_count)::bigint FROM trickle.stream_tables"));
        Assert.True(reads > 10);
    }

    /// <summary>Inserts rows of its own id range (v = 1, random groups) and deletes some of them until told to stop.</summary>
    private static async Task WriteAsync(TestDatabase database, int writer, CancellationToken stop)
    {
        var random = new Random(writer);
        var next = writer * 100_000;
        await using var connection = await database.OpenConnectionAsync();
        while (!stop.IsCancellationRequested)
        {
            var sql = random.Next(3) switch
            {
                0 or 1 => $"INSERT INTO a SELECT i, {random.Next(8)}, 1 FROM generate_series({next}, {next + random.Next(1, 6)}) AS i",
                _ => $"DELETE FROM a WHERE id BETWEEN {writer * 100_000} AND {next} AND id % 5 = {random.Next(5)}",
            };
            next += 10;
            await ExecuteAsync(connection, sql);
        }
    }
}
