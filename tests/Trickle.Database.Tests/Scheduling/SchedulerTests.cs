using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>
/// <c>trickle.run_scheduler</c>: refreshes what is due and nothing else, runs once per database, stops on request or
/// with its session.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchedulerTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 5, i FROM generate_series(1, 40) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";
    private const string Rows = "SELECT id, v FROM m WHERE g = 1";

    [Fact]
    public async Task Scheduler_RefreshesStreamTablesThatAreDue_AndLeavesTheOthers()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_due");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "hot", "differential", schedule: "200ms");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "hourly", "differential", "1h"), "install of hourly");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Rows, "manual", "full"), "install of manual");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Rows, "cron", "differential", "@daily"), "install of cron");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "eager", "immediate"), "install of eager");
        await database.ExecuteAsync("INSERT INTO m SELECT i, i % 5, i FROM generate_series(41, 60) AS i; UPDATE m SET v = -v WHERE id < 10;");

        await using (var scheduler = await StartAsync(database))
        {
            await EventuallyAsync(async () => await database.ScalarAsync<long>(
                "SELECT pending_changes FROM trickle.stream_tables WHERE name = 'hot'") == 0, "the 200ms stream table refreshed");
            await scheduler.StopAsync();
        }

        await AssertMatchesAsync(database, "hot", Totals);
        await AssertMatchesAsync(database, "eager", Totals);
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(
            ["cron|differential|0 0 * * *|1|0", "eager|immediate||0|0", "hourly|differential|1h|1|0", "manual|full||0|0"],
            await RowsAsync(connection, """
                SELECT name, refresh_mode, schedule, (pending_changes > 0)::int AS pending, refresh_count
                FROM trickle.stream_tables WHERE name <> 'hot'
                """));
        Assert.False((await ResultComparer.CompareAsync(connection, "hourly", Totals)).IsMatch, "the hourly table is not due yet");
    }

    [Fact]
    public async Task SecondScheduler_ReturnsAtOnceSayingSo_AndANewOneStartsOnceTheFirstSessionEnds()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_single");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "hot", "differential", schedule: "1s");
        // The first scheduler runs in psql, so that the test can end its session the hard way: killing the client.
        using var killFirst = new CancellationTokenSource();
        var first = cluster.RunPsqlAsync(database.ConnectionString, ["-X", "-c", "SET client_connection_check_interval = '200ms'", "-c", "CALL trickle.run_scheduler()"], killFirst.Token);
        await EventuallyAsync(async () => await database.ScalarAsync<int?>("SELECT trickle.scheduler_pid()") is not null, "first scheduler holds the lock");

        await using (var second = await StartAsync(database))
        {
            await second.Call.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(second.Messages, m => m.Contains("already running", StringComparison.Ordinal));
        }

        // The client vanishes without a stop request: the server notices (client_connection_check_interval) and the lock
        // goes with the session.
        await killFirst.CancelAsync();
        await first.ContinueWith(_ => { });
        await EventuallyAsync(async () => await database.ScalarAsync<int?>("SELECT trickle.scheduler_pid()") is null, "the killed client's lock released");
        await using var third = await StartAsync(database);
        await EventuallyAsync(async () => await database.ScalarAsync<int?>("SELECT trickle.scheduler_pid()") == third.ProcessId, "third scheduler holds the lock");
        Assert.False(third.Call.IsCompleted);
        await third.StopAsync();
        Assert.Null(await database.ScalarAsync<int?>("SELECT trickle.scheduler_pid()"));
    }
}
