using System.Data;
using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>
/// The scheduler under load and under faults: whatever the interleaving, once the buffers are drained every stream
/// table equals a recomputation of its query.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchedulerConcurrencyTests(PostgresCluster cluster)
{
    private const string Schema = """
        CREATE TABLE k (g integer PRIMARY KEY, label text NOT NULL);
        CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric NOT NULL);
        """;
    private const string Seed = """
        INSERT INTO k SELECT g, 'label ' || (g % 4) FROM generate_series(0, 9) AS g;
        INSERT INTO m SELECT i, i % 10, i % 97 FROM generate_series(1, 500) AS i;
        """;
    private static readonly (string Name, string Mode, string Schedule, string Query)[] StreamTables =
    [
        ("totals", "differential", "100ms", "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM m GROUP BY g"),
        ("per_label", "auto", "200ms", "SELECT k.label, count(*) AS n, sum(m.v) AS s FROM m JOIN k ON k.g = m.g GROUP BY k.label"),
        ("big_rows", "differential", "300ms", "SELECT id, v FROM m WHERE v > 50"),
    ];

    private async Task<TestDatabase> CreateAsync(string prefix)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await database.ExecuteAsync(Schema + Seed);
        foreach (var (name, mode, schedule, query) in StreamTables)
            await database.ExecutePsqlScriptAsync(Compile(Schema, query, name, mode, schedule), $"install of {name}");
        return database;
    }

    [Fact]
    public async Task EightWritersAndALongTransaction_WhileTheSchedulerRuns_LeaveEveryStreamTableEqualToItsRecomputation()
    {
        await using var database = await CreateAsync("sched_writers");
        await using var scheduler = await StartAsync(database);

        using var stopWriting = new CancellationTokenSource();
        var writers = Enumerable.Range(1, 8).Select(w => Task.Run(() => WriteAsync(database, w, stopWriting.Token))).ToList();

        // A transaction that stays open across several refreshes of every stream table before it commits.
        await using (var longRunning = await database.OpenConnectionAsync())
        {
            await using var transaction = await longRunning.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            await ExecuteAsync(longRunning, "INSERT INTO m SELECT i, i % 10, 99 FROM generate_series(900001, 900050) AS i; UPDATE m SET v = v + 1000 WHERE id BETWEEN 1 AND 20; UPDATE k SET label = 'renamed' WHERE g = 3;", transaction);
            var refreshes = await RefreshCountsAsync(database);
            await EventuallyAsync(async () => (await RefreshCountsAsync(database)).Zip(refreshes).All(p => p.First >= p.Second + 2),
                "every stream table refreshed twice while the long transaction is open");
            await transaction.CommitAsync();
        }
        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);

        await EventuallyAsync(async () => await database.ScalarAsync<long>("SELECT sum(pending_changes)::bigint FROM trickle.stream_tables") == 0,
            "the scheduler drained every buffer");
        await scheduler.StopAsync();
        await using var connection = await database.OpenConnectionAsync();
        foreach (var (name, _, _, query) in StreamTables)
            await AssertMatchesAsync(connection, name, query, "after concurrent writers under the scheduler");
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT sum(failure_count)::bigint FROM trickle.stream_tables"));
    }

    [Fact]
    public async Task KillingTheBackendMidRefresh_LosesNothing_TheNextSchedulerCatchesUpExactly()
    {
        await using var database = await CreateAsync("sched_kill");
        await using var blocker = await database.OpenConnectionAsync();
        // Holding a stored group's row lock makes the refresh stop inside its delta statement, after it has taken
        // the buffered rows (uncommitted) and before it commits.
        await using var blocking = await blocker.BeginTransactionAsync();
        await ExecuteAsync(blocker, "SELECT * FROM trickle.totals__storage FOR UPDATE", blocking);
        await database.ExecuteAsync("INSERT INTO m SELECT i, i % 10, 7 FROM generate_series(1001, 1100) AS i; DELETE FROM m WHERE id < 30;");

        var first = await StartAsync(database);
        await EventuallyAsync(async () => await database.ScalarAsync<bool>(
            $"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {first.ProcessId}"), "the scheduler waits inside the refresh");
        Assert.True(await database.ScalarAsync<bool>($"SELECT pg_terminate_backend({first.ProcessId})"));
        await Assert.ThrowsAnyAsync<Exception>(() => first.Call.WaitAsync(TimeSpan.FromSeconds(30)));
        await first.DisposeAsync();
        await blocking.RollbackAsync();

        Assert.True(await database.ScalarAsync<long>("SELECT pending_changes FROM trickle.stream_tables WHERE name = 'totals'") > 0,
            "the killed refresh's buffered changes are still there");
        await using var second = await StartAsync(database);
        await EventuallyAsync(async () => await database.ScalarAsync<long>("SELECT sum(pending_changes)::bigint FROM trickle.stream_tables") == 0,
            "the next scheduler drained every buffer");
        await second.StopAsync();
        foreach (var (name, _, _, query) in StreamTables)
            await AssertMatchesAsync(database, name, query, "after a refresh was killed");
    }

    private static async Task<long[]> RefreshCountsAsync(TestDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT refresh_count FROM trickle.stream_tables ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new List<long>();
        while (await reader.ReadAsync())
            counts.Add(reader.GetInt64(0));
        return [.. counts];
    }

    /// <summary>Inserts, updates and deletes rows of its own id range (and relabels groups) until told to stop.</summary>
    private static async Task WriteAsync(TestDatabase database, int writer, CancellationToken stop)
    {
        var random = new Random(writer);
        var next = writer * 10_000;
        await using var connection = await database.OpenConnectionAsync();
        while (!stop.IsCancellationRequested)
        {
            var sql = random.Next(6) switch
            {
                0 or 1 => $"INSERT INTO m SELECT i, i % 10, i % 89 FROM generate_series({next}, {next + 4}) AS i",
                2 => $"UPDATE m SET v = v + 1, g = (g + 1) % 10 WHERE id BETWEEN {writer * 10_000} AND {next} AND id % 3 = {random.Next(3)}",
                3 => $"DELETE FROM m WHERE id BETWEEN {writer * 10_000} AND {next} AND id % 7 = {random.Next(7)}",
                4 => $"UPDATE k SET label = 'label ' || {random.Next(5)} WHERE g = {random.Next(10)}",
                _ => $"UPDATE m SET v = v - 1 WHERE id = {random.Next(1, 500)}",
            };
            next += 5;
            await ExecuteAsync(connection, sql);
        }
    }
}
