using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// A valid query that cannot be maintained incrementally still compiles under FULL and AUTO: as its query text,
/// recomputed on every refresh, with warning TRK4101 at the first obstacle. DIFFERENTIAL and IMMEDIATE still reject
/// it, and invalid queries are rejected in every mode.
/// </summary>
public sealed class VerbatimFullTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("CREATE TABLE edges (src integer NOT NULL, dst integer NOT NULL);");

    // A recursive step with an outer join is not maintained incrementally (inner joins are).
    private const string Recursive = "WITH RECURSIVE r(a, b) AS (\n  SELECT src, dst FROM edges\n  UNION SELECT r.a, e.dst FROM r LEFT JOIN edges e ON e.src = r.b\n)\nSELECT a, b FROM r";

    [Theory]
    [InlineData(RefreshMode.Auto)]
    [InlineData(RefreshMode.Full)]
    public void NotIncremental_UnderFullOrAuto_CompilesAsTheQueryRecomputed(RefreshMode mode)
    {
        var result = TestCompiler.Compile(Recursive, Catalog, new CompilationOptions(Name: "reach", Mode: mode));

        Assert.True(result.Success);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("TRK4101", warning.Code);
        Assert.Equal((3, 32), (warning.Span.Line, warning.Span.Column));
        Assert.Contains("only inner joins are maintained in a recursive CTE", warning.Message);
        var script = result.Script!;
        Assert.Contains("SET search_path = pg_catalog, \"public\", pg_temp", script);
        Assert.Contains("INSERT INTO \"trickle\".\"reach__storage\"\n    SELECT * FROM (\nWITH RECURSIVE r(a, b) AS (", script);
        Assert.Contains("'full',", script);
        // No capture on the sources (the runtime has triggers of its own on its tables).
        Assert.DoesNotContain("__capture_", script);
        Assert.DoesNotContain("__maintain_", script);
    }

    /// <summary>AUTO falls back to recomputation for a volatile function too, as a materialized view would refresh it.</summary>
    [Theory]
    [InlineData("now()")]
    [InlineData("random()")]
    public void VolatileFunction_UnderAuto_CompilesAsTheQueryRecomputed_WithTheReasonAtTheCall(string call)
    {
        var result = TestCompiler.Compile($"SELECT src,\n       {call} AS seen\nFROM edges", Catalog, new CompilationOptions(Name: "seen", Mode: RefreshMode.Auto));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("TRK4101", warning.Code);
        Assert.Equal((2, 8), (warning.Span.Line, warning.Span.Column));
        Assert.Contains("'full',", result.Script);
        Assert.DoesNotContain("__capture_", result.Script);
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void NotIncremental_UnderDifferentialOrImmediate_IsRejected(RefreshMode mode)
    {
        var result = TestCompiler.Compile(Recursive, Catalog, new CompilationOptions(Name: "reach", Mode: mode));

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK4001");
    }

    [Fact]
    public void InvalidQuery_UnderAuto_IsStillRejected()
    {
        var result = TestCompiler.Compile("WITH RECURSIVE r AS (SELECT 1 AS x UNION SELECT x FROM r) SELECT nope FROM edgez", Catalog,
            new CompilationOptions(Name: "bad", Mode: RefreshMode.Auto));

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK3001");
    }

    [Fact]
    public void QueryTextContainingTheBodyTag_GetsAnotherTag()
    {
        var result = TestCompiler.Compile("WITH RECURSIVE r(x) AS (SELECT '$function$'::text UNION SELECT r.x FROM r LEFT JOIN edges e ON e.src = 1) SELECT x FROM r", Catalog,
            new CompilationOptions(Name: "tagged", Mode: RefreshMode.Full));

        Assert.True(result.Success);
        Assert.Contains("AS $function1$", result.Script);
    }
}
