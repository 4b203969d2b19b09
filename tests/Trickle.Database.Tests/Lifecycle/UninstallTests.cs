using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.InstallTests;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// Removing Trickle leaves the database as it was before the first install: no trigger on a source, a partition or a
/// child table, no event trigger, no stream table view; and the application's writes keep working. Both ways the
/// production guide gives: trickle.uninstall() and DROP SCHEMA trickle CASCADE.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UninstallTests(PostgresCluster cluster)
{
    private const string PartitionedSchema = """
        CREATE TABLE p (id integer NOT NULL, g integer NOT NULL, v numeric) PARTITION BY RANGE (id);
        CREATE TABLE p_low PARTITION OF p FOR VALUES FROM (MINVALUE) TO (100);
        CREATE TABLE p_high PARTITION OF p FOR VALUES FROM (100) TO (MAXVALUE);
        """;

    [Theory]
    [InlineData("SELECT trickle.uninstall()")]
    [InlineData("DROP SCHEMA trickle CASCADE")]
    public async Task Removal_LeavesTheSourcesAsBeforeTheFirstInstall(string removal)
    {
        await using var database = await cluster.CreateDatabaseAsync("uninstall_" + removal.Split(' ')[0].ToLowerInvariant());
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        await database.ExecuteAsync(PartitionedSchema);
        await database.ExecuteAsync("INSERT INTO p SELECT i, i % 3, i FROM generate_series(1, 200) AS i");
        var before = await SnapshotObjectsAsync(database);

        // Every kind of capture: IMMEDIATE and DIFFERENTIAL triggers, partitions followed, one stream table reading another.
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "totals", "immediate"), "totals");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Overall, "overall", "differential"), "overall");
        await database.ExecutePsqlScriptAsync(Compile(PartitionedSchema, "SELECT g, sum(v) AS s FROM p GROUP BY g", "by_g", "differential"), "by_g");
        var chained = "CREATE STREAM TABLE totals AS " + Totals + ";";
        await database.ExecutePsqlScriptAsync(Compile(Schema + chained, "SELECT count(*) AS groups FROM totals", "group_count", "differential"), "group_count");
        Assert.NotEmpty(await RowsAsync(database, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'p_high'::regclass"));
        Assert.NotEmpty(await RowsAsync(database, "SELECT evtname FROM pg_event_trigger"));

        await database.ExecuteAsync(removal);

        var after = await SnapshotObjectsAsync(database);
        Assert.Equal(before.ToList(), after.ToList());
        Assert.Empty(await RowsAsync(database, "SELECT evtname FROM pg_event_trigger"));
        // The application's writes and DDL go on as if Trickle had never been there.
        await database.ExecuteAsync(Writes);
        await database.ExecuteAsync("INSERT INTO p VALUES (500, 1, 1); UPDATE p SET id = 5 WHERE id = 150; ALTER TABLE m RENAME COLUMN v TO value");
    }

    [Fact]
    public async Task Uninstall_ByARoleThatDoesNotOwnTheSchema_IsRefused()
    {
        await using var database = await cluster.CreateDatabaseAsync("uninstall_refused");
        await database.ExecuteAsync(Schema);
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "totals", "differential"), "totals");
        await database.ExecuteAsync("""
            DO $$ BEGIN CREATE ROLE trickle_uninstall_operator LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT USAGE ON SCHEMA trickle TO trickle_uninstall_operator;
            GRANT EXECUTE ON FUNCTION trickle.uninstall() TO trickle_uninstall_operator;
            """);

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            database.ExecuteAsync("SET ROLE trickle_uninstall_operator; SELECT trickle.uninstall()"));

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("does not own schema trickle", error.MessageText);
        Assert.Equal(["totals"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
    }
}
