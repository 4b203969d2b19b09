using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>padded-join-to-subquery</c>: a join on the padded side of an outer join (the right of LEFT, either side of
/// FULL) becomes a subquery kept whole holding the columns read above it; the preserved side of a LEFT JOIN and inner
/// joins are left as they are.
/// </summary>
public sealed class PaddedJoinToSubqueryTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE r (i integer); CREATE TABLE s (i integer, j integer); CREATE TABLE t (j integer); CREATE TABLE u (j integer, k integer);");

    [Theory]
    [InlineData("full_after_left", "SELECT r.i, s.j, t.j AS tj FROM r LEFT JOIN s ON r.i = s.i FULL JOIN t ON s.j = t.j")]
    [InlineData("right_after_inner", "SELECT r.i, t.j FROM r JOIN s ON r.i = s.i RIGHT JOIN t ON s.j = t.j")]
    [InlineData("nested_full", "SELECT r.i, u.k FROM r FULL JOIN (s FULL JOIN (t FULL JOIN u ON t.j = u.j) ON s.j = t.j) ON r.i = s.i")]
    [InlineData("cross_join_in_left", "SELECT r.i, count(*) AS n FROM r LEFT JOIN (s CROSS JOIN t) ON r.i = s.i AND s.j = t.j GROUP BY r.i")]
    public void PaddedJoin_BecomesSubqueryKeptWhole(string name, string query)
    {
        var before = RunUpTo(TestCompiler.Analyze(query, Catalog).Bound.Plan, "padded-join-to-subquery", including: false);
        var after = new PaddedJoinToSubquery().Apply(before);

        Assert.Contains(Scans(after), s => s.IsSubquery);
        Assert.DoesNotContain(OuterJoins(after), j => j.Right is JoinNode || j.Type == JoinType.Full && j.Left is JoinNode);
        Snapshot.Match("-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after), new SnapshotNameExtension(name));
    }

    [Theory]
    [InlineData("SELECT r.i, s.j, t.j AS tj FROM r LEFT JOIN s ON r.i = s.i LEFT JOIN t ON s.j = t.j")]
    [InlineData("SELECT r.i, s.j, t.j AS tj FROM r JOIN s ON r.i = s.i LEFT JOIN t ON s.j = t.j")]
    [InlineData("SELECT r.i, t.j FROM r FULL JOIN s ON r.i = s.i JOIN t ON s.j = t.j")]
    public void PreservedJoinOrInnerJoin_IsLeftAlone(string query)
    {
        var before = RunUpTo(TestCompiler.Analyze(query, Catalog).Bound.Plan, "padded-join-to-subquery", including: false);
        Assert.Equal(IrPrinter.Print(before), IrPrinter.Print(new PaddedJoinToSubquery().Apply(before)));
    }

    /// <summary>The pipeline's passes before <paramref name="pass"/>.</summary>
    private static RelNode RunUpTo(RelNode plan, string pass, bool including) =>
        RewritePipeline.Run(plan, RewritePipeline.Default.Select(p => p.Name).SkipWhile(n => n != pass).Skip(including ? 1 : 0));

    private static IEnumerable<ScanNode> Scans(RelNode plan) =>
        (plan is ScanNode scan ? [scan] : Enumerable.Empty<ScanNode>()).Concat(RelNode.InputsOf(plan).SelectMany(Scans));

    private static IEnumerable<JoinNode> OuterJoins(RelNode plan) =>
        (plan is JoinNode { Type: JoinType.Left or JoinType.Full } join ? [join] : Enumerable.Empty<JoinNode>())
            .Concat(plan is ScanNode { Subplan: { } subplan } ? OuterJoins(subplan) : [])
            .Concat(RelNode.InputsOf(plan).SelectMany(OuterJoins));
}
