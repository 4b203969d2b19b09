using System.Globalization;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// <c>trickle compile --deploy</c>: one script, run again and again. It installs where the stream table is absent, does
/// nothing (catalog row and storage untouched) where the same definition is installed, switches mode or schedule in
/// place, upgrades online where another definition is installed, and finishes on a second run after stopping part-way.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeployTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric NOT NULL);";
    private const string Seed = "INSERT INTO m SELECT i, i % 5, (i % 23) - 5 FROM generate_series(1, 300) AS i;";
    private const string Name = "totals";
    private const string Query = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";
    private const string Changed = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS top FROM m WHERE v <> 0 GROUP BY g";

    [Fact]
    public async Task TheSameScriptTwice_InstallsThenDoesNothing_CatalogRowAndStorageUntouched()
    {
        await using var database = await cluster.CreateDatabaseAsync("deploy_twice");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var script = CompileDeploy(Schema, Query, Name, "differential", "5s");

        var first = await RunAsync(database, script, "first deploy");
        Assert.Contains("stream table public.totals: installed", first);
        await using var connection = await database.OpenConnectionAsync();
        await AssertMatchesAsync(connection, Name, Query, "after the first deploy");
        var before = await StateAsync(connection);
        var objects = await SnapshotObjectsAsync(database);

        var second = await RunAsync(database, script, "second deploy");
        Assert.Contains("stream table public.totals: unchanged (this definition is installed)", second);
        Assert.Equal(before, await StateAsync(connection));
        Assert.Equal(objects, await SnapshotObjectsAsync(database));

        // Still maintained as before.
        await WriteAsync(connection, new Random(1));
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, Query, "after writes following the second deploy");
    }

    [Fact]
    public async Task AChangedDefinition_IsUpgradedOnline_ThenItsScriptIsANoOp_AndTheOldScriptUpgradesBack()
    {
        await using var database = await cluster.CreateDatabaseAsync("deploy_change");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var original = CompileDeploy(Schema, Query, Name, "auto");
        var changed = CompileDeploy(Schema, Changed, Name, "auto");
        await RunAsync(database, original, "install");
        await database.ExecuteAsync($"CREATE VIEW dependant AS SELECT g, n FROM {Name}");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(7);
        await WriteAsync(connection, random);

        var upgrade = await RunAsync(database, changed, "deploy of the changed definition");
        Assert.Contains("upgraded to generation", upgrade);
        await AssertMatchesAsync(connection, Name, Changed, "right after the upgrade");
        await AssertMatchesAsync(connection, "dependant", $"SELECT g, n FROM ({Changed}) AS q", "the dependent view after the upgrade");
        for (var step = 0; step < 4; step++)
        {
            await WriteAsync(connection, random);
            await RefreshAsync(connection, Name);
            await AssertMatchesAsync(connection, Name, Changed, $"after step {step} following the upgrade");
        }

        var state = await StateAsync(connection);
        Assert.Contains("unchanged", await RunAsync(database, changed, "the changed definition again"));
        Assert.Equal(state, await StateAsync(connection));

        // A standalone deploy makes the stream table its definition, whatever is installed (here one without column
        // top: the dependent view goes first, as for any upgrade that drops a column).
        await database.ExecuteAsync("DROP VIEW dependant");
        Assert.Contains("upgraded to generation", await RunAsync(database, original, "the original definition again"));
        await WriteAsync(connection, random);
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, Query, "back at the original definition");
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
    }

    [Fact]
    public async Task OnlyModeOrScheduleChanged_IsSwitchedInPlace_WithoutRebuildingTheStorage()
    {
        await using var database = await cluster.CreateDatabaseAsync("deploy_mode");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        await RunAsync(database, CompileDeploy(Schema, Query, Name, "differential", "5s"), "install, DIFFERENTIAL every 5s");
        await using var connection = await database.OpenConnectionAsync();
        var storage = await StorageAsync(connection);

        var immediate = CompileDeploy(Schema, Query, Name, "immediate");
        Assert.Contains("switched to mode immediate, schedule none", await RunAsync(database, immediate, "IMMEDIATE, no schedule"));
        Assert.Equal(storage.Filenode, (await StorageAsync(connection)).Filenode);
        Assert.Equal("immediate", await ScalarAsync<string>(connection, $"SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = '{Name}'"));
        Assert.Null(await ScalarAsync<object?>(connection, $"SELECT schedule FROM trickle.stream_table_catalog WHERE table_name = '{Name}'"));
        var random = new Random(3);
        await WriteAsync(connection, random);
        await AssertMatchesAsync(connection, Name, Query, "IMMEDIATE: maintained by the writes themselves, no refresh");
        var state = await StateAsync(connection);
        Assert.Contains("unchanged", await RunAsync(database, immediate, "the IMMEDIATE script again"));
        Assert.Equal(state, await StateAsync(connection));

        Assert.Contains("switched to mode auto, schedule 1m", await RunAsync(database, CompileDeploy(Schema, Query, Name, "auto", "1m"), "AUTO every minute"));
        Assert.Equal(storage.Filenode, (await StorageAsync(connection)).Filenode);
        Assert.Equal("1m", await ScalarAsync<string>(connection, $"SELECT schedule FROM trickle.stream_table_catalog WHERE table_name = '{Name}'"));
        await WriteAsync(connection, random);
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, Query, "AUTO after the switch");
    }

    [Fact]
    public async Task AnUpgradeStoppedPartWay_LeavesTheInstalledDefinition_AndTheNextRunFinishesIt()
    {
        await using var database = await cluster.CreateDatabaseAsync("deploy_stopped");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        await RunAsync(database, CompileDeploy(Schema, Query, Name, "differential"), "install");
        await using var connection = await database.OpenConnectionAsync();
        var random = new Random(11);
        var changed = CompileDeploy(Schema, Changed, Name, "immediate");
        var steps = changed.Split("\nCOMMIT;\n");
        Assert.Equal(5, steps.Length);

        // Stopped after step 2 (prepared and populated), then after step 3: the installed definition is maintained.
        foreach (var stop in new[] { 2, 3 })
        {
            await RunAsync(database, string.Join("\nCOMMIT;\n", steps[..stop]) + "\nCOMMIT;\n", $"steps 1 to {stop}");
            Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
            await WriteAsync(connection, random);
            await RefreshAsync(connection, Name);
            await AssertMatchesAsync(connection, Name, Query, $"the installed definition after stopping after step {stop}");
        }

        var rerun = await RunAsync(database, changed, "the whole script again");
        Assert.Contains("an unfinished upgrade was discarded; starting over", rerun);
        Assert.Contains("upgraded to generation", rerun);
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_upgrades"));
        await WriteAsync(connection, random);
        await AssertMatchesAsync(connection, Name, Changed, "IMMEDIATE after the finished upgrade");
    }

    [Fact]
    public async Task ADefinitionRecordedBeforeAStrictUpgrade_NoLongerCounts_SoTheDeployUpgradesAgain()
    {
        await using var database = await cluster.CreateDatabaseAsync("deploy_strict");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var deploy = CompileDeploy(Schema, Query, Name, "differential");
        await RunAsync(database, deploy, "deploy");
        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, Changed, Name, "differential"), "a strict --upgrade to another definition");
        await using var connection = await database.OpenConnectionAsync();
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, Changed, "after the strict upgrade");

        Assert.Contains("upgraded to generation", await RunAsync(database, deploy, "the first deploy script again"));
        await WriteAsync(connection, new Random(5));
        await RefreshAsync(connection, Name);
        await AssertMatchesAsync(connection, Name, Query, "the deployed definition again");
    }

    [Fact]
    public async Task AQueryRecomputedAsWritten_IsInstalledAndKept_ButNotUpgradedOnline()
    {
        const string verbatim = "SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p FROM m GROUP BY g";
        await using var database = await cluster.CreateDatabaseAsync("deploy_verbatim");
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var script = CompileDeploy(Schema, verbatim, Name, "full");
        Assert.Contains("installed", await RunAsync(database, script, "install"));
        Assert.Contains("unchanged", await RunAsync(database, script, "again"));
        await RunAsync(database, CompileDeploy(Schema, verbatim, Name, "full", "1h"), "a schedule");
        Assert.Equal("1h", await database.ScalarAsync<string>($"SELECT schedule FROM trickle.stream_table_catalog WHERE table_name = '{Name}'"));

        var other = await database.RunPsqlScriptAsync(CompileDeploy(Schema, verbatim.Replace("0.5", "0.9", StringComparison.Ordinal), Name, "full"));
        Assert.False(other.Succeeded);
        Assert.Contains("a query recomputed as written cannot be upgraded online", other.StandardError);
        Assert.Contains("trickle.drop_stream_table('public.totals')", other.StandardError);
    }

    private static async Task<string> RunAsync(TestDatabase database, string script, string what)
    {
        var result = await database.RunPsqlScriptAsync(script);
        Assert.True(result.Succeeded, $"{what}: {result.Describe()}");
        return result.StandardError;
    }

    private static async Task WriteAsync(NpgsqlConnection connection, Random random)
    {
        for (var i = 0; i < 6; i++)
        {
            var id = random.Next(1, 400);
            var v = random.Next(-8, 20).ToString(CultureInfo.InvariantCulture);
            var sql = random.Next(3) switch
            {
                0 => $"INSERT INTO m VALUES ({id}, {random.Next(0, 7)}, {v}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
                1 => $"UPDATE m SET v = {v}, g = {random.Next(0, 7)} WHERE id = {id}",
                _ => $"DELETE FROM m WHERE id = {id}",
            };
            await ExecuteAsync(connection, sql);
        }
    }

    /// <summary>The catalog row (with its xmin and ctid: any update changes them) and the storage's file and row versions.</summary>
    private static async Task<string> StateAsync(NpgsqlConnection connection)
    {
        var catalog = await ScalarAsync<string>(connection,
            $"SELECT c.xmin::text || ' ' || c.ctid::text || ' ' || row_to_json(c)::text FROM trickle.stream_table_catalog AS c WHERE c.table_name = '{Name}'");
        var storage = await StorageAsync(connection);
        return catalog + "\n" + storage.Filenode + "\n" + storage.Rows;
    }

    private static async Task<(long Filenode, string Rows)> StorageAsync(NpgsqlConnection connection)
    {
        var storage = await ScalarAsync<string>(connection, $"SELECT storage_table::text FROM trickle.stream_table_catalog WHERE table_name = '{Name}'");
        var filenode = await ScalarAsync<long>(connection, $"SELECT pg_relation_filenode('{storage.Replace("'", "''", StringComparison.Ordinal)}')::bigint");
        var rows = await ScalarAsync<string>(connection, $"SELECT COALESCE(string_agg(s.ctid::text || '/' || s.xmin::text, ',' ORDER BY s.ctid), '') FROM {storage} AS s");
        return (filenode, rows);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? default! : (T)value!;
    }
}
