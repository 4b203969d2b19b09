using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// IMMEDIATE maintenance is correct only for READ COMMITTED writers (a fresh snapshot after the group locks). Writers
/// at stronger isolation are refused with a clear error instead of risking a duplicated group.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ImmediateIsolationTests(PostgresCluster cluster)
{
    private const string Query = "SELECT grp, count(*) AS n, sum(qty) AS s FROM items GROUP BY grp";

    [Theory]
    [InlineData("REPEATABLE READ")]
    [InlineData("SERIALIZABLE")]
    public async Task Immediate_WriterAboveReadCommitted_IsRefusedAndNothingChanges(string isolation)
    {
        await using var database = await InstallAsync();
        await using var connection = await database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var set = new NpgsqlCommand($"SET TRANSACTION ISOLATION LEVEL {isolation}", connection, transaction);
            await set.ExecuteNonQueryAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO items (id, grp, qty) VALUES (100, 'new', 1)", connection, transaction);
            var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.Equal("0A000", error.SqlState);
            Assert.Contains("needs READ COMMITTED", error.MessageText);
        }
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM items WHERE id = 100"));
        await AssertMatchesRecomputation(database);
    }

    [Fact]
    public async Task Immediate_ReadCommittedWriter_IsMaintainedAtCommit()
    {
        await using var database = await InstallAsync();
        await database.ExecuteAsync("BEGIN ISOLATION LEVEL READ COMMITTED; INSERT INTO items (id, grp, qty) VALUES (100, 'new', 1); COMMIT;");
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT n FROM immediate_items WHERE grp = 'new'"));
        await AssertMatchesRecomputation(database);
    }

    private async Task<TestDatabase> InstallAsync()
    {
        var database = await cluster.CreateDatabaseAsync("isolation");
        await database.ExecutePsqlScriptAsync(Schemas.Items + Schemas.ItemsSeed, "schema");
        await database.ExecutePsqlScriptAsync(TrickleCompiler.CompileScript(Schemas.Items, Query, "immediate_items", "immediate"), "install");
        return database;
    }

    private static async Task AssertMatchesRecomputation(TestDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync();
        var comparison = await ResultComparer.CompareAsync(connection, "immediate_items", Query);
        Assert.True(comparison.IsMatch, comparison.Describe());
    }
}
