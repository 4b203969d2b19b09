using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// Drift injected by hand: what a stream table is made of changed under it (a capture trigger dropped or disabled, a
/// buffer dropped, a source column renamed or dropped where no event trigger refuses it). trickle.health() names each,
/// writers keep writing, refreshes refuse where changes were skipped, and trickle.repair_stream_table brings the
/// stream table back to its query (checked against a recomputation).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DriftTests(PostgresCluster cluster)
{
    private const string Schema = """
        CREATE TABLE k (g integer PRIMARY KEY, label text NOT NULL);
        CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, amount numeric);
        """;
    private const string Seed = """
        INSERT INTO k SELECT g, 'label ' || g FROM generate_series(0, 4) AS g;
        INSERT INTO m SELECT i, i % 5, i FROM generate_series(1, 40) AS i;
        """;
    private const string Query = "SELECT k.label, count(*) AS n, sum(m.amount) AS total FROM m JOIN k ON k.g = m.g GROUP BY k.label";

    private const string Writes = """
        INSERT INTO m VALUES (100, 1, 5), (101, 4, NULL);
        UPDATE m SET amount = amount + 1 WHERE id % 3 = 0;
        DELETE FROM m WHERE id = 7;
        UPDATE k SET label = 'relabelled' WHERE g = 2;
        """;

    public static TheoryData<string, string, string, string> HandDrift => new()
    {
        // mode, the drift, the problem health reports, the object its message names
        { "differential", "DROP TRIGGER trickle_st__insert ON m", "trigger missing", "\"trickle_st__insert\" on public.m" },
        { "differential", "ALTER TABLE m DISABLE TRIGGER trickle_st__update", "trigger disabled", "\"trickle_st__update\" on public.m" },
        { "differential", "DROP TABLE trickle.st__changes_1", "buffer missing", "\"trickle\".\"st__changes_1\"" },
        // Only the owner can drop a lock table; refreshes need it, so health names it and repair creates it again.
        { "differential", "DROP TABLE trickle.st__refresh_lock", "object missing", "\"trickle\".\"st__refresh_lock\"" },
        { "immediate", "DROP TRIGGER trickle_st__delete ON m", "trigger missing", "\"trickle_st__delete\" on public.m" },
        { "immediate", "ALTER TABLE k DISABLE TRIGGER trickle_st__update", "trigger disabled", "\"trickle_st__update\" on public.k" },
        { "immediate", "DROP TRIGGER trickle_st__statement ON m", "trigger missing", "\"trickle_st__statement\" on public.m" },
        { "immediate", "DROP TABLE trickle.st__changes_1", "buffer missing", "\"trickle\".\"st__changes_1\"" },
        { "auto", "ALTER TABLE m DISABLE TRIGGER ALL", "trigger disabled", "\"trickle_st__truncate\" on public.m" },
    };

    [Theory]
    [MemberData(nameof(HandDrift))]
    public async Task DriftInjectedByHand_IsReportedByHealth_AndRepaired(string mode, string drift, string problem, string named)
    {
        await using var database = await cluster.CreateDatabaseAsync("drift_" + mode);
        await CreateAndInstallAsync(database, Schema, Seed, Query, "st", mode);
        await using var connection = await database.OpenConnectionAsync();
        Assert.Empty(await HealthAsync(connection));

        await ExecuteAsync(connection, drift);
        var reported = await HealthAsync(connection);
        Assert.Contains(reported, r => r.Problem == problem && r.Detail.Contains(named) && r.Detail.Contains("trickle.repair_stream_table('public.st')"));
        Assert.All(reported, r => Assert.DoesNotContain('\n', r.Detail));

        // The application's writes go through whatever is missing; what the stream table missed, the repair recomputes.
        await ExecuteAsync(connection, Writes);
        await ExecuteAsync(connection, "SELECT trickle.repair_stream_table('st')");
        Assert.Empty(await HealthAsync(connection));
        await AssertMatchesAsync(connection, "st", Query, $"right after repairing: {drift}");
        Assert.Equal("repair", await ScalarAsync<string>(connection,
            "SELECT reason FROM trickle.refresh_history WHERE table_name = 'st' ORDER BY id DESC LIMIT 1"));

        // Capture (or maintenance) is back: later writes reach the stream table.
        await ExecuteAsync(connection, "INSERT INTO m VALUES (200, 3, 1000); DELETE FROM m WHERE id = 11; UPDATE k SET label = 'again' WHERE g = 0");
        if (mode != "immediate")
            await RefreshAsync(connection, "st");
        await AssertMatchesAsync(connection, "st", Query, $"after writes following the repair of: {drift}");
    }

    /// <summary>
    /// The group lock table of a grouped IMMEDIATE stream table dropped by hand (only its owner can): health names it,
    /// writes to the groups fail until the repair creates it again (empty), and then reach the stream table.
    /// </summary>
    [Fact]
    public async Task GroupLockTableDropped_IsReportedByHealth_AndRepaired()
    {
        await using var database = await cluster.CreateDatabaseAsync("drift_group_locks");
        const string perGroup = "SELECT g, count(*) AS n, sum(amount) AS total FROM m GROUP BY g";
        await CreateAndInstallAsync(database, Schema, Seed, perGroup, "st", "immediate");
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, "UPDATE m SET amount = amount + 1 WHERE id = 1");
        Assert.Empty(await HealthAsync(connection));

        await ExecuteAsync(connection, "DROP TABLE trickle.st__group_locks");
        var reported = await HealthAsync(connection);
        Assert.Contains(reported, r => r.Problem == "object missing" && r.Detail.Contains("\"trickle\".\"st__group_locks\"")
                                       && r.Detail.Contains("trickle.repair_stream_table('public.st')"));
        var failed = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "UPDATE m SET amount = amount + 1 WHERE id = 2"));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, failed.SqlState);

        await ExecuteAsync(connection, "SELECT trickle.repair_stream_table('st')");
        Assert.Empty(await HealthAsync(connection));
        await ExecuteAsync(connection, "UPDATE m SET amount = amount + 1 WHERE id = 2; INSERT INTO m VALUES (300, 9, 1)");
        Assert.Equal(2L, await ScalarAsync<long>(connection, "SELECT count(*) FROM trickle.st__group_locks"));
        await AssertMatchesAsync(connection, "st", perGroup, "after the repair created the group lock table again");
    }

    /// <summary>
    /// The case: a non-superuser install (no event triggers), the installer renames a column the stream table
    /// reads, or drops it with CASCADE (which takes the guard view along). The application's writes never fail; health
    /// says what happened; refresh refuses with a clear error; repair refuses until the column is back, then brings the
    /// stream table back to its query.
    /// </summary>
    [Theory]
    [InlineData("differential", "ALTER TABLE m RENAME COLUMN amount TO amt", "ALTER TABLE m RENAME COLUMN amt TO amount")]
    [InlineData("immediate", "ALTER TABLE m RENAME COLUMN amount TO amt", "ALTER TABLE m RENAME COLUMN amt TO amount")]
    [InlineData("differential", "ALTER TABLE m DROP COLUMN amount CASCADE", "ALTER TABLE m ADD COLUMN amount numeric")]
    [InlineData("immediate", "ALTER TABLE k RENAME COLUMN label TO name", "ALTER TABLE k RENAME COLUMN name TO label")]
    public async Task SourceDdlWithoutEventTriggers_NeverBreaksWrites_HealthReports_RefreshRefuses_RepairAfterPuttingItBack(
        string mode, string ddl, string undo)
    {
        await using var database = await cluster.CreateDatabaseAsync("drift_ddl_" + mode);
        var installerRole = database.Name + "_installer";
        var writerRole = database.Name + "_writer";
        await database.ExecuteAsync($"""
            CREATE ROLE "{installerRole}" LOGIN NOSUPERUSER;
            CREATE ROLE "{writerRole}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{installerRole}";
            GRANT CREATE ON SCHEMA public TO "{installerRole}";
            """);
        var asInstaller = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = installerRole }.ConnectionString;
        var asWriter = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = writerRole }.ConnectionString;
        try
        {
            await using var installer = await PostgresCluster.OpenConnectionAsync(asInstaller);
            await ExecuteAsync(installer, Schema + Seed);
            var installed = await cluster.RunPsqlScriptAsync(asInstaller, Compile(Schema, Query, "st", mode));
            Assert.True(installed.Succeeded, installed.Describe());
            Assert.Equal(0L, await ScalarAsync<long>(installer, "SELECT count(*) FROM pg_event_trigger"));
            await ExecuteAsync(installer, $"""GRANT SELECT, INSERT, UPDATE, DELETE ON k, m TO "{writerRole}";""");

            // Slips past: no event trigger refuses it (a rename keeps the guard view, CASCADE drops it).
            await ExecuteAsync(installer, ddl);

            await using var writer = await PostgresCluster.OpenConnectionAsync(asWriter);
            var keepsWriting = ddl.Contains("DROP COLUMN")
                ? "INSERT INTO m (id, g) VALUES (300, 1); UPDATE m SET g = 2 WHERE id = 3; DELETE FROM m WHERE id = 4"
                : "INSERT INTO m (id, g) VALUES (300, 1); UPDATE m SET g = 2 WHERE id = 3; DELETE FROM m WHERE id = 4; UPDATE k SET g = g WHERE g = 1";
            await ExecuteAsync(writer, keepsWriting);
            Assert.Equal(1L, await ScalarAsync<long>(writer, "SELECT count(*) FROM m WHERE id = 300"));

            var reported = await HealthAsync(installer);
            Assert.Contains(reported, r => r.Problem == "needs repair" && r.Detail.Contains("does not exist"));
            Assert.Contains(reported, r => r.Problem == "column missing");
            if (ddl.Contains("CASCADE"))
                Assert.Contains(reported, r => r.Problem == "guard missing");

            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.refresh('st')"));
            Assert.Equal(PostgresErrorCodes.ObjectNotInPrerequisiteState, refused.SqlState);
            Assert.StartsWith("stream table public.st needs repair: writes to public.", refused.MessageText);
            Assert.Contains("trickle.repair_stream_table('public.st')", refused.Hint);

            // Repair cannot fix the source itself: it says so and changes nothing.
            var notYet = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(installer, "SELECT trickle.repair_stream_table('st')"));
            Assert.StartsWith("stream table public.st cannot be repaired yet: column ", notYet.MessageText);

            await ExecuteAsync(installer, undo);
            await ExecuteAsync(installer, "SELECT trickle.repair_stream_table('st')");
            var left = await HealthAsync(installer);
            Assert.All(left, r => Assert.Equal("guard missing", r.Problem));
            await AssertMatchesAsync(installer, "st", Query, $"after {ddl}, {undo} and the repair");

            await ExecuteAsync(writer, "INSERT INTO m VALUES (301, 4, 12); UPDATE m SET amount = 3 WHERE id = 5; DELETE FROM m WHERE id = 6");
            if (mode != "immediate")
                await ExecuteAsync(installer, "SELECT trickle.refresh('st')");
            await AssertMatchesAsync(installer, "st", Query, $"after writes following the repair ({ddl})");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task Repair_OfAnUnknownStreamTable_FailsNamingIt_AndHealthOfAHealthyOneIsEmpty()
    {
        await using var database = await cluster.CreateDatabaseAsync("drift_unknown");
        await CreateAndInstallAsync(database, Schema, Seed, Query, "st", "differential");
        await using var connection = await database.OpenConnectionAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT trickle.repair_stream_table('nowhere')"));
        Assert.Contains("nowhere", error.MessageText);
        // Repairing a healthy stream table is harmless: a recomputation that changes nothing.
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT trickle.repair_stream_table('st')"));
        Assert.Empty(await HealthAsync(connection));
        await AssertMatchesAsync(connection, "st", Query);
    }

    private static async Task<List<(string Problem, string Detail)>> HealthAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT problem, detail FROM trickle.health() WHERE name = 'st'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
