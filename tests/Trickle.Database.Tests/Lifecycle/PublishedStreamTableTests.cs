using System.Diagnostics;
using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Trickle.Postgres;
using Xunit;
using Xunit.Abstractions;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// Two real clusters: a publisher started with wal_level = logical and a subscriber. Only the publisher runs Trickle.
/// Started once for the class; each test uses its own databases, publication and subscription.
/// </summary>
public sealed class ReplicationClusters : IAsyncLifetime
{
    public PostgresServer Publisher { get; private set; } = null!;
    public PostgresServer Subscriber { get; private set; } = null!;
    private int _counter;

    public async Task InitializeAsync()
    {
        Publisher = await PostgresServer.StartAsync([new("wal_level", "logical"), new("max_wal_senders", "20"), new("max_replication_slots", "20")]);
        Subscriber = await PostgresServer.StartAsync([new("max_logical_replication_workers", "8"), new("max_worker_processes", "16")]);
    }

    public async Task DisposeAsync()
    {
        await Subscriber.DisposeAsync();
        await Publisher.DisposeAsync();
    }

    public string NextName(string prefix) => $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";
}

/// <summary>
/// A stream table WITH (publish = on) replicated by CREATE PUBLICATION … FOR TABLE on its mirror to a second cluster's
/// CREATE SUBSCRIPTION: after random writes (some rolled back), refreshes (one rolled back per step), a repair and mode
/// switches, the subscriber's table, once caught up (its replay LSN past the publisher's WAL position), equals the
/// stream table's rows as a multiset and the recomputed query. A FULL refresh replicates only what changed.
/// </summary>
public sealed class PublishedStreamTableTests(ReplicationClusters clusters, ITestOutputHelper output) : IClassFixture<ReplicationClusters>
{
    public static TheoryData<string, string, string, string, string, string> Published => new()
    {
        { "aggregate", "differential", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "auto", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "immediate", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "immediate-commit", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "aggregate", "full", Schemas.Items, Schemas.ItemsSeed, "items_totals",
            "SELECT grp, count(*) AS n, sum(qty) AS total, max(price) AS top FROM items GROUP BY grp" },
        { "left_join", "differential", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "left_join", "immediate", Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, "customer_orders",
            "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
        { "bag", "auto", Schemas.Items, Schemas.ItemsSeed, "item_groups", "SELECT grp, qty > 3 AS big FROM items" },
        { "bag", "differential", Schemas.Items, Schemas.ItemsSeed, "item_groups", "SELECT grp, qty > 3 AS big FROM items" },
        // Recomputed from its query as written on every refresh: the mirror still receives only the net.
        { "as_written", "full", Schemas.Items, Schemas.ItemsSeed, "items_median",
            "SELECT grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY qty) AS med FROM items GROUP BY grp" },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public async Task Subscriber_ConvergesToTheStreamTablesRows(string label, string mode, string schema, string seed, string name, string query)
    {
        await using var pair = await PublishedPair.CreateAsync(clusters, $"pub_{label}_{mode.Replace('-', '_')}", schema + seed, output);
        // The sources only, read before the install creates the mirror: the mirror is no table to write at random.
        var tables = await TableCatalog.ReadTablesAsync(pair.Source);
        var atCommit = mode == "immediate-commit";
        await pair.InstallAsync(Compile(schema, $"CREATE STREAM TABLE {name} WITH (publish = on) AS {query}", name,
            atCommit ? "immediate" : mode, immediateApply: atCommit ? ImmediateApply.Commit : null));
        await pair.SubscribeAsync(name);
        await pair.AssertConvergedAsync(name, query, "after the initial copy");

        var generator = new DmlGenerator(tables, seed: label.Length * 17 + mode.Length, maxStatementsPerStep: 4);
        for (var step = 0; step < 10; step++)
        {
            var dml = generator.NextStep(await TableCatalog.ReadStatesAsync(pair.Source, tables));
            // Every third step rolls back: nothing of it reaches the subscriber (IMMEDIATE maintains inside it).
            await ExecuteAsync(pair.Source, "BEGIN;\n" + dml.ToSql() + (step % 3 == 2 ? "\nROLLBACK;" : "\nCOMMIT;"));
            if (!mode.StartsWith("immediate", StringComparison.Ordinal))
            {
                await ExecuteAsync(pair.Source, $"BEGIN; SELECT trickle.refresh('{name}'); ROLLBACK;");
                await RefreshAsync(pair.Source, name);
            }
            await pair.AssertConvergedAsync(name, query, $"after step {step} ({mode})");
            if (step == 4)
            {
                // A repair recomputes through the same triggers; the mirror follows.
                await ExecuteAsync(pair.Source, $"SELECT trickle.repair_stream_table('{name}')");
                await pair.AssertConvergedAsync(name, query, "after a repair");
            }
        }
        if (mode is "differential" or "auto")
        {
            // Mode switches while published, each followed by writes and a refresh (IMMEDIATE: none needed).
            foreach (var next in new[] { "full", "immediate", mode })
            {
                await ExecuteAsync(pair.Source, $"SELECT trickle.alter_stream_table('{name}', refresh_mode => '{next}')");
                await ExecuteAsync(pair.Source, "BEGIN;\n" + generator.NextStep(await TableCatalog.ReadStatesAsync(pair.Source, tables)).ToSql() + "\nCOMMIT;");
                if (next != "immediate")
                    await RefreshAsync(pair.Source, name);
                await pair.AssertConvergedAsync(name, query, $"after switching to {next}");
            }
        }
        output.WriteLine(pair.Describe());
    }

    [Fact]
    public async Task FullRefresh_ReplicatesOnlyTheRowsThatChanged()
    {
        await using var pair = await PublishedPair.CreateAsync(clusters, "pub_full_net", Schemas.Items + Schemas.ItemsSeed, output);
        const string query = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        await pair.InstallAsync(Compile(Schemas.Items, $"CREATE STREAM TABLE totals WITH (publish = on) AS {query}", "totals", "full"));
        await pair.SubscribeAsync("totals");
        await pair.AssertConvergedAsync("totals", query, "after the initial copy");
        var rows = await pair.Source.ExecuteScalarLongAsync("SELECT count(*) FROM totals");
        Assert.True(rows >= 3, $"{rows} groups");

        // One group changes: the refresh rewrites every storage row, the mirror (and the subscriber) changes one row.
        // A mirror row that is not rewritten keeps its ctid.
        const string versions = "SELECT ctid::text || ' ' || grp FROM totals__published";
        var before = await RowsAsync(pair.Source, versions);
        await ExecuteAsync(pair.Source, "UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE grp = 'a'");
        await RefreshAsync(pair.Source, "totals");
        var after = await RowsAsync(pair.Source, versions);
        Assert.Equal([before.Single(v => v.EndsWith(" a", StringComparison.Ordinal))], before.Except(after));
        Assert.Single(after.Except(before));
        await pair.AssertConvergedAsync("totals", query, "after a FULL refresh changing one group");
        // A refresh that changes nothing writes nothing to the mirror.
        await RefreshAsync(pair.Source, "totals");
        Assert.Equal(after, await RowsAsync(pair.Source, versions));
    }

    [Fact]
    public async Task RefreshChangingEveryGroup_ReachesTheSubscriber_WithTheTimesPrinted()
    {
        const int groups = 10_000;
        await using var pair = await PublishedPair.CreateAsync(clusters, "pub_batch", Schemas.Items, output);
        await ExecuteAsync(pair.Source, $"INSERT INTO items (id, grp, qty) SELECT i, 'g' || (i % {groups}), i FROM generate_series(1, {2 * groups}) AS i");
        const string query = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        await pair.InstallAsync(Compile(Schemas.Items, $"CREATE STREAM TABLE totals AS {query}", "totals", "differential"));
        // The same refresh unpublished, for comparison; then published at run time.
        await ExecuteAsync(pair.Source, "UPDATE items SET qty = qty - 1");
        var clock = Stopwatch.StartNew();
        await RefreshAsync(pair.Source, "totals");
        var unpublished = clock.Elapsed;
        Assert.Equal("public.totals__published", await pair.Source.ExecuteScalarStringAsync("SELECT trickle.publish_stream_table('totals')"));
        await pair.SubscribeAsync("totals");
        await pair.AssertConvergedAsync("totals", query, "after the initial copy");

        await ExecuteAsync(pair.Source, "UPDATE items SET qty = qty + 1");
        clock.Restart();
        await RefreshAsync(pair.Source, "totals");
        var refresh = clock.Elapsed;
        clock.Restart();
        await pair.CatchUpAsync();
        var catchUp = clock.Elapsed;
        await pair.AssertConvergedAsync("totals", query, "after every group changed");
        // Not asserted (the machine is shared): printed for docs/runtime.md.
        output.WriteLine($"{groups} groups changed: refresh unpublished {unpublished.TotalSeconds:F2} s, with the mirror {refresh.TotalSeconds:F2} s ({2 * groups / refresh.TotalSeconds:F0} mirror rows written/s), subscriber caught up {catchUp.TotalSeconds:F2} s later ({2 * groups / Math.Max(catchUp.TotalSeconds, 0.001):F0} rows/s applied); {pair.Describe()}");
    }

    [Fact]
    public async Task ConcurrentImmediateWriters_MirrorAndSubscriberEqualTheStreamTable()
    {
        await using var pair = await PublishedPair.CreateAsync(clusters, "pub_concurrent", Schemas.Items + Schemas.ItemsSeed, output);
        const string query = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        await pair.InstallAsync(Compile(Schemas.Items, $"CREATE STREAM TABLE totals WITH (publish = on) AS {query}", "totals", "immediate"));
        await pair.SubscribeAsync("totals");
        // Four writers on overlapping groups, each its own ids; the mirror's writes are serialized at commit.
        var writers = Enumerable.Range(0, 4).Select(async writer =>
        {
            await using var connection = await PostgresServer.OpenConnectionAsync(pair.SourceConnectionString);
            var random = new Random(writer);
            var ran = 0;
            for (var i = 0; i < 25; i++)
            {
                var id = 10_000 + writer * 1_000 + i;
                var group = "g" + random.Next(3);
                var sql = $"BEGIN; INSERT INTO items (id, grp, qty) VALUES ({id}, '{group}', {random.Next(10)});"
                          + (i > 0 ? $" UPDATE items SET grp = 'g{random.Next(3)}', qty = qty + 1 WHERE id = {id - 1};" : "")
                          + (random.Next(4) == 0 ? " ROLLBACK;" : " COMMIT;");
                try
                {
                    await ExecuteAsync(connection, sql);
                    ran++;
                }
                catch (PostgresException e) when (e.SqlState is "40001" or "40P01")
                {
                    await ExecuteAsync(connection, "ROLLBACK");
                }
            }
            return ran;
        }).ToList();
        var transactions = (await Task.WhenAll(writers)).Sum();
        await pair.AssertConvergedAsync("totals", query, "after concurrent IMMEDIATE writers");
        output.WriteLine($"{transactions} writer transactions run (a quarter rolled back); {pair.Describe()}");
    }

    [Fact]
    public async Task UpgradeUnpublishRepairDrop_WhilePublished()
    {
        await using var pair = await PublishedPair.CreateAsync(clusters, "pub_lifecycle", Schemas.Items + Schemas.ItemsSeed, output);
        const string first = "SELECT grp, count(*) AS n, sum(qty) AS total FROM items GROUP BY grp";
        const string second = "SELECT grp, count(*) + 1 AS n, sum(qty) AS total FROM items GROUP BY grp";
        await pair.InstallAsync(Compile(Schemas.Items, $"CREATE STREAM TABLE totals WITH (publish = on, outbox = on) AS {first}", "totals", "differential"));
        await pair.SubscribeAsync("totals");
        await pair.AssertConvergedAsync("totals", first, "after the initial copy");

        // --upgrade with the same columns: the swap's net (every n + 1) reaches the subscriber; the feed too.
        await ExecuteAsync(pair.Source, "UPDATE items SET qty = coalesce(qty, 0) + 2 WHERE grp = 'b'");
        await pair.InstallAsync(CompileUpgrade(Schemas.Items, $"CREATE STREAM TABLE totals WITH (publish = on, outbox = on) AS {second}", "totals", "immediate"));
        await pair.AssertConvergedAsync("totals", second, "after an upgrade");
        await ExecuteAsync(pair.Source, "INSERT INTO items (id, grp, qty) VALUES (1000, 'z', 5)");
        await pair.AssertConvergedAsync("totals", second, "after an IMMEDIATE write following the upgrade");

        // An upgrade that changes the columns is refused while published, and leaves everything as it was.
        var refused = await pair.Publisher.RunPsqlScriptAsync(pair.SourceConnectionString,
            CompileUpgrade(Schemas.Items, "CREATE STREAM TABLE totals WITH (publish = on) AS SELECT grp, count(*) AS n FROM items GROUP BY grp", "totals", "immediate"));
        Assert.False(refused.Succeeded);
        Assert.Contains("would change its columns", refused.StandardError);
        await ExecuteAsync(pair.Source, "DELETE FROM items WHERE id = 1000");
        await pair.AssertConvergedAsync("totals", second, "after a refused upgrade");

        // The mirror changed behind Trickle's back: the next write fails rather than publish a wrong table; repair fixes it.
        await ExecuteAsync(pair.Source, "DELETE FROM totals__published WHERE grp = 'a'");
        var corrupted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(pair.Source, "UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE grp = 'a'"));
        Assert.Contains("changed outside Trickle", corrupted.MessageText);
        await ExecuteAsync(pair.Source, "SELECT trickle.repair_stream_table('totals')");
        await ExecuteAsync(pair.Source, "UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE grp = 'a'");
        await pair.AssertConvergedAsync("totals", second, "after a repair of the mirror");
        // Dropped mirror: drift, and repair creates it again (a publication must name it again).
        await ExecuteAsync(pair.Source, "DROP TABLE totals__published");
        Assert.Equal("publication mirror missing", await pair.Source.ExecuteScalarStringAsync("SELECT problem FROM trickle.stream_table_drift('public', 'totals')"));
        await ExecuteAsync(pair.Source, "SELECT trickle.repair_stream_table('totals')");
        Assert.Equal(0L, await pair.Source.ExecuteScalarLongAsync("SELECT count(*) FROM trickle.stream_table_drift('public', 'totals')"));
        Assert.Equal(await RowsAsync(pair.Source, "SELECT * FROM totals"), await RowsAsync(pair.Source, "SELECT * FROM totals__published"));

        // Off: the feed stays; on again; then the feed off keeps the publication.
        Assert.Null(await pair.Source.ExecuteScalarStringAsync("SELECT trickle.publish_stream_table('totals', false)"));
        Assert.Null(await pair.Source.ExecuteScalarStringAsync("SELECT to_regclass('totals__published')::text"));
        Assert.NotEmpty(await RowsAsync(pair.Source, "SELECT * FROM trickle.read_changes('totals')"));
        Assert.Equal("public.totals__published", await pair.Source.ExecuteScalarStringAsync("SELECT trickle.publish_stream_table('totals')"));
        await ExecuteAsync(pair.Source, "SELECT trickle.alter_stream_table('totals', outbox => 'off')");
        await ExecuteAsync(pair.Source, "INSERT INTO items (id, grp, qty) VALUES (1001, 'y', 1)");
        Assert.Equal(await RowsAsync(pair.Source, "SELECT * FROM totals"), await RowsAsync(pair.Source, "SELECT * FROM totals__published"));
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(pair.Source, "SELECT * FROM trickle.read_changes('totals')"));
        // The feed on again while published: it starts with the rows there are, the mirror is not written twice.
        await ExecuteAsync(pair.Source, "SELECT trickle.alter_stream_table('totals', outbox => 'on')");
        Assert.Equal(await pair.Source.ExecuteScalarLongAsync("SELECT count(*) FROM totals"),
            await pair.Source.ExecuteScalarLongAsync("SELECT count(*) FROM trickle.read_changes('totals')"));
        Assert.Equal(await RowsAsync(pair.Source, "SELECT * FROM totals"), await RowsAsync(pair.Source, "SELECT * FROM totals__published"));

        // Drop, then uninstall: the mirror goes with the stream table (and out of the publication).
        await ExecuteAsync(pair.Source, "SELECT trickle.drop_stream_table('totals')");
        Assert.Null(await pair.Source.ExecuteScalarStringAsync("SELECT to_regclass('totals__published')::text"));
        Assert.Equal(0L, await pair.Source.ExecuteScalarLongAsync("SELECT count(*) FROM trickle.outbox_streams"));
        await ExecuteAsync(pair.Source, "SELECT trickle.uninstall()");
    }

    /// <summary>A publisher database with Trickle and a subscriber database on the other cluster.</summary>
    private sealed class PublishedPair : IAsyncDisposable
    {
        private readonly ReplicationClusters _clusters;
        private readonly ITestOutputHelper _output;
        private readonly string _name;
        private NpgsqlConnection _target = null!;
        private bool _subscribed;
        private readonly List<double> _lagMilliseconds = [];

        private PublishedPair(ReplicationClusters clusters, string name, ITestOutputHelper output)
        {
            _clusters = clusters;
            _name = name;
            _output = output;
        }

        public PostgresServer Publisher => _clusters.Publisher;
        public string SourceConnectionString { get; private set; } = "";
        public string TargetConnectionString { get; private set; } = "";
        public NpgsqlConnection Source { get; private set; } = null!;
        public NpgsqlConnection Target => _target;

        public static async Task<PublishedPair> CreateAsync(ReplicationClusters clusters, string prefix, string sourceSql, ITestOutputHelper output)
        {
            var pair = new PublishedPair(clusters, clusters.NextName(prefix), output);
            pair.SourceConnectionString = await clusters.Publisher.CreateDatabaseAsync(pair._name);
            pair.TargetConnectionString = await clusters.Subscriber.CreateDatabaseAsync(pair._name);
            pair.Source = await PostgresServer.OpenConnectionAsync(pair.SourceConnectionString);
            pair._target = await PostgresServer.OpenConnectionAsync(pair.TargetConnectionString);
            Assert.Equal("logical", await pair.Source.ExecuteScalarStringAsync("SHOW wal_level"));
            await ExecuteAsync(pair.Source, sourceSql);
            return pair;
        }

        public async Task InstallAsync(string script)
        {
            var result = await Publisher.RunPsqlScriptAsync(SourceConnectionString, script);
            Assert.True(result.Succeeded, result.Describe());
        }

        /// <summary>The documented steps: a publication of the mirror; on the subscriber a table like it and a subscription.</summary>
        public async Task SubscribeAsync(string streamTable)
        {
            var mirror = streamTable + "__published";
            await ExecuteAsync(Source, $"CREATE PUBLICATION {_name} FOR TABLE {mirror}");
            // The subscriber matches columns by name; the same order keeps the comparison's rows alike.
            var columns = await Source.ExecuteScalarStringAsync($"""
                SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = '{mirror}'::regclass AND attnum > 0 AND NOT attisdropped
                """);
            await ExecuteAsync(Target, $"CREATE TABLE {mirror} ({columns})");
            // As docs/runtime.md recommends: PostgreSQL 16+ subscribers find the rows of deletes (replica identity
            // FULL) through a b-tree index instead of scanning; the first column is a grouped stream table's key.
            var first = await Source.ExecuteScalarStringAsync($"SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '{mirror}'::regclass AND attnum = 1");
            await ExecuteAsync(Target, $"CREATE INDEX ON {mirror} ({first})");
            var source = new NpgsqlConnectionStringBuilder(SourceConnectionString);
            var connection = $"host={source.Host} port={source.Port} user={source.Username} dbname={source.Database}";
            await ExecuteAsync(Target, $"CREATE SUBSCRIPTION {_name} CONNECTION '{connection}' PUBLICATION {_name}");
            _subscribed = true;
            // The initial copy: every table of the subscription ready.
            await WithinAsync(TimeSpan.FromSeconds(60), "the subscription's initial copy", async token =>
            {
                while (await Target.ExecuteScalarLongAsync("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')") > 0)
                    await Task.Delay(50, token);
                return true;
            });
        }

        /// <summary>Waits until the subscriber replayed everything the publisher wrote (its walsender's replay LSN).</summary>
        public async Task CatchUpAsync()
        {
            // The insert position: the test clusters run synchronous_commit = off, so the last commit record may not be
            // written yet (pg_current_wal_lsn would stop short of it); the walsender sends it once it is flushed.
            var target = await Source.ExecuteScalarStringAsync("SELECT pg_current_wal_insert_lsn()::text");
            var clock = Stopwatch.StartNew();
            await WithinAsync(TimeSpan.FromSeconds(60), $"the subscriber replaying up to {target}", async token =>
            {
                while (!await Source.ExecuteScalarBoolAsync(
                           $"SELECT coalesce(bool_and(replay_lsn >= '{target}'::pg_lsn), false) FROM pg_stat_replication WHERE application_name = '{_name}'"))
                    await Task.Delay(10, token);
                return true;
            });
            _lagMilliseconds.Add(clock.Elapsed.TotalMilliseconds);
        }

        public async Task AssertConvergedAsync(string streamTable, string query, string because)
        {
            await AssertMatchesAsync(Source, streamTable, query, because);
            await CatchUpAsync();
            var expected = await RowsAsync(Source, $"SELECT * FROM {streamTable}");
            var mirrored = await RowsAsync(Source, $"SELECT * FROM {streamTable}__published");
            Assert.True(expected.SequenceEqual(mirrored),
                $"the mirror differs from {streamTable} {because}:\nexpected:\n{string.Join("\n", expected)}\nmirrored:\n{string.Join("\n", mirrored)}");
            var replicated = await RowsAsync(Target, $"SELECT * FROM {streamTable}__published");
            if (!expected.SequenceEqual(replicated))
            {
                var log = _clusters.Subscriber.ServerLogPath is { } path && File.Exists(path)
                    ? string.Join("\n", File.ReadLines(path).TakeLast(20)) : "(no log)";
                Assert.Fail($"subscriber differs from {streamTable} {because}:\nexpected:\n{string.Join("\n", expected)}\nreplicated:\n{string.Join("\n", replicated)}\nsubscriber log:\n{log}");
            }
        }

        public string Describe() => _lagMilliseconds.Count == 0 ? "no catch-up measured"
            : $"{_lagMilliseconds.Count} catch-ups, median {_lagMilliseconds.Order().ElementAt(_lagMilliseconds.Count / 2):F0} ms, max {_lagMilliseconds.Max():F0} ms";

        public async ValueTask DisposeAsync()
        {
            if (_subscribed)
            {
                try
                {
                    await ExecuteAsync(Target, $"DROP SUBSCRIPTION {_name}");
                }
                catch (PostgresException e)
                {
                    _output.WriteLine($"DROP SUBSCRIPTION: {e.MessageText}");
                }
            }
            await Source.DisposeAsync();
            await _target.DisposeAsync();
        }
    }
}

internal static class ScalarExtensions
{
    public static async Task<long> ExecuteScalarLongAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public static async Task<string?> ExecuteScalarStringAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : value.ToString();
    }

    public static async Task<bool> ExecuteScalarBoolAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
