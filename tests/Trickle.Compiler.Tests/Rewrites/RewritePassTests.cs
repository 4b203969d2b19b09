using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>Each rewrite pass applied alone to the bound plan of a small query: before/after snapshots plus the facts that matter.</summary>
public sealed class RewritePassTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE measurements (
            id      integer PRIMARY KEY,
            site    text NOT NULL,
            small   smallint,
            whole   integer,
            big     bigint,
            exact   numeric(10,2),
            approx  double precision
        );
        """);

    [Theory]
    [InlineData("select_distinct_columns", "SELECT DISTINCT site, whole FROM measurements")]
    [InlineData("select_distinct_repeated_expression", "SELECT DISTINCT site, site AS again, whole + 1 AS next FROM measurements WHERE whole > 0")]
    public void DistinctToGroups_DistinctProjection_BecomesUncountedGroups(string name, string query)
    {
        var (before, after) = ApplyAlone(new DistinctToGroups(), query);

        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.False(aggregate.Multiplicity);
        Assert.Empty(aggregate.Aggregates);
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Fact]
    public void DistinctToGroups_SameExpressionTwice_IsOneGroupKey()
    {
        var (_, after) = ApplyAlone(new DistinctToGroups(), "SELECT DISTINCT site, site AS again FROM measurements");

        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.Single(aggregate.GroupKeys);
    }

    [Fact]
    public void DistinctToGroups_PlainProjection_IsLeftAlone() =>
        AssertUnchanged(new DistinctToGroups(), "SELECT site, whole FROM measurements");

    [Theory]
    [InlineData("latest_per_site", "SELECT DISTINCT ON (site) site, id, exact FROM measurements ORDER BY site, id DESC")]
    [InlineData("expression_key_repeated_column", "SELECT DISTINCT ON (lower(site)) whole, whole AS again, lower(site) AS s FROM measurements WHERE whole > 0 ORDER BY lower(site), big NULLS FIRST, id")]
    public void DistinctOnToFirstRows_BecomesGroupsOfFirstValues(string name, string query)
    {
        var (before, after) = ApplyAlone(new DistinctOnToFirstRows(), query);

        Assert.IsType<DistinctOnNode>(before);
        var project = Assert.IsType<ProjectNode>(after);
        var aggregate = Assert.IsType<AggregateNode>(project.Input);
        Assert.True(aggregate.Grouped);
        Assert.False(aggregate.Multiplicity);
        Assert.All(aggregate.Aggregates, a => Assert.Equal(AggregateFunction.First, a.Function));
        // A column selected twice is one first-value; a selected key is the key itself.
        Assert.Equal(project.Columns.Count(c => c.Expression is Trickle.Compiler.Binding.BoundAggregateRef) - (name == "expression_key_repeated_column" ? 1 : 0), aggregate.Aggregates.Count);
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Theory]
    [InlineData("projection", "SELECT site, whole FROM measurements")]
    [InlineData("filtered_projection_with_expression", "SELECT site, exact * whole AS total FROM measurements WHERE site <> 'x'")]
    public void ProjectionToCountedGroups_BagProjection_BecomesCountedGroups(string name, string query)
    {
        var (before, after) = ApplyAlone(new ProjectionToCountedGroups(), query);

        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.True(aggregate.Multiplicity);
        Assert.True(aggregate.Grouped);
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Theory]
    [InlineData("partition_key_selected", "SELECT site, id, rank() OVER (PARTITION BY site ORDER BY exact DESC) AS r FROM measurements WHERE whole > 0")]
    [InlineData("partition_key_hidden", "SELECT id, sum(whole) OVER (PARTITION BY site, small) AS s, count(*) OVER (PARTITION BY site) AS n FROM measurements")]
    [InlineData("top_k_per_site", "SELECT id, exact FROM (SELECT id, site, exact, row_number() OVER (PARTITION BY site ORDER BY exact, id) AS rn FROM measurements) AS ranked WHERE rn <= 3")]
    public void WindowToPartitionGroups_WindowedRows_BecomeCountedGroupsKeyedByPartition(string name, string query)
    {
        var (before, after) = ApplyAlone(new WindowToPartitionGroups(), query);

        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.True(aggregate.Multiplicity);
        var window = FindWindow(aggregate.Input);
        // Every common PARTITION BY expression is a key, so a partition's stored rows can be found.
        var keyTexts = aggregate.GroupKeys.Select(Trickle.Compiler.Emit.SqlExpressionPrinter.Canonical).ToHashSet();
        Assert.NotEmpty(window.CommonPartition);
        Assert.All(window.CommonPartition, p => Assert.Contains(Trickle.Compiler.Emit.SqlExpressionPrinter.Canonical(p), keyTexts));
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    /// <summary>
    /// A LATERAL top-k is bound as a join onto the ranked rows, kept whole; the pass, run on that subquery's plan as on
    /// any other, keys its stored rows by the correlated column, the partition a change recomputes.
    /// </summary>
    [Fact]
    public void WindowToPartitionGroups_LateralTopK_KeysTheRankedRowsByTheCorrelatedColumn()
    {
        const string query = "SELECT m.id, l.exact FROM measurements m, LATERAL (SELECT n.exact FROM measurements n WHERE n.site = m.site AND n.whole > 0 ORDER BY n.exact DESC, n.id LIMIT 2) AS l";
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        var after = RewritePipeline.Run(before, RewritePipeline.Default.Select(p => p.Name).Where(n => n != "window-to-partition-groups"));

        var join = Assert.IsType<JoinNode>(Assert.IsType<ProjectNode>(after).Input);
        var ranked = Assert.IsType<ScanNode>(join.Right);
        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(ranked.Subplan).Input);
        Assert.True(aggregate.Multiplicity);
        var partition = Assert.Single(FindWindow(aggregate.Input).CommonPartition);
        Assert.Equal("site", Assert.IsType<Trickle.Compiler.Binding.BoundColumn>(partition).ColumnName);
        Assert.Equal("site", Assert.IsType<Trickle.Compiler.Binding.BoundColumn>(aggregate.GroupKeys[0]).ColumnName);
        Snapshot.Match(BeforeAfter(before, after));
    }

    /// <summary>
    /// A window subquery joined to a table is kept whole, and the outer WHERE conjunct over its columns alone (rn &lt;= 2)
    /// is pushed into it, so that it stores only the rows the query can keep; the pass keys them by the partition.
    /// </summary>
    [Fact]
    public void WindowToPartitionGroups_WindowedSubqueryInJoin_StoresOnlyTheRowsTheOuterFilterKeeps()
    {
        const string query = "SELECT m.id, r.exact FROM measurements m JOIN (SELECT site, exact, row_number() OVER (PARTITION BY site ORDER BY exact DESC, id) AS rn FROM measurements) r ON r.site = m.site WHERE r.rn <= 2 AND m.whole > 0";
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        var after = RewritePipeline.Run(before, RewritePipeline.Default.Select(p => p.Name).Where(n => n != "window-to-partition-groups"));

        var ranked = ScanNode.ScansOf(after).Single(s => s.IsSubquery);
        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(ranked.Subplan).Input);
        var pushed = Assert.IsType<FilterNode>(aggregate.Input);
        Assert.Contains("<= 2", Trickle.Compiler.Emit.SqlExpressionPrinter.Canonical(pushed.Predicate));
        Assert.Equal("site", Assert.IsType<Trickle.Compiler.Binding.BoundColumn>(Assert.Single(FindWindow(pushed).CommonPartition)).ColumnName);
        Snapshot.Match(BeforeAfter(before, after));
    }

    [Fact]
    public void WindowToPartitionGroups_DifferentPartitions_ShareOnlyTheCommonKeys()
    {
        var (_, after) = ApplyAlone(new WindowToPartitionGroups(),
            "SELECT id, count(*) OVER (PARTITION BY site, small) AS a, count(*) OVER (PARTITION BY small) AS b FROM measurements");

        var window = FindWindow(((AggregateNode)((ProjectNode)after).Input).Input);
        Assert.Equal("small", Assert.IsType<Trickle.Compiler.Binding.BoundColumn>(Assert.Single(window.CommonPartition)).ColumnName);
    }

    [Theory]
    [InlineData("first_rows", "SELECT id, exact FROM measurements WHERE whole > 0 ORDER BY exact DESC NULLS LAST, id LIMIT 5 OFFSET 2")]
    [InlineData("first_groups", "SELECT site, sum(whole) AS total FROM measurements GROUP BY site ORDER BY total DESC, site FETCH FIRST 3 ROWS WITH TIES")]
    public void TopKToCountedRows_FirstRows_BecomeCountedRowsOverTheTopK(string name, string query)
    {
        var (before, after) = ApplyAlone(new TopKToCountedRows(), query);

        var aggregate = Assert.IsType<AggregateNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.True(aggregate.Multiplicity);
        Assert.IsType<TopKNode>(aggregate.Input);
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Theory]
    [InlineData("rollup_with_grouping", "SELECT site, small, GROUPING(site, small) AS g, count(*) AS n, sum(whole) AS s FROM measurements GROUP BY ROLLUP (site, small) HAVING count(*) > 1")]
    [InlineData("cube_of_expression", "SELECT lower(site) AS s, avg(exact) AS a FROM measurements GROUP BY CUBE (lower(site))")]
    public void GroupingSetsToUnion_OneAggregatePerSet_UnionAll(string name, string query)
    {
        var (before, after) = ApplyAlone(new GroupingSetsToUnion(), query);

        var sets = FindAggregate(before).GroupingSets!;
        var union = Assert.IsType<SetOperationNode>(after);
        Assert.Equal(SetOperationKind.UnionAll, union.Kind);
        Assert.Equal(sets.Count, union.Branches.Count);
        // Each branch is one grouping set's aggregate, kept whole, grouping by exactly that set's keys.
        for (var i = 0; i < sets.Count; i++)
        {
            var subquery = Assert.IsType<ScanNode>(union.Branches[i].Input);
            var aggregate = FindAggregate(subquery.Subplan!);
            Assert.Equal(sets[i].Count, aggregate.GroupKeys.Count);
            Assert.Null(aggregate.GroupingSets);
        }
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Fact]
    public void GroupingSetsToUnion_PlainGroupBy_IsLeftAlone() =>
        AssertUnchanged(new GroupingSetsToUnion(), "SELECT site, count(*) AS n FROM measurements GROUP BY site");

    [Fact]
    public void WindowToPartitionGroups_PlainProjection_IsLeftAlone() =>
        AssertUnchanged(new WindowToPartitionGroups(), "SELECT site, whole FROM measurements");

    private static WindowNode FindWindow(RelNode node) => node switch
    {
        WindowNode window => window,
        FilterNode filter => FindWindow(filter.Input),
        _ => throw new Xunit.Sdk.XunitException("no window in plan:\n" + IrPrinter.Print(node)),
    };

    [Fact]
    public void ProjectionToCountedGroups_AggregateWithHaving_IsNotTreatedAsBagProjection() =>
        AssertUnchanged(new ProjectionToCountedGroups(),
            "SELECT site, count(*) AS n FROM measurements GROUP BY site HAVING count(*) > 1");

    [Fact]
    public void ProjectionToCountedGroups_GroupedQuery_IsLeftAlone() =>
        AssertUnchanged(new ProjectionToCountedGroups(), "SELECT site, sum(whole) AS total FROM measurements GROUP BY site");

    [Theory]
    [InlineData("avg_smallint", "SELECT site, avg(small) AS a FROM measurements GROUP BY site")]
    [InlineData("avg_integer", "SELECT site, avg(whole) AS a FROM measurements GROUP BY site")]
    [InlineData("avg_bigint", "SELECT site, avg(big) AS a FROM measurements GROUP BY site")]
    [InlineData("avg_numeric", "SELECT site, avg(exact) AS a FROM measurements GROUP BY site")]
    [InlineData("avg_in_having", "SELECT site, count(*) AS n FROM measurements GROUP BY site HAVING avg(whole) > 2")]
    [InlineData("avg_without_group_by", "SELECT avg(exact) AS a FROM measurements")]
    public void AvgToSumAndCount_ExactAverage_IsRewrittenToSumOverCount(string name, string query)
    {
        var (before, after) = ApplyAlone(new AvgToSumAndCount(), query);

        var aggregate = FindAggregate(after);
        Assert.DoesNotContain(aggregate.Aggregates, a => a.Function == AggregateFunction.Avg);
        Assert.Contains(aggregate.Aggregates, a => a.Function == AggregateFunction.Sum);
        Assert.Contains(aggregate.Aggregates, a => a.Function == AggregateFunction.Count);
        Snapshot.Match(BeforeAfter(before, after), new SnapshotNameExtension(name));
    }

    [Fact]
    public void AvgToSumAndCount_SumOfInteger_IsBigintLikePostgres()
    {
        var (_, after) = ApplyAlone(new AvgToSumAndCount(), "SELECT avg(whole) AS a FROM measurements");

        var sum = Assert.Single(FindAggregate(after).Aggregates, a => a.Function == AggregateFunction.Sum);
        Assert.Equal(SqlType.BigInt, sum.ResultType);
    }

    [Fact]
    public void AvgToSumAndCount_DoublePrecisionAverage_IsNotRewritten() =>
        AssertUnchanged(new AvgToSumAndCount(), "SELECT site, avg(approx) AS a FROM measurements GROUP BY site");

    [Fact]
    public void AvgToSumAndCount_DoublePrecisionAverageNextToExactOne_KeepsTheFloatAvg()
    {
        var (_, after) = ApplyAlone(new AvgToSumAndCount(), "SELECT avg(approx) AS f, avg(whole) AS w FROM measurements");

        var aggregates = FindAggregate(after).Aggregates;
        var floatAverage = Assert.Single(aggregates, a => a.Function == AggregateFunction.Avg);
        Assert.Equal("approx", Assert.IsType<Trickle.Compiler.Binding.BoundColumn>(floatAverage.Argument).ColumnName);
    }

    [Fact]
    public void AvgToSumAndCount_AvgAndSumOfSameColumn_ShareOneSum()
    {
        var (before, after) = ApplyAlone(new AvgToSumAndCount(),
            "SELECT site, avg(exact) AS a, sum(exact) AS s, count(exact) AS c FROM measurements GROUP BY site");

        var aggregates = FindAggregate(after).Aggregates;
        Assert.Equal(2, aggregates.Count);
        Assert.Single(aggregates, a => a.Function == AggregateFunction.Sum);
        Assert.Single(aggregates, a => a.Function == AggregateFunction.Count);
        Snapshot.Match(BeforeAfter(before, after));
    }

    [Fact]
    public void AvgToSumAndCount_SameAverageTwice_SharesSumAndCount()
    {
        var (_, after) = ApplyAlone(new AvgToSumAndCount(), "SELECT avg(whole) AS a, avg(whole) + 1 AS b FROM measurements");

        Assert.Equal(2, FindAggregate(after).Aggregates.Count);
    }

    [Theory]
    [InlineData("distinct-to-groups", "SELECT DISTINCT site FROM measurements")]
    [InlineData("distinct-on-to-first-rows", "SELECT DISTINCT ON (site) site, whole FROM measurements ORDER BY site, id")]
    [InlineData("projection-to-counted-groups", "SELECT site, whole FROM measurements")]
    [InlineData("avg-to-sum-and-count", "SELECT site, avg(whole) AS a FROM measurements GROUP BY site")]
    [InlineData("window-to-partition-groups", "SELECT site, rank() OVER (PARTITION BY site ORDER BY whole) AS r FROM measurements")]
    [InlineData("top-k-to-counted-rows", "SELECT id, site FROM measurements ORDER BY id LIMIT 3")]
    [InlineData("grouping-sets-to-union", "SELECT site, count(*) AS n FROM measurements GROUP BY ROLLUP (site)")]
    public void RewritePipeline_PassDisabledByName_LeavesThePlanAsItWas(string pass, string query)
    {
        var plan = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        Assert.NotEqual(IrPrinter.Print(plan), IrPrinter.Print(RewritePipeline.Run(plan)));

        var rewritten = RewritePipeline.Run(plan, disabled: [pass]);

        Assert.Equal(IrPrinter.Print(plan), IrPrinter.Print(rewritten));
    }

    [Fact]
    public void RewritePipeline_PassDisabled_IsNotReportedAsRun()
    {
        var plan = TestCompiler.Analyze("SELECT site FROM measurements", Catalog).Bound.Plan;
        var run = new List<string>();

        RewritePipeline.Run(plan, disabled: ["avg-to-sum-and-count"], afterPass: (pass, _) => run.Add(pass.Name));

        Assert.Equal(["right-to-left-join", "flatten-subqueries", "semi-join-on-comparison-to-extremes", "null-rejected-left-join-to-inner", "padded-join-to-subquery", "semi-join-on-group-keys-to-join", "outer-join-beside-subqueries-to-kept-rows", "grouping-sets-to-union", "distinct-to-groups", "distinct-on-to-first-rows", "window-to-partition-groups", "top-k-to-counted-rows", "projection-to-counted-groups"], run);
    }

    [Fact]
    public void RewritePipeline_DefaultPasses_HaveDistinctNamesInRunOrder() =>
        Assert.Equal(["right-to-left-join", "flatten-subqueries", "semi-join-on-comparison-to-extremes", "null-rejected-left-join-to-inner", "padded-join-to-subquery", "semi-join-on-group-keys-to-join", "outer-join-beside-subqueries-to-kept-rows", "grouping-sets-to-union", "distinct-to-groups", "distinct-on-to-first-rows", "window-to-partition-groups", "top-k-to-counted-rows", "projection-to-counted-groups", "avg-to-sum-and-count"], RewritePipeline.Default.Select(p => p.Name));

    private static (RelNode Before, RelNode After) ApplyAlone(RewritePass pass, string query)
    {
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        return (before, pass.Apply(before));
    }

    private static void AssertUnchanged(RewritePass pass, string query)
    {
        var (before, after) = ApplyAlone(pass, query);
        Assert.Equal(IrPrinter.Print(before), IrPrinter.Print(after));
    }

    private static AggregateNode FindAggregate(RelNode plan) => plan switch
    {
        AggregateNode aggregate => aggregate,
        ProjectNode project => FindAggregate(project.Input),
        FilterNode filter => FindAggregate(filter.Input),
        _ => throw new Xunit.Sdk.XunitException("no aggregate in plan:\n" + IrPrinter.Print(plan)),
    };

    private static string BeforeAfter(RelNode before, RelNode after) =>
        "-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after);

    [Fact]
    public void RightToLeftJoin_SwapsSides_KeepsConditionAndOutputOrder()
    {
        var catalog = TestCompiler.Catalog("CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE b (id int PRIMARY KEY, a_id int);");
        var analysis = TestCompiler.Analyze("SELECT a.v, b.id FROM a RIGHT JOIN b ON b.a_id = a.id", catalog);

        var before = Trickle.Compiler.Ir.IrPrinter.Print(analysis.Bound.Plan);
        var after = analysis.Passes.Single(p => p.Pass == "right-to-left-join").Plan;

        Assert.Contains("RightJoin", before);
        Assert.DoesNotContain("RightJoin", after);
        Assert.Contains("LeftJoin (\"b\".\"a_id\" = \"a\".\"id\")", after);
        Assert.True(after.IndexOf("Scan \"public\".\"b\"", StringComparison.Ordinal) < after.IndexOf("Scan \"public\".\"a\"", StringComparison.Ordinal),
            "the preserved side (b) must become the left input");
        Assert.Contains("Project \"v\" := \"a\".\"v\", \"id\" := \"b\".\"id\"", after);
    }

    [Fact]
    public void RightToLeftJoin_FullJoin_IsLeftAsItIs_AndItsUsingColumnIsCoalesced()
    {
        var catalog = TestCompiler.Catalog("CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE b (id int, w int);");
        var analysis = TestCompiler.Analyze("SELECT * FROM a FULL JOIN b USING (id)", catalog);

        var before = IrPrinter.Print(analysis.Bound.Plan);
        var after = analysis.Passes.Single(p => p.Pass == "right-to-left-join").Plan;

        Assert.Equal(before, after);
        Assert.Contains("FullJoin (\"a\".\"id\" = \"b\".\"id\")", before);
        Assert.Contains("\"id\" := coalesce(\"a\".\"id\", \"b\".\"id\")", before);
        Snapshot.Match(before);
    }
}
