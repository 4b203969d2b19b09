using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// The 3-way outer joins of pg_ivm's regression suite (<c>sql/outer_join.sql</c>), every first and second join of
/// INNER, LEFT, RIGHT and FULL, nested FULL joins and a CROSS JOIN inside a LEFT JOIN's side: all maintained
/// (Trickle.Database.Tests PgIvmSuiteCorpusTests and OuterJoinShapeCorpusTests check them against a recomputation).
/// A join on the padded side is a subquery kept whole (pass <c>padded-join-to-subquery</c>); with the pass switched
/// off such a join is refused in the incremental modes with TRK4001 and recomputed under AUTO (TRK4101), never a wrong answer.
/// </summary>
public sealed class PgIvmOuterJoinShapesTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE oj_r (i integer); CREATE TABLE oj_s (i integer, j integer); CREATE TABLE oj_t (j integer); CREATE TABLE oj_u (j integer, k integer);");

    private static string Query(string first, string second) =>
        $"SELECT r.i AS r, s.i AS si, s.j AS sj, t.j AS t FROM oj_r AS r {first} JOIN oj_s AS s ON r.i = s.i {second} JOIN oj_t AS t ON s.j = t.j";

    public static TheoryData<string, string> Shapes()
    {
        var data = new TheoryData<string, string>();
        foreach (var first in new[] { "FULL", "LEFT", "RIGHT", "INNER" })
            foreach (var second in new[] { "FULL", "LEFT", "RIGHT", "INNER" })
                data.Add(first, second);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryFirstAndSecondJoin_IsMaintained(string first, string second)
    {
        foreach (var mode in new[] { RefreshMode.Differential, RefreshMode.Immediate })
        {
            var result = TestCompiler.Compile(Query(first, second), Catalog, new CompilationOptions(Name: "oj", Mode: mode));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        }
    }

    [Theory]
    [InlineData("SELECT r.i, s.j, t.j AS tj FROM oj_r AS r FULL JOIN (oj_s AS s FULL JOIN oj_t AS t ON s.j = t.j) ON r.i = s.i")]
    [InlineData("SELECT r.i, s.j, t.j AS tj, u.k FROM (oj_r AS r FULL JOIN oj_s AS s ON r.i = s.i) FULL JOIN (oj_t AS t FULL JOIN oj_u AS u ON t.j = u.j) ON s.j = t.j")]
    [InlineData("SELECT r.i, s.j, t.j AS tj FROM oj_r AS r LEFT JOIN (oj_s AS s CROSS JOIN oj_t AS t) ON r.i = s.i AND s.j = t.j")]
    [InlineData("SELECT s.j, count(*) AS n, count(r.i) AS nr, sum(t.j) AS st FROM oj_r AS r RIGHT JOIN oj_s AS s ON r.i = s.i FULL JOIN oj_t AS t ON s.j = t.j GROUP BY s.j")]
    [InlineData("SELECT r.i, s.j, t.j AS tj, u.k FROM oj_r AS r LEFT JOIN oj_s AS s ON r.i = s.i LEFT JOIN (oj_t AS t JOIN oj_u AS u ON t.j = u.j) ON s.j = t.j")]
    public void NestedAndCrossPaddedJoins_AreMaintained(string query)
    {
        foreach (var mode in new[] { RefreshMode.Differential, RefreshMode.Immediate })
        {
            var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Name: "oj", Mode: mode));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        }
    }

    [Theory]
    [InlineData("FULL", "FULL")]
    [InlineData("INNER", "RIGHT")]
    public void PassSwitchedOff_PaddedJoinIsRefusedIncrementally_AndRecomputedUnderAuto(string first, string second)
    {
        var options = new CompilationOptions(Name: "oj", Mode: RefreshMode.Differential) { DisabledPasses = ["padded-join-to-subquery"] };
        var refused = TestCompiler.Compile(Query(first, second), Catalog, options);
        Assert.Contains(refused.Diagnostics, d => d.IsError && d.Code == "TRK4001");
        var auto = TestCompiler.Compile(Query(first, second), Catalog, options with { Mode = RefreshMode.Auto });
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }
}
