using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Concurrency;

/// <summary>
/// An IMMEDIATE join's delta reads the other table as it is. Two writers whose new rows join each other, each unable
/// to see the other's uncommitted row, would both miss the joined row; the stream-table lock (or, for a join on one
/// key, the lock of that key's value) makes the second wait and then see the first.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ImmediateJoinConcurrencyTests(PostgresCluster cluster)
{
    private const string Schema = """
        CREATE TABLE customers (id integer PRIMARY KEY, region text);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer);
        """;
    private const string Query = "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region";

    [Fact]
    public async Task RowsThatJoinEachOther_WrittenConcurrently_BothCount()
    {
        await using var database = await cluster.CreateDatabaseAsync("imm_join_race");
        await CreateAndInstallAsync(database, Schema, null, Query, "region_totals", "immediate");
        await using var orderWriter = await database.OpenConnectionAsync();
        await using var customerWriter = await database.OpenConnectionAsync();

        await using var orderTransaction = await orderWriter.BeginTransactionAsync();
        await ExecuteAsync(orderWriter, "INSERT INTO orders VALUES (1, 7, 10)", orderTransaction);
        // The customer row the open order joins arrives from another connection while the order is uncommitted.
        var customerInsert = ExecuteAsync(customerWriter, "INSERT INTO customers VALUES (7, 'north')");
        await Task.Delay(300);
        Assert.False(customerInsert.IsCompleted, "the second writer should wait for the stream table lock held by the first");
        await orderTransaction.CommitAsync();
        await WithinAsync(TimeSpan.FromSeconds(10), "the customer insert", async _ => await customerInsert);

        Assert.Equal(["north|1|10"], await RowsAsync(database, "SELECT region || '|' || n || '|' || total FROM region_totals"));
        await AssertMatchesAsync(database, "region_totals", Query);
    }

    [Fact]
    public async Task WritersOnBothTables_ManyTransactions_EndEqualToRecomputation()
    {
        await using var database = await cluster.CreateDatabaseAsync("imm_join_writers");
        await CreateAndInstallAsync(database, Schema, "INSERT INTO customers SELECT g, 'r' || (g % 3) FROM generate_series(1, 10) g", Query, "region_totals", "immediate");

        async Task Writer(int seed, bool customers)
        {
            var random = new Random(seed);
            await using var connection = await database.OpenConnectionAsync();
            for (var i = 0; i < 60; i++)
            {
                await ExecuteAsync(connection, RandomJoinWrite(random, seed, customers));
            }
        }

        await WithinAsync(TimeSpan.FromSeconds(60), "the writers", async _ =>
        {
            await Task.WhenAll(Writer(1, customers: false), Writer(2, customers: false), Writer(3, customers: true), Writer(4, customers: true));
            return 0;
        });
        await AssertMatchesAsync(database, "region_totals", Query);
    }

    /// <summary>
    /// Joins whose writers lock the join key's values instead of the stream table (Delta/JoinKeyLocks.cs): every relation
    /// is joined on one key, and a storage key is that key from a relation never padded — per customer over a LEFT
    /// JOIN, and counted rows that show the order's customer.
    /// </summary>
    public static TheoryData<string, string> KeyLockedJoins => new()
    {
        { "per_customer", "SELECT c.id, count(o.id) AS n, COALESCE(sum(o.amount), 0) AS total FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id" },
        { "order_rows", "SELECT o.id, o.customer_id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id" },
    };

    [Theory]
    [MemberData(nameof(KeyLockedJoins))]
    public async Task KeyLockedJoin_WritersOfOtherKeysDoNotWait_WritersOfTheSameKeyDo(string name, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync($"imm_join_keys_{name}");
        await CreateAndInstallAsync(database, Schema, "INSERT INTO customers VALUES (1, 'north'), (2, 'south')", query, name, "immediate");
        await using var first = await database.OpenConnectionAsync();
        await using var other = await database.OpenConnectionAsync();
        await using var same = await database.OpenConnectionAsync();

        await using var firstTransaction = await first.BeginTransactionAsync();
        await ExecuteAsync(first, "INSERT INTO orders VALUES (1, 1, 10)", firstTransaction);
        // Customer 2's writers share no join key value with the open transaction: they neither wait nor miss a row.
        await WithinAsync(TimeSpan.FromSeconds(10), "a write of customer 2's rows beside customer 1's open one", async _ =>
        {
            await ExecuteAsync(other, "INSERT INTO orders VALUES (2, 2, 20)");
            await ExecuteAsync(other, "UPDATE customers SET region = 'west' WHERE id = 2");
            return 0;
        });
        // Customer 1's row joins the open order: its writer waits, then sees the order.
        var sameKey = ExecuteAsync(same, "UPDATE customers SET region = 'east' WHERE id = 1");
        await Task.Delay(300);
        Assert.False(sameKey.IsCompleted, "a writer of the same join key value should wait for the open transaction");
        await firstTransaction.CommitAsync();
        await WithinAsync(TimeSpan.FromSeconds(10), "the customer update", async _ => await sameKey);

        await AssertMatchesAsync(database, name, query);
    }

    [Theory]
    [MemberData(nameof(KeyLockedJoins))]
    public async Task KeyLockedJoin_WritersOnBothTables_ManyTransactions_EndEqualToRecomputation(string name, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync($"imm_join_key_writers_{name}");
        await CreateAndInstallAsync(database, Schema, "INSERT INTO customers SELECT g, 'r' || (g % 3) FROM generate_series(1, 10) g", query, name, "immediate");

        async Task Writer(int seed, bool customers)
        {
            var random = new Random(seed);
            await using var connection = await database.OpenConnectionAsync();
            for (var i = 0; i < 60; i++)
                await ExecuteAsync(connection, RandomJoinWrite(random, seed, customers));
        }

        await WithinAsync(TimeSpan.FromSeconds(60), "the writers", async _ =>
        {
            await Task.WhenAll(Writer(1, customers: false), Writer(2, customers: false), Writer(3, customers: true), Writer(4, customers: true));
            return 0;
        });
        await AssertMatchesAsync(database, name, query);
    }

    /// <summary>
    /// One random write of a writer racing others over the customers/orders join: to customers (ids 1–11, shared by
    /// every writer) or to orders (20 ids of the writer's own, <paramref name="seed"/> × 1000 on, joining a random
    /// customer). CommitApplyTests races the same writers under IMMEDIATE applied at COMMIT.
    /// </summary>
    internal static string RandomJoinWrite(Random random, int seed, bool customers)
    {
        var key = random.Next(1, 12);
        return customers
            ? random.Next(3) switch
            {
                0 => $"DELETE FROM customers WHERE id = {key}",
                1 => $"INSERT INTO customers VALUES ({key}, 'r{random.Next(3)}') ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region",
                _ => $"UPDATE customers SET region = 'r{random.Next(3)}' WHERE id = {key}",
            }
            : random.Next(3) switch
            {
                0 => $"DELETE FROM orders WHERE id = {seed * 1000 + random.Next(20)}",
                1 => $"INSERT INTO orders VALUES ({seed * 1000 + random.Next(20)}, {key}, {random.Next(1, 50)}) ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id",
                _ => $"UPDATE orders SET amount = amount + 1, customer_id = {key} WHERE id = {seed * 1000 + random.Next(20)}",
            };
    }
}
