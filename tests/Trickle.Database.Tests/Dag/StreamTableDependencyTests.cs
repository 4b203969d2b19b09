using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Dag.StreamTableGraph;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Dag;

/// <summary>Dependencies between stream tables: recorded at install, cycles refused, drop guarded, refresh cascading.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamTableDependencyTests(PostgresCluster cluster)
{
    private const string Tables = "CREATE TABLE a (id integer PRIMARY KEY, g integer NOT NULL, v integer NOT NULL);";
    private const string Seed = "INSERT INTO a SELECT i, i % 5, i % 3 FROM generate_series(1, 60) AS i;";
    private const string B = "SELECT g, sum(v) AS s, count(*) AS n FROM a GROUP BY g";
    private const string E = "SELECT s % 2 AS parity, sum(n) AS rows_read FROM b GROUP BY s % 2";
    private const string F = "SELECT parity, rows_read * 2 AS twice FROM e";

    [Fact]
    public async Task Install_RecordsDependencies_AndRefreshCascadesUpstreamsFirst()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_cascade");
        await database.ExecuteAsync(Tables + Seed);
        await InstallAsync(database, Tables, [new("b", "differential", B), new("e", "differential", E), new("f", "auto", F)]);
        Assert.Equal(["e|b", "f|e"], await RowsAsync(database, "SELECT table_name, upstream_name FROM trickle.stream_table_dependencies"));
        Assert.Equal(["b", "e"], await RowsAsync(database, "SELECT table_name FROM trickle.upstream_order('public', 'f')"));

        await database.ExecuteAsync("INSERT INTO a VALUES (100, 1, 2), (101, 7, 1); DELETE FROM a WHERE id < 10; UPDATE a SET g = 3 WHERE id = 20");
        await using var connection = await database.OpenConnectionAsync();
        Assert.True(await RefreshAsync(connection, "f") > 0);   // a chain: no diamond, READ COMMITTED is fine
        await AssertMatchesAsync(connection, "b", B);
        await AssertMatchesAsync(connection, "e", E);
        await AssertMatchesAsync(connection, "f", F);
        await AssertMatchesAsync(connection, "f", $"SELECT s % 2 AS parity, sum(n) * 2 AS twice FROM ({B}) AS b GROUP BY s % 2", "(against a)");
        Assert.False(await database.ScalarAsync<bool>("SELECT trickle.needs_one_snapshot('public', 'f')"));
    }

    [Fact]
    public async Task Drop_IsRefusedWhileReadersExist_AndCascadeDropsThemFirst()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_drop");
        await database.ExecuteAsync(Tables + Seed);
        var empty = await SnapshotObjectsAsync(database);
        await InstallAsync(database, Tables, [new("b", "differential", B), new("e", "immediate", E), new("f", "full", F)]);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.drop_stream_table('b')"));
        Assert.Equal("2BP01", refused.SqlState);
        Assert.Contains("public.e", refused.MessageText);
        Assert.Contains("cascade => true", refused.Hint);
        await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("SELECT trickle.drop_stream_table('e')"));

        await database.ExecuteAsync("SELECT trickle.drop_stream_table('f')");
        Assert.Equal(["b", "e"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('b', cascade => true)");
        Assert.Empty(await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
        Assert.Empty(await RowsAsync(database, "SELECT table_name FROM trickle.stream_table_dependencies"));
        Assert.Equal(empty.ToList(), (await SnapshotObjectsAsync(database)).Where(line => !IsRuntimeObject(line)).ToList());
        await database.ExecuteAsync("INSERT INTO a VALUES (500, 1, 1)");   // no trigger of a dropped stream table is left behind
    }

    [Fact]
    public async Task ADependencyThatClosesACycle_IsRefused()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_cycle");
        await database.ExecuteAsync(Tables + Seed);
        await InstallAsync(database, Tables, [new("b", "differential", B), new("e", "differential", E), new("f", "differential", F)]);
        // An install can only close a cycle when a stream table is reinstalled to read its readers; the same check
        // guards every row of the table, so writing the row directly exercises it.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync(
            "INSERT INTO trickle.stream_table_dependencies VALUES ('public', 'b', 'public', 'f')"));
        Assert.Equal("42P17", refused.SqlState);
        Assert.Contains("public.b reads public.f reads public.e reads public.b", refused.MessageText);
        var itself = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync(
            "INSERT INTO trickle.stream_table_dependencies VALUES ('public', 'e', 'public', 'e')"));
        Assert.Equal("42P17", itself.SqlState);
    }

    [Fact]
    public async Task ImmediateReaderOfADiamond_IsRefusedUnlessEveryUpstreamIsImmediate()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_immediate_diamond");
        await database.ExecuteAsync(Tables + Seed);
        const string c = "SELECT g, count(*) AS n FROM a GROUP BY g";
        const string d = "SELECT b.g, b.n AS bn, c.n AS cn FROM b JOIN c ON b.g = c.g";
        await InstallAsync(database, Tables, [new("b", "differential", B), new("c", "immediate", c)]);
        var schema = Tables + $"\nCREATE STREAM TABLE b AS {B};\nCREATE STREAM TABLE c AS {c};";
        var install = await database.RunPsqlScriptAsync(Compile(schema, d, "d", "immediate"));
        Assert.NotEqual(0, install.ExitCode);
        Assert.Contains("would combine them at different versions", install.StandardError);
        Assert.Empty(await RowsAsync(database, "SELECT 1 FROM trickle.stream_tables WHERE name = 'd'"));

        // Over IMMEDIATE upstreams only, every write maintains b, c and d in its own statement.
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('b')");
        await InstallAsync(database, schema.Replace($"\nCREATE STREAM TABLE b AS {B};", ""), [new("b", "immediate", B)]);
        await database.ExecutePsqlScriptAsync(Compile(schema, d, "d", "immediate"), "install of d over immediate upstreams");
        var random = new Random(5);
        for (var step = 0; step < 15; step++)
        {
            await database.ExecuteAsync(random.Next(3) switch
            {
                0 => $"INSERT INTO a SELECT i, {random.Next(6)}, 1 FROM generate_series({1000 + step * 10}, {1000 + step * 10 + random.Next(5)}) AS i",
                1 => $"UPDATE a SET g = {random.Next(6)} WHERE id % 9 = {random.Next(9)}",
                _ => $"DELETE FROM a WHERE id % 13 = {random.Next(13)}",
            });
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM d WHERE bn <> cn"));
            await AssertMatchesAsync(database, "d", "SELECT g, count(*) AS bn, count(*) AS cn FROM a GROUP BY g", $"after step {step}");
        }
    }

    /// <summary>
    /// An IMMEDIATE stream table over a DIFFERENTIAL one is maintained by that one's refreshes, which run in REPEATABLE
    /// READ once a diamond goes through it; IMMEDIATE maintenance refuses that, so the combination is refused at
    /// install, whichever comes second.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ImmediateReaderOfAnUpstreamThatADiamondRefreshes_IsRefusedAtInstall(bool immediateFirst)
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_immediate_rr_" + immediateFirst);
        await database.ExecuteAsync(Tables + Seed);
        const string c = "SELECT g, count(*) AS n FROM a GROUP BY g";
        const string d = "SELECT b.g, b.n AS bn, c.n AS cn FROM b JOIN c ON b.g = c.g";
        await InstallAsync(database, Tables, [new("b", "differential", B), new("c", "differential", c)]);
        var schema = Tables + $"\nCREATE STREAM TABLE b AS {B};\nCREATE STREAM TABLE c AS {c};";
        var first = immediateFirst ? Compile(schema, E, "e", "immediate") : Compile(schema, d, "d", "differential");
        var second = immediateFirst ? Compile(schema, d, "d", "differential") : Compile(schema, E, "e", "immediate");
        await database.ExecutePsqlScriptAsync(first, "the first reader");

        var refused = await database.RunPsqlScriptAsync(second);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("IMMEDIATE stream table public.e is maintained by the refreshes of public.b", refused.StandardError);
        Assert.Equal(immediateFirst ? ["b", "c", "e"] : ["b", "c", "d"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));

        // What is installed keeps working.
        await database.ExecuteAsync("INSERT INTO a VALUES (900, 1, 2)");
        await using var connection = await database.OpenConnectionAsync();
        if (immediateFirst)
            await RefreshAsync(connection, "e");   // refreshes b in READ COMMITTED, which maintains e
        else
            await RefreshInOneSnapshotAsync(connection, "d");
        await AssertMatchesAsync(connection, "b", B);
        if (immediateFirst)
            await AssertMatchesAsync(connection, "e", E);
    }

    [Fact]
    public async Task CalculatedSchedule_IsRefreshedWhenItsReaderIs()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_calculated");
        await database.ExecuteAsync(Tables + Seed);
        await InstallAsync(database, Tables, [new("b", "differential", B, "calculated"), new("e", "differential", E, "100ms")]);
        Assert.True(await database.ScalarAsync<bool>("SELECT next_refresh_at IS NULL FROM trickle.stream_tables WHERE name = 'b'"));

        await using var scheduler = await StartAsync(database);
        await database.ExecuteAsync("INSERT INTO a SELECT i, 2, 5 FROM generate_series(1000, 1010) AS i");
        await EventuallyAsync(async () => await database.ScalarAsync<long>("SELECT sum(pending_changes)::bigint FROM trickle.stream_tables") == 0,
            "refreshing e refreshed b first and drained both buffers");
        await scheduler.StopAsync();
        await AssertMatchesAsync(database, "b", B);
        await AssertMatchesAsync(database, "e", E);
        Assert.True(await database.ScalarAsync<bool>("SELECT next_refresh_at IS NULL FROM trickle.stream_tables WHERE name = 'b'"));
    }
}
