using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.InfrastructureTests;

[Collection(PostgresCollection.Name)]
public sealed class DifferentialCheckerTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string KeylessSchema = """
        CREATE TABLE events (grp text, amount integer, weight double precision, happened date);
        """;

    private const string KeyedSchema = """
        CREATE TABLE orders (id integer PRIMARY KEY, customer varchar(8) NOT NULL, total numeric(8,2), paid boolean);
        """;

    private DifferentialChecker Checker => new(cluster, output.WriteLine);

    [Fact]
    public async Task CorrectFake_OverKeylessTable_Passes()
    {
        await Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeylessSchema,
            SeedDataSql = "INSERT INTO events VALUES ('a', 1, 0.5, '2024-01-01'), ('a', 1, 0.5, '2024-01-01'), (NULL, NULL, NULL, NULL);",
            DefiningQuery = "SELECT grp, amount, weight FROM events WHERE amount IS DISTINCT FROM 3",
            StreamTableName = "public.event_copy",
            CompileScript = FakeInstallScripts.Correct,
            Modes = [RefreshMode.Differential, RefreshMode.Full],
            Steps = 30,
            Seed = 1,
        });
    }

    [Fact]
    public async Task CorrectFake_OverKeyedTableWithGroupBy_Passes()
    {
        await Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeyedSchema,
            DefiningQuery = """
                SELECT customer, count(*) AS orders, sum(total) AS total, bool_and(paid) AS all_paid
                FROM orders GROUP BY customer
                """,
            StreamTableName = "\"Customer Totals\"",
            CompileScript = FakeInstallScripts.Correct,
            Modes = [RefreshMode.Differential],
            Steps = 40,
            Seed = 2,
            RollbackEvery = 4,
        });
    }

    [Fact]
    public async Task StaleFake_Throws_WithSeedStepAndDifferingRows()
    {
        var failure = await Assert.ThrowsAsync<DifferentialCheckException>(() => Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeyedSchema,
            SeedDataSql = "INSERT INTO orders VALUES (100, 'seeded', 9.99, true);",
            DefiningQuery = "SELECT customer, sum(total) AS total FROM orders GROUP BY customer",
            StreamTableName = "totals",
            CompileScript = FakeInstallScripts.Stale,
            Modes = [RefreshMode.Differential],
            Seed = 1234,
        }));
        output.WriteLine(failure.Message);
        Assert.Equal(1234, failure.Seed);
        Assert.Equal("differential", failure.Mode);
        Assert.Contains("Seed: 1234", failure.Message);
        Assert.Contains($"Step: {failure.Step} ", failure.Message);
        Assert.Contains("-- step " + failure.Step, failure.Message);
        Assert.Contains("Rows only in the stream table", failure.Message);
        Assert.Contains("Rows only in the recomputation", failure.Message);
        // Some differing row is printed, not just counted.
        Assert.Matches(@"Rows only in the (stream table|recomputation) \([1-9]\d*\):\n  \(", failure.Message);
    }

    [Fact]
    public async Task StaleFake_IsCaughtInImmediateModeWithoutAnyRefresh()
    {
        var failure = await Assert.ThrowsAsync<DifferentialCheckException>(() => Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeylessSchema,
            DefiningQuery = "SELECT grp, amount FROM events",
            StreamTableName = "copy",
            CompileScript = FakeInstallScripts.Stale,
            Modes = [RefreshMode.Immediate],
            Seed = 5,
        }));
        Assert.Equal("immediate", failure.Mode);
        Assert.Equal(1, failure.Step);
    }

    [Fact]
    public async Task RenamedColumn_IsReportedAsColumnMismatch()
    {
        var failure = await Assert.ThrowsAsync<DifferentialCheckException>(() => Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeylessSchema,
            DefiningQuery = "SELECT grp, amount FROM events",
            StreamTableName = "copy",
            CompileScript = FakeInstallScripts.RenamedFirstColumn,
            Modes = [RefreshMode.Differential],
        }));
        Assert.Contains("initial population", failure.Message);
        Assert.Contains("Column mismatch", failure.Message);
        Assert.Contains("\"renamed\" text", failure.Message);
        Assert.Contains("\"grp\" text", failure.Message);
    }

    [Fact]
    public async Task FailingInstallScript_ShowsPsqlError()
    {
        var failure = await Assert.ThrowsAsync<DifferentialCheckException>(() => Checker.RunAsync(new DifferentialScenario
        {
            SchemaDdl = KeylessSchema,
            DefiningQuery = "SELECT grp FROM events",
            StreamTableName = "copy",
            CompileScript = (_, _, _, mode) => $"CREATE SCHEMA trickle;\nSELECT 1/0 AS {mode}_breaks;\n",
            Modes = [RefreshMode.Full],
        }));
        Assert.Contains("installing the compiled install script", failure.Message);
        Assert.Contains("division by zero", failure.Message);
        Assert.Contains("full_breaks", failure.Message);
    }

    [Fact]
    public async Task FailingDmlStatement_IsReportedWithTheStatement()
    {
        var failure = await Assert.ThrowsAsync<DifferentialCheckException>(() => Checker.RunAsync(new DifferentialScenario
        {
            // A trigger stands in for broken capture triggers of a compiled script.
            SchemaDdl = KeylessSchema + """
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'capture trigger exploded'; END $$;
                CREATE TRIGGER refuse_delete AFTER DELETE ON events FOR EACH STATEMENT EXECUTE FUNCTION refuse();
                """,
            DefiningQuery = "SELECT grp FROM events",
            StreamTableName = "copy",
            CompileScript = FakeInstallScripts.Correct,
            Modes = [RefreshMode.Differential],
            Steps = 60,
            Seed = 9,
        }));
        Assert.Contains("executing a DML statement", failure.Message);
        Assert.Contains("capture trigger exploded", failure.Message);
        Assert.Contains("Failed statement:\n    DELETE FROM public.events", failure.Message);
    }
}
