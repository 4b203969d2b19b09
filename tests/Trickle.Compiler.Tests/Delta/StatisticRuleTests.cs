using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Delta;

/// <summary>
/// Which rule maintains stddev/variance: over exact types the invertible sums (count, sum, sum of squares), over floats
/// a recompute of the touched groups (PostgreSQL's float accumulator depends on the row order), and DISTINCT stays
/// recomputed too. <c>explain</c> names each state and how it is maintained.
/// </summary>
public sealed class StatisticRuleTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE readings (
            id      integer PRIMARY KEY,
            site    text NOT NULL,
            small   smallint,
            whole   integer,
            big     bigint,
            exact   numeric(10,2),
            free    numeric,
            single  real,
            approx  double precision,
            ok      boolean
        );
        """);

    [Theory]
    [InlineData("stddev(small)")]
    [InlineData("stddev_samp(whole)")]
    [InlineData("stddev_pop(big)")]
    [InlineData("variance(exact)")]
    [InlineData("var_samp(free)")]
    [InlineData("var_pop(whole * 2)")]
    [InlineData("stddev(free) FILTER (WHERE ok)")]
    public void ExactArgument_IsMaintainedFromSums(string call)
    {
        var explain = Explain($"SELECT site, {call} AS s FROM readings GROUP BY site");

        Assert.Contains("\"a1_nonnull\" = count(", explain);
        Assert.Contains("\"a1_sum\" = sum of ", explain);
        Assert.Contains("\"a1_sumsq\" = sum of the squares of ", explain);
        Assert.DoesNotContain("recomputed from the group's source rows whenever a change touches the group", explain);
    }

    [Theory]
    [InlineData("stddev(approx)", "stddev")]
    [InlineData("var_pop(single)", "var_pop")]
    [InlineData("variance(DISTINCT whole)", "variance")]
    public void FloatOrDistinctArgument_IsRecomputedPerTouchedGroup(string call, string name)
    {
        var explain = Explain($"SELECT site, {call} AS s FROM readings GROUP BY site");

        Assert.Contains($"\"a1_{name}\" = {name}(", explain);
        Assert.Contains("recomputed from the group's source rows whenever a change touches the group", explain);
        Assert.DoesNotContain("a1_sumsq", explain);
    }

    [Fact]
    public void Numeric_TracksScaleOnlyWhenTheColumnDoesNotFixIt()
    {
        var explain = Explain("SELECT site, stddev(exact) AS a, stddev(free) AS b, stddev(exact) FILTER (WHERE ok) AS c FROM readings GROUP BY site");

        Assert.DoesNotContain("\"a1_scale\"", explain);
        Assert.Contains("\"a2_scale\" = largest scale among", explain);
        Assert.DoesNotContain("\"a3_scale\"", explain);
        Assert.Contains("\"a1_nonfinite\" = count of NaN and ±Infinity", explain);
    }

    [Fact]
    public void EveryStatistic_EmittedScript_MatchesSnapshot()
    {
        var script = TestCompiler.Script("""
            CREATE STREAM TABLE site_statistics AS
            SELECT site, stddev(whole) AS sd, stddev_pop(big) AS sdp, var_samp(exact) AS vs, var_pop(free) AS vp,
                   variance(small) FILTER (WHERE ok) AS v, stddev_samp(approx) AS sdf
            FROM readings GROUP BY site
            """, Catalog);

        Snapshot.Match(script);
    }

    private static string Explain(string query)
    {
        var result = Compilation.Explain(new SourceText(TestCompiler.DefinitionPath, query), Catalog, new CompilationOptions());
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }
}
