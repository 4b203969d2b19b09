using System.Data;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Concurrency;

/// <summary>
/// The DIFFERENTIAL invariant: a refresh consumes exactly the changes visible in its snapshot. Uncommitted changes are
/// neither applied nor lost, committed ones are applied exactly once, and a refresh never waits for a writer.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DifferentialConsistencyTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 5, i * 0.5 FROM generate_series(1, 40) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM m GROUP BY g";
    private const string Name = "totals";
    private static readonly TimeSpan NoBlocking = TimeSpan.FromSeconds(5);

    // Group 2 gains a row, group 3's value changes (its minimum), group 1 loses its minimum row.
    private const string WritesOfA = """
        INSERT INTO m VALUES (1001, 2, 0.01);
        UPDATE m SET v = -7 WHERE id = 3;
        DELETE FROM m WHERE id = 1;
        """;

    private async Task<TestDatabase> CreateAsync(string prefix)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await CreateAndInstallAsync(database, Schema, Seed, Totals, Name, "differential");
        return database;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RefreshDuringAnOpenWriter_DoesNotBlock_AndSkipsItsChanges_ThenAppliesThemOnce(bool commit)
    {
        await using var database = await CreateAsync(commit ? "open_writer_commit" : "open_writer_rollback");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await ExecuteAsync(b, "INSERT INTO m VALUES (2001, 4, 100)");  // committed before A: must be applied now
        var before = await RowsAsync(b, "SELECT g, n, s::text, mn::text, mx::text FROM totals");

        await using var transaction = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await ExecuteAsync(a, WritesOfA, transaction);

        var applied = await WithinAsync(NoBlocking, "refresh while A is open", token => RefreshAsync(b, Name, token));
        Assert.True(applied > 0, "the change committed before A should have been applied");
        await AssertMatchesAsync(b, Name, Totals, "while A is still open (B's snapshot)");
        Assert.NotEqual(before, await RowsAsync(b, "SELECT g, n, s::text, mn::text, mx::text FROM totals"));
        // A sees its own changes in the source but not in the stream table: they are not applied yet.
        var comparisonInA = await ResultComparer.CompareAsync(a, Name, Totals);
        Assert.False(comparisonInA.IsMatch, "A's own uncommitted changes must not be in the stream table yet");

        if (commit)
            await transaction.CommitAsync();
        else
            await transaction.RollbackAsync();

        var appliedAfter = await WithinAsync(NoBlocking, "refresh after A ended", token => RefreshAsync(b, Name, token));
        await AssertMatchesAsync(b, Name, Totals, commit ? "after A committed" : "after A rolled back");
        if (commit)
            Assert.True(appliedAfter > 0, "A's committed changes should have been applied");
        else
            Assert.Equal(0L, appliedAfter);

        var stable = await RowsAsync(b, "SELECT g, n, s::text, mn::text, mx::text FROM totals");
        Assert.Equal(0L, await RefreshAsync(b, Name));
        Assert.Equal(stable, await RowsAsync(b, "SELECT g, n, s::text, mn::text, mx::text FROM totals"));
        await AssertMatchesAsync(b, Name, Totals, "after a further refresh");
    }

    [Fact]
    public async Task RefreshInsideAReadCommittedTransaction_AppliesItsOwnWrites_AndNotAnOpenWritersOnes()
    {
        await using var database = await CreateAsync("refresh_in_tx");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var transactionOfA = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await ExecuteAsync(a, WritesOfA, transactionOfA);

        await using (var transactionOfB = await b.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(b, "INSERT INTO m VALUES (3001, 0, -1), (3002, 9, 2); UPDATE m SET g = 4 WHERE id = 10; DELETE FROM m WHERE id = 20",
                transactionOfB);
            var applied = await WithinAsync(NoBlocking, "refresh in B's transaction", token => RefreshAsync(b, Name, token));
            Assert.True(applied > 0);
            await AssertMatchesAsync(b, Name, Totals, "inside B's transaction, after its refresh");
            await transactionOfB.CommitAsync();
        }
        await AssertMatchesAsync(b, Name, Totals, "after B committed");
        Assert.Equal(0L, await RefreshAsync(b, Name));

        await transactionOfA.CommitAsync();
        Assert.True(await RefreshAsync(b, Name) > 0);
        await AssertMatchesAsync(b, Name, Totals, "after A committed and a refresh");
        Assert.Equal(0L, await RefreshAsync(b, Name));
        await AssertMatchesAsync(b, Name, Totals, "after a further refresh");
    }

    [Fact]
    public async Task RefreshInAReadCommittedTransactionThatRolledBack_LeavesTheChangesForTheNextRefresh()
    {
        await using var database = await CreateAsync("refresh_rolled_back");
        await using var b = await database.OpenConnectionAsync();
        await ExecuteAsync(b, WritesOfA);
        await using (var transaction = await b.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            Assert.True(await RefreshAsync(b, Name) > 0);
            await transaction.RollbackAsync();
        }
        await Assert.ThrowsAnyAsync<Exception>(async () => await AssertMatchesAsync(b, Name, Totals));
        Assert.True(await RefreshAsync(b, Name) > 0);
        await AssertMatchesAsync(b, Name, Totals, "after the rolled-back refresh was repeated");
    }

    [Fact]
    public async Task ManyWritersAndARefresherInterleaved_EndEqualToTheRecomputation()
    {
        await using var database = await CreateAsync("interleaved");
        const int writers = 4, transactionsPerWriter = 50;
        using var stop = new CancellationTokenSource();
        var refreshes = 0;

        var refresher = Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            while (!stop.IsCancellationRequested)
            {
                await WithinAsync(NoBlocking, "a refresh among writers", token => RefreshAsync(connection, Name, token));
                Interlocked.Increment(ref refreshes);
            }
        });
        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(1000 + w);
            await using var connection = await database.OpenConnectionAsync();
            for (var t = 0; t < transactionsPerWriter; t++)
            {
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
                for (var s = random.Next(1, 4); s > 0; s--)
                {
                    // Each writer owns its rows (no row-lock conflicts between writers); the groups are shared.
                    var id = 10_000 * (w + 1) + random.Next(0, 15);
                    var g = random.Next(0, 6);
                    var v = (random.Next(-500, 500) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var sql = random.Next(4) switch
                    {
                        0 => $"INSERT INTO m VALUES ({id}, {g}, {v}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
                        1 => $"UPDATE m SET v = {v} WHERE id = {id}",
                        2 => $"UPDATE m SET g = {g} WHERE id = {id}",
                        _ => $"DELETE FROM m WHERE id = {id}",
                    };
                    await ExecuteAsync(connection, sql, transaction);
                }
                if (random.Next(10) == 0)
                    await transaction.RollbackAsync();
                else
                    await transaction.CommitAsync();
            }
        })).ToArray();

        await Task.WhenAll(writerTasks);
        stop.Cancel();
        await refresher;

        Assert.True(refreshes > 1, "the refresher should have run while writers were writing");
        await using var check = await database.OpenConnectionAsync();
        await RefreshAsync(check, Name);
        await AssertMatchesAsync(check, Name, Totals, "after the final refresh");
        Assert.Equal(0L, await RefreshAsync(check, Name));
        await AssertMatchesAsync(check, Name, Totals, "after a further refresh");
    }
}
