using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Xunit;

namespace Trickle.Compiler.Tests.Binding;

/// <summary>
/// Correlated scalar subqueries decorrelated while binding into a LEFT JOIN onto the subquery grouped by its correlated
/// columns, kept whole: an expression over aggregates (TPC-H Q17) stores the aggregates and is computed outside, each
/// read as its value over no rows where nothing matches; a subquery over several tables (TPC-H Q2) groups their join.
/// </summary>
public sealed class CorrelatedScalarSubqueryTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE part (p_partkey integer PRIMARY KEY, p_brand text);
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_region text);
        CREATE TABLE partsupp (ps_partkey integer, ps_suppkey integer, ps_supplycost numeric(15,2), PRIMARY KEY (ps_partkey, ps_suppkey));
        CREATE TABLE lineitem (l_id integer PRIMARY KEY, l_partkey integer, l_quantity numeric(15,2), l_extendedprice numeric(15,2));
        """);

    [Theory]
    [InlineData("fraction_of_average", "SELECT sum(l_extendedprice) / 7.0 AS avg_yearly FROM lineitem, part WHERE p_partkey = l_partkey AND p_brand = 'Brand#23' AND l_quantity < (SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey)")]
    [InlineData("count_and_coalesce", "SELECT p.p_partkey FROM part p WHERE (SELECT 2 * count(*) + coalesce(sum(l.l_quantity), 0) FROM lineitem l WHERE l.l_partkey = p.p_partkey) > 3")]
    [InlineData("minimum_over_a_join", "SELECT p_partkey, s_suppkey FROM part, supplier, partsupp WHERE p_partkey = ps_partkey AND s_suppkey = ps_suppkey AND ps_supplycost = (SELECT min(ps_supplycost) FROM partsupp, supplier WHERE p_partkey = ps_partkey AND s_suppkey = ps_suppkey AND s_region = 'EUROPE')")]
    public void CorrelatedScalarSubquery_IsALeftJoinOntoItsGroups(string name, string query)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));

        var plan = TestCompiler.Analyze(query, Catalog).Bound.Plan;
        Assert.Contains(ScanNode.ScansOf(plan), s => s.IsSubquery && s.Name == "scalar subquery 1");
        Snapshot.Match(IrPrinter.Print(plan), new SnapshotNameExtension(name));
    }

    [Fact]
    public void CountOverNoRows_ReadsZeroInTheExpression()
    {
        var plan = IrPrinter.Print(TestCompiler.Analyze("SELECT p.p_partkey, (SELECT count(*) + 1 FROM lineitem l WHERE l.l_partkey = p.p_partkey) AS n FROM part p", Catalog).Bound.Plan);

        Assert.Contains("(COALESCE(\"scalar subquery 1\".\"value1\", 0)) + 1", plan);
    }
}
