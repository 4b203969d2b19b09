using Npgsql;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// DDL on a source never leaves a stream table silently wrong: what would break it is refused, with a message naming
/// the stream table, and everything else goes through while maintenance carries on.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SourceDdlTests(PostgresCluster cluster)
{
    private const string Schema = """
        CREATE TABLE k (g integer PRIMARY KEY, label text NOT NULL, unused text);
        CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric, note text, spare integer);
        """;
    private const string Seed = """
        INSERT INTO k SELECT g, 'label ' || g, NULL FROM generate_series(0, 4) AS g;
        INSERT INTO m SELECT i, i % 5, i, 'n' || i, i FROM generate_series(1, 40) AS i;
        """;
    private const string Joined = "SELECT k.label, count(*) AS n, sum(m.v) AS s FROM m JOIN k ON k.g = m.g GROUP BY k.label";
    // LATERAL over a set-returning function of a column is recomputed as written: the guard covers that path too.
    private const string Recomputed = "SELECT m.id, x FROM m, LATERAL (SELECT m.v * 2 AS x OFFSET 0) AS l";

    /// <summary>Statements that would break the stream table: each must fail, whichever mechanism refuses it.</summary>
    private static readonly string[] Breaking =
    [
        "ALTER TABLE m DROP COLUMN v",
        "ALTER TABLE m DROP COLUMN v CASCADE",
        "ALTER TABLE m ALTER COLUMN v TYPE double precision",
        "ALTER TABLE m RENAME COLUMN v TO amount",
        "ALTER TABLE m RENAME TO measurements",
        "CREATE SCHEMA elsewhere; ALTER TABLE m SET SCHEMA elsewhere",
        "ALTER SCHEMA public RENAME TO old_public",
        "DROP TABLE m",
        "DROP TABLE m CASCADE",
    ];

    /// <summary>Statements a stream table does not care about: each must go through.</summary>
    private static readonly string[] Harmless =
    [
        "ALTER TABLE m ADD COLUMN added integer DEFAULT 7",
        "ALTER TABLE m DROP COLUMN spare",
        "ALTER TABLE m ALTER COLUMN note TYPE varchar(40)",
        "ALTER TABLE m RENAME COLUMN note TO remark",
        "CREATE TABLE unrelated (x integer); ALTER TABLE unrelated RENAME TO unrelated2; DROP TABLE unrelated2 CASCADE",
        "CREATE INDEX m_g ON m (g)",
    ];

    [Theory]
    [InlineData("differential", Joined)]
    [InlineData("immediate", Joined)]
    [InlineData("full", Joined)]
    [InlineData("auto", Recomputed)]
    public async Task BreakingDdl_IsRefused_HarmlessDdl_GoesThrough_AndMaintenanceCarriesOn(string mode, string query)
    {
        await using var database = await cluster.CreateDatabaseAsync("source_ddl_" + mode);
        await CreateAndInstallAsync(database, Schema, Seed, query, "st", mode);
        await using var connection = await OpenWithErrorDetailAsync(database.ConnectionString);

        foreach (var statement in Breaking)
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteInTransactionAsync(connection, statement));
            Assert.True(error.SqlState is PostgresErrorCodes.DependentObjectsStillExist or PostgresErrorCodes.FeatureNotSupported,
                $"{statement}: unexpected error {error.SqlState} {error.MessageText}");
            // Whichever mechanism refused it, the message leads to the stream table: its guard view, or its name.
            var text = error.MessageText + " " + error.Detail;
            Assert.True(text.Contains("trickle.st__defining_query") || text.Contains("stream table public.st"), $"{statement}: {text}");
        }
        foreach (var statement in Harmless)
            await ExecuteAsync(connection, statement);

        await ExecuteAsync(connection, "INSERT INTO m (id, g, v) VALUES (100, 1, 5), (101, 4, NULL); UPDATE m SET v = v + 1 WHERE id % 3 = 0; DELETE FROM m WHERE id = 7; UPDATE k SET label = 'relabelled' WHERE g = 2");
        await RefreshAsync(connection, "st");
        await AssertMatchesAsync(connection, "st", query, "after harmless DDL and further writes");
    }

    [Fact]
    public async Task RenameAndCascade_AreRefusedByTheEventTriggers_WithAMessageNamingTheStreamTableAndWhatItReads()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_ddl_messages");
        await CreateAndInstallAsync(database, Schema, Seed, Joined, "per_label", "differential");
        await using var connection = await database.OpenConnectionAsync();

        var renamed = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "ALTER TABLE k RENAME COLUMN label TO name"));
        Assert.Equal("this change breaks stream table public.per_label, which reads column label of table public.k by that name", renamed.MessageText);
        Assert.Contains("trickle.drop_stream_table('public.per_label')", renamed.Hint);

        var moved = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "ALTER TABLE k RENAME TO keys"));
        Assert.Equal("this change breaks stream table public.per_label, which reads table public.k by that name", moved.MessageText);

        var cascaded = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DROP TABLE k CASCADE"));
        Assert.Equal("cannot drop table public.k: stream table public.per_label reads it", cascaded.MessageText);

        // Nothing was dropped along the way: the guard view and the stream table are still there and maintained.
        Assert.Equal(1L, await CountAsync(connection, "SELECT count(*) FROM pg_views WHERE schemaname = 'trickle' AND viewname = 'per_label__defining_query'"));
        await ExecuteAsync(connection, "INSERT INTO k VALUES (9, 'nine', NULL); INSERT INTO m VALUES (500, 9, 1, NULL, NULL)");
        await RefreshAsync(connection, "per_label");
        await AssertMatchesAsync(connection, "per_label", Joined, "after the refused DDL");
    }

    [Fact]
    public async Task AfterTheStreamTableIsDropped_ItsSourcesAreFreeAgain()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_ddl_dropped");
        await CreateAndInstallAsync(database, Schema, Seed, Joined, "st", "differential");
        await using var connection = await database.OpenConnectionAsync();
        Assert.True(await CountAsync(connection, "SELECT count(*) FROM trickle.source_reads") > 0);

        await ExecuteAsync(connection, "SELECT trickle.drop_stream_table('st')");

        Assert.Equal(0L, await CountAsync(connection, "SELECT count(*) FROM trickle.source_reads"));
        await ExecuteAsync(connection, "ALTER TABLE m RENAME COLUMN v TO amount; ALTER TABLE m DROP COLUMN amount; DROP TABLE k");
    }

    [Fact]
    public async Task ARoleThatMayNotCreateEventTriggers_GetsAWarning_AndTheGuardViewStillRefusesDrops()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_ddl_nonsuper");
        // Roles belong to the cluster, which other tests share: one of its own, named after the database.
        var role = database.Name + "_app";
        await database.ExecuteAsync($"""
            CREATE ROLE "{role}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{role}";
            GRANT CREATE ON SCHEMA public TO "{role}";
            """);
        var asApp = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role, IncludeErrorDetail = true }.ConnectionString;
        try
        {
            await using (var app = await PostgresCluster.OpenConnectionAsync(asApp))
                await ExecuteAsync(app, Schema + Seed);
            var result = await cluster.RunPsqlScriptAsync(asApp, Compile(Schema, Joined, "st", "differential"));
            Assert.True(result.Succeeded, result.Describe());
            Assert.Contains("may not create event triggers", result.StandardError);

            await using var connection = await PostgresCluster.OpenConnectionAsync(asApp);
            var dropped = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "ALTER TABLE m DROP COLUMN v"));
            Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, dropped.SqlState);
            Assert.Contains("st__defining_query", dropped.Detail);
            await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DROP TABLE k"));

            await ExecuteAsync(connection, "INSERT INTO m VALUES (900, 3, 4, NULL, NULL)");
            await RefreshAsync(connection, "st");
            await AssertMatchesAsync(connection, "st", Joined, "installed and maintained by a role without event triggers");
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asApp));
        }
    }

    /// <summary>The guard view's name reaches the client in the error's DETAIL, which Npgsql drops unless asked.</summary>
    private static Task<NpgsqlConnection> OpenWithErrorDetailAsync(string connectionString) =>
        PostgresCluster.OpenConnectionAsync(new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true }.ConnectionString);

    /// <summary>Runs a statement that is expected to fail, rolling back whatever part of it succeeded.</summary>
    private static async Task ExecuteInTransactionAsync(NpgsqlConnection connection, string statement)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, statement, transaction);
        await transaction.RollbackAsync();
        throw new InvalidOperationException($"{statement} was not refused");
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
