using System.Data;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// SUM and AVG over unconstrained numeric must show PostgreSQL's display scale ('2', not '2.000'). EXCEPT ALL treats
/// 2.000 = 2, so these tests compare the text of every value.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NumericScaleTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer, v numeric);";
    private const string Query = "SELECT g, sum(v) AS s, avg(v) AS a FROM m GROUP BY g";
    private const string StreamTableText = "SELECT g, s::text AS s, a::text AS a FROM st";
    private const string RecomputedText = "SELECT g, sum(v)::text AS s, avg(v)::text AS a FROM m GROUP BY g";

    private static async Task AssertSameTextAsync(TestDatabase database, string because)
    {
        await using var connection = await database.OpenConnectionAsync();
        await AssertMatchesAsync(connection, "st", Query, because);
        Assert.Equal(await RowsAsync(connection, RecomputedText), await RowsAsync(connection, StreamTableText));
    }

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task GroupBornWithAWideScaleRowThatIsDeletedInTheSameTransaction_ShowsTheRemainingScale(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("scale_born_" + mode);
        await CreateAndInstallAsync(database, Schema, "INSERT INTO m VALUES (1, 1, 1.5)", Query, "st", mode);
        await using (var connection = await database.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "INSERT INTO m VALUES (10, 7, 1.555)", transaction);
            await ExecuteAsync(connection, "DELETE FROM m WHERE id = 10", transaction);
            await ExecuteAsync(connection, "INSERT INTO m VALUES (11, 7, 2)", transaction);
            await transaction.CommitAsync();
        }
        await RefreshAsync(database, "st");
        Assert.Equal("2", await database.ScalarAsync<string>("SELECT s::text FROM st WHERE g = 7"));
        await AssertSameTextAsync(database, "after insert, delete, insert in one transaction");
    }

    [Theory]
    [InlineData("differential", false)]
    [InlineData("differential", true)]
    [InlineData("immediate", false)]
    public async Task DeletingTheRowWithTheLargestScale_ShrinksTheDisplayScale(string mode, bool rowsArriveAfterInstall)
    {
        await using var database = await cluster.CreateDatabaseAsync("scale_shrink_" + mode);
        const string rows = "INSERT INTO m VALUES (1, 5, 1.5), (2, 5, 2.25), (3, 5, 3), (4, 6, 0.125), (5, 6, 1)";
        await CreateAndInstallAsync(database, Schema, rowsArriveAfterInstall ? null : rows, Query, "st", mode);
        if (rowsArriveAfterInstall)
        {
            await database.ExecuteAsync(rows);
            await RefreshAsync(database, "st");
        }
        await AssertSameTextAsync(database, "before the delete");

        await database.ExecuteAsync("DELETE FROM m WHERE id = 2");
        await RefreshAsync(database, "st");
        Assert.Equal("4.5", await database.ScalarAsync<string>("SELECT s::text FROM st WHERE g = 5"));
        await AssertSameTextAsync(database, "after deleting 2.25");

        // Lowering a value's scale by an update, and a group whose wide-scale row leaves by a group change.
        await database.ExecuteAsync("UPDATE m SET v = 2 WHERE id = 1; UPDATE m SET g = 5 WHERE id = 4");
        await RefreshAsync(database, "st");
        await AssertSameTextAsync(database, "after updates");
        await database.ExecuteAsync("UPDATE m SET v = 3.0 WHERE id = 3; DELETE FROM m WHERE id = 4");
        await RefreshAsync(database, "st");
        await AssertSameTextAsync(database, "after 3 became 3.0 and 0.125 left");
    }

    /// <summary>
    /// Where the types decide the scale (TPC-H's sum(l_extendedprice * (1 - l_discount)) over numeric(15,2) columns),
    /// no scale is tracked, so a delete-only batch rescans nothing from the source (the script computes no largest
    /// scale), and every value still prints as PostgreSQL prints it (products add scales, sums and differences keep the larger,
    /// a cast fixes it).
    /// </summary>
    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task ScaleDecidedByTheTypes_IsNotTracked_AndDeleteOnlyBatchesKeepTheDisplayScale(string mode)
    {
        const string schema = "CREATE TABLE li (id integer PRIMARY KEY, g integer NOT NULL, price numeric(12,2), discount numeric(4,2), qty integer);";
        const string query = """
            SELECT g, sum(price * (1 - discount)) AS net, sum(price * qty + 0.5) AS gross, sum(-price) AS neg,
                   sum(CAST(price AS numeric(14,3))) AS widened, stddev_samp(price * 2) AS spread, avg(price * (1 - discount)) AS mean
            FROM li GROUP BY g
            """;
        const string text = "SELECT g, net::text, gross::text, neg::text, widened::text, spread::text, mean::text FROM ";
        var script = Compile(schema, query, "st", mode);
        Assert.DoesNotContain("max(scale(", script);   // no scale state, so no rescan of it either

        await using var database = await cluster.CreateDatabaseAsync("scale_typed_" + mode);
        await database.ExecuteAsync(schema);
        await database.ExecuteAsync("INSERT INTO li SELECT i, i % 3, i * 1.25, (i % 7) * 0.01, i % 5 FROM generate_series(1, 60) AS i");
        await database.ExecutePsqlScriptAsync(script, "st");
        var recomputed = text + "(" + query + ") AS q ORDER BY g";
        var stored = text + "st ORDER BY g";
        string[] deleteOnly =
        [
            "DELETE FROM li WHERE id % 4 = 0",
            "DELETE FROM li WHERE g = 1 AND id > 30",
            "DELETE FROM li WHERE discount = 0.06",
            "UPDATE li SET price = NULL WHERE id = 5; DELETE FROM li WHERE id IN (7, 9)",
            "DELETE FROM li WHERE g = 2",
        ];
        foreach (var batch in deleteOnly)
        {
            await database.ExecuteAsync(batch);
            await RefreshAsync(database, "st");
            await using var connection = await database.OpenConnectionAsync();
            await AssertMatchesAsync(connection, "st", query, batch);
            Assert.Equal(await RowsAsync(connection, recomputed), await RowsAsync(connection, stored));
        }
    }

    /// <summary>
    /// A bag shows each row as it is: 2.5 and 2.50 are equal numerics but different rows to a reader. Counted rows keep
    /// them apart by scale, so deleting one leaves the other exactly as it was written.
    /// </summary>
    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task EqualValuesOfDifferentScale_StayDistinctRowsOfABag(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("scale_bag_" + mode);
        const string bag = "SELECT g, v, v * 2 AS doubled FROM m";
        await CreateAndInstallAsync(database, Schema, "INSERT INTO m VALUES (1, 1, 2.5), (2, 1, 2.50), (3, 1, 2.500)", bag, "st", mode);
        await AssertMatchesAsync(database, "st", bag, "after install");

        await database.ExecuteAsync("DELETE FROM m WHERE id = 1; INSERT INTO m VALUES (4, 1, 2.5000)");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", bag, "after replacing 2.5 by 2.5000");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(["2.50", "2.500", "2.5000"], (await RowsAsync(connection, "SELECT v::text FROM st")).Order().ToList());
    }
}
