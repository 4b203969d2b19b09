using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.InfrastructureTests;

[Collection(PostgresCollection.Name)]
public sealed class ResultComparerTests(PostgresCluster cluster)
{
    private const string Query = "SELECT a, b FROM src";

    [Fact]
    public async Task EqualMultisets_WithDuplicatesAndNulls_Match()
    {
        await using var database = await SetUpAsync("INSERT INTO st VALUES (1, 'x'), (1, 'x'), (NULL, NULL), (2, 'it''s')");
        await using var connection = await database.OpenConnectionAsync();
        var result = await ResultComparer.CompareAsync(connection, "st", Query + ";");
        Assert.True(result.IsMatch, result.Describe());
    }

    [Fact]
    public async Task MissingDuplicate_IsReportedOnTheRecomputationSide()
    {
        await using var database = await SetUpAsync("INSERT INTO st VALUES (1, 'x'), (NULL, NULL), (2, 'it''s'), (9, 'extra')");
        await using var connection = await database.OpenConnectionAsync();
        var result = await ResultComparer.CompareAsync(connection, "st", Query);
        Assert.False(result.IsMatch);
        Assert.Equal(["(9,extra)"], result.OnlyInStreamTable);
        Assert.Equal(["(1,x)"], result.OnlyInQuery);
        Assert.Contains("Rows only in the stream table (1):", result.Describe());
    }

    [Fact]
    public async Task ColumnNamesOrOrderDiffer_IsAMismatch()
    {
        await using var database = await SetUpAsync(null);
        await using var connection = await database.OpenConnectionAsync();
        var swapped = await ResultComparer.CompareAsync(connection, "st", "SELECT b, a FROM src");
        Assert.False(swapped.ColumnsMatch);
        var renamed = await ResultComparer.CompareAsync(connection, "st", "SELECT a AS c, b FROM src");
        Assert.False(renamed.ColumnsMatch);
        Assert.Contains("\"c\" integer", renamed.Describe());
        var retyped = await ResultComparer.CompareAsync(connection, "st", "SELECT a::bigint AS a, b FROM src");
        Assert.False(retyped.ColumnsMatch);
    }

    private async Task<TestDatabase> SetUpAsync(string? streamTableRows)
    {
        var database = await cluster.CreateDatabaseAsync("cmp");
        await database.ExecutePsqlScriptAsync($"""
            CREATE TABLE src (a integer, b text);
            INSERT INTO src VALUES (1, 'x'), (1, 'x'), (NULL, NULL), (2, 'it''s');
            CREATE TABLE st (a integer, b text);
            {streamTableRows ?? ""};
            """, "test setup");
        return database;
    }
}
