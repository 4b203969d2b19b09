using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Sources that are partitioned (two levels) or have inheritance children, written the way applications write them:
/// through the parent and straight into partitions, rows moving between partitions, and partitions detached (then
/// written while detached), attached again, created and filled, dropped and truncated while the stream table exists.
/// Every step is compared with a recomputation, in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionedSourceTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string SalesSchema = """
        CREATE TABLE sales (id int NOT NULL, region int NOT NULL, amount int, note text, PRIMARY KEY (id, region)) PARTITION BY RANGE (region);
        CREATE TABLE sales_low PARTITION OF sales FOR VALUES FROM (MINVALUE) TO (3) PARTITION BY RANGE (id);
        CREATE TABLE sales_low_a PARTITION OF sales_low FOR VALUES FROM (MINVALUE) TO (5);
        CREATE TABLE sales_low_b PARTITION OF sales_low FOR VALUES FROM (5) TO (MAXVALUE);
        CREATE TABLE sales_mid PARTITION OF sales FOR VALUES FROM (3) TO (8);
        CREATE TABLE sales_high PARTITION OF sales FOR VALUES FROM (8) TO (MAXVALUE);
        CREATE TABLE regions (region int PRIMARY KEY, name text);
        """;

    private const string SalesSeed = """
        INSERT INTO sales SELECT g, g % 12 - 2, g * 3, 'n' || (g % 4) FROM generate_series(1, 40) AS g;
        INSERT INTO regions SELECT g, 'r' || g FROM generate_series(-3, 12) AS g;
        """;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var mode in new[] { "differential", "immediate", TrickleCompiler.ImmediateAtCommit, "auto", "full" })
        {
            data.Add(mode, "SELECT region, count(*) AS n, sum(amount) AS total FROM sales GROUP BY region");
            data.Add(mode, "SELECT r.name, s.id, s.amount FROM sales AS s JOIN regions AS r USING (region) WHERE s.amount > 10");
        }
        return data;
    }

    /// <summary>Partition DDL every few steps: each changes what the parent holds without any DML on it.</summary>
    private static string? PartitionDdl(int step) => (step % 7) switch
    {
        1 => "ALTER TABLE sales DETACH PARTITION sales_mid;",
        2 => "UPDATE sales_mid SET amount = amount + 1;",
        3 => "ALTER TABLE sales ATTACH PARTITION sales_mid FOR VALUES FROM (3) TO (8);",
        4 => "TRUNCATE sales_low_b;",
        5 => """
             ALTER TABLE sales DETACH PARTITION sales_high;
             CREATE TABLE sales_high_new PARTITION OF sales FOR VALUES FROM (8) TO (MAXVALUE);
             INSERT INTO sales_high_new SELECT * FROM sales_high;
             DROP TABLE sales_high;
             ALTER TABLE sales_high_new RENAME TO sales_high;
             """,
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Partitioned_WritesToParentAndPartitions_AndPartitionDdl_MatchRecomputation(string mode, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunModeAsync(new DifferentialScenario
        {
            SchemaDdl = SalesSchema,
            SeedDataSql = SalesSeed,
            DefiningQuery = query,
            StreamTableName = "sales_st",
            CompileScript = mode == TrickleCompiler.ImmediateAtCommit ? TrickleCompiler.CompileAtCommit : TrickleCompiler.CompileScript,
            WritePartitionsDirectly = true,
            // A row aimed at a partition it does not belong in, or at the parent while its partition is detached
            // (23514); a fresh key of a partition already taken through the parent in the same step (23505).
            ToleratedErrors = new HashSet<string> { "23514", "23505" },
            BeforeStep = PartitionDdl,
            Steps = 35,
            Seed = 23,
            RequireRows = true,
        }, TrickleCompiler.ParseMode(mode));

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public Task Inheritance_WritesToParentAndChildren_MatchRecomputation(string mode) =>
        new DifferentialChecker(cluster, output.WriteLine).RunModeAsync(new DifferentialScenario
        {
            SchemaDdl = """
                CREATE TABLE events (id int PRIMARY KEY, kind text, weight int);
                CREATE TABLE events_archived (archived_at date) INHERITS (events);
                CREATE TABLE events_old () INHERITS (events_archived);
                """,
            SeedDataSql = "INSERT INTO events SELECT g, 'k' || (g % 3), g FROM generate_series(1, 10) AS g; INSERT INTO events_old VALUES (50, 'k1', 5, '2020-01-01');",
            DefiningQuery = "SELECT kind, sum(weight) AS weight, count(*) AS n FROM events GROUP BY kind",
            StreamTableName = "event_kinds",
            CompileScript = TrickleCompiler.CompileScript,
            Tables = null,
            BeforeStep = step => step == 10 ? "CREATE TABLE events_new () INHERITS (events); INSERT INTO events_new VALUES (900, 'k2', 1);"
                : step == 20 ? "ALTER TABLE events_new NO INHERIT events;" : null,
            Steps = 30,
            Seed = 5,
            RequireRows = true,
        }, Enum.Parse<RefreshMode>(mode, ignoreCase: true));

    [Theory]
    [InlineData("differential", false)]
    [InlineData("immediate", false)]
    [InlineData("full", true)]
    public async Task APartitionReadDirectly_IsRefusedUnlessRecomputed(string mode, bool installs)
    {
        await using var database = await cluster.CreateDatabaseAsync("partition_source");
        await database.ExecutePsqlScriptAsync(SalesSchema + SalesSeed, "schema");
        const string query = "SELECT id, amount FROM sales_mid";
        // The schema file does not model partitions: the partition is described as a plain table for the compiler.
        var script = TrickleCompiler.CompileScript("CREATE TABLE sales_mid (id int NOT NULL, region int NOT NULL, amount int, note text);", query, "mid", mode);
        var result = await database.RunPsqlScriptAsync(script);
        Assert.Equal(installs, result.Succeeded);
        if (!installs)
        {
            Assert.Contains("a partition or inheritance child", result.Describe());
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trickle%'"));
            return;
        }
        await database.ExecuteAsync("INSERT INTO sales VALUES (500, 4, 1, 'via parent'); SELECT trickle.refresh('mid');");
        await using var connection = await database.OpenConnectionAsync();
        var comparison = await ResultComparer.CompareAsync(connection, "mid", query);
        Assert.True(comparison.IsMatch, comparison.Describe());
    }

    /// <summary>
    /// Without event triggers (an installer that is not a superuser), a DIFFERENTIAL refresh notices partitions
    /// created, attached, detached or dropped since the last one and recomputes; IMMEDIATE is refused at install, since
    /// nothing would notice a new partition before the next statement.
    /// </summary>
    [Fact]
    public async Task WithoutEventTriggers_RefreshFollowsPartitions_AndImmediateIsRefused()
    {
        await using var database = await cluster.CreateDatabaseAsync("partitions_nonsuper");
        var role = database.Name + "_app";
        await database.ExecuteAsync($"""
            CREATE ROLE "{role}" LOGIN NOSUPERUSER;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{role}";
            GRANT CREATE ON SCHEMA public TO "{role}";
            """);
        var asApp = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;
        const string query = "SELECT region, count(*) AS n, sum(amount) AS total FROM sales GROUP BY region";
        try
        {
            await using var app = await PostgresCluster.OpenConnectionAsync(asApp);
            await Execute(app, SalesSchema + SalesSeed);

            var refused = await cluster.RunPsqlScriptAsync(asApp, TrickleCompiler.CompileScript(SalesSchema, query, "sales_st", "immediate"));
            Assert.False(refused.Succeeded);
            Assert.Contains("cannot be maintained IMMEDIATE", refused.Describe());
            Assert.Contains("trickle_follow_partitions", refused.Describe());

            var installed = await cluster.RunPsqlScriptAsync(asApp, TrickleCompiler.CompileScript(SalesSchema, query, "sales_st", "differential"));
            Assert.True(installed.Succeeded, installed.Describe());
            foreach (var change in new[]
                     {
                         "INSERT INTO sales_low_a VALUES (1, 0, 7, 'direct')",
                         "UPDATE sales SET region = 9 WHERE id = 1 AND region = 0",
                         "CREATE TABLE sales_extra (LIKE sales); INSERT INTO sales_extra VALUES (2000, 8, 1, 'x'); ALTER TABLE sales DETACH PARTITION sales_high; ALTER TABLE sales ATTACH PARTITION sales_extra FOR VALUES FROM (8) TO (MAXVALUE)",
                         "INSERT INTO sales_high VALUES (3000, 9, 5, 'detached')",
                         "ALTER TABLE sales_low DETACH PARTITION sales_low_a; CREATE TABLE sales_spare PARTITION OF sales_low FOR VALUES FROM (MINVALUE) TO (0); ALTER TABLE sales_low ATTACH PARTITION sales_low_a FOR VALUES FROM (0) TO (5)",
                         "INSERT INTO sales_spare VALUES (-1, 1, 11, 'new partition')",
                         "DROP TABLE sales_mid",
                     })
            {
                await Execute(app, change);
                await Execute(app, "SELECT trickle.refresh('sales_st')");
                var comparison = await ResultComparer.CompareAsync(app, "sales_st", query);
                Assert.True(comparison.IsMatch, $"after: {change}\n{comparison.Describe()}");
            }
            Assert.Equal(0L, await Scalar(app, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'sales_high'::regclass AND NOT tgisinternal"));
            Assert.True(await Scalar(app, "SELECT count(*) FROM trickle.refresh_history WHERE reason LIKE 'the partitions%'") >= 3);
            await Execute(app, "SELECT trickle.drop_stream_table('sales_st')");
            Assert.Equal(0L, await Scalar(app, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trickle%'"));
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asApp));
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
