using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// The 3-way outer joins of pg_ivm's regression suite (<c>sql/outer_join.sql</c>): those whose second join is LEFT or
/// INNER are maintained (Trickle.Database.Tests PgIvmSuiteCorpusTests checks them against a recomputation); those
/// whose second join is FULL or RIGHT would pad a join, which is not maintained yet: refused in the incremental modes
/// with TRK4001, recomputed under AUTO with warning TRK4101, never a wrong answer.
/// </summary>
public sealed class PgIvmOuterJoinShapesTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE oj_r (i integer); CREATE TABLE oj_s (i integer, j integer); CREATE TABLE oj_t (j integer);");

    private static string Query(string first, string second) =>
        $"SELECT r.i AS r, s.i AS si, s.j AS sj, t.j AS t FROM oj_r AS r {first} JOIN oj_s AS s ON r.i = s.i {second} JOIN oj_t AS t ON s.j = t.j";

    public static TheoryData<string, string> Shapes(string secondA, string secondB)
    {
        var data = new TheoryData<string, string>();
        foreach (var first in new[] { "FULL", "LEFT", "RIGHT", "INNER" })
            foreach (var second in new[] { secondA, secondB })
                data.Add(first, second);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes), "LEFT", "INNER")]
    public void SecondJoinLeftOrInner_IsMaintained(string first, string second)
    {
        foreach (var mode in new[] { RefreshMode.Differential, RefreshMode.Immediate })
        {
            var result = TestCompiler.Compile(Query(first, second), Catalog, new CompilationOptions(Name: "oj", Mode: mode));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes), "FULL", "RIGHT")]
    public void SecondJoinFullOrRight_IsRefusedIncrementally_AndRecomputedUnderAuto(string first, string second)
    {
        var refused = TestCompiler.Compile(Query(first, second), Catalog, new CompilationOptions(Name: "oj", Mode: RefreshMode.Differential));
        Assert.Contains(refused.Diagnostics, d => d.IsError && d.Code == "TRK4001");
        var auto = TestCompiler.Compile(Query(first, second), Catalog, new CompilationOptions(Name: "oj", Mode: RefreshMode.Auto));
        Assert.True(auto.Success);
        Assert.Contains(auto.Diagnostics, d => d.Code == "TRK4101");
    }
}
