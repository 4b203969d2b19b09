using System.Data;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Concurrency;

/// <summary>
/// IMMEDIATE maintenance relies on a fresh snapshot after taking the group lock, which only READ COMMITTED gives.
/// A writer in REPEATABLE READ must either be refused (serialization failure or a clear error) or stay correct.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RepeatableReadImmediateTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";

[Fact]
    public async Task RepeatableReadWriterOnAGroupCreatedConcurrently_IsRefusedOrCorrect()
    {
        await using var database = await cluster.CreateDatabaseAsync("rr_immediate");
        await CreateAndInstallAsync(database, Schema, "INSERT INTO m VALUES (1, 1, 1)", Totals, "st", "immediate");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var transactionOfB = await b.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        await ExecuteAsync(b, "SELECT 1", transactionOfB);            // B's snapshot is taken here
        await ExecuteAsync(a, "INSERT INTO m VALUES (10, 50, 1)");   // A creates group 50 and commits
        try
        {
            await ExecuteAsync(b, "INSERT INTO m VALUES (11, 50, 2)", transactionOfB);
            await transactionOfB.CommitAsync();
        }
        catch (PostgresException error) when (error.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.RaiseException or PostgresErrorCodes.FeatureNotSupported)
        {
            // Refusing the writer is an acceptable outcome; then only A's row counts.
        }
        await AssertMatchesAsync(database, "st", Totals, "after a REPEATABLE READ writer on a concurrently created group");
    }
}
