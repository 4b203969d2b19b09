using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>null-rejected-left-join-to-inner</c>: a correlated scalar subquery compared in WHERE, bound as a LEFT JOIN onto
/// its groups, is an inner join when the comparison cannot hold over the padded row's NULLs (TPC-H Q20's
/// <c>ps_availqty &gt; (SELECT 0.5 * sum(…))</c>); a condition that can (coalesce, IS NULL) keeps the LEFT JOIN.
/// </summary>
public sealed class NullRejectedLeftJoinToInnerTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE part (p_partkey integer PRIMARY KEY, p_brand text);
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name text);
        CREATE TABLE offer (o_partkey integer, o_suppkey integer, o_cost numeric(10,2), PRIMARY KEY (o_partkey, o_suppkey));
        CREATE TABLE line (l_id integer PRIMARY KEY, l_partkey integer, l_suppkey integer, l_quantity numeric(10,2));
        """);

    /// <summary>TPC-H Q20's shape: IN over an IN and a comparison with a correlated <c>0.5 * sum(…)</c>.</summary>
    private const string PotentialPromotion = """
        SELECT s_name FROM supplier
        WHERE s_suppkey IN (SELECT o_suppkey FROM offer
                            WHERE o_partkey IN (SELECT p_partkey FROM part WHERE p_brand = 'A')
                              AND o_cost > (SELECT 0.5 * sum(l_quantity) FROM line WHERE l_partkey = o_partkey AND l_suppkey = o_suppkey))
        """;

    [Theory]
    [InlineData("tpch_q20_shape", PotentialPromotion)]
    [InlineData("cast_and_negation", "SELECT o_partkey FROM offer WHERE -CAST(o_cost AS integer) < -(SELECT max(l_quantity) FROM line WHERE l_partkey = o_partkey)::integer")]
    public void ComparisonOverThePaddedSide_MakesTheLeftJoinInner(string name, string query)
    {
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        var after = RunEverywhere(before);

        Assert.Contains(Joins(before), j => j.Type == JoinType.Left);
        Assert.DoesNotContain(Joins(after), j => j.Type == JoinType.Left);
        Snapshot.Match("-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after), new SnapshotNameExtension(name));
    }

    [Theory]
    // Over no lines coalesce gives 0, and IS NULL is true: the padded row can pass, so it must stay.
    [InlineData("SELECT o_partkey FROM offer WHERE o_cost > (SELECT coalesce(sum(l_quantity), 0) FROM line WHERE l_partkey = o_partkey)")]
    [InlineData("SELECT o_partkey FROM offer WHERE (SELECT sum(l_quantity) FROM line WHERE l_partkey = o_partkey) IS NULL")]
    [InlineData("SELECT o_partkey FROM offer WHERE o_cost > 2 OR o_cost < (SELECT sum(l_quantity) FROM line WHERE l_partkey = o_partkey)")]
    [InlineData("SELECT o_partkey, (SELECT sum(l_quantity) FROM line WHERE l_partkey = o_partkey) AS q FROM offer WHERE o_cost > 2")]
    public void ConditionThatPaddedRowsCanPass_KeepsTheLeftJoin(string query)
    {
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;

        Assert.Contains(Joins(before), j => j.Type == JoinType.Left);
        Assert.Equal(IrPrinter.Print(before), IrPrinter.Print(RunEverywhere(before)));
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void Q20Shape_CompilesForIncrementalMaintenance(RefreshMode mode)
    {
        var result = TestCompiler.Compile(PotentialPromotion, Catalog, new CompilationOptions(Mode: mode));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
    }

    [Fact]
    public void PassSwitchedOff_RefusesTheQuery_AndAutoRecomputesIt()
    {
        var options = new CompilationOptions(Mode: RefreshMode.Differential) { DisabledPasses = ["null-rejected-left-join-to-inner"] };
        var refused = TestCompiler.Compile(PotentialPromotion, Catalog, options);
        Assert.Null(refused.Script);
        Assert.Equal("TRK4001", Assert.Single(refused.Diagnostics, d => d.IsError).Code);

        var auto = TestCompiler.Compile(PotentialPromotion, Catalog, options with { Mode = RefreshMode.Auto });
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }

    /// <summary>The pass at the root of the plan and of every subquery kept whole, as the pipeline runs it.</summary>
    private static RelNode RunEverywhere(RelNode plan) =>
        RewritePipeline.Run(plan, RewritePipeline.Default.Select(p => p.Name).Where(n => n != "null-rejected-left-join-to-inner"));

    private static IEnumerable<JoinNode> Joins(RelNode plan) =>
        (plan is JoinNode join ? [join] : Enumerable.Empty<JoinNode>())
            .Concat(plan is ScanNode { Subplan: { } subplan } ? Joins(subplan) : [])
            .Concat(RelNode.InputsOf(plan).SelectMany(Joins));
}
