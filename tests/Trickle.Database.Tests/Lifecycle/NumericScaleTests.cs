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
