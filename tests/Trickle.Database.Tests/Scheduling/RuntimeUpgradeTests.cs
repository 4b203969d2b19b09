using Trickle.Compiler;
using Trickle.Compiler.Emit;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>A database whose stream tables a 0.2 runtime installed is upgraded in place by the next install, and scheduled.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RuntimeUpgradeTests(PostgresCluster cluster)
{
    private const string NewQuery = "SELECT status, count(*) AS n FROM orders GROUP BY status";

    [Fact]
    public async Task StreamTableOfRuntime020_IsScheduledAfterTheNextInstallUpgradesTheRuntime()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_upgrade");
        var schema = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "schema.sql"));
        await database.ExecuteAsync(schema);
        await database.ExecutePsqlScriptAsync(await FixtureAsync("order_totals.runtime-0.2.0.sql"), "the 0.2.0 install of order_totals");
        Assert.Equal("0.2.0", await database.ScalarAsync<string>("SELECT version FROM trickle.runtime_info"));

        await database.ExecutePsqlScriptAsync(Compile(schema, NewQuery, "per_status", "differential", "200ms"), "install of per_status");

        Assert.Equal(ScriptEmitter.RuntimeVersion, await database.ScalarAsync<string>("SELECT version FROM trickle.runtime_info"));
        await using var connection = await database.OpenConnectionAsync();
        // The old stream table keeps its schedule ('5s') and is due at once; its buffers are not listed (pending unknown).
        Assert.Equal(["order_totals|5s|active|t|", "per_status|200ms|active|t|0"], await RowsAsync(connection, """
            SELECT name, schedule, status, next_refresh_at IS NOT NULL, pending_changes FROM trickle.stream_tables
            """));

        await database.ExecuteAsync("""
            INSERT INTO customers VALUES (1, 'Ada', 'eu', now());
            INSERT INTO orders SELECT i, 1, CASE WHEN i % 3 = 0 THEN 'shipped' ELSE 'open' END, i, 1, now() FROM generate_series(1, 30) AS i;
            """);
        await using (var scheduler = await StartAsync(database))
        {
            await EventuallyAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM order_totals") > 0
                && await database.ScalarAsync<long>("SELECT count(*) FROM per_status") == 2, "both stream tables refreshed by the scheduler");
            await scheduler.StopAsync();
        }
        var oldQuery = await database.ScalarAsync<string>("SELECT defining_query FROM trickle.stream_tables WHERE name = 'order_totals'");
        await AssertMatchesAsync(connection, "order_totals", oldQuery!, "the 0.2.0 stream table, refreshed by the 0.3 scheduler");
        await AssertMatchesAsync(connection, "per_status", NewQuery);

        // The old stream table's schedule can be changed at run time; its mode cannot (it has no switch function).
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('order_totals', schedule => '90s')");
        Assert.Equal("1m30s", await database.ScalarAsync<string>("SELECT schedule FROM trickle.stream_tables WHERE name = 'order_totals'"));
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            database.ExecuteAsync("SELECT trickle.alter_stream_table('order_totals', refresh_mode => 'immediate')"));
        Assert.Equal("0A000", refused.SqlState);
        Assert.Contains("before 0.4", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal("differential", await database.ScalarAsync<string>("SELECT refresh_mode FROM trickle.stream_tables WHERE name = 'order_totals'"));
        await database.ExecuteAsync("SELECT trickle.alter_stream_table('per_status', refresh_mode => 'immediate')");
        await AssertMatchesAsync(connection, "per_status", NewQuery, "after switching the new stream table to IMMEDIATE");
    }

    [Fact]
    public async Task StreamTableOfRuntime020_CannotBeReadByAStreamTable_UntilReinstalled_AndCanBeDroppedAfterTheUpgrade()
    {
        await using var database = await cluster.CreateDatabaseAsync("dag_upgrade");
        var schema = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "schema.sql"));
        await database.ExecuteAsync(schema);
        var oldInstall = await FixtureAsync("order_totals.runtime-0.2.0.sql");
        await database.ExecutePsqlScriptAsync(oldInstall, "the 0.2.0 install of order_totals");
        var oldQuery = await database.ScalarAsync<string>("SELECT defining_query FROM trickle.stream_tables WHERE name = 'order_totals'");
        var withUpstream = schema + $"\nCREATE STREAM TABLE order_totals AS {oldQuery};";
        const string reader = "SELECT count(*) AS customers FROM order_totals";

        // The 0.2.0 stream table has no view-rows function: refused, with nothing installed (the runtime stays 0.2.0).
        var refused = await database.RunPsqlScriptAsync(Compile(withUpstream, reader, "customers_with_orders", "differential"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("installed by a trickle older than 0.4", refused.StandardError);
        Assert.Equal("0.2.0", await database.ScalarAsync<string>("SELECT version FROM trickle.runtime_info"));

        // After an upgrade (any install), the old one can be dropped with the two-argument drop and installed again.
        await database.ExecutePsqlScriptAsync(Compile(schema, NewQuery, "per_status", "differential"), "install of per_status");
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('order_totals')");
        await database.ExecutePsqlScriptAsync(Compile(schema, oldQuery!, "order_totals", "differential"), "reinstall of order_totals");
        await database.ExecutePsqlScriptAsync(Compile(withUpstream, reader, "customers_with_orders", "differential"), "install of its reader");
        await database.ExecuteAsync("""
            INSERT INTO customers VALUES (1, 'Ada', 'eu', now()), (2, 'Bob', 'us', now());
            INSERT INTO orders SELECT i, 1 + i % 2, 'open', i, 1, now() FROM generate_series(1, 10) AS i;
            """);
        await RefreshAsync(database, "customers_with_orders");
        await AssertMatchesAsync(database, "customers_with_orders", $"SELECT count(*) AS customers FROM ({oldQuery}) AS t");
    }

    private static async Task<string> FixtureAsync(string name)
    {
        await using var stream = typeof(RuntimeUpgradeTests).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"fixture {name} is not embedded");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
