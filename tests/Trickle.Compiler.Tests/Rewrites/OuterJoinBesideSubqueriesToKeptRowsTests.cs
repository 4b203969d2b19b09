using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>outer-join-beside-subqueries-to-kept-rows</c>: a LEFT JOIN whose preserved side joins tables with subqueries
/// kept whole (TPC-H Q22: NOT EXISTS beside an uncorrelated scalar subquery, in a FROM subquery) becomes the LEFT JOIN
/// of the tables alone, kept whole, inner-joined with the subqueries; switched off, the query is refused and AUTO
/// recomputes it. Also: a FROM subquery whose WHERE tests subqueries, joined with other tables, is kept whole.
/// </summary>
public sealed class OuterJoinBesideSubqueriesToKeptRowsTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_phone text, c_acctbal numeric(15,2));
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer);
        """);

    /// <summary>TPC-H Q22 with two country codes.</summary>
    private const string GlobalSalesOpportunity = """
        SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal
        FROM (SELECT substring(c_phone FROM 1 FOR 2) AS cntrycode, c_acctbal FROM customer
              WHERE substring(c_phone FROM 1 FOR 2) IN ('13', '31')
                AND c_acctbal > (SELECT avg(c_acctbal) FROM customer WHERE c_acctbal > 0.00 AND substring(c_phone FROM 1 FOR 2) IN ('13', '31'))
                AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale
        GROUP BY cntrycode
        """;

    [Fact]
    public void Q22Shape_LeftJoinOfTheTableKeptWhole_BesideTheScalarSubquery()
    {
        var before = PlanBefore("outer-join-beside-subqueries-to-kept-rows", GlobalSalesOpportunity);
        var after = new OuterJoinBesideSubqueriesToKeptRows().Apply(before);

        Assert.Contains(Joins(before), j => j.Type == JoinType.Left && j.Left is JoinNode);
        var kept = Assert.Single(ScanNode.ScansOf(after), s => s.Name == "outer join rows");
        Assert.Contains(Joins(kept.Subplan!), j => j.Type == JoinType.Left && j.Left is ScanNode { IsSubquery: false });
        Assert.DoesNotContain(Joins(after), j => j.Type == JoinType.Left);
        Snapshot.Match("-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after));
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void Q22Shape_CompilesForIncrementalMaintenance(RefreshMode mode)
    {
        var result = TestCompiler.Compile(GlobalSalesOpportunity, Catalog, new CompilationOptions(Mode: mode));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
    }

    [Fact]
    public void PassSwitchedOff_RefusesTheQuery_AndAutoRecomputesIt()
    {
        var options = new CompilationOptions(Mode: RefreshMode.Differential) { DisabledPasses = ["outer-join-beside-subqueries-to-kept-rows"] };
        var refused = TestCompiler.Compile(GlobalSalesOpportunity, Catalog, options);
        Assert.Null(refused.Script);
        Assert.Equal("TRK4001", Assert.Single(refused.Diagnostics, d => d.IsError).Code);

        var auto = TestCompiler.Compile(GlobalSalesOpportunity, Catalog, options with { Mode = RefreshMode.Auto });
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }

    [Fact]
    public void SubqueryTestingSubqueries_JoinedWithATable_IsKeptWhole()
    {
        const string query = """
            SELECT o.o_orderkey, x.c_phone
            FROM orders o, (SELECT c_custkey, c_phone FROM customer WHERE EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey AND o_orderkey > 10)) AS x
            WHERE o.o_custkey = x.c_custkey
            """;
        var flattened = PlanBefore("semi-join-on-comparison-to-extremes", query);

        var x = Assert.Single(ScanNode.ScansOf(flattened), s => s.Name == "x");
        Assert.False(x.Flattenable);
        Assert.Contains(Joins(x.Subplan!), j => j.Type == JoinType.Semi);
        Assert.True(TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential)).Success);
    }

    /// <summary>The plan the passes before <paramref name="pass"/> produce.</summary>
    private static RelNode PlanBefore(string pass, string query) =>
        RewritePipeline.Run(TestCompiler.Analyze(query, Catalog).Bound.Plan, RewritePipeline.Default.SkipWhile(p => p.Name != pass).Select(p => p.Name));

    private static IEnumerable<JoinNode> Joins(RelNode plan) =>
        (plan is JoinNode join ? [join] : Enumerable.Empty<JoinNode>()).Concat(RelNode.InputsOf(plan).SelectMany(Joins));
}
