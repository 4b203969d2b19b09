using System.Data;
using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Xunit;
using Xunit.Abstractions;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Concurrency;

/// <summary>
/// IMMEDIATE applied at COMMIT (<c>WITH (immediate_apply = 'commit')</c>): statements only buffer their changes, and
/// the COMMIT applies them, taking every lock in one sorted pass first. Writers that touch the same groups in opposite
/// orders, which deadlock when each statement applies its own changes, commit without waiting for each other; other
/// sessions see the stream table equal to its query after every commit; a writer sees its own changes only after it
/// commits.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommitApplyTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 4, i * 0.25 FROM generate_series(1, 400) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM m GROUP BY g";
    private const string Name = "totals";

    private const string JoinSchema = """
        CREATE TABLE customers (id integer PRIMARY KEY, region text);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer);
        """;
    private const string RegionTotals = "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region";

    private async Task<TestDatabase> CreateAsync(string prefix, string? seed = Seed)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await CreateAndInstallAsync(database, Schema, seed, Totals, Name, "immediate", immediateApply: ImmediateApply.Commit);
        return database;
    }

    /// <summary>
    /// The cycle that made statement-time maintenance deadlock, replayed step by step: A writes group 1, B group 2, then
    /// A group 2 and B group 1 (other rows: no row lock is shared). No statement waits, and both commits go through.
    /// </summary>
    [Fact]
    public async Task TwoWritersTouchingTwoGroupsInOppositeOrders_NeitherWaits_AndBothCommit()
    {
        await using var database = await CreateAsync("commit_opposite");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var transactionOfA = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await using var transactionOfB = await b.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await WithinAsync(TimeSpan.FromSeconds(10), "four statements in opposite group orders", async token =>
        {
            await ExecuteAsync(a, "UPDATE m SET v = v + 1 WHERE id = 1", transactionOfA, token);     // group 1
            await ExecuteAsync(b, "UPDATE m SET v = v + 1 WHERE id = 2", transactionOfB, token);     // group 2
            await ExecuteAsync(a, "UPDATE m SET v = v + 1 WHERE id = 6", transactionOfA, token);     // group 2
            await ExecuteAsync(b, "UPDATE m SET v = v + 1 WHERE id = 5", transactionOfB, token);     // group 1
            return 0;
        });
        await WithinAsync(TimeSpan.FromSeconds(10), "both commits", async token =>
        {
            await Task.WhenAll(transactionOfA.CommitAsync(token), transactionOfB.CommitAsync(token));
            return 0;
        });
        await AssertMatchesAsync(database, Name, Totals, "after both writers committed");
    }

    /// <summary>
    /// COMMIT takes the same group locks as statement apply: row locks in the owner's group lock table, no advisory
    /// lock. A transaction that applied (SET CONSTRAINTS ALL IMMEDIATE) and stays open holds its groups' rows: another
    /// writer's COMMIT on one of them waits for it (on its transaction, as for a row lock), one on another group does
    /// not. A bulk transaction over 20,000 groups commits with default settings, holding no advisory lock and adding no
    /// row to the group lock table (past 64 groups it takes the whole stream table's lock).
    /// </summary>
    [Fact]
    public async Task CommitTakesRowLocksOnTheGroupLockTable_AndABulkCommitStaysBounded()
    {
        await using var database = await CreateAsync("commit_row_locks");
        await using var a = await database.OpenConnectionAsync();
        await using var b = await database.OpenConnectionAsync();
        await using var observer = await database.OpenConnectionAsync();

        await using (var transactionOfA = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(a, "UPDATE m SET v = v + 1 WHERE id = 1; SET CONSTRAINTS ALL IMMEDIATE", transactionOfA);   // group 1, applied
            Assert.Equal(0L, await ScalarInTransactionAsync(a, transactionOfA, "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"));
            await WithinAsync(TimeSpan.FromSeconds(10), "a commit on group 2 while A holds group 1",
                token => ExecuteAsync(b, "UPDATE m SET v = v + 1 WHERE id = 2", null, token));
            var writerB = ExecuteAsync(b, "UPDATE m SET v = v + 1 WHERE id = 5");   // group 1: its COMMIT waits for A
            var waitEvent = await WaitUntilWaitingAsync(observer, b.ProcessID, TimeSpan.FromSeconds(10));
            Assert.Equal("transactionid", waitEvent);
            Assert.False(writerB.IsCompleted);
            await transactionOfA.CommitAsync();
            await WithinAsync(TimeSpan.FromSeconds(10), "B's commit after A's", async token => await writerB.WaitAsync(token));
        }
        await AssertMatchesAsync(observer, Name, Totals, "after A and B committed on group 1");

        var keyRows = await database.ScalarAsync<long>("SELECT count(*) FROM trickle.totals__group_locks");
        await using (var transaction = await a.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(a, "INSERT INTO m SELECT i, i % 20000 + 100, 1 FROM generate_series(100001, 200000) AS i", transaction);
            await ExecuteAsync(a, "DELETE FROM m WHERE id <= 200", transaction);
            await ExecuteAsync(a, "SET CONSTRAINTS ALL IMMEDIATE", transaction);
            Assert.Equal(0L, await ScalarInTransactionAsync(a, transaction, "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"));
            Assert.InRange(await ScalarInTransactionAsync(a, transaction, "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"), 1, 40);
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(observer, Name, Totals, "after a bulk commit over 20,000 groups");
        Assert.Equal(keyRows, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.totals__group_locks"));
    }

    private static async Task<string> WaitUntilWaitingAsync(NpgsqlConnection observer, int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand("SELECT wait_event FROM pg_stat_activity WHERE pid = @pid AND wait_event_type = 'Lock'", observer);
            command.Parameters.AddWithValue("pid", pid);
            if (await command.ExecuteScalarAsync() is string waitEvent)
                return waitEvent;
            await Task.Delay(50);
        }
        throw new TimeoutException($"backend {pid} never waited on a lock within {timeout.TotalSeconds} s");
    }

    /// <summary>The price of applying at COMMIT: the writing transaction reads the stream table as it was before it.</summary>
    [Fact]
    public async Task AWriterSeesItsOwnChangesInTheStreamTable_OnlyAfterCommit_OrAfterSetConstraintsImmediate()
    {
        await using var database = await CreateAsync("commit_own_changes");
        await using var writer = await database.OpenConnectionAsync();
        await using var observer = await database.OpenConnectionAsync();
        var before = await RowsAsync(writer, Totals);

        await using (var transaction = await writer.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(writer, "UPDATE m SET v = v + 100 WHERE g = 1; INSERT INTO m VALUES (1000, 9, 1)", transaction);
            Assert.Equal(before, await RowsAsync(writer, $"SELECT * FROM {Name}"));
            Assert.Equal(before, await RowsAsync(observer, $"SELECT * FROM {Name}"));
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(writer, Name, Totals, "after the commit, in the writer's session");
        await AssertMatchesAsync(observer, Name, Totals, "after the commit, in another session");

        // SET CONSTRAINTS ALL IMMEDIATE fires the deferred apply at the end of the next statement (here, at once).
        await using (var transaction = await writer.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(writer, "DELETE FROM m WHERE g = 2", transaction);
            await ExecuteAsync(writer, "SET CONSTRAINTS ALL IMMEDIATE", transaction);
            await AssertMatchesAsync(writer, Name, Totals, "inside the transaction, after SET CONSTRAINTS ALL IMMEDIATE");
            await ExecuteAsync(writer, "INSERT INTO m VALUES (1001, 2, 5)", transaction);
            await AssertMatchesAsync(writer, Name, Totals, "after a later statement, constraints still immediate");
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(observer, Name, Totals, "after the second commit");
    }

    /// <summary>
    /// Many writers, each transaction touching two or three groups in a random order (rows of their own, so no row lock
    /// is shared), inserting, moving and deleting rows, creating and emptying groups: no transaction fails, no
    /// deadlock, and the stream table equals its query at the end.
    /// </summary>
    [Fact]
    public async Task ManyWritersTouchingSeveralGroupsInRandomOrders_NeverDeadlock_AndTheResultIsCorrect()
    {
        await using var database = await CreateAsync("commit_many");
        // A second stream table over the same source: every transaction queues both, and COMMIT locks the groups of
        // both, one stream table after the other in name order.
        const string byParity = "SELECT g % 2 AS parity, count(*) AS n, sum(v) AS s FROM m GROUP BY g % 2";
        await database.ExecutePsqlScriptAsync(Compile(Schema, byParity, "by_parity", "immediate", immediateApply: ImmediateApply.Commit), "install of by_parity");
        async Task Writer(int writer)
        {
            var random = new Random(31 * writer + 5);
            await using var connection = await database.OpenConnectionAsync();
            for (var t = 0; t < 60; t++)
            {
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
                var groups = new[] { 1, 2, 3, 40 + t % 3 }.OrderBy(_ => random.Next()).Take(random.Next(2, 4));
                foreach (var g in groups)
                {
                    var id = 10000 * (writer + 1) + 10 * g + random.Next(0, 3);
                    var v = random.Next(-50, 50);
                    var sql = random.Next(3) switch
                    {
                        0 => $"INSERT INTO m VALUES ({id}, {g}, {v}) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
                        1 => $"UPDATE m SET v = v + {v} WHERE id = {id} OR id = {writer * 4 + g}",
                        _ => $"DELETE FROM m WHERE id = {id}",
                    };
                    await ExecuteAsync(connection, sql, transaction);
                }
                await transaction.CommitAsync();
            }
        }

        await WithinAsync(TimeSpan.FromSeconds(120), "six writers", async _ =>
        {
            await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(() => Writer(w))));
            return 0;
        });
        await AssertMatchesAsync(database, Name, Totals, "after six writers in random group orders");
        await AssertMatchesAsync(database, "by_parity", byParity, "after six writers in random group orders");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.commit_queue"));
    }

    /// <summary>
    /// A join's delta reads the other source as it is: the writer of an order and the writer of the customer it joins
    /// commit concurrently, neither seeing the other's row while it writes. Each COMMIT applies under the stream table's
    /// lock with a snapshot taken after it, so the second to commit sees the first's row and counts the pair once.
    /// </summary>
    [Fact]
    public async Task Join_RowsThatJoinEachOther_WrittenAndCommittedConcurrently_CountOnce()
    {
        await using var database = await cluster.CreateDatabaseAsync("commit_join_race");
        await CreateAndInstallAsync(database, JoinSchema, null, RegionTotals, "region_totals", "immediate", immediateApply: ImmediateApply.Commit);
        await using var orderWriter = await database.OpenConnectionAsync();
        await using var customerWriter = await database.OpenConnectionAsync();

        await using var orderTransaction = await orderWriter.BeginTransactionAsync();
        await ExecuteAsync(orderWriter, "INSERT INTO orders VALUES (1, 7, 10)", orderTransaction);
        // The customer commits while the order is still open: nothing waits before COMMIT.
        await WithinAsync(TimeSpan.FromSeconds(10), "the customer insert", token => ExecuteAsync(customerWriter, "INSERT INTO customers VALUES (7, 'north')", null, token));
        await orderTransaction.CommitAsync();
        Assert.Equal(["north|1|10"], await RowsAsync(database, "SELECT region || '|' || n || '|' || total FROM region_totals"));

        // And both open at once, committed together, many times over.
        for (var i = 0; i < 20; i++)
        {
            await using var first = await orderWriter.BeginTransactionAsync();
            await using var second = await customerWriter.BeginTransactionAsync();
            await ExecuteAsync(orderWriter, $"INSERT INTO orders VALUES ({100 + i}, {100 + i}, {i})", first);
            await ExecuteAsync(customerWriter, $"INSERT INTO customers VALUES ({100 + i}, 'r{i % 3}')", second);
            await Task.WhenAll(first.CommitAsync(), second.CommitAsync());
        }
        await AssertMatchesAsync(database, "region_totals", RegionTotals, "after pairs committed concurrently");
    }

    [Fact]
    public async Task Join_WritersOnBothTables_ManyTransactions_EndEqualToRecomputation()
    {
        await using var database = await cluster.CreateDatabaseAsync("commit_join_writers");
        await CreateAndInstallAsync(database, JoinSchema, "INSERT INTO customers SELECT g, 'r' || (g % 3) FROM generate_series(1, 10) g",
            RegionTotals, "region_totals", "immediate", immediateApply: ImmediateApply.Commit);

        async Task Writer(int seed, bool customers)
        {
            var random = new Random(seed);
            await using var connection = await database.OpenConnectionAsync();
            for (var i = 0; i < 40; i++)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                for (var s = 0; s < 2; s++)
                {
                    await ExecuteAsync(connection, ImmediateJoinConcurrencyTests.RandomJoinWrite(random, seed, customers), transaction);
                }
                await transaction.CommitAsync();
            }
        }

        await WithinAsync(TimeSpan.FromSeconds(120), "the writers", async _ =>
        {
            // One customer writer: two would lock the same customer rows in random orders and could deadlock on those
            // rows themselves, the application's deadlock, which a retry would hide along with any of ours.
            await Task.WhenAll(Task.Run(() => Writer(1, customers: false)), Task.Run(() => Writer(2, customers: false)), Task.Run(() => Writer(3, customers: true)));
            return 0;
        });
        await AssertMatchesAsync(database, "region_totals", RegionTotals);
    }

    /// <summary>
    /// TRUNCATE recomputes at once, consuming what the transaction buffered before it; what follows it is applied at
    /// COMMIT. Rolled back, none of it shows.
    /// </summary>
    [Fact]
    public async Task TruncateBetweenWrites_OfOneTransaction_IsNeitherLostNorAppliedTwice()
    {
        await using var database = await CreateAsync("commit_truncate");
        await using var connection = await database.OpenConnectionAsync();
        const string writes = "UPDATE m SET v = v + 1 WHERE g = 1; TRUNCATE m; INSERT INTO m SELECT i, i % 3, i * 0.5 FROM generate_series(1, 30) AS i; DELETE FROM m WHERE id = 4";
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, writes, transaction);
            await transaction.RollbackAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after a rolled-back transaction with a TRUNCATE");
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, writes, transaction);
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after a committed transaction with a TRUNCATE between writes");
    }

    /// <summary>REPEATABLE READ would apply at COMMIT with its old snapshot, missing other writers' rows: refused.</summary>
    [Fact]
    public async Task RepeatableReadWriter_IsRefused_AndNothingChanges()
    {
        await using var database = await CreateAsync("commit_repeatable");
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "UPDATE m SET v = 0 WHERE id = 1", transaction));
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, error.SqlState);
        await transaction.RollbackAsync();
        await AssertMatchesAsync(connection, Name, Totals);
    }

    /// <summary>
    /// Switching away from IMMEDIATE in the transaction that wrote applies what it wrote first (the switch empties the
    /// buffers); writes after the switch are captured for the new mode and not applied by the COMMIT; switching back
    /// to IMMEDIATE applies at COMMIT again.
    /// </summary>
    [Fact]
    public async Task SwitchingModes_InTheWritingTransaction_LosesAndRepeatsNothing()
    {
        await using var database = await CreateAsync("commit_switch");
        await using var connection = await database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "UPDATE m SET v = v + 1 WHERE g = 1; INSERT INTO m VALUES (900, 7, 1.25)", transaction);
            await ExecuteAsync(connection, "SELECT trickle.alter_stream_table('totals', refresh_mode => 'differential')", transaction);
            await ExecuteAsync(connection, "DELETE FROM m WHERE g = 3; INSERT INTO m VALUES (901, 8, 2.25)", transaction);
            await transaction.CommitAsync();
        }
        await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");
        await AssertMatchesAsync(connection, Name, Totals, "after writes around a switch to DIFFERENTIAL, refreshed");

        await ExecuteAsync(connection, "UPDATE m SET v = v * 2 WHERE g = 2");
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "SELECT trickle.alter_stream_table('totals', refresh_mode => 'immediate')", transaction);
            await ExecuteAsync(connection, "UPDATE m SET g = 5 WHERE g = 0", transaction);
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after switching back to IMMEDIATE and a write");
        await ExecuteAsync(connection, "INSERT INTO m SELECT i, i % 6, i * 0.25 FROM generate_series(2000, 2100) AS i");
        await AssertMatchesAsync(connection, Name, Totals, "after a later write");
    }

    /// <summary>
    /// immediate_apply is part of the definition: an upgrade moves an installed stream table from statement-time to
    /// commit-time maintenance and back, online, equal to its query throughout.
    /// </summary>
    [Fact]
    public async Task AnUpgrade_SwitchesBetweenStatementAndCommitApply()
    {
        await using var database = await cluster.CreateDatabaseAsync("commit_upgrade");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, Name, "immediate");
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, "UPDATE m SET v = v + 1 WHERE g = 1");

        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, Totals, Name, "immediate", immediateApply: ImmediateApply.Commit), "upgrade to commit apply");
        await AssertMatchesAsync(connection, Name, Totals, "after the upgrade to commit apply");
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "UPDATE m SET v = v + 1 WHERE g = 2", transaction);
            Assert.Equal(1L, await ScalarInTransactionAsync(connection, transaction, "SELECT count(*) FROM trickle.commit_queue"));
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after a write applied at COMMIT");

        await database.ExecutePsqlScriptAsync(CompileUpgrade(Schema, Totals, Name, "immediate", immediateApply: ImmediateApply.Statement), "upgrade back to statement apply");
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "DELETE FROM m WHERE g = 3", transaction);
            Assert.Equal(0L, await ScalarInTransactionAsync(connection, transaction, "SELECT count(*) FROM trickle.commit_queue"));
            await AssertMatchesAsync(connection, Name, Totals, "inside the writing transaction, applied by the statement");
            await transaction.CommitAsync();
        }
        await AssertMatchesAsync(connection, Name, Totals, "after the upgrade back");
    }

    private static async Task<long> ScalarInTransactionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// A stream table reading one that applies at COMMIT: the upstream's storage changes inside the COMMIT's apply, so
    /// the reader (applied at COMMIT too) is queued then and applied in the same COMMIT. Both equal their queries after
    /// every commit.
    /// </summary>
    [Fact]
    public async Task AReaderOfAStreamTableAppliedAtCommit_IsAppliedInTheSameCommit()
    {
        await using var database = await CreateAsync("commit_reader");
        const string reader = "SELECT n, count(*) AS groups FROM totals GROUP BY n";
        await database.ExecutePsqlScriptAsync(
            Compile(Schema + "\nCREATE STREAM TABLE totals AS " + Totals + ";", reader, "sizes", "immediate", immediateApply: ImmediateApply.Commit),
            "install of the reader");
        await using var connection = await database.OpenConnectionAsync();
        string[][] transactions =
        [
            ["INSERT INTO m SELECT i, i % 7, 1 FROM generate_series(1000, 1030) AS i", "DELETE FROM m WHERE id < 50"],
            ["UPDATE m SET g = 9 WHERE g = 5", "INSERT INTO m VALUES (5000, 10, 1)"],
            ["DELETE FROM m WHERE g IN (0, 1)"],
        ];
        foreach (var statements in transactions)
        {
            await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
            {
                foreach (var statement in statements)
                    await ExecuteAsync(connection, statement, transaction);
                await transaction.CommitAsync();
            }
            await AssertMatchesAsync(connection, Name, Totals, "upstream, after: " + string.Join("; ", statements));
            await AssertMatchesAsync(connection, "sizes", reader, "reader, after: " + string.Join("; ", statements));
        }
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.commit_queue"));
    }

    /// <summary>
    /// trickle.apply_at_commit runs with the rights of the runtime's owner and calls what the queue names: only
    /// functions that are SECURITY DEFINER (so they run as their own owner), never one that would run with its rights.
    /// </summary>
    [Fact]
    public async Task AQueuedFunctionThatIsNotSecurityDefiner_IsNeverCalled()
    {
        await using var database = await CreateAsync("commit_forged");
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, """
            CREATE TABLE ran (x int);
            CREATE FUNCTION public.sneaky(boolean) RETURNS bigint LANGUAGE sql AS 'INSERT INTO ran VALUES (1) RETURNING 1::bigint';
            """);
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await ExecuteAsync(connection, "INSERT INTO trickle.commit_queue VALUES (pg_current_xact_id(), 'public.a', 'public.sneaky(boolean)')", transaction);
            await transaction.CommitAsync();
        }
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM ran"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.commit_queue"));
    }

    /// <summary>
    /// Drift: the runtime's COMMIT trigger disabled by hand leaves writes unapplied in the buffers. trickle.health()
    /// names it; enabling it again and repairing brings the stream table back to its query.
    /// </summary>
    [Fact]
    public async Task TheCommitTriggerDisabled_IsReportedByHealth_AndRepairedAfterEnablingIt()
    {
        await using var database = await CreateAsync("commit_drift");
        await using var connection = await database.OpenConnectionAsync();
        Assert.Empty(await RowsAsync(connection, "SELECT problem FROM trickle.health() WHERE name = 'totals'"));

        await ExecuteAsync(connection, "ALTER TABLE trickle.commit_queue DISABLE TRIGGER apply_at_commit");
        var problems = await RowsAsync(connection, "SELECT problem || ': ' || detail FROM trickle.health() WHERE name = 'totals'");
        var problem = Assert.Single(problems);
        Assert.StartsWith("trigger disabled: trigger apply_at_commit on \"trickle\".\"commit_queue\"", problem);
        await ExecuteAsync(connection, "UPDATE m SET v = v + 1 WHERE g = 1");
        Assert.False((await ResultComparer.CompareAsync(connection, Name, Totals)).IsMatch, "the write should wait unapplied");

        await ExecuteAsync(connection, "ALTER TABLE trickle.commit_queue ENABLE TRIGGER apply_at_commit");
        await ExecuteAsync(connection, "SELECT trickle.repair_stream_table('totals')");
        Assert.Empty(await RowsAsync(connection, "SELECT problem FROM trickle.health() WHERE name = 'totals'"));
        await AssertMatchesAsync(connection, Name, Totals, "after the repair");
        await ExecuteAsync(connection, "UPDATE m SET v = v - 3 WHERE g = 2");
        await AssertMatchesAsync(connection, Name, Totals, "after a write once repaired");
    }

    public static TheoryData<string, string, string> Shapes() => new()
    {
        { "aggregate", "CREATE TABLE m (id int PRIMARY KEY, g int, v int);", "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS mn, max(v) AS mx FROM m GROUP BY g" },
        { "join", JoinSchema, "SELECT c.id, c.region, o.id AS order_id, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id" },
        { "join_aggregate", JoinSchema, RegionTotals },
        { "left_join", JoinSchema, "SELECT c.id, c.region, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "distinct", "CREATE TABLE m (id int PRIMARY KEY, g int, v int);", "SELECT DISTINCT g FROM m" },
    };

    /// <summary>
    /// The differential checker in this mode: random transactions of several statements (combined into data-modifying
    /// CTEs, MERGE, savepoints rolled back, every tenth transaction rolled back), the stream table compared with its
    /// recomputation after each COMMIT.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public Task RandomTransactions_MatchRecomputation_AfterEveryCommit(string shape, string schema, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunModeAsync(new DifferentialScenario
        {
            SchemaDdl = schema,
            DefiningQuery = query,
            StreamTableName = "commit_" + shape,
            CompileScript = TrickleCompiler.CompileAtCommit,
            Modes = [RefreshMode.Immediate],
            Steps = 40,
            Seed = 41,
            RequireRows = true,
        }, RefreshMode.Immediate);
}
