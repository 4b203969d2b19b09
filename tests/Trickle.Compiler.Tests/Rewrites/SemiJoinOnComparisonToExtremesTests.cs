using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>semi-join-on-comparison-to-extremes</c>: <c>[NOT] EXISTS</c> correlated by equalities and one comparison
/// (TPC-H Q21's <c>l2.l_suppkey &lt;&gt; l1.l_suppkey</c>), bound as a semi- or anti-join of a query over several tables,
/// becomes a join onto the inner table's rows grouped by the equalities, kept whole, with the extremes of the compared
/// column; switched off, the test is refused where it is written, and AUTO recomputes the query instead.
/// </summary>
public sealed class SemiJoinOnComparisonToExtremesTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name text);
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_status text);
        CREATE TABLE lineitem (l_orderkey integer, l_linenumber integer, l_suppkey integer, l_late boolean, l_quantity numeric(15,2), l_flag boolean,
            PRIMARY KEY (l_orderkey, l_linenumber));
        """);

    /// <summary>TPC-H Q21's shape: EXISTS and NOT EXISTS on the same table and equality, one shared subquery.</summary>
    private const string WaitingSuppliers = """
        SELECT s_name, count(*) AS numwait
        FROM supplier, lineitem l1, orders
        WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey AND o_status = 'F' AND l1.l_late
          AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey)
          AND NOT EXISTS (SELECT * FROM lineitem l3 WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey AND l3.l_late)
        GROUP BY s_name
        """;

    [Theory]
    [InlineData("tpch_q21_shape", WaitingSuppliers)]
    // EXISTS only: an inner join, the test part of its condition; the comparison written outer-first is flipped.
    [InlineData("exists_less_than_flipped", "SELECT o_orderkey, s_name FROM orders, supplier WHERE EXISTS (SELECT * FROM lineitem l WHERE l.l_orderkey = o_orderkey AND s_suppkey > l.l_suppkey)")]
    // NOT EXISTS alone with a filter of its own: the subquery's WHERE keeps it, the maximum alone is stored.
    [InlineData("not_exists_greater_with_filter", "SELECT o_orderkey, s_name FROM orders, supplier WHERE NOT EXISTS (SELECT * FROM lineitem l WHERE l.l_orderkey = o_orderkey AND l.l_quantity >= s_suppkey AND NOT l.l_late)")]
    // Two tests over one table (the semi-join of one table alone is maintained directly; two are a chain).
    [InlineData("two_tests_over_one_table", "SELECT o_orderkey FROM orders o WHERE EXISTS (SELECT * FROM lineitem a WHERE a.l_orderkey = o.o_orderkey AND a.l_suppkey <> o.o_orderkey) AND NOT EXISTS (SELECT * FROM lineitem b WHERE b.l_orderkey = o.o_orderkey AND b.l_quantity < o.o_orderkey)")]
    public void ComparisonCorrelatedExists_BecomesJoinOntoGroupedExtremes(string name, string query)
    {
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        var after = new SemiJoinOnComparisonToExtremes().Apply(before);

        Assert.Contains(Joins(before), j => j.Type is JoinType.Semi or JoinType.Anti);
        Assert.DoesNotContain(Joins(after), j => j.Type is JoinType.Semi or JoinType.Anti && j.Right is ScanNode { IsSubquery: false });
        Assert.Contains(Joins(after), j => j.Right is ScanNode { IsSubquery: true, Name: var n } && n.StartsWith("comparison subquery", StringComparison.Ordinal));
        Snapshot.Match("-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after), new SnapshotNameExtension(name));
    }

    [Fact]
    public void SemiJoinOfOneTable_IsUnchanged()
    {
        var before = TestCompiler.Analyze("SELECT o_orderkey FROM orders o WHERE EXISTS (SELECT * FROM lineitem l WHERE l.l_orderkey = o.o_orderkey AND l.l_suppkey <> o.o_orderkey)", Catalog).Bound.Plan;

        Assert.Equal(before, new SemiJoinOnComparisonToExtremes().Apply(before));
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void WaitingSuppliers_CompilesForIncrementalMaintenance(RefreshMode mode)
    {
        var result = TestCompiler.Compile(WaitingSuppliers, Catalog, new CompilationOptions(Mode: mode));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
    }

    [Fact]
    public void PassSwitchedOff_RefusesTheTestWhereItIsWritten_AndAutoRecomputes()
    {
        var options = new CompilationOptions(Mode: RefreshMode.Differential) { DisabledPasses = ["semi-join-on-comparison-to-extremes"] };
        var refused = TestCompiler.Compile(WaitingSuppliers, Catalog, options);
        Assert.Null(refused.Script);
        var error = Assert.Single(refused.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4001", error.Code);
        Assert.Equal("5:7", $"{error.Span.Line}:{error.Span.Column}");

        var auto = TestCompiler.Compile(WaitingSuppliers, Catalog, options with { Mode = RefreshMode.Auto });
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }

    [Theory]
    // Two comparisons: the extremes of each do not tell whether one row satisfies both.
    [InlineData("SELECT o_orderkey FROM orders, supplier\nWHERE EXISTS (SELECT * FROM lineitem l WHERE l.l_orderkey = o_orderkey AND l.l_suppkey <> s_suppkey AND l.l_quantity < s_suppkey)", "2:76")]
    // No equality: nothing to group by.
    [InlineData("SELECT o_orderkey FROM orders, supplier\nWHERE EXISTS (SELECT * FROM lineitem l WHERE l.l_suppkey <> s_suppkey)", "2:46")]
    // A boolean has no min or max.
    [InlineData("SELECT o_orderkey FROM orders, supplier\nWHERE EXISTS (SELECT * FROM lineitem l WHERE l.l_orderkey = o_orderkey AND l.l_flag <> (s_suppkey > 3))", "2:7")]
    public void UnsupportedComparisonCorrelation_IsRefusedWhereItIsWritten(string query, string position)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential));

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4001", error.Code);
        Assert.Equal(position, $"{error.Span.Line}:{error.Span.Column}");
    }

    private static IEnumerable<JoinNode> Joins(RelNode plan) =>
        (plan is JoinNode join ? [join] : Enumerable.Empty<JoinNode>()).Concat(RelNode.InputsOf(plan).SelectMany(Joins));
}
