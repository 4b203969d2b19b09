using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>Installing generated scripts: one transaction, refused twice, nothing left behind on failure, runtime shared.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InstallTests(PostgresCluster cluster)
{
    internal const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    internal const string Seed = "INSERT INTO m SELECT i, i % 4, i * 1.5 FROM generate_series(1, 20) AS i;";
    internal const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn FROM m GROUP BY g";
    internal const string Overall = "SELECT count(*) AS n, max(v) AS mx FROM m WHERE v > 3";

    internal const string Writes = """
        INSERT INTO m VALUES (101, 1, 7), (102, 9, 0.5);
        UPDATE m SET v = v + 100 WHERE id = 2;
        UPDATE m SET g = 3 WHERE id = 5;
        DELETE FROM m WHERE id IN (4, 8);
        """;

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("full")]
    public async Task Installs_InOneTransaction_AndMatchesRecomputation(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("install_" + mode);
        var script = await CreateAndInstallAsync(database, Schema, Seed, Totals, "totals", mode);
        Assert.Contains("BEGIN;", script);
        Assert.Contains("COMMIT;", script);
        await AssertMatchesAsync(database, "totals", Totals, "right after install");
        await database.ExecuteAsync(Writes);
        await RefreshAsync(database, "totals");
        await AssertMatchesAsync(database, "totals", Totals, "after writes and refresh");
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task InstallingTheSameStreamTableTwice_FailsClearly_AndKeepsTheFirstOne(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("twice_" + mode);
        var script = await CreateAndInstallAsync(database, Schema, Seed, Totals, "totals", mode);
        await database.ExecuteAsync("INSERT INTO m VALUES (201, 2, 3.25)");
        var before = await SnapshotObjectsAsync(database);

        var second = await database.RunPsqlScriptAsync(script);

        Assert.False(second.Succeeded, "the second install should fail");
        Assert.Contains("already installed", second.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.stream_tables WHERE name = 'totals'"));

        // The first one is still maintained, including the change written before the failed install.
        await database.ExecuteAsync(Writes);
        await RefreshAsync(database, "totals");
        await AssertMatchesAsync(database, "totals", Totals, "after the failed second install");
        Assert.Single(await RowsAsync(database, "SELECT g FROM totals WHERE g = 2"));
    }

    [Fact]
    public async Task ScriptWhoseSourceIsMissing_LeavesNothingBehind_InAnEmptyDatabase()
    {
        await using var database = await cluster.CreateDatabaseAsync("missing_src");
        await database.ExecuteAsync("CREATE TABLE unrelated (x integer)");
        var before = await SnapshotObjectsAsync(database);
        var script = Compile(Schema, Totals, "totals", "differential");

        var result = await database.RunPsqlScriptAsync(script);

        Assert.False(result.Succeeded, "installing over a missing source must fail");
        Assert.Contains("\"m\"", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
        Assert.Null(await database.ScalarAsync<string>("SELECT to_regnamespace('trickle')::text"));
    }

    /// <summary>
    /// Compiled from a schema file, the compiler cannot know a source is a Citus table, whose writes go to shards where
    /// the capture triggers would never fire. On a coordinator (Citus's catalog table, recreated here as Citus defines
    /// it since Citus cannot be installed) the script refuses before installing anything; FULL, which puts no trigger
    /// on its sources, installs.
    /// </summary>
    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("full")]
    public async Task ScriptOverACitusDistributedTable_IsRefusedBeforeAnythingIsInstalled_UnlessFull(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("citus_" + mode);
        await database.ExecuteAsync(Schema + Seed + """
            SET allow_system_table_mods = on;
            CREATE TABLE pg_catalog.pg_dist_partition (
                logicalrelid regclass NOT NULL, partmethod "char" NOT NULL, partkey text,
                colocationid integer NOT NULL DEFAULT 0, repmodel "char" NOT NULL DEFAULT 'c');
            RESET allow_system_table_mods;
            INSERT INTO pg_catalog.pg_dist_partition VALUES ('m', 'h', '{VAR :varattno 1}', 1, 's');
            """);
        var before = await SnapshotObjectsAsync(database);

        var result = await database.RunPsqlScriptAsync(Compile(Schema, Totals, "totals", mode));

        if (mode == "full")
        {
            Assert.True(result.Succeeded, result.StandardError);
            await AssertMatchesAsync(database, "totals", Totals, "FULL over a Citus table");
            // Switching to a mode with triggers is refused the same way, and leaves it FULL.
            var switching = await Assert.ThrowsAsync<PostgresException>(() =>
                database.ExecuteAsync("SELECT trickle.alter_stream_table('totals', refresh_mode => 'differential')"));
            Assert.Contains("reads a table managed by Citus", switching.MessageText);
            Assert.Equal("full", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = 'totals'"));
            return;
        }
        Assert.False(result.Succeeded, "a capture trigger on a Citus table would never fire");
        Assert.Contains("reads a table managed by Citus", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
        Assert.Null(await database.ScalarAsync<string>("SELECT to_regnamespace('trickle')::text"));
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task ScriptFailingAfterItsTriggersWereCreated_LeavesNothingBehind(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("fail_late_" + mode);
        // An existing stream table on the same source, so the runtime and other triggers are already there.
        await CreateAndInstallAsync(database, Schema, Seed, Overall, "overall", "differential");
        await database.ExecuteAsync("INSERT INTO m VALUES (300, 7, 0)");
        var before = await SnapshotObjectsAsync(database);
        var catalogBefore = await RowsAsync(database, "SELECT schema_name, table_name, refresh_mode FROM trickle.stream_table_catalog");
        // Population runs last, after storage, functions and triggers: a division by zero there fails the script late.
        const string failing = "SELECT g, sum(100 / v) AS q FROM m GROUP BY g";
        var script = Compile(Schema, failing, "ratios", mode);

        var result = await database.RunPsqlScriptAsync(script);

        Assert.False(result.Succeeded, "population divides by zero");
        Assert.Contains("division by zero", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
        Assert.Equal(catalogBefore, await RowsAsync(database, "SELECT schema_name, table_name, refresh_mode FROM trickle.stream_table_catalog"));
        // Writes to the source still work (no dangling trigger), and the existing stream table is still maintained.
        await database.ExecuteAsync(Writes);
        await RefreshAsync(database, "overall");
        await AssertMatchesAsync(database, "overall", Overall, "after the failed install");
    }

    [Fact]
    public async Task TwoStreamTablesOnOneSource_Coexist_AndTheRuntimeIsInstalledOnce()
    {
        await using var database = await cluster.CreateDatabaseAsync("coexist");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "totals", "differential");
        var runtimeObjects = (await SnapshotObjectsAsync(database)).Where(line => line.Contains(" trickle.")).ToList();
        var version = await database.ScalarAsync<string>("SELECT version FROM trickle.runtime_info");
        await database.ExecuteAsync("INSERT INTO m VALUES (401, 1, 1)");  // buffered for totals before the second install

        await database.ExecutePsqlScriptAsync(Compile(Schema, Overall, "overall", "immediate"), "second stream table");

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.runtime_info"));
        Assert.Equal(version, await database.ScalarAsync<string>("SELECT version FROM trickle.runtime_info"));
        var runtimeAfter = (await SnapshotObjectsAsync(database)).Where(line => line.Contains(" trickle.") && IsRuntimeObject(line)).ToList();
        Assert.Equal(runtimeObjects.Where(IsRuntimeObject).ToList(), runtimeAfter);
        Assert.Equal(["overall|immediate", "totals|differential"],
            await RowsAsync(database, "SELECT name || '|' || refresh_mode FROM trickle.stream_tables"));

        // Re-running the runtime part once more is harmless: a third stream table installs too.
        await database.ExecutePsqlScriptAsync(Compile(Schema, "SELECT g, max(v) AS mx FROM m GROUP BY g", "maxima", "full"), "third");
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.runtime_info"));

        await database.ExecuteAsync(Writes);
        await AssertMatchesAsync(database, "overall", Overall, "immediate, without refresh");
        await RefreshAsync(database, "totals");
        await RefreshAsync(database, "maxima");
        await AssertMatchesAsync(database, "totals", Totals, "differential, after refresh");
        await AssertMatchesAsync(database, "maxima", "SELECT g, max(v) AS mx FROM m GROUP BY g", "full, after refresh");
        Assert.Equal(0L, await RefreshAsync(database, "totals"));
    }
}
