using Xunit;
using static Trickle.Compiler.Tests.TestCompiler;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// The install script carries what every mode the query can be maintained in needs, so that trickle.alter_stream_table
/// can switch to it; a mode it cannot be maintained in is recorded with its reason, and only the installed mode's
/// triggers are created.
/// </summary>
public sealed class ModeAvailabilityTests
{
    private static readonly Trickle.Compiler.Catalog.SourceCatalog Orders = TestCompiler.Catalog("CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount numeric, at timestamptz);");
    private const string Totals = "SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id";

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    [InlineData(RefreshMode.Full)]
    [InlineData(RefreshMode.Auto)]
    public void MaintainableQuery_InstallsEveryModesFunctions_InAnyMode(RefreshMode mode)
    {
        var script = Script(Totals, Orders, new CompilationOptions(Name: "totals", Mode: mode));

        Assert.Contains("-- Switchable at run time between IMMEDIATE, DIFFERENTIAL, AUTO and FULL", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE \"trickle\".\"totals__changes_1\"", script, StringComparison.Ordinal);
        Assert.Contains("CREATE FUNCTION \"trickle\".\"totals__capture_1\"()", script, StringComparison.Ordinal);
        Assert.Contains("CREATE FUNCTION \"trickle\".\"totals__maintain_1\"()", script, StringComparison.Ordinal);
        Assert.Contains("CREATE FUNCTION \"trickle\".\"totals__switch_mode\"(\"mode\" text)", script, StringComparison.Ordinal);
        Assert.DoesNotContain(" mode: %'", script, StringComparison.Ordinal);
        // Top-level triggers (outside the switch function's body) are those of the installed mode only.
        var topLevel = script.Split('\n').Where(line => line.StartsWith("CREATE TRIGGER", StringComparison.Ordinal) || line.StartsWith("    FOR EACH STATEMENT", StringComparison.Ordinal)).ToList();
        // IMMEDIATE adds its BEFORE STATEMENT trigger, which counts the statement as pending.
        var expected = mode switch
        {
            RefreshMode.Full => 0,
            RefreshMode.Immediate => 5,
            _ => 4,
        };
        Assert.Equal(expected, topLevel.Count(line => line.StartsWith("CREATE TRIGGER \"trickle_totals__", StringComparison.Ordinal)));
        var function = mode == RefreshMode.Immediate ? "totals__maintain_1" : "totals__capture_1";
        Assert.Equal(mode == RefreshMode.Full ? 0 : 3, topLevel.Count(line => line.Contains(function, StringComparison.Ordinal)));
    }

    [Fact]
    public void VolatileFunctionUnderFull_RecordsTheIncrementalModesAsUnavailable_WithTheReason()
    {
        var script = Script("SELECT customer_id, count(*) FILTER (WHERE at > now()) AS future FROM orders GROUP BY customer_id", Orders,
            new CompilationOptions(Name: "future", Mode: RefreshMode.Full));

        Assert.Contains("-- Not available in AUTO DIFFERENTIAL IMMEDIATE: now()", script, StringComparison.Ordinal);
        Assert.Contains("cannot be maintained in DIFFERENTIAL mode", script, StringComparison.Ordinal);
        Assert.Contains("cannot be maintained in IMMEDIATE mode", script, StringComparison.Ordinal);
        Assert.Contains("(TRK", script, StringComparison.Ordinal);
        Assert.DoesNotContain("__changes_1", script, StringComparison.Ordinal);
        Assert.DoesNotContain("__maintain_1", script, StringComparison.Ordinal);
        Assert.DoesNotContain("CREATE TRIGGER \"trickle_future__", script, StringComparison.Ordinal);
    }

    [Fact]
    public void QueryRecomputedAsWritten_CanOnlyBeFull()
    {
        var script = Script("SELECT o.customer_id, l.amount FROM orders o, LATERAL (SELECT p.amount FROM orders p WHERE p.customer_id = o.customer_id AND p.id < o.id ORDER BY p.amount DESC LIMIT 1) AS l", Orders,
            new CompilationOptions(Name: "ranked", Mode: RefreshMode.Auto));

        Assert.Contains("CREATE FUNCTION \"trickle\".\"ranked__switch_mode\"(\"mode\" text)", script, StringComparison.Ordinal);
        Assert.Contains("IF \"mode\" IS DISTINCT FROM 'full' THEN", script, StringComparison.Ordinal);
        Assert.Contains("'\"trickle\".\"ranked__switch_mode\"(text)'::regprocedure", script, StringComparison.Ordinal);
    }
}
