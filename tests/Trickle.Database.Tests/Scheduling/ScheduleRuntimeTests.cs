using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;
using static Trickle.Database.Tests.Scheduling.SchedulerSession;

namespace Trickle.Database.Tests.Scheduling;

/// <summary>The runtime's reading of normalised schedules (cron in UTC, durations) and the scheduler's priority tiers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ScheduleRuntimeTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s FROM m GROUP BY g";

    [Fact]
    public async Task NextRefreshTime_ReadsDurationsAndCronExpressionsInUtc()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_next");
        await CreateAndInstallAsync(database, Schema, null, Totals, "t", "differential");
        await using var connection = await database.OpenConnectionAsync();

        // 2026-03-04 is a Wednesday.
        Assert.Equal(
        [
            "*/15 * * * *|2026-03-04 10:15:00",
            "0 * * * *|2026-03-04 11:00:00",
            "0 0 * * *|2026-03-05 00:00:00",
            "0 0 * * 0|2026-03-08 00:00:00",
            "0 0 1 * *|2026-04-01 00:00:00",
            "0 0 1,15 * 1|2026-03-09 00:00:00",
            "0 0 30 2,3 *|2026-03-30 00:00:00",
            "0 9-17/4 * * 1-5|2026-03-04 13:00:00",
            "59 23 31 12 *|2026-12-31 23:59:00",
            "1m30s|2026-03-04 10:08:59.5",
            "500ms|2026-03-04 10:07:30",
            "calculated|",
        ],
        await RowsAsync(connection, """
            SELECT s, to_char(trickle.next_refresh_time(s, timestamptz '2026-03-04 10:07:29.5+00') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') ||
                      CASE WHEN s = '1m30s' THEN '.5' ELSE '' END
            FROM unnest(ARRAY['*/15 * * * *', '0 * * * *', '0 0 * * *', '0 0 * * 0', '0 0 1 * *', '0 0 1,15 * 1', '0 0 30 2,3 *',
                              '0 9-17/4 * * 1-5', '59 23 31 12 *', '1m30s', '500ms', 'calculated']) AS s
            """));
    }

    [Fact]
    public async Task Scheduler_ServesTheHotTierFirst_WhenSlowerStreamTablesAreMoreOverdue()
    {
        await using var database = await cluster.CreateDatabaseAsync("sched_tiers");
        await CreateAndInstallAsync(database, Schema, null, Totals, "hot", "differential", schedule: "1s");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "minutely", "differential", "1m"), "install of minutely");
        await database.ExecutePsqlScriptAsync(Compile(Schema, Totals, "nightly", "differential", "@daily"), "install of nightly");
        await database.ExecuteAsync("""
            INSERT INTO m VALUES (1, 1, 1);
            UPDATE trickle.stream_table_catalog SET next_refresh_at = now() - interval '1 hour' WHERE table_name = 'nightly';
            UPDATE trickle.stream_table_catalog SET next_refresh_at = now() - interval '1 minute' WHERE table_name = 'minutely';
            UPDATE trickle.stream_table_catalog SET next_refresh_at = now() WHERE table_name = 'hot';
            """);

        await using (var scheduler = await StartAsync(database))
        {
            await EventuallyAsync(async () => await database.ScalarAsync<long>(
                "SELECT sum(pending_changes)::bigint FROM trickle.stream_tables") == 0, "all three refreshed");
            await scheduler.StopAsync();
        }

        await using var connection = await database.OpenConnectionAsync();
        // Tier 1 (at most 10 s), then tier 2 (at most 5 minutes), then cron and longer: overdue time only breaks ties.
        Assert.Equal(["1|hot", "2|minutely", "3|nightly"], await RowsAsync(connection, """
            SELECT row_number() OVER (ORDER BY id), table_name FROM trickle.refresh_history WHERE reason <> 'install'
            """));
    }
}
