using System.Data;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>TRUNCATE of a source: no transition table, so the stream table is recomputed; buffered changes not applied twice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TruncateTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 3, i FROM generate_series(1, 12) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS mx FROM m GROUP BY g";
    private const string Overall = "SELECT count(*) AS n, sum(v) AS s FROM m";

    [Theory]
    [InlineData("differential", Totals)]
    [InlineData("differential", Overall)]
    [InlineData("immediate", Totals)]
    [InlineData("immediate", Overall)]
    public async Task TruncateAfterBufferedChanges_IsConsistent_AndNothingIsAppliedTwice(string mode, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync("truncate_" + mode);
        await CreateAndInstallAsync(database, Schema, Seed, query, "st", mode);
        await using var connection = await database.OpenConnectionAsync();

        // Committed, not yet refreshed (buffered in DIFFERENTIAL).
        await ExecuteAsync(connection, "INSERT INTO m VALUES (100, 1, 5), (101, 7, 6); UPDATE m SET v = 50 WHERE id = 2; DELETE FROM m WHERE id = 3");
        // Another transaction truncates and writes again, after and before the truncate.
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "INSERT INTO m VALUES (200, 2, 1)", transaction);
            await ExecuteAsync(connection, "TRUNCATE m", transaction);
            await ExecuteAsync(connection, "INSERT INTO m VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)", transaction);
            if (mode == "immediate")
                await AssertMatchesAsync(connection, "st", query, "inside the truncating transaction");
            await transaction.CommitAsync();
        }
        if (mode == "immediate")
            await AssertMatchesAsync(connection, "st", query, "at commit");
        await RefreshAsync(connection, "st");
        await AssertMatchesAsync(connection, "st", query, "after the truncate and a refresh");
        Assert.Equal(0L, await RefreshAsync(connection, "st"));
        await AssertMatchesAsync(connection, "st", query, "after a further refresh");

        // Maintenance goes on normally after a truncate.
        await ExecuteAsync(connection, "INSERT INTO m VALUES (4, 2, 4); UPDATE m SET g = 2 WHERE id = 1; DELETE FROM m WHERE id = 2");
        await RefreshAsync(connection, "st");
        await AssertMatchesAsync(connection, "st", query, "after writes following the truncate");
    }

    [Fact]
    public async Task TruncateWhileAnotherStreamTableHasBufferedChanges_KeepsBothCorrect()
    {
        await using var database = await cluster.CreateDatabaseAsync("truncate_two");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "by_group", "differential");
        await database.ExecutePsqlScriptAsync(StreamTableHarness.Compile(Schema, Overall, "overall", "differential"), "overall");
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, "INSERT INTO m VALUES (100, 1, 5)");
        await RefreshAsync(connection, "by_group");          // overall still has the insert buffered
        await ExecuteAsync(connection, "DELETE FROM m WHERE id = 100; TRUNCATE m; INSERT INTO m VALUES (7, 0, 7)");
        await RefreshAsync(connection, "overall");
        await RefreshAsync(connection, "by_group");
        await AssertMatchesAsync(connection, "overall", Overall, "overall after the truncate");
        await AssertMatchesAsync(connection, "by_group", Totals, "by_group after the truncate");
    }
}
