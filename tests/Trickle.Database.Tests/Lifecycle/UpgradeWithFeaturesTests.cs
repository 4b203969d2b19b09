using Npgsql;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// Upgrades meeting the other features: stream tables that read the upgraded one (refused: their capture sits on the
/// storage the swap drops), the upgraded one reading another stream table, the source guard of the new definition,
/// and switching modes (trickle.alter_stream_table) after an upgrade.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UpgradeWithFeaturesTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric NOT NULL, w integer NOT NULL DEFAULT 0);";
    private const string Seed = "INSERT INTO m SELECT i, i % 5, (i % 23) - 5, i % 7 FROM generate_series(1, 300) AS i;";
    private const string Upstream = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";
    private const string Reader = "SELECT g, s FROM totals WHERE n > 2";

    [Fact]
    public async Task Upgrade_OfAStreamTableAnotherReads_IsRefusedNamingTheReader_AndTheReaderKeepsReceivingChanges()
    {
        await using var database = await cluster.CreateDatabaseAsync("upgrade_read_by_reader");
        await CreateAndInstallAsync(database, Schema, Seed, Upstream, "totals", "differential");
        var withUpstream = Schema + $"\nCREATE STREAM TABLE totals AS {Upstream};";
        await database.ExecutePsqlScriptAsync(Compile(withUpstream, Reader, "reader", "differential"), "install of the reader");
        var before = await SnapshotObjectsAsync(database);

        const string newQuery = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS top FROM m GROUP BY g";
        var result = await database.RunPsqlScriptAsync(CompileUpgrade(Schema, newQuery, "totals", "differential"));

        Assert.False(result.Succeeded);
        Assert.Contains("stream table public.totals cannot be upgraded while stream tables read it (public.reader)", result.StandardError);
        Assert.Contains("drop them", result.StandardError);
        Assert.Equal(before, await SnapshotObjectsAsync(database));

        // The reader still receives the upstream's changes, as the recomputation of its query says.
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, "UPDATE m SET v = v + 3 WHERE id % 4 = 0; DELETE FROM m WHERE id % 11 = 0; INSERT INTO m VALUES (1000, 9, 5, 1), (1001, 9, 6, 1), (1002, 9, 7, 1)");
        await RefreshAsync(connection, "reader");
        await AssertMatchesAsync(connection, "totals", Upstream, "the upstream, after the refused upgrade");
        await AssertMatchesAsync(connection, "reader", $"SELECT g, s FROM ({Upstream}) AS t WHERE n > 2", "the reader, after the refused upgrade");
    }

    [Fact]
    public async Task Upgrade_AfterDroppingTheReader_ThenTheReaderCompiledAgainstTheDatabase_ReadsTheNewGeneration()
    {
        await using var database = await cluster.CreateDatabaseAsync("upgrade_reader_reinstalled");
        await CreateAndInstallAsync(database, Schema, Seed, Upstream, "totals", "differential");
        var withUpstream = Schema + $"\nCREATE STREAM TABLE totals AS {Upstream};";
        await database.ExecutePsqlScriptAsync(Compile(withUpstream, Reader, "reader", "immediate"), "install of the reader");
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('reader')");

        const string newQuery = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS top FROM m WHERE w <> 3 GROUP BY g";
        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, newQuery, "totals", "differential"), "upgrade of totals");

        // Offline, the compiler cannot know the upgraded upstream's generation: the install says what to do.
        var offline = await database.RunPsqlScriptAsync(Compile(Schema + $"\nCREATE STREAM TABLE totals AS {newQuery};", Reader, "reader", "immediate"));
        Assert.False(offline.Succeeded);
        Assert.Contains("compile this one against the database", offline.StandardError);

        // Against the database, the reader captures on the new generation's storage.
        await database.ExecutePsqlScriptAsync(await CompileLiveAsync(database, Reader, "reader", "immediate"), "install of the reader against the database");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_dependencies WHERE table_name = 'reader' AND upstream_name = 'totals'"));
        var random = new Random(11);
        for (var step = 0; step < 8; step++)
        {
            await ExecuteAsync(connection, RandomWrite(random));
            await RefreshAsync(connection, "totals");
            await AssertMatchesAsync(connection, "totals", newQuery, $"the upgraded upstream, step {step}");
            await AssertMatchesAsync(connection, "reader", $"SELECT g, s FROM ({newQuery}) AS t WHERE n > 2", $"the reader of the upgraded upstream, step {step}");
        }
    }

    [Fact]
    public async Task Upgrade_ToAQueryReadingAnotherStreamTable_RecordsTheDependency_AndRefreshesCascade()
    {
        await using var database = await cluster.CreateDatabaseAsync("upgrade_to_reader");
        await CreateAndInstallAsync(database, Schema, Seed, Upstream, "totals", "differential");
        await database.ExecutePsqlScriptAsync(Compile(Schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "summary", "auto"), "install of summary");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_dependencies"));

        // summary now reads totals: its capture goes on totals' storage, its dependency is recorded.
        var withUpstream = Schema + $"\nCREATE STREAM TABLE totals AS {Upstream};";
        const string newQuery = "SELECT g, s FROM totals WHERE n > 2";
        await database.ExecutePsqlScriptAsync(CompileUpgrade(withUpstream, newQuery, "summary", "auto"), "upgrade of summary to read totals");
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_dependencies WHERE table_name = 'summary' AND upstream_name = 'totals'"));
        // totals cannot be dropped while summary reads it, nor upgraded.
        var drop = await database.RunPsqlScriptAsync("SELECT trickle.drop_stream_table('totals');");
        Assert.False(drop.Succeeded);
        Assert.Contains("stream tables read it (public.summary)", drop.StandardError);

        var random = new Random(23);
        for (var step = 0; step < 6; step++)
        {
            await ExecuteAsync(connection, RandomWrite(random));
            await RefreshAsync(connection, "summary");
            await AssertMatchesAsync(connection, "summary", $"SELECT g, s FROM ({Upstream}) AS t WHERE n > 2", $"summary over totals, step {step}");
        }

        // And back to reading m alone: the dependency goes with the old definition.
        const string back = "SELECT g, count(*) AS n FROM m GROUP BY g";
        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, back, "summary", "immediate"), "upgrade of summary back");
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.stream_table_dependencies"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, """
            SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'trickle'::regnamespace AND c.relname LIKE 'totals%' AND NOT t.tgisinternal
            """));
        await ExecuteAsync(connection, RandomWrite(random));
        await AssertMatchesAsync(connection, "summary", back, "summary after its upgrade back to m (IMMEDIATE)");
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('totals')");
    }

    [Fact]
    public async Task Guard_AfterAnUpgrade_ProtectsWhatTheNewQueryReads_AndNoLongerWhatOnlyTheOldOneRead()
    {
        await using var database = await cluster.CreateDatabaseAsync("upgrade_guard");
        const string schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric NOT NULL, w integer NOT NULL DEFAULT 0, x integer NOT NULL DEFAULT 1);";
        await CreateAndInstallAsync(database, schema, Seed, "SELECT g, sum(w) AS s FROM m GROUP BY g", "totals", "differential");
        await using var connection = await database.OpenConnectionAsync();

        // Before: w is protected.
        var refused = await database.RunPsqlScriptAsync("ALTER TABLE m DROP COLUMN w;");
        Assert.False(refused.Succeeded);

        await database.ExecutePsqlScriptAsync(CompileUpgrade(schema, "SELECT g, sum(x) AS s FROM m GROUP BY g", "totals", "differential"), "upgrade to read x instead of w");

        // Only the new query reads x: dropping it, or renaming it, is refused, naming the new generation's guard.
        var dropX = await database.RunPsqlScriptAsync("ALTER TABLE m DROP COLUMN x;");
        Assert.False(dropX.Succeeded);
        Assert.Contains("defining_query", dropX.StandardError);
        var renameX = await database.RunPsqlScriptAsync("ALTER TABLE m RENAME COLUMN x TO y;");
        Assert.False(renameX.Succeeded);
        Assert.Contains("totals", renameX.StandardError);
        // The record names the new definition's reads: x, not w.
        var reads = await RowsAsync(connection, "SELECT column_name FROM trickle.source_reads WHERE table_name = 'totals' AND column_name IS NOT NULL ORDER BY 1");
        Assert.Equal(["g", "x"], reads);
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relname LIKE 'totals%defining_query'"));

        // Only the old query read w: it may go now.
        await database.ExecuteAsync("ALTER TABLE m DROP COLUMN w");
        await ExecuteAsync(connection, "UPDATE m SET x = id % 3 WHERE id % 2 = 0");
        await RefreshAsync(connection, "totals");
        await AssertMatchesAsync(connection, "totals", "SELECT g, sum(x) AS s FROM m GROUP BY g", "after dropping the column only the old query read");
    }

    public static TheoryData<string, string> ModePairs => new()
    {
        { "differential", "immediate" },
        { "immediate", "auto" },
        { "full", "differential" },
    };

    [Theory]
    [MemberData(nameof(ModePairs))]
    public async Task AlterStreamTable_AfterAnUpgrade_SwitchesAlongEveryMode_AndMatchesTheRecomputation(string upgradedMode, string firstSwitch)
    {
        await using var database = await cluster.CreateDatabaseAsync($"upgrade_alter_{upgradedMode}");
        await CreateAndInstallAsync(database, Schema, Seed, Upstream, "totals", "auto");
        const string newQuery = "SELECT g, count(*) AS n, sum(v) AS s, min(w) AS lo FROM m WHERE v > -3 GROUP BY g";
        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, newQuery, "totals", upgradedMode), $"upgrade to {upgradedMode}");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(upgradedMode, await ScalarAsync<string>(connection, "SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = 'totals'"));
        Assert.EndsWith("__switch_mode\"(text)", await ScalarAsync<string>(connection, "SELECT switch_function::text FROM trickle.stream_table_catalog WHERE table_name = 'totals'"));
        Assert.Contains("~g", await ScalarAsync<string>(connection, "SELECT switch_function::text FROM trickle.stream_table_catalog WHERE table_name = 'totals'"));

        var random = new Random(31);
        string[] modes = [firstSwitch, "full", "immediate", "differential", "auto", upgradedMode];
        foreach (var mode in modes)
        {
            await ExecuteAsync(connection, RandomWrite(random));
            await ExecuteAsync(connection, $"SELECT trickle.alter_stream_table('totals', refresh_mode => '{mode}')");
            Assert.Equal(mode, await ScalarAsync<string>(connection, "SELECT refresh_mode FROM trickle.stream_table_catalog WHERE table_name = 'totals'"));
            await AssertMatchesAsync(connection, "totals", newQuery, $"right after switching to {mode}");
            for (var step = 0; step < 3; step++)
            {
                await ExecuteAsync(connection, RandomWrite(random));
                if (mode != "immediate")
                    await RefreshAsync(connection, "totals");
                await AssertMatchesAsync(connection, "totals", newQuery, $"in {mode} after the upgrade, step {step}");
            }
        }
        // Only the installed mode's triggers, all of the new generation.
        var triggers = await RowsAsync(connection, "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'trickle%totals%' ORDER BY 1");
        Assert.All(triggers, t => Assert.Contains("~g", t));
        Assert.Equal(upgradedMode switch { "full" => 0, "immediate" => 5, _ => 4 }, triggers.Count);
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('totals')");
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relnamespace = 'trickle'::regnamespace AND relname LIKE 'totals%'"));
    }

    private static async Task<string> CompileLiveAsync(TestDatabase database, string query, string name, string mode)
    {
        var catalog = await LiveCatalogReader.ReadAsync(database.ConnectionString, CancellationToken.None);
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog,
            new CompilationOptions(Name: name, Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true)));
        if (!result.Success)
            throw new InvalidOperationException("query did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    private static string RandomWrite(Random random)
    {
        var id = random.Next(1, 400);
        var g = random.Next(0, 6);
        var v = random.Next(-8, 20);
        return random.Next(4) switch
        {
            0 => $"INSERT INTO m (id, g, v, w) VALUES ({id}, {g}, {v}, {id % 7}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
            1 => $"UPDATE m SET v = {v}, w = {id % 5} WHERE id = {id}",
            2 => $"UPDATE m SET g = {g} WHERE id BETWEEN {id} AND {id + 3}",
            _ => $"DELETE FROM m WHERE id = {id}",
        };
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
