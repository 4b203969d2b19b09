namespace Trickle.Cli.Tests;

/// <summary><c>trickle explain</c>: same inputs as compile, prints the plans and the maintenance plan instead of SQL.</summary>
public sealed class ExplainTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string Schema = Path.Combine(RepositoryPaths.Root, "examples", "schema.sql");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Explain_JoinExample_ShowsPlansPassesStorageAndCapture()
    {
        var run = await CliRunner.RunAsync("explain", Path.Combine(RepositoryPaths.Root, "examples", "region_revenue.sql"), "--schema", Schema);

        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Stream table public.region_revenue (DIFFERENTIAL), schedule 10s", run.Stdout);
        Assert.Contains("InnerJoin (\"c\".\"id\" = \"o\".\"customer_id\")", run.Stdout);
        Assert.Contains("After avg-to-sum-and-count: unchanged", run.Stdout);
        Assert.Contains("recomputed for a group only when a deletion may have removed its value", run.Stdout);
        // orders' changes, customers' changes, and the correction for both changing in one batch.
        Assert.Contains("Join delta: 3 term(s) per refresh", run.Stdout);
        Assert.DoesNotContain("CREATE TABLE", run.Stdout);
    }

    [Fact]
    public async Task Explain_FullJoinExample_DescribesBothPaddedSides()
    {
        var run = await CliRunner.RunAsync("explain", Path.Combine(RepositoryPaths.Root, "examples", "customer_activity.sql"), "--schema", Schema);

        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("FullJoin (\"o\".\"customer_id\" = \"c\".\"id\")", run.Stdout);
        Assert.Contains("key \"k1\" = \"c\".\"region\" (may be NULL)", run.Stdout);
        Assert.Contains("FULL JOIN: NULL-padded rows of either side", run.Stdout);
        Assert.DoesNotContain("LEFT JOIN:", run.Stdout);
    }

    [Fact]
    public async Task Explain_AvgOverIntegers_ShowsTheRewrite_AndImmediateLocking()
    {
        var definition = _dir.File("avg.sql", "SELECT customer_id, avg(quantity) AS q FROM orders GROUP BY customer_id");

        var run = await CliRunner.RunAsync("explain", definition, "--schema", Schema, "--mode", "immediate");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("aggs=[avg(\"orders\".\"quantity\")]", run.Stdout);
        Assert.Contains("After avg-to-sum-and-count:\n", run.Stdout);
        Assert.Contains("aggs=[sum(\"orders\".\"quantity\"), count(\"orders\".\"quantity\")]", run.Stdout);
        Assert.Contains("row locks on the touched groups' keys only", run.Stdout);
    }

    [Fact]
    public async Task Explain_WindowQuery_ShowsThePassAndWhichPartitionsAChangeRecomputes()
    {
        var partitioned = _dir.File("ranked.sql",
            "SELECT id, customer_id, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r FROM orders");
        var whole = _dir.File("overall.sql", "SELECT id, rank() OVER (ORDER BY amount DESC) AS r FROM orders");

        var byCustomer = await CliRunner.RunAsync("explain", partitioned, "--schema", Schema, "--mode", "immediate");
        var overall = await CliRunner.RunAsync("explain", whole, "--schema", Schema, "--mode", "immediate");

        Assert.Equal(0, byCustomer.ExitCode);
        Assert.Contains("Window partition=[\"orders\".\"customer_id\"] calls=[rank() OVER (PARTITION BY", byCustomer.Stdout);
        Assert.Contains("After window-to-partition-groups:\n", byCustomer.Stdout);
        Assert.Contains("a change recomputes only the partitions it touches (PARTITION BY \"src\".\"customer_id\"", byCustomer.Stdout);
        Assert.Contains("row locks on the touched window partitions' keys only", byCustomer.Stdout);
        Assert.Equal(0, overall.ExitCode);
        Assert.Contains("any change recomputes the whole result", overall.Stdout);
        Assert.Contains("one lock per stream table", overall.Stdout);
    }

    [Fact]
    public async Task Explain_ImmediateJoin_SaysWhetherWritersLockTheJoinKeyOrTheWholeStreamTable()
    {
        // Stored per customer, joined on the customer: writers lock customer ids. Stored per region: one lock.
        var perCustomer = _dir.File("per_customer.sql",
            "SELECT c.id, count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id");
        var perRegion = _dir.File("per_region.sql",
            "SELECT c.region, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region");

        var byKey = await CliRunner.RunAsync("explain", perCustomer, "--schema", Schema, "--mode", "immediate");
        var whole = await CliRunner.RunAsync("explain", perRegion, "--schema", Schema, "--mode", "immediate");

        Assert.Equal(0, byKey.ExitCode);
        Assert.Contains("IMMEDIATE locking: row locks on the join key's values in the written rows only", byKey.Stdout);
        Assert.Equal(0, whole.ExitCode);
        Assert.Contains("IMMEDIATE locking: one lock per stream table", whole.Stdout);
    }

    [Fact]
    public async Task Explain_LateralTopK_ShowsTheRewriteIntoARankedJoin_AndHowTheRankedRowsAreKept()
    {
        var definition = _dir.File("latest.sql",
            "SELECT c.id, l.amount\nFROM customers c\n  LEFT JOIN LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC, o.id LIMIT 3) AS l ON TRUE");

        var run = await CliRunner.RunAsync("explain", definition, "--schema", Schema, "--mode", "differential");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Rewritten while binding:\n  - LATERAL subquery \"l\" (first rows per outer row) → LEFT JOIN onto the rows of orders ranked by "
            + "row_number() OVER (PARTITION BY its correlated columns ORDER BY …), rank <= 3, kept whole (at 3:13)\n", run.Stdout);
        Assert.Contains("Filter ($window0 <= 3)", run.Stdout);
        Assert.Contains("Subquery l, kept whole (window functions over its rows)", run.Stdout);
        Assert.Contains("a change recomputes only the partitions it touches", run.Stdout);
    }

    [Fact]
    public async Task Explain_TopK_SaysWhenABatchIsApplied()
    {
        var definition = _dir.File("top.sql", "SELECT id, amount FROM orders ORDER BY amount DESC NULLS LAST, id LIMIT 10");

        var run = await CliRunner.RunAsync("explain", definition, "--schema", Schema);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("TopK order=[\"orders\".\"amount\" DESC NULLS LAST, \"orders\".\"id\"] LIMIT 10", run.Stdout);
        Assert.Contains("After top-k-to-counted-rows:\n", run.Stdout);
        Assert.Contains("Top-K (ORDER BY \"src\".\"amount\" DESC NULLS LAST, \"src\".\"id\" LIMIT 10): a batch is applied only when", run.Stdout);
    }

    [Fact]
    public async Task Explain_RejectedQuery_PrintsPositionedDiagnostic_Exit1()
    {
        var definition = _dir.File("lateral.sql", "SELECT c.id, l.total\nFROM customers c,\n     LATERAL (SELECT DISTINCT o.amount AS total FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC LIMIT 1) AS l");

        var run = await CliRunner.RunAsync("explain", definition, "--schema", Schema, "--mode", "differential");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{definition}:3:6: error TRK4001: ", line);
    }

    [Fact]
    public async Task Explain_NotIncrementalUnderAuto_SaysItIsRecomputed_WithWarning()
    {
        var definition = _dir.File("lateral.sql", "SELECT c.id, l.total\nFROM customers c,\n     LATERAL (SELECT DISTINCT o.amount AS total FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC LIMIT 1) AS l");

        var run = await CliRunner.RunAsync("explain", definition, "--schema", Schema);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"{definition}:3:6: warning TRK4101: this query cannot be maintained incrementally (", Assert.Single(run.StderrLines));
        Assert.Contains("(FULL, recomputed from its query as written)", run.Stdout);
        Assert.Contains("It cannot be maintained incrementally: a LATERAL subquery with LIMIT is supported when it reads one table, without GROUP BY, aggregates, DISTINCT or window functions, correlated by equalities (inner = outer.column) (TRK4001 at 3:6).", run.Stdout);
    }
}
