using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>semi-join-on-group-keys-to-join</c>: <c>x IN (SELECT k FROM t GROUP BY k HAVING …)</c>, bound as a semi-join
/// onto the grouped subquery kept whole, becomes an inner join (its groups are unique on k); switched off, the semi-join
/// onto a subquery is refused, and AUTO recomputes the query instead.
/// </summary>
public sealed class SemiJoinOnGroupKeysToJoinTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name text);
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer, o_totalprice numeric(15,2));
        CREATE TABLE lineitem (l_orderkey integer, l_linenumber integer, l_quantity numeric(15,2), PRIMARY KEY (l_orderkey, l_linenumber));
        """);

    /// <summary>TPC-H Q18 without its ORDER BY … LIMIT.</summary>
    private const string LargeVolumeCustomers = """
        SELECT c_name, c_custkey, o_orderkey, o_totalprice, sum(l_quantity)
        FROM customer, orders, lineitem
        WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300)
          AND c_custkey = o_custkey AND o_orderkey = l_orderkey
        GROUP BY c_name, c_custkey, o_orderkey, o_totalprice
        """;

    [Theory]
    [InlineData("one_table", "SELECT o_orderkey, o_custkey FROM orders WHERE o_custkey IN (SELECT o_custkey FROM orders GROUP BY o_custkey HAVING count(*) > 1)")]
    [InlineData("tpch_q18_without_limit", LargeVolumeCustomers)]
    public void InOverGroups_SemiJoinBecomesInnerJoin(string name, string query)
    {
        var before = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        var after = new SemiJoinOnGroupKeysToJoin().Apply(before);

        Assert.Contains(Joins(before), j => j.Type == JoinType.Semi && j.Right is ScanNode { IsSubquery: true });
        Assert.DoesNotContain(Joins(after), j => j.Type == JoinType.Semi);
        Assert.Contains(Joins(after), j => j.Type == JoinType.Inner && j.Right is ScanNode { IsSubquery: true });
        Snapshot.Match("-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after), new SnapshotNameExtension(name));
    }

    [Fact]
    public void SemiJoinOntoATable_IsUnchanged()
    {
        var before = TestCompiler.Analyze("SELECT o_orderkey FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem WHERE l_quantity > 3)", Catalog).Bound.Plan;

        Assert.Equal(before, new SemiJoinOnGroupKeysToJoin().Apply(before));
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void InOverGroups_CompilesForIncrementalMaintenance(RefreshMode mode)
    {
        var result = TestCompiler.Compile(LargeVolumeCustomers, Catalog, new CompilationOptions(Mode: mode));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
    }

    [Fact]
    public void PassSwitchedOff_RefusesTheQuery_AndAutoRecomputesIt()
    {
        var options = new CompilationOptions(Mode: RefreshMode.Differential) { DisabledPasses = ["semi-join-on-group-keys-to-join"] };
        var refused = TestCompiler.Compile(LargeVolumeCustomers, Catalog, options);
        Assert.Null(refused.Script);
        Assert.Equal("TRK4001", Assert.Single(refused.Diagnostics, d => d.IsError).Code);

        var auto = TestCompiler.Compile(LargeVolumeCustomers, Catalog, options with { Mode = RefreshMode.Auto });
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }

    [Theory]
    // NOT IN: one NULL group key makes the test NULL (the row dropped) for every row, which an anti-join does not compute.
    [InlineData("SELECT o_orderkey FROM orders\nWHERE o_custkey NOT IN (SELECT o_custkey FROM orders GROUP BY o_custkey)", "2:7", "NOT IN over a subquery that groups")]
    // Selecting an aggregate, or one key of two, the selected values repeat across groups.
    [InlineData("SELECT o_orderkey FROM orders\nWHERE o_custkey IN (SELECT count(*) FROM orders GROUP BY o_custkey)", "2:7", "selects its only GROUP BY column")]
    [InlineData("SELECT o_orderkey FROM orders\nWHERE o_custkey IN (SELECT o_custkey FROM orders GROUP BY o_custkey, o_totalprice)", "2:7", "selects its only GROUP BY column")]
    [InlineData("SELECT o_orderkey FROM orders o\nWHERE o_custkey IN (SELECT l_orderkey FROM lineitem WHERE l_orderkey = o.o_orderkey GROUP BY l_orderkey)", "2:7", "may not read the outer query's columns")]
    public void UnsupportedInOverGroups_IsRefusedWhereItIsWritten(string query, string position, string message)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential));

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4001", error.Code);
        Assert.Equal(position, $"{error.Span.Line}:{error.Span.Column}");
        Assert.Contains(message, error.Message);
    }

    private static IEnumerable<JoinNode> Joins(RelNode plan) =>
        (plan is JoinNode join ? [join] : Enumerable.Empty<JoinNode>()).Concat(RelNode.InputsOf(plan).SelectMany(Joins));
}
