using System.Text.Json;
using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Xunit;
using Xunit.Abstractions;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// The change feed of a stream table WITH (outbox = on): replayed into a plain table after random writes (some rolled
/// back), refreshes (one rolled back) and a mode switch, the copy equals a recomputation of the query in every mode;
/// positions only grow and re-reading returns the same rows; a transaction that appends holds later appenders off until
/// it commits, so a reader never skips a lower position committing later; consumers, retention, NOTIFY, the Debezium
/// layout, the inbox of a second database behind a relay that re-sends, and drop leaving nothing behind.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string, string, string, string, string> Feeds => new()
    {
        { "aggregate", "differential", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "auto", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "full", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "immediate", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "immediate-commit", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "left_join", "immediate-commit", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "left_join", "differential", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "left_join", "immediate", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "bag", "auto", Schemas.Items, Schemas.ItemsSeed, "item_groups", "SELECT grp, qty > 3 AS big FROM items" },
        { "bag", "full", Schemas.Items, Schemas.ItemsSeed, "item_groups", "SELECT grp, qty > 3 AS big FROM items" },
    };

    [Theory]
    [MemberData(nameof(Feeds))]
    public async Task FeedReplayedIntoACopy_EqualsTheRecomputation(string label, string mode, string schema, string seed, string name, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync($"outbox_{label}_{mode.Replace('-', '_')}");
        await database.ExecuteAsync(schema + seed);
        // IMMEDIATE applied at COMMIT: the feed's own COMMIT-time append follows the apply's storage writes.
        var atCommit = mode == "immediate-commit";
        await database.ExecutePsqlScriptAsync(Compile(schema, WithOutbox(name, query, "on"), name, atCommit ? "immediate" : mode,
            immediateApply: atCommit ? ImmediateApply.Commit : null), $"install of {name}");
        await using var connection = await database.OpenConnectionAsync();
        await using var writer = await database.OpenConnectionAsync();
        // The sources only: the copy is no table to write at random.
        var tables = await TableCatalog.ReadTablesAsync(connection);
        await ExecuteAsync(connection, $"CREATE TABLE replica AS SELECT * FROM {name} WITH NO DATA");
        var generator = new DmlGenerator(tables, seed: label.Length * 31 + mode.Length, maxStatementsPerStep: 4);
        var replayed = new List<Change>();
        var lastPosition = 0L;

        async Task CatchUpAsync(string because)
        {
            var changes = await ReadChangesAsync(connection, name, lastPosition, 1000);
            foreach (var change in changes)
            {
                Assert.True(change.Position > lastPosition, $"position {change.Position} after {lastPosition} ({because})");
                output.WriteLine($"{change.Position} {change.Operation} {change.OldRow?.GetRawText()} -> {change.NewRow?.GetRawText()}");
                await ApplyAsync(connection, "replica", change, because);
                lastPosition = change.Position;
            }
            replayed.AddRange(changes);
            await AssertMatchesAsync(connection, "replica", query, $"(the feed replayed) {because}");
        }

        await CatchUpAsync("after install");
        for (var step = 0; step < 12; step++)
        {
            var dml = generator.NextStep(await TableCatalog.ReadStatesAsync(connection, tables));
            // Every third step rolls back: nothing of it may reach the feed (IMMEDIATE maintains inside it).
            await ExecuteAsync(writer, "BEGIN;\n" + dml.ToSql() + (step % 3 == 2 ? "\nROLLBACK;" : "\nCOMMIT;"));
            if (!mode.StartsWith("immediate", StringComparison.Ordinal))
            {
                // A refresh that rolls back appends nothing.
                var before = await ReadChangesAsync(connection, name, lastPosition, 1000);
                await ExecuteAsync(writer, $"BEGIN; SELECT trickle.refresh('{name}'); ROLLBACK;");
                Assert.Equal(before, await ReadChangesAsync(connection, name, lastPosition, 1000));
                await RefreshAsync(writer, name);
            }
            await AssertMatchesAsync(connection, name, query, $"after step {step}");
            await CatchUpAsync($"after step {step} ({mode})");
            if (step == 5)
            {
                // A recomputation (repair) goes through the same feed.
                await ExecuteAsync(writer, $"SELECT trickle.repair_stream_table('{name}')");
                await CatchUpAsync("after a repair");
            }
        }
        // A consumer that crashed and reads again from 0 gets the same rows.
        Assert.Equal(replayed, await ReadChangesAsync(connection, name, 0, 100_000));
        output.WriteLine($"{label} {mode}: {replayed.Count} changes replayed, {replayed.Count(c => c.Operation == "update")} updates");
        if (label == "aggregate")
            Assert.Contains(replayed, c => c.Operation == "update");
    }

    [Fact]
    public async Task ModeSwitchesAndUpgrades_KeepTheReplayedFeedEqualToTheQuery()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_upgrade");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        string[] queries =
        [
            "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp",
            // Every row changes (n), then the rows where qty and sub sums differ.
            "SELECT grp, count(*) + 1 AS n, sum(qty) AS total FROM items GROUP BY grp",
            "SELECT grp, count(*) + 1 AS n, sum(sub) AS total FROM items GROUP BY grp",
        ];
        string[] modes = ["differential", "immediate", "auto"];
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals", queries[0], "on"), "totals", modes[0]), "install");
        await using var connection = await database.OpenConnectionAsync();
        var tables = await TableCatalog.ReadTablesAsync(connection);
        await ExecuteAsync(connection, "CREATE TABLE replica AS SELECT * FROM totals WITH NO DATA");
        var generator = new DmlGenerator(tables, seed: 777, maxStatementsPerStep: 4);
        var lastPosition = 0L;

        async Task CatchUpAsync(string query, string because)
        {
            foreach (var change in await ReadChangesAsync(connection, "totals", lastPosition, 100_000))
            {
                await ApplyAsync(connection, "replica", change, because);
                lastPosition = change.Position;
            }
            await AssertMatchesAsync(connection, "replica", query, $"(the feed replayed) {because}");
        }

        for (var i = 0; i < queries.Length; i++)
        {
            if (i > 0)
            {
                // The upgrade's swap appends what the new definition changes, and nothing else.
                var before = lastPosition;
                await database.ExecutePsqlScriptAsync(CompileUpgrade(Schemas.Items, WithOutbox("totals", queries[i], "on"), "totals", modes[i]), $"upgrade {i}");
                await CatchUpAsync(queries[i], $"after upgrade {i}");
                var appended = (await ReadChangesAsync(connection, "totals", before, 100_000)).Count;
                output.WriteLine($"upgrade {i}: {appended} changes");
                if (i == 1)
                    Assert.Equal(await ScalarAsync<long>(connection, "SELECT count(*) FROM totals"), appended);
            }
            var mode = modes[i];
            foreach (var next in new[] { "full", modes[i] })
            {
                for (var step = 0; step < 3; step++)
                {
                    await ExecuteAsync(connection, "BEGIN;\n" + generator.NextStep(await TableCatalog.ReadStatesAsync(connection, tables)).ToSql() + "\nCOMMIT;");
                    // The last write of a step is left pending: the switch brings it in.
                    if (mode != "immediate" && step < 2)
                    {
                        await RefreshAsync(connection, "totals");
                        await CatchUpAsync(queries[i], $"query {i}, {mode}, step {step}");
                    }
                }
                // The switch brings the stream table up to date under the old mode (a refresh, or a recompute).
                await ExecuteAsync(connection, $"SELECT trickle.alter_stream_table('totals', refresh_mode => '{next}')");
                await CatchUpAsync(queries[i], $"query {i}, after switching from {mode} to {next}");
                mode = next;
            }
        }
    }

    [Fact]
    public async Task RefreshWhoseBackendDiesBeforeCommit_AppendsNothing_AndTheNextRefreshAppendsItOnce()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_killed");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        const string query = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals", query, "on"), "totals", "differential"), "install");
        await using var connection = await database.OpenConnectionAsync();
        var initial = await ReadChangesAsync(connection, "totals", 0, 1000);
        await ExecuteAsync(connection, "UPDATE items SET qty = coalesce(qty, 0) + 10");

        var victim = await database.OpenConnectionAsync();
        await ExecuteAsync(victim, "BEGIN; SELECT trickle.refresh('totals');");
        Assert.True(await ScalarAsync<bool>(connection, $"SELECT pg_terminate_backend({victim.ProcessID}, 10000)"));
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteAsync(victim, "COMMIT"));
        await victim.DisposeAsync();
        Assert.Equal(initial, await ReadChangesAsync(connection, "totals", 0, 1000));

        await RefreshAsync(connection, "totals");
        var changes = await ReadChangesAsync(connection, "totals", initial[^1].Position, 1000);
        Assert.Equal(initial.Count, changes.Count);
        Assert.All(changes, c => Assert.Equal("update", c.Operation));
    }

    [Fact]
    public async Task AppendingTransaction_HoldsLaterAppendersOff_SoPositionsCommitInOrder()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_order");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        const string query = "SELECT grp, count(*) AS n FROM items GROUP BY grp";
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("grp_counts", query, "on"), "grp_counts", "immediate"), "install");
        await using var reader = await database.OpenConnectionAsync();
        await using var first = await database.OpenConnectionAsync();
        await using var second = await database.OpenConnectionAsync();
        var installed = (await ReadChangesAsync(reader, "grp_counts", 0, 1000)).Max(c => c.Position);

        // The first writer appends now (its deferred append fired early) and stays open, holding the feed's lock.
        await ExecuteAsync(first, "BEGIN; INSERT INTO items (id, grp, qty) VALUES (100, 'a', 1); SET CONSTRAINTS ALL IMMEDIATE;");
        var secondCommit = ExecuteAsync(second, "INSERT INTO items (id, grp, qty) VALUES (101, 'b', 1)");
        var secondPid = second.ProcessID;
        await WithinAsync(TimeSpan.FromSeconds(30), "second writer waiting for the feed's lock", async token =>
        {
            while (await ScalarAsync<string>(reader, $"SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = {secondPid}") != "Lock")
                await Task.Delay(20, token);
            return true;
        });
        Assert.False(secondCommit.IsCompleted);
        Assert.Empty(await ReadChangesAsync(reader, "grp_counts", installed, 1000));
        await ExecuteAsync(first, "COMMIT");
        await secondCommit;
        var changes = await ReadChangesAsync(reader, "grp_counts", installed, 1000);
        Assert.Equal(2, changes.Count);
        Assert.Equal("\"a\"", changes[0].NewRow!.Value.GetProperty("grp").GetRawText());
        Assert.Equal("\"b\"", changes[1].NewRow!.Value.GetProperty("grp").GetRawText());
        Assert.True(changes[0].Position < changes[1].Position);
    }

    [Fact]
    public async Task Consumers_AcknowledgeAndRetentionTrims_NotifyAndDebeziumLayout()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_consumers");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        const string query = "SELECT grp, sum(qty) AS total FROM items GROUP BY grp";
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals", query, "debezium"), "totals", "differential"), "install");
        await using var connection = await database.OpenConnectionAsync();
        await using var listener = await database.OpenConnectionAsync();
        var notifications = new List<NpgsqlNotificationEventArgs>();
        listener.Notification += (_, e) => notifications.Add(e);
        await ExecuteAsync(listener, "LISTEN \"trickle.changes.public.totals\"");

        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT trickle.register_consumer('totals', 'cache')"));
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT trickle.register_consumer('totals', 'search')"));
        var initial = await ReadChangesAsync(connection, "totals", 0, 1000);
        Assert.Equal(3, initial.Count);
        Assert.All(initial, c => Assert.Equal("insert", c.Operation));

        await ExecuteAsync(connection, "UPDATE items SET qty = qty + 1 WHERE grp = 'a'");
        await RefreshAsync(connection, "totals");
        await ExecuteAsync(connection, "BEGIN; UPDATE items SET qty = 0; SELECT trickle.refresh('totals'); ROLLBACK;");
        await ExecuteAsync(connection, "SELECT trickle.refresh('totals')");   // nothing changed: no notification
        await ExecuteAsync(listener, "SELECT 1");
        var notification = Assert.Single(notifications);
        var payload = JsonDocument.Parse(notification.Payload).RootElement;
        Assert.Equal("public.totals", payload.GetProperty("stream_table").GetString());
        Assert.Equal(1, payload.GetProperty("changes").GetInt32());
        var update = Assert.Single(await ReadChangesAsync(connection, "totals", initial[^1].Position, 1000));
        Assert.Equal(payload.GetProperty("last_position").GetInt64(), update.Position);
        Assert.Equal("update", update.Operation);
        Assert.Equal("{\"grp\": \"a\"}", update.RowKey);
        Assert.NotNull(await ScalarAsync<long?>(connection, $"SELECT refresh_id FROM trickle.read_changes('totals', {initial[^1].Position})"));

        // Debezium's columns for each change, until trimmed.
        Assert.Equal(4L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.outbox_debezium WHERE aggregatetype = 'public.totals'"));
        Assert.Equal("update", await ScalarAsync<string>(connection, $"SELECT type FROM trickle.outbox_debezium WHERE position = {update.Position}"));

        // Retention: only what both consumers acknowledged goes.
        await ExecuteAsync(connection, $"SELECT trickle.acknowledge_changes('totals', 'cache', {update.Position})");
        Assert.Equal(4, (await ReadChangesAsync(connection, "totals", 0, 1000)).Count);
        await ExecuteAsync(connection, $"SELECT trickle.acknowledge_changes('totals', 'search', {initial[^1].Position})");
        Assert.Equal(new[] { update }, await ReadChangesAsync(connection, "totals", initial[^1].Position, 1000));
        var trimmed = await Assert.ThrowsAsync<PostgresException>(() => ReadChangesAsync(connection, "totals", 0, 1000));
        Assert.Contains("were trimmed", trimmed.MessageText);
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.outbox_debezium"));

        // Off: the feed's triggers, changes and consumers go; on again: it starts with the rows there are.
        await ExecuteAsync(connection, "SELECT trickle.alter_stream_table('totals', outbox => 'off')");
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.outbox"));
        await ExecuteAsync(connection, "SELECT trickle.alter_stream_table('totals', outbox => 'on')");
        Assert.Equal(3, (await ReadChangesAsync(connection, "totals", 0, 1000)).Count);
    }

    [Fact]
    public async Task RelayToAnotherDatabasesInbox_ResendingEverything_AppliesEachChangeOnce()
    {
        await using var source = await cluster.CreateDatabaseAsync("outbox_relay_source");
        await using var target = await cluster.CreateDatabaseAsync("outbox_relay_target");
        await source.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        const string query = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        await source.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals", query, "on"), "totals", "differential"), "install");
        // The target needs only the runtime's inbox; the runtime comes with any stream table's script.
        await target.ExecuteAsync(Schemas.Items);
        await target.ExecutePsqlScriptAsync(Compile(Schemas.Items, "SELECT id FROM items", "unused", "differential"), "runtime on the target");
        await target.ExecuteAsync("CREATE TABLE totals_copy (grp text, n bigint, total bigint)");
        await using var from = await source.OpenConnectionAsync();
        await using var to = await target.OpenConnectionAsync();
        var tables = await TableCatalog.ReadTablesAsync(from);
        var generator = new DmlGenerator(tables, seed: 4242, maxStatementsPerStep: 4);
        var sent = 0;

        for (var round = 0; round < 8; round++)
        {
            await ExecuteAsync(from, "BEGIN;\n" + generator.NextStep(await TableCatalog.ReadStatesAsync(from, tables)).ToSql() + "\nCOMMIT;");
            await RefreshAsync(from, "totals");
            // A relay that forgets its progress every other round re-sends everything retained: the inbox drops the duplicates.
            var acknowledged = round % 2 == 0 ? 0 : await ScalarAsync<long>(to, "SELECT coalesce(max(message_id::bigint), 0) FROM trickle.inbox WHERE source = 'public.totals'");
            foreach (var change in await ReadChangesAsync(from, "totals", acknowledged, 100_000))
            {
                await using var transaction = await to.BeginTransactionAsync();
                var fresh = await ScalarAsync<bool>(to, $"SELECT trickle.receive_message('public.totals', '{change.Position}')", transaction);
                if (fresh)
                {
                    await ApplyAsync(to, "totals_copy", change, $"round {round}", transaction);
                    sent++;
                }
                await transaction.CommitAsync();
            }
            Assert.Equal(await RowsAsync(from, "SELECT * FROM totals"), await RowsAsync(to, "SELECT * FROM totals_copy"));
        }
        output.WriteLine($"{sent} changes applied once");
    }

    [Fact]
    public async Task DropAndUninstall_WithAFeed_LeaveNothingBehind()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_drop");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        var before = await SnapshotObjectsAsync(database);
        const string query = "SELECT grp, count(*) AS n FROM items GROUP BY grp";
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("counts", query, "on"), "counts", "auto"), "install");
        await database.ExecuteAsync("SELECT trickle.register_consumer('counts', 'c')");
        Assert.Empty(await RowsAsync(await database.OpenConnectionAsync(), "SELECT problem FROM trickle.health() WHERE problem LIKE 'outbox%'"));
        await database.ExecuteAsync("ALTER TABLE trickle.counts__storage DISABLE TRIGGER trickle_outbox_update");
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.stream_table_drift('public', 'counts') WHERE problem = 'outbox trigger disabled'"));
        await database.ExecuteAsync("SELECT trickle.repair_stream_table('counts')");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM trickle.stream_table_drift('public', 'counts')"));
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('counts')");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT (SELECT count(*) FROM trickle.outbox) + (SELECT count(*) FROM trickle.outbox_consumers) + (SELECT count(*) FROM trickle.outbox_streams)"));
        Assert.Equal(before.ToList(), (await SnapshotObjectsAsync(database)).Where(line => !IsRuntimeObject(line)).ToList());
        await database.ExecuteAsync("SELECT trickle.uninstall()");
        Assert.Equal(before.ToList(), (await SnapshotObjectsAsync(database)).ToList());
    }

    [Fact]
    public async Task ReadingAFeed_RequiresSelectOnItsStreamTable()
    {
        await using var database = await cluster.CreateDatabaseAsync("outbox_rights");
        await database.ExecuteAsync(Schemas.Items + Schemas.ItemsSeed);
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals_a", "SELECT grp, count(*) AS n FROM items GROUP BY grp", "on"), "totals_a", "differential"), "install a");
        await database.ExecutePsqlScriptAsync(Compile(Schemas.Items, WithOutbox("totals_b", "SELECT grp, sum(qty) AS total FROM items GROUP BY grp", "on"), "totals_b", "differential"), "install b");
        var readerA = database.Name + "_reader_a";
        var readerB = database.Name + "_reader_b";
        // Both relay roles hold EXECUTE on every consumer function; each may SELECT only its own stream table.
        await database.ExecuteAsync($"""
            CREATE ROLE "{readerA}" LOGIN NOSUPERUSER;
            CREATE ROLE "{readerB}" LOGIN NOSUPERUSER;
            GRANT USAGE ON SCHEMA trickle TO "{readerA}", "{readerB}";
            GRANT EXECUTE ON FUNCTION trickle.read_changes(text, bigint, integer), trickle.register_consumer(text, text),
                trickle.acknowledge_changes(text, text, bigint), trickle.unregister_consumer(text, text), trickle.trim_changes(text)
                TO "{readerA}", "{readerB}";
            GRANT SELECT ON totals_a TO "{readerA}";
            GRANT SELECT ON totals_b TO "{readerB}";
            """);
        var asA = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = readerA }.ConnectionString;
        var asB = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = readerB }.ConnectionString;
        try
        {
            await using var a = await PostgresCluster.OpenConnectionAsync(asA);
            await using var b = await PostgresCluster.OpenConnectionAsync(asB);
            Assert.Equal(3, (await ReadChangesAsync(a, "totals_a", 0, 1000)).Count);
            Assert.Equal(3, (await ReadChangesAsync(b, "totals_b", 0, 1000)).Count);
            foreach (var (connection, other) in new[] { (a, "totals_b"), (b, "totals_a") })
            {
                foreach (var call in new[]
                         {
                             $"SELECT * FROM trickle.read_changes('{other}')", $"SELECT trickle.register_consumer('{other}', 'x')",
                             $"SELECT trickle.acknowledge_changes('{other}', 'x', 1)", $"SELECT trickle.unregister_consumer('{other}', 'x')",
                             $"SELECT trickle.trim_changes('{other}')",
                         })
                {
                    var denied = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, call));
                    Assert.Equal("42501", denied.SqlState);
                    Assert.Contains("permission denied for the change feed", denied.MessageText);
                }
            }
            // The right follows the grant: revoked, the feed is closed; granted, it opens, consumers included.
            await database.ExecuteAsync($"REVOKE SELECT ON totals_a FROM \"{readerA}\"; GRANT SELECT ON totals_b TO \"{readerA}\"");
            await Assert.ThrowsAsync<PostgresException>(() => ReadChangesAsync(a, "totals_a", 0, 1000));
            Assert.Equal(0L, await ScalarAsync<long>(a, "SELECT trickle.register_consumer('totals_b', 'relay_a')"));
            await ExecuteAsync(a, "SELECT trickle.acknowledge_changes('totals_b', 'relay_a', 1)");
            // Its acknowledgement counts for retention (through position 1, before totals_b's first change).
            Assert.Equal(3, (await ReadChangesAsync(b, "totals_b", 1, 1000)).Count);
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asA));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asB));
            await database.ExecuteAsync($"DROP OWNED BY \"{readerA}\", \"{readerB}\"; DROP ROLE \"{readerA}\"; DROP ROLE \"{readerB}\"");
        }
    }

    private static string WithOutbox(string name, string query, string outbox) =>
        $"CREATE STREAM TABLE {name} WITH (outbox = {outbox}) AS {query}";

    internal sealed record Change(long Position, string Operation, string? RowKey, JsonElement? OldRow, JsonElement? NewRow)
    {
        public bool Equals(Change? other) => other is not null && Position == other.Position && Operation == other.Operation
            && RowKey == other.RowKey && OldRow?.GetRawText() == other.OldRow?.GetRawText() && NewRow?.GetRawText() == other.NewRow?.GetRawText();
        public override int GetHashCode() => Position.GetHashCode();
    }

    internal static async Task<List<Change>> ReadChangesAsync(NpgsqlConnection connection, string name, long after, int limit)
    {
        await using var command = new NpgsqlCommand(
            "SELECT position, operation, row_key::text, old_row::text, new_row::text FROM trickle.read_changes($1, $2, $3)", connection);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(after);
        command.Parameters.AddWithValue(limit);
        await using var reader = await command.ExecuteReaderAsync();
        var changes = new List<Change>();
        while (await reader.ReadAsync())
            changes.Add(new Change(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : JsonDocument.Parse(reader.GetString(3)).RootElement,
                reader.IsDBNull(4) ? null : JsonDocument.Parse(reader.GetString(4)).RootElement));
        return changes;
    }

    /// <summary>Applies one change to a plain copy: a delete removes exactly one row equal to the old image.</summary>
    internal static async Task ApplyAsync(NpgsqlConnection connection, string table, Change change, string because, NpgsqlTransaction? transaction = null)
    {
        if (change.OldRow is { } old)
        {
            await using var delete = new NpgsqlCommand(
                $"DELETE FROM {table} WHERE ctid = (SELECT r.ctid FROM {table} AS r WHERE to_jsonb(r) = $1::jsonb LIMIT 1)", connection, transaction);
            delete.Parameters.AddWithValue(old.GetRawText());
            Assert.True(await delete.ExecuteNonQueryAsync() == 1, $"{change.Operation} at {change.Position} removes {old.GetRawText()}, which the copy does not hold ({because})");
        }
        if (change.NewRow is { } added)
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, $1::jsonb)", connection, transaction);
            insert.Parameters.AddWithValue(added.GetRawText());
            await insert.ExecuteNonQueryAsync();
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
