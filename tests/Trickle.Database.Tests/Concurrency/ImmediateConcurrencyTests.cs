using System.Data;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Concurrency;

/// <summary>IMMEDIATE maintenance under concurrent READ COMMITTED writers: per-group locks, correct results.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ImmediateConcurrencyTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 4, i * 0.25 FROM generate_series(1, 40) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, avg(v) AS a, min(v) AS mn, max(v) AS mx FROM m GROUP BY g";
    private const string Name = "totals";

    private async Task<TestDatabase> CreateAsync(string prefix)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await CreateAndInstallAsync(database, Schema, Seed, Totals, Name, "immediate");
        return database;
    }

    /// <summary>Single-row transactions on rows the writer owns: inserts, value updates and deletes in <paramref name="groupOf"/>.</summary>
    private static Task WriteAsync(TestDatabase database, int writer, int transactions, Func<Random, int> groupOf) => Task.Run(async () =>
    {
        var random = new Random(7 * writer + 1);
        await using var connection = await database.OpenConnectionAsync();
        for (var t = 0; t < transactions; t++)
        {
            var id = 1000 * (writer + 1) + random.Next(0, 10);
            var g = groupOf(random);
            var v = (random.Next(-300, 300) / 10m).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var sql = random.Next(3) switch
            {
                0 => $"INSERT INTO m VALUES ({id}, {g}, {v}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, g = EXCLUDED.g",
                1 => $"UPDATE m SET v = {v} WHERE id = {id}",
                _ => $"DELETE FROM m WHERE id = {id}",
            };
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            await ExecuteAsync(connection, sql, transaction);
            await transaction.CommitAsync();
        }
    });

    [Fact]
    public async Task FourWritersOnDifferentGroups_AllSucceed_AndTheResultIsCorrect()
    {
        await using var database = await CreateAsync("imm_different");
        // Writer w writes group 10 + w only: groups are born, change and die concurrently.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => WriteAsync(database, w, 80, _ => 10 + w)));
        await AssertMatchesAsync(database, Name, Totals, "after four writers on different groups");
    }

    [Fact]
    public async Task FourWritersOnTheSameGroup_AllSucceed_AndTheResultIsCorrect()
    {
        await using var database = await CreateAsync("imm_same");
        // Group 42 does not exist at first: it is created and emptied repeatedly by competing writers.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => WriteAsync(database, w, 80, _ => 42)));
        await AssertMatchesAsync(database, Name, Totals, "after four writers on the same new group");
        // And on an existing group, with rows moving in from and out to other groups.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => WriteAsync(database, w + 4, 80, r => r.Next(4) == 0 ? 2 : 1)));
        await AssertMatchesAsync(database, Name, Totals, "after four writers on the same existing group");
    }

    [Fact]
    public async Task WritersOnDifferentGroups_DoNotWaitForEachOther_ButWritersOnTheSameGroupDo()
    {
        await using var database = await CreateAsync("imm_locks");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var c = await database.OpenConnectionAsync();
        await using var observer = await database.OpenConnectionAsync();

        await using var transactionOfA = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await ExecuteAsync(a, "UPDATE m SET v = v + 1 WHERE id = 1", transactionOfA);  // group 1, kept open

        // B writes group 2 (a different row, a different group): must commit while A is open.
        await WithinAsync(TimeSpan.FromSeconds(5), "writer on group 2 while group 1 is locked", async token =>
        {
            await using var transactionOfB = await b.BeginTransactionAsync(IsolationLevel.ReadCommitted, token);
            await ExecuteAsync(b, "UPDATE m SET v = v + 1 WHERE id = 2; INSERT INTO m VALUES (500, 2, 1)", transactionOfB, token);
            await transactionOfB.CommitAsync(token);
            return 0;
        });
        // A new group, too.
        await WithinAsync(TimeSpan.FromSeconds(5), "writer on a new group while group 1 is locked",
            token => ExecuteAsync(b, "INSERT INTO m VALUES (501, 77, 1)", null, token));

        // C writes another row of group 1: no row lock is shared with A, only the group's maintenance lock.
        var writerC = ExecuteAsync(c, "UPDATE m SET v = v + 1 WHERE id = 5");
        var waitEvent = await WaitUntilWaitingAsync(observer, c.ProcessID, TimeSpan.FromSeconds(10));
        Assert.False(writerC.IsCompleted, "C on group 1 should wait for A");
        // For A's row lock on group 1's key in the owner's group lock table, which no other role can take or hold.
        Assert.Equal("Lock", waitEvent.Type);
        Assert.Equal("transactionid", waitEvent.Name);

        await transactionOfA.CommitAsync();
        await WithinAsync(TimeSpan.FromSeconds(10), "C after A committed", async token => await writerC.WaitAsync(token));
        await AssertMatchesAsync(observer, Name, Totals, "after A, B and C");
    }

    /// <summary>
    /// Two writers creating the same new group: the second waits for the first's uncommitted key in the group lock
    /// table (its INSERT … ON CONFLICT waits for the inserting transaction); when the first rolls back, the second
    /// inserts the key itself and goes on. And when the first commits, the second finds the key and locks its row.
    /// </summary>
    [Fact]
    public async Task TwoWritersCreatingTheSameGroup_TheSecondWaits_ThroughTheFirstsRollbackOrCommit()
    {
        await using var database = await CreateAsync("imm_new_key");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var observer = await database.OpenConnectionAsync();
        const string keyOf900 = "SELECT count(*) FROM trickle.totals__group_locks WHERE key = (hash_record_extended(ROW(900), 0) % 2147483647)::integer";

        foreach (var firstCommits in new[] { false, true })
        {
            var id = firstCommits ? 910 : 900;
            await using var transactionOfA = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            await ExecuteAsync(a, $"INSERT INTO m VALUES ({id}, 900, 1)", transactionOfA);
            var writerB = ExecuteAsync(b, $"INSERT INTO m VALUES ({id + 1}, 900, 2)");
            var waitEvent = await WaitUntilWaitingAsync(observer, b.ProcessID, TimeSpan.FromSeconds(10));
            Assert.Equal("transactionid", waitEvent.Name);
            Assert.False(writerB.IsCompleted, "B creating group 900 should wait for A, which created it first");
            if (firstCommits)
                await transactionOfA.CommitAsync();
            else
                await transactionOfA.RollbackAsync();
            await WithinAsync(TimeSpan.FromSeconds(10), "B after A ended", async token => await writerB.WaitAsync(token));
            Assert.Equal(1L, (long)(await new NpgsqlCommand(keyOf900, observer).ExecuteScalarAsync())!);
            await AssertMatchesAsync(observer, Name, Totals, firstCommits ? "after A committed group 900, then B" : "after A rolled back group 900, then B");
        }
    }

    /// <summary>
    /// A bulk write touches far more groups than the lock table holds per transaction (max_locks_per_transaction is 64 by
    /// default) when each group lock was an advisory lock. Group locks are now row locks, which take no room there;
    /// past 64 of them a transaction still takes the whole stream table's lock instead, so that a bulk statement
    /// neither inserts nor locks a row per group (the group lock table grows by at most 64 rows per transaction). The
    /// application's statement succeeds with default settings, alone or spread over many statements of one
    /// transaction, and the session's entries in the shared lock table stay few whatever it touches: a DELETE of
    /// 100,000 rows in 20,000 groups (the write the problem was found with) holds as few as one of 2,000 groups.
    /// </summary>
    [Fact]
    public async Task BulkWritesOverTensOfThousandsOfGroups_Succeed_WithDefaultLockSettings()
    {
        await using var database = await cluster.CreateDatabaseAsync("imm_bulk");
        await CreateAndInstallAsync(database, Schema, "INSERT INTO m SELECT i, i, i * 0.5 FROM generate_series(1, 3000) AS i;", Totals, Name, "immediate");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal("64", (string?)await new NpgsqlCommand("SHOW max_locks_per_transaction", connection).ExecuteScalarAsync());

        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "DELETE FROM m WHERE id <= 2000", transaction);
            Assert.InRange(await LocksHeldAsync(connection), 1, 40);
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after one DELETE touching 2,000 groups");
        await ExecuteAsync(connection, "UPDATE m SET v = v + 1, g = g + 1 WHERE id > 2000");
        await AssertMatchesAsync(connection, Name, Totals, "after one UPDATE moving 1,000 rows between groups");

        // One transaction of 60 statements, 50 new groups each: 3,000 group locks if nothing bounded them.
        var keyRows = await GroupLockRowsAsync(connection);
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            for (var batch = 0; batch < 60; batch++)
                await ExecuteAsync(connection, $"INSERT INTO m SELECT i, i, 1 FROM generate_series({100000 + batch * 50}, {100000 + batch * 50 + 49}) AS i", transaction);
            Assert.InRange(await LocksHeldAsync(connection), 1, 40);
            await AssertMatchesAsync(connection, Name, Totals, "inside a transaction of 60 statements");
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after a transaction of 60 statements");
        Assert.InRange(await GroupLockRowsAsync(connection), keyRows, keyRows + 64);

        // 100,000 rows in 20,000 groups written, then deleted, one statement each.
        await ExecuteAsync(connection, "INSERT INTO m SELECT i, i % 20000, 1 FROM generate_series(200001, 300000) AS i");
        await AssertMatchesAsync(connection, Name, Totals, "after inserting 100,000 rows in 20,000 groups");
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "DELETE FROM m WHERE id > 200000", transaction);
            Assert.InRange(await LocksHeldAsync(connection), 1, 40);
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after deleting 100,000 rows in 20,000 groups");
        Assert.InRange(await GroupLockRowsAsync(connection), keyRows, keyRows + 64);

        // Pruning: past 8 MB, the group lock table is emptied by the next writer that holds the whole stream table
        // (no other writer is in flight then), and by a repair. 300,000 keys are some 10 MB.
        const string manyKeys = "INSERT INTO trickle.totals__group_locks SELECT k FROM generate_series(-300000, -1) AS k ON CONFLICT DO NOTHING";
        keyRows = await GroupLockRowsAsync(connection);
        await ExecuteAsync(connection, manyKeys);
        await ExecuteAsync(connection, "UPDATE m SET v = v + 1 WHERE id = 2001");
        Assert.InRange(await GroupLockRowsAsync(connection), keyRows + 300000, keyRows + 300001);   // one group: a row lock, no pruning
        await ExecuteAsync(connection, "UPDATE m SET v = v + 1");
        Assert.Equal(0, await GroupLockRowsAsync(connection));
        await AssertMatchesAsync(connection, Name, Totals, "after the writer that pruned the group lock table");
        await ExecuteAsync(connection, manyKeys);
        await ExecuteAsync(connection, "SELECT trickle.repair_stream_table('totals')");
        Assert.Equal(0, await GroupLockRowsAsync(connection));
        await ExecuteAsync(connection, "DELETE FROM m WHERE id = 2001");
        await AssertMatchesAsync(connection, Name, Totals, "after the repair that pruned the group lock table");
    }

    /// <summary>
    /// Entries this session holds in PostgreSQL's shared lock table, of every kind: group locks are row locks, which
    /// take none, so only the relations the statements touched count (no advisory lock at all).
    /// </summary>
    private static async Task<long> LocksHeldAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT CASE WHEN bool_or(locktype = 'advisory') THEN -1 ELSE count(*) END FROM pg_locks WHERE pid = pg_backend_pid()
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> GroupLockRowsAsync(NpgsqlConnection connection) =>
        (long)(await new NpgsqlCommand("SELECT count(*) FROM trickle.totals__group_locks", connection).ExecuteScalarAsync())!;

    /// <summary>A transaction past the bound holds the whole stream table: writers of any group wait for it, then continue.</summary>
    [Fact]
    public async Task ABulkWriterHoldsTheWholeStreamTable_UntilItCommits()
    {
        await using var database = await CreateAsync("imm_escalated");
        await using var bulk = await database.OpenConnectionAsync();
        await using var other = await database.OpenConnectionAsync();
        await using var observer = await database.OpenConnectionAsync();

        await using var transactionOfBulk = await bulk.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await ExecuteAsync(bulk, "INSERT INTO m SELECT i, i, 1 FROM generate_series(1000, 1100) AS i", transactionOfBulk);

        // A new group nobody else touches still waits: the bulk writer holds the stream table.
        var writer = ExecuteAsync(other, "INSERT INTO m VALUES (5000, 5000, 1)");
        var waitEvent = await WaitUntilWaitingAsync(observer, other.ProcessID, TimeSpan.FromSeconds(10));
        Assert.Equal("relation", waitEvent.Name);   // the writers' lock table, held EXCLUSIVE by the bulk writer
        Assert.False(writer.IsCompleted);

        await transactionOfBulk.CommitAsync();
        await WithinAsync(TimeSpan.FromSeconds(10), "the other writer after the bulk writer committed", async token => await writer.WaitAsync(token));
        await AssertMatchesAsync(observer, Name, Totals, "after the bulk writer and the other writer");
    }

    private static async Task<(string Type, string Name)> WaitUntilWaitingAsync(NpgsqlConnection observer, int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand(
                "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = @pid AND wait_event_type = 'Lock'", observer);
            command.Parameters.AddWithValue("pid", pid);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync())
                return (reader.GetString(0), reader.GetString(1));
            await Task.Delay(50);
        }
        throw new TimeoutException($"backend {pid} never waited on a lock within {timeout.TotalSeconds} s");
    }
}
