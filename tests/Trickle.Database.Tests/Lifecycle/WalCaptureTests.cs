using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Xunit;
using Xunit.Abstractions;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// WAL capture (docs/runtime.md, "WAL capture"), installed and switched by a non-superuser role with REPLICATION,
/// written by a role with only DML rights: a decoder killed between reading and committing, and one that committed
/// but did not advance the slot, lose and double nothing; a long transaction open across refreshes is applied once,
/// when it commits, including one that commits between a refresh's snapshot and its catch-up; switching a source
/// between trigger and WAL capture while writers run loses nothing; refusals; health.
/// </summary>
[Collection(LogicalPostgresCollection.Name)]
public sealed class WalCaptureTests(LogicalPostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = "CREATE TABLE orders (id integer PRIMARY KEY, customer integer NOT NULL, amount numeric(10,2), note text);";
    private const string Seed = "INSERT INTO orders SELECT i, i % 5, i * 1.5, 'n' || i FROM generate_series(1, 40) AS i;";
    // max(): a deleted maximum makes the refresh rescan its group in the source, which must agree with the buffers.
    private const string Query = "SELECT customer, count(*) AS n, sum(amount) AS total, max(amount) AS top, max(note) AS last_note FROM orders GROUP BY customer";

    private sealed record Setup(TestDatabase Database, string Installer, string Writer, string Superuser);

    private async Task<Setup> SetUpAsync(string name, string mode = "differential")
    {
        var database = await cluster.CreateDatabaseAsync(name);
        var installerRole = database.Name + "_installer";
        var writerRole = database.Name + "_writer";
        await database.ExecuteAsync($"""
            CREATE ROLE "{installerRole}" LOGIN NOSUPERUSER REPLICATION;
            CREATE ROLE "{writerRole}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{installerRole}";
            GRANT CREATE ON SCHEMA public TO "{installerRole}";
            """);
        var asInstaller = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = installerRole }.ConnectionString;
        var asWriter = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = writerRole }.ConnectionString;
        await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
        await ExecuteAsync(installer, Schema + Seed);
        var installed = await cluster.RunPsqlScriptAsync(asInstaller, Compile(Schema, Query, "totals", mode));
        Assert.True(installed.Succeeded, installed.Describe());
        await ExecuteAsync(installer, $"""GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO "{writerRole}"; ALTER TABLE orders REPLICA IDENTITY FULL;""");
        await ExecuteAsync(installer, "SELECT trickle.set_capture('orders', 'wal')");
        return new Setup(database, asInstaller, asWriter, database.ConnectionString);
    }

    private static async Task<long> BufferedAsync(NpgsqlConnection connection) =>
        await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.totals__changes_1");

    /// <summary>trickle.refresh as the scheduler runs it: REPEATABLE READ, tried again on a serialization failure.</summary>
    private static async Task RefreshRepeatableReadAsync(NpgsqlConnection connection)
    {
        for (var attempt = 1; ; attempt++)
        {
            await ExecuteAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ");
            try
            {
                await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");
                await ExecuteAsync(connection, "COMMIT");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.SerializationFailure && attempt < 20)
            {
                await ExecuteAsync(connection, "ROLLBACK");
            }
        }
    }

    [Fact]
    public async Task SwitchedSource_LosesItsCaptureTriggers_RefreshAppliesTheWalChanges()
    {
        var setup = await SetUpAsync("wal_basic");
        await using var _ = setup.Database;
        await using var installer = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        await using var writer = await PostgresCluster.OpenConnectionAsync(setup.Writer);
        Assert.Equal(["trickle_totals__truncate", "trickle_wal_refuse_truncate"],
            await RowsAsync(installer, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'orders'::regclass"));

        await ExecuteAsync(writer, "INSERT INTO orders VALUES (100, 1, 7.25, 'it''s'), (101, 2, NULL, NULL); UPDATE orders SET amount = amount + 1, note = 'x y' WHERE id = 3; DELETE FROM orders WHERE id IN (5, 10)");
        Assert.Equal(0L, await BufferedAsync(installer));
        // The writer's role needs nothing of trickle: no trigger runs.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.refresh('totals')"));
        Assert.Equal(PostgresErrorCodes.InvalidTransactionState, refused.SqlState);
        Assert.Contains("captured from the WAL", refused.MessageText);
        Assert.Contains("REPEATABLE READ", refused.Hint);

        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, "after WAL-captured writes");
        Assert.Equal(0L, await BufferedAsync(installer));
    }

    /// <summary>
    /// A decoder killed after reading and writing the buffers, before its COMMIT: nothing stays, nothing is lost. One
    /// that committed and was killed before the slot moved: the slot is behind, and reading again adds nothing.
    /// </summary>
    [Fact]
    public async Task DecoderKilledBetweenReadingAndCommitting_OrBeforeTheSlotMoves_LosesAndDoublesNothing()
    {
        var setup = await SetUpAsync("wal_crash");
        await using var _ = setup.Database;
        await using var installer = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        await using var writer = await PostgresCluster.OpenConnectionAsync(setup.Writer);
        await ExecuteAsync(writer, "INSERT INTO orders SELECT i, i % 3, i, 'w' FROM generate_series(200, 260) AS i");
        await ExecuteAsync(writer, "UPDATE orders SET amount = amount * 2 WHERE id % 4 = 0");
        await ExecuteAsync(writer, "DELETE FROM orders WHERE id % 7 = 0");
        var applied = await ScalarAsync<string>(installer, "SELECT applied_lsn::text FROM trickle.wal_capture_state");
        // The test cluster commits asynchronously; a worker reads flushed WAL only (a refresh waits for the flush).
        await ExecuteAsync(installer, "SELECT trickle.wal_await_flush(pg_current_wal_insert_lsn())");

        var doomed = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        try
        {
            await ExecuteAsync(doomed, "BEGIN");
            Assert.True(await ScalarAsync<long>(doomed, "SELECT trickle.wal_catch_up()") > 0);
            var pid = await ScalarAsync<int>(doomed, "SELECT pg_backend_pid()");
            await ExecuteAsync(installer, $"SELECT pg_terminate_backend({pid}, 10000)");
        }
        finally
        {
            // Its server process is gone: closing cannot roll back, which is the point.
            try
            {
                await doomed.DisposeAsync();
            }
            catch (NpgsqlException)
            {
            }
        }
        Assert.Equal(0L, await BufferedAsync(installer));
        Assert.Equal(applied, await ScalarAsync<string>(installer, "SELECT applied_lsn::text FROM trickle.wal_capture_state"));

        var written = await ScalarAsync<long>(installer, "SELECT trickle.wal_catch_up()");
        Assert.Equal(written, await BufferedAsync(installer));
        // Committed, the slot not yet moved (the next read moves it first): what is read again is skipped.
        Assert.True(await ScalarAsync<bool>(installer,
            "SELECT r.confirmed_flush_lsn < s.applied_lsn FROM pg_replication_slots AS r JOIN trickle.wal_capture_state AS s USING (slot_name)"));
        Assert.Equal(0L, await ScalarAsync<long>(installer, "SELECT trickle.wal_catch_up()"));
        Assert.Equal(written, await BufferedAsync(installer));
        Assert.True(await ScalarAsync<bool>(installer,
            "SELECT r.confirmed_flush_lsn = s.applied_lsn FROM pg_replication_slots AS r JOIN trickle.wal_capture_state AS s USING (slot_name)"));

        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, "after a killed decoder and a read repeated");
    }

    /// <summary>
    /// A transaction open across refreshes is applied once, by the first refresh whose snapshot sees it. One that
    /// commits after a refresh's snapshot was taken, before that refresh reads the WAL, is in the WAL the refresh
    /// reads but not in its snapshot: it is left for the next. A decoder that committed after the snapshot makes the
    /// refresh fail with a serialization failure (its rows are invisible there), and the retry applies everything.
    /// </summary>
    [Fact]
    public async Task LongTransactionOpenAcrossRefreshes_IsAppliedOnce_AsIsOneCommittingDuringARefresh()
    {
        var setup = await SetUpAsync("wal_long");
        await using var _ = setup.Database;
        await using var installer = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        await using var writer = await PostgresCluster.OpenConnectionAsync(setup.Writer);
        await using var longWriter = await PostgresCluster.OpenConnectionAsync(setup.Writer);

        await ExecuteAsync(longWriter, "BEGIN; INSERT INTO orders VALUES (500, 1, 999, 'long'); UPDATE orders SET amount = 0 WHERE id = 6; DELETE FROM orders WHERE id = 1");
        await ExecuteAsync(writer, "INSERT INTO orders VALUES (501, 1, 3, 'short'); DELETE FROM orders WHERE id = 11");
        await ScalarAsync<long>(installer, "SELECT trickle.wal_catch_up()");
        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, "with a transaction open across the refresh");

        await ExecuteAsync(writer, "UPDATE orders SET note = 'z' WHERE id = 16");
        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, "with the transaction still open");

        // The refresh's snapshot first, then the long transaction commits, then the refresh reads the WAL.
        await ExecuteAsync(installer, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        await ScalarAsync<long>(installer, "SELECT count(*) FROM orders");
        await ExecuteAsync(longWriter, "COMMIT");
        await ExecuteAsync(installer, "SELECT trickle.refresh('totals')");
        await AssertMatchesAsync(installer, "totals", Query, "inside the refresh's snapshot, which does not see the long transaction");
        await ExecuteAsync(installer, "COMMIT");
        Assert.Equal(0L, await ScalarAsync<long>(installer, "SELECT count(*) FROM totals WHERE top = 999"));
        await RefreshRepeatableReadAsync(installer);
        Assert.Equal(1L, await ScalarAsync<long>(installer, "SELECT count(*) FROM totals WHERE top = 999"));
        await AssertMatchesAsync(installer, "totals", Query, "after the long transaction committed");

        // A decoder commits between the refresh's snapshot and its read: serialization failure, then the retry.
        await ExecuteAsync(writer, "INSERT INTO orders VALUES (502, 2, 4, 'late')");
        await ExecuteAsync(installer, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        await ScalarAsync<long>(installer, "SELECT count(*) FROM orders");
        await using (var worker = await PostgresCluster.OpenConnectionAsync(setup.Installer))
        {
            await ExecuteAsync(worker, "SELECT trickle.wal_await_flush(pg_current_wal_insert_lsn())");
            Assert.True(await ScalarAsync<long>(worker, "SELECT trickle.wal_catch_up()") > 0);
        }
        var failed = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.refresh('totals')"));
        Assert.Equal(PostgresErrorCodes.SerializationFailure, failed.SqlState);
        await ExecuteAsync(installer, "ROLLBACK");
        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, "after the retried refresh");
        Assert.Equal(0L, await BufferedAsync(installer));
    }

    /// <summary>
    /// Writers run the whole time while the source is switched from WAL to triggers and back, with decoder reads and
    /// refreshes in between: each write is captured by exactly one of the two.
    /// </summary>
    [Theory]
    [InlineData("differential")]
    [InlineData("auto")]
    public async Task SwitchingCaptureUnderWrites_LosesAndDoublesNothing(string mode)
    {
        var setup = await SetUpAsync("wal_switch_" + mode, mode);
        await using var _ = setup.Database;
        await using var installer = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            await using var connection = await PostgresCluster.OpenConnectionAsync(setup.Writer);
            var random = new Random(w * 7919 + 1);
            var written = 0;
            while (!stop.IsCancellationRequested)
            {
                var id = 1000 + w * 100_000 + written;
                var sql = random.Next(4) switch
                {
                    0 => $"INSERT INTO orders VALUES ({id}, {random.Next(6)}, {random.Next(1000)} / 7.0, 'w{w}')",
                    1 => $"UPDATE orders SET amount = amount + 1, customer = {random.Next(6)} WHERE id % 13 = {random.Next(13)}",
                    2 => $"DELETE FROM orders WHERE id = (SELECT id FROM orders WHERE id % 3 = {w % 3} ORDER BY random() LIMIT 1)",
                    _ => $"BEGIN; INSERT INTO orders VALUES ({id}, 0, 1, NULL); UPDATE orders SET note = 'u' WHERE id = {id}; COMMIT",
                };
                try
                {
                    await ExecuteAsync(connection, sql);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
                {
                    await ExecuteAsync(connection, "ROLLBACK");
                }
                written++;
                await Task.Delay(2);
            }
            return written;
        })).ToArray();

        for (var flip = 0; flip < 4; flip++)
        {
            await Task.Delay(150);
            await ScalarAsync<long>(installer, "SELECT trickle.wal_catch_up(false, 20)");
            await RefreshRepeatableReadAsync(installer);
            var to = flip % 2 == 0 ? "trigger" : "wal";
            Assert.Equal(1, await ScalarAsync<int>(installer, $"SELECT trickle.set_capture('orders', '{to}')"));
            Assert.Equal(to == "trigger", await ScalarAsync<bool>(installer,
                "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname = 'trickle_totals__insert')"));
        }
        await stop.CancelAsync();
        var counts = await Task.WhenAll(writers);
        output.WriteLine($"writes per writer: {string.Join(", ", counts)}");
        Assert.All(counts, c => Assert.True(c > 0));
        await RefreshRepeatableReadAsync(installer);
        await AssertMatchesAsync(installer, "totals", Query, $"after switching capture four times under writes ({mode})");
        Assert.Empty(await RowsAsync(installer, "SELECT problem FROM trickle.health() WHERE problem NOT IN ('scheduler not running')"));
    }

    [Fact]
    public async Task Refusals_TruncateModeSwitchRepairReplicaIdentityReplicationRole_AndHealth()
    {
        var setup = await SetUpAsync("wal_refusals");
        await using var _ = setup.Database;
        await using var installer = await PostgresCluster.OpenConnectionAsync(setup.Installer);
        await using var superuser = await PostgresCluster.OpenConnectionAsync(setup.Superuser);

        var truncate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "TRUNCATE orders"));
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, truncate.SqlState);
        Assert.Contains("set_capture('public.orders', 'trigger')", truncate.Hint);

        var modeSwitch = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.alter_stream_table('totals', refresh_mode => 'auto')"));
        Assert.Contains("captured from the WAL", modeSwitch.MessageText);
        var repair = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.repair_stream_table('totals')"));
        Assert.Contains("captured from the WAL", repair.MessageText);

        await ExecuteAsync(installer, "CREATE TABLE other (id integer PRIMARY KEY)");
        var identity = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.set_capture('other', 'wal')"));
        Assert.Contains("REPLICA IDENTITY FULL", identity.MessageText);
        await ExecuteAsync(superuser, $"ALTER ROLE \"{new NpgsqlConnectionStringBuilder(setup.Installer).Username}\" NOREPLICATION");
        await ExecuteAsync(installer, "ALTER TABLE other REPLICA IDENTITY FULL");
        await using (var fresh = await PostgresCluster.OpenConnectionAsync(setup.Installer))
        {
            var role = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(fresh, "SELECT trickle.set_capture('other', 'wal')"));
            Assert.Contains("lacks REPLICATION", role.MessageText);
        }
        await ExecuteAsync(superuser, $"ALTER ROLE \"{new NpgsqlConnectionStringBuilder(setup.Installer).Username}\" REPLICATION");

        // Health: with a threshold of one byte, the slot's lag and retained WAL are reported; a dropped slot is.
        await ExecuteAsync(installer, "INSERT INTO orders VALUES (900, 1, 1, 'h')");
        var reported = await RowsAsync(installer, "SELECT problem FROM trickle.wal_capture_health(1)");
        Assert.Contains("WAL slot lagging", reported);
        Assert.Contains("WAL slot holds back WAL", reported);
        await ExecuteAsync(superuser, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
        Assert.Contains("WAL slot missing", await RowsAsync(installer, "SELECT problem FROM trickle.health()"));
        await ExecuteAsync(installer, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        var lost = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.refresh('totals')"));
        Assert.Contains("is missing", lost.MessageText);
        await ExecuteAsync(installer, "ROLLBACK");

        // Back to triggers without the slot: the triggers return and the stream table is recomputed.
        Assert.Equal(1, await ScalarAsync<int>(installer, "SELECT trickle.set_capture('orders', 'trigger')"));
        await ExecuteAsync(installer, "INSERT INTO orders VALUES (901, 2, 2, 'i')");
        await ExecuteAsync(installer, "SELECT trickle.refresh('totals')");
        await AssertMatchesAsync(installer, "totals", Query, "after the slot was lost and the source switched back");
        Assert.Empty(await RowsAsync(installer, "SELECT problem FROM trickle.health() WHERE problem NOT IN ('scheduler not running')"));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>Without wal_level = logical, switching a source to WAL capture is refused, saying what to change.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WalCaptureWithoutLogicalWalTests(PostgresCluster cluster)
{
    [Fact]
    public async Task SetCapture_RefusesWithoutWalLevelLogical()
    {
        await using var database = await cluster.CreateDatabaseAsync("wal_level_replica");
        await CreateAndInstallAsync(database, "CREATE TABLE t (id integer PRIMARY KEY, g integer);", null, "SELECT g, count(*) AS n FROM t GROUP BY g", "st", "differential");
        await database.ExecuteAsync("ALTER TABLE t REPLICA IDENTITY FULL");
        await using var connection = await database.OpenConnectionAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT trickle.set_capture('t', 'wal')"));
        Assert.Equal(PostgresErrorCodes.ObjectNotInPrerequisiteState, refused.SqlState);
        Assert.Contains("wal_level = logical", refused.MessageText);
        Assert.Empty(await RowsAsync(connection, "SELECT slot_name FROM pg_replication_slots"));
    }
}
