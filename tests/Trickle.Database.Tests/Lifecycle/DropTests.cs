using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.InstallTests;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>trickle.drop_stream_table removes exactly what a script created; the catalog view and name lookup.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DropTests(PostgresCluster cluster)
{
    [Theory]
    [InlineData("differential", "immediate")]
    [InlineData("immediate", "differential")]
    [InlineData("full", "differential")]
    [InlineData("differential", "differential")]
    public async Task Drop_RemovesEverythingItCreated_AndNothingElse(string droppedMode, string keptMode)
    {
        await using var database = await cluster.CreateDatabaseAsync("drop_" + droppedMode);
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync(Seed);
        var empty = await SnapshotObjectsAsync(database);

        await database.ExecutePsqlScriptAsync(Compile(Schema, Overall, "overall", keptMode), "kept stream table");
        var withKept = await SnapshotObjectsAsync(database);
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "totals", droppedMode), "dropped stream table");
        var withBoth = await SnapshotObjectsAsync(database);
        var created = withBoth.Except(withKept).ToList();
        Assert.Contains(created, line => line.StartsWith("class v ", StringComparison.Ordinal) && line.EndsWith(".totals", StringComparison.Ordinal));
        Assert.Contains(created, line => line.StartsWith("class r ", StringComparison.Ordinal));
        if (droppedMode != "full")
            Assert.Contains(created, line => line.StartsWith("trigger m ", StringComparison.Ordinal));

        await database.ExecuteAsync(Writes);
        await RefreshAsync(database, "totals");
        await AssertMatchesAsync(database, "totals", Totals, "before the drop");
        // Quietly: the drop used to print "trigger trickle_outbox_… does not exist, skipping" three times.
        await using (var connection = await database.OpenConnectionAsync())
        {
            var notices = new List<string>();
            connection.Notice += (_, e) => notices.Add(e.Notice.MessageText);
            await using var drop = new NpgsqlCommand("SELECT trickle.drop_stream_table('totals')", connection);
            await drop.ExecuteNonQueryAsync();
            Assert.Empty(notices);
        }

        var afterDrop = await SnapshotObjectsAsync(database);
        Assert.Equal(withKept, afterDrop);
        Assert.Equal(["overall"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));

        // The other stream table on the same source keeps working.
        await database.ExecuteAsync("INSERT INTO m VALUES (500, 2, 99); DELETE FROM m WHERE id = 1; TRUNCATE m; INSERT INTO m VALUES (1, 1, 50)");
        await RefreshAsync(database, "overall");
        await AssertMatchesAsync(database, "overall", Overall, "after the other one was dropped");

        await database.ExecuteAsync("SELECT trickle.drop_stream_table('public.overall')");
        var afterAll = await SnapshotObjectsAsync(database);
        Assert.Equal(empty.ToList(), afterAll.Where(line => !IsRuntimeObject(line)).ToList());
        Assert.Empty(await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
    }

    [Fact]
    public async Task StreamTablesView_ListsModeAndSchedule()
    {
        await using var database = await cluster.CreateDatabaseAsync("listing");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "totals", "differential", schedule: "3s");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Overall, "overall", "immediate"), "overall");
        await database.ExecutePsqlScriptAsync(Compile(Schema, "SELECT g FROM m WHERE v > 10", "big", "full", schedule: "1m"), "big");

        var rows = await RowsAsync(database,
            "SELECT schema_name, name, refresh_mode, schedule, source_tables::text, defining_query IS NOT NULL FROM trickle.stream_tables");

        Assert.Equal(
        [
            "public|big|full|1m|{m}|t",
            "public|overall|immediate||{m}|t",
            "public|totals|differential|3s|{m}|t",
        ], rows);
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT refresh_count FROM trickle.stream_tables WHERE name = 'totals'"));
        await RefreshAsync(database, "totals");
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT refresh_count FROM trickle.stream_tables WHERE name = 'totals'"));
    }

    [Theory]
    [InlineData("SELECT trickle.refresh('nope')")]
    [InlineData("SELECT trickle.drop_stream_table('nope')")]
    [InlineData("SELECT trickle.refresh('public.nope')")]
    [InlineData("SELECT trickle.drop_stream_table('\"Totals\"')")]
    [InlineData("SELECT trickle.refresh('other.totals')")]
    public async Task UnknownName_FailsWithDoesNotExist(string call)
    {
        await using var database = await cluster.CreateDatabaseAsync("unknown");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "totals", "differential");
        var before = await SnapshotObjectsAsync(database);

        var error = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync(call));

        Assert.Contains("does not exist", error.MessageText);
        Assert.Equal(before, await SnapshotObjectsAsync(database));
    }

    [Theory]
    [InlineData("Weird \"Name\"")]
    [InlineData("public.Weird \"Name\"")]
    [InlineData("\"Weird \"\"Name\"\"\"")]
    [InlineData("public.\"Weird \"\"Name\"\"\"")]
    public async Task Names_AreAcceptedStoredQualifiedAndQuoted(string argument)
    {
        await using var database = await cluster.CreateDatabaseAsync("names");
        const string streamTable = "\"Weird \"\"Name\"\"\"";
        await database.ExecuteAsync(Schema + Seed);
        await CreateAndInstallPlainAsync(database);
        var withPlain = await SnapshotObjectsAsync(database);
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "Weird \"Name\"", "differential"), "weird name");

        await database.ExecuteAsync(Writes);
        await using (var connection = await database.OpenConnectionAsync())
        {
            Assert.True(await RefreshAsync(connection, argument) > 0, "the refresh should have applied the writes");
            await AssertMatchesAsync(connection, streamTable, Totals, $"after refresh('{argument}')");
            await using var drop = new NpgsqlCommand("SELECT trickle.drop_stream_table(@name)", connection);
            drop.Parameters.AddWithValue("name", argument);
            await drop.ExecuteNonQueryAsync();
        }

        Assert.Equal(["plain"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
        Assert.Null(await database.ScalarAsync<string>($"SELECT to_regclass({SqlText.Literal(streamTable)})::text"));
        var afterDrop = await SnapshotObjectsAsync(database);
        Assert.DoesNotContain(afterDrop, line => line.Contains("Weird", StringComparison.Ordinal));
        Assert.Equal(withPlain, afterDrop);
    }

    [Fact]
    public async Task StoredNameWins_OverCaseFoldedSqlForm()
    {
        await using var database = await cluster.CreateDatabaseAsync("case_names");
        await database.ExecuteAsync(Schema + Seed);
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "FOO", "differential"), "FOO");
        await database.ExecutePsqlScriptAsync(Compile(Schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "foo", "differential"), "foo");

        // 'FOO' is FOO as stored; the SQL form FOO (unquoted) would fold to foo: the stored name must win.
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('FOO')");

        Assert.Equal(["foo"], await RowsAsync(database, "SELECT name FROM trickle.stream_tables"));
    }

    private static async Task CreateAndInstallPlainAsync(TestDatabase database) =>
        await database.ExecutePsqlScriptAsync(Compile(Schema, "SELECT g, count(*) AS n FROM m GROUP BY g", "plain", "differential"), "plain");
}
