using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Batches the random writes of the corpus reach only at some seeds, written out: a UNION recursion must derive nothing
/// from a source row that a batch inserted and deleted again (a soak seed showed reachable pairs through an edge that an
/// UPDATE created and a second UPDATE moved away, in one refresh).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecursiveBatchTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE edges (src integer, dst integer);";
    private const string Query = "WITH RECURSIVE r(a, b) AS (SELECT src, dst FROM edges UNION SELECT r.a, e.dst FROM r JOIN edges e ON e.src = r.b) SELECT a, b FROM r";

    [Theory]
    [InlineData("differential")]
    [InlineData("auto")]
    [InlineData("immediate")]
    public async Task EdgeInsertedAndGoneAgainInOneBatch_DerivesNothing(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync($"recursive_batch_{mode}");
        await database.ExecuteAsync(Schema + "INSERT INTO edges VALUES (6, 7), (7, 6), (4, 5), (1, 2), (1, 2);");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Query, "pairs", mode), "install");

        // One batch: (4, 5) moves to (7, 5), then on to (7, -1); a second (1, 2) comes and goes; (1, 2) stays once.
        await database.ExecuteAsync("""
            BEGIN;
            UPDATE edges SET src = 7 WHERE src = 4;
            UPDATE edges SET dst = -1 WHERE dst = 5;
            INSERT INTO edges VALUES (2, 9);
            DELETE FROM edges WHERE src = 2;
            DELETE FROM edges WHERE ctid = (SELECT min(ctid) FROM edges WHERE src = 1);
            COMMIT;
            """);
        if (mode != "immediate")
            await database.ExecuteAsync("SELECT trickle.refresh('pairs')");

        var expected = await RowsAsync(database, $"SELECT a, b FROM ({Query}) AS q ORDER BY 1, 2");
        Assert.Equal(expected, await RowsAsync(database, "SELECT a, b FROM pairs ORDER BY 1, 2"));
        Assert.DoesNotContain("6|5", expected);
        Assert.Contains("7|-1", expected);
    }
}
