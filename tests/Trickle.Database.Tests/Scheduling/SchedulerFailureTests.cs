using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>A refresh that fails rolls back alone, is recorded, retried with backoff, and suspends its stream table.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SchedulerFailureTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, d numeric NOT NULL);";
    private const string Seed = "INSERT INTO m SELECT i, i % 3, i FROM generate_series(1, 30) AS i;";
    // Refreshing raises division_by_zero once a row with d = 0 is buffered.
    private const string Fragile = "SELECT g, sum(100 / d) AS q FROM m GROUP BY g";
    private const string Healthy = "SELECT g, count(*) AS n, sum(d) AS s FROM m GROUP BY g";

    [Fact]
    public async Task FailingRefresh_IsRecordedRetriedWithBackoffAndSuspended_WhileTheOthersKeepRefreshing_ThenResumes()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_failure");
        await CreateAndInstallAsync(database, Schema, Seed, Fragile, "fragile", "differential", schedule: "100ms");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Healthy, "healthy", "differential", "100ms"), "install of healthy");
        await database.ExecuteAsync("INSERT INTO m VALUES (100, 1, 0)");

        await using (var scheduler = await StartAsync(database, "tick => '20 ms', max_failures => 3, retry_delay => '100 ms'"))
        {
            await EventuallyAsync(async () => await database.ScalarAsync<string>(
                "SELECT status FROM trickle.stream_tables WHERE name = 'fragile'") == "suspended", "fragile suspended");
            // Suspended: no more attempts, while the healthy stream table keeps following its source.
            await database.ExecuteAsync("INSERT INTO m VALUES (101, 2, 5); UPDATE m SET d = d + 1 WHERE id < 5;");
            await EventuallyAsync(async () => await database.ScalarAsync<long>(
                "SELECT pending_changes FROM trickle.stream_tables WHERE name = 'healthy'") == 0, "healthy refreshed after the suspension");
            await AssertMatchesAsync(database, "healthy", Healthy);
            Assert.Contains(scheduler.Messages, m => m.StartsWith("WARNING", StringComparison.Ordinal) && m.Contains("suspended", StringComparison.Ordinal));

            await using var connection = await database.OpenConnectionAsync();
            Assert.Equal(["3|division by zero|22012"], await RowsAsync(connection, """
                SELECT count(*), min(error), min(error_code) FROM trickle.refresh_history WHERE table_name = 'fragile' AND strategy = 'failed'
                """));
            // Each retry waited at least twice as long as the one before (100 ms, then 200 ms): a lower bound the
            // scheduler guarantees, whatever the machine's speed.
            Assert.Equal(["t"], await RowsAsync(connection, """
                SELECT bool_and(gap >= interval '100 ms' * 2 ^ (n - 2))
                FROM (SELECT started_at - lag(started_at) OVER (ORDER BY id) AS gap, row_number() OVER (ORDER BY id) AS n
                      FROM trickle.refresh_history WHERE table_name = 'fragile' AND strategy = 'failed') AS f
                WHERE n > 1
                """));
            Assert.Equal(["fragile|suspended|3|3|division by zero"], await RowsAsync(connection, """
                SELECT name, status, consecutive_failures, failure_count, last_error FROM trickle.stream_tables WHERE name = 'fragile'
                """));
            Assert.Contains("fragile|suspended", await RowsAsync(connection, "SELECT name, problem FROM trickle.health()"));
            var attempts = await database.ScalarAsync<long>("SELECT count(*) FROM trickle.refresh_history WHERE table_name = 'fragile'");

            // Fixing the data and resuming: the next refresh applies every change since the last good one.
            await database.ExecuteAsync("UPDATE m SET d = 1 WHERE d = 0");
            await database.ExecuteAsync("SELECT trickle.resume_stream_table('fragile')");
            await EventuallyAsync(async () => await database.ScalarAsync<long>(
                "SELECT pending_changes FROM trickle.stream_tables WHERE name = 'fragile'") == 0, "fragile refreshed after resume");
            await AssertMatchesAsync(database, "fragile", Fragile);
            Assert.Equal(["fragile|active|0|3"], await RowsAsync(connection, """
                SELECT name, status, consecutive_failures, failure_count FROM trickle.stream_tables WHERE name = 'fragile'
                """));
            Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM trickle.refresh_history WHERE table_name = 'fragile'") > attempts);
            await scheduler.StopAsync();
        }
    }
}
