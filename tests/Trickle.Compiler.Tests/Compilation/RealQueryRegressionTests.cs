using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// Queries found on real schemas that compiled into scripts PostgreSQL refused at install, or were refused although
/// PostgreSQL accepts them. The database corpus (RealQueryCorpusTests) installs and checks the same shapes.
/// </summary>
public sealed class RealQueryRegressionTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, status text, placed timestamptz);
        CREATE TABLE customers (id integer PRIMARY KEY, region text, tier text);
        CREATE TABLE refunds (order_id integer, reason text);
        """);

    private static CompilationOptions Differential => new(Name: "st", Mode: RefreshMode.Differential);

    [Theory]
    [InlineData("year")]
    [InlineData("epoch")]
    [InlineData("dow")]
    [InlineData("isodow")]
    [InlineData("quarter")]
    public void Extract_IsEmittedInItsOwnSyntax(string field)
    {
        var script = TestCompiler.Script($"SELECT EXTRACT({field} FROM placed) AS f, count(*) AS n FROM orders GROUP BY 1", Catalog, Differential);

        Assert.Contains($"EXTRACT('{field}' FROM ", script);
        Assert.DoesNotContain($"extract('{field}',", script);
    }

    [Fact]
    public void DatePart_StaysAFunctionCall()
    {
        var script = TestCompiler.Script("SELECT date_part('month', placed) AS m, count(*) AS n FROM orders GROUP BY 1", Catalog, Differential);

        Assert.Contains("date_part('month', ", script);
    }

    [Theory]
    [InlineData("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = customer_id)")]
    [InlineData("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE NOT EXISTS (SELECT 1 FROM refunds r WHERE r.reason = region)")]
    [InlineData("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM refunds WHERE order_id = customer_id AND reason = tier)")]
    public void UnqualifiedOuterColumn_InACorrelatedExists_OverAJoin_ResolvesToTheOuterQuery(string query)
    {
        var result = TestCompiler.Compile(query, Catalog, Differential);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void UnqualifiedName_InACorrelatedExists_PrefersTheInnerTable()
    {
        // refunds has order_id; orders has no such column, so it is the subquery's own column, and the test is uncorrelated.
        var analysis = TestCompiler.Analyze(
            "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM refunds WHERE order_id > 0)", Catalog,
            Differential);

        Assert.Contains("\"refunds\".\"order_id\" > 0", Ir.IrPrinter.Print(analysis.Bound.Plan));
    }

    [Fact]
    public void UnqualifiedOuterColumn_InTwoOuterTables_IsAmbiguous()
    {
        var result = TestCompiler.Compile(
            "SELECT o.id\nFROM orders o JOIN customers c ON c.id = o.customer_id\nWHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = id)", Catalog, Differential);

        Assert.False(result.Success);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("TRK3003", 3, 58), (error.Code, error.Span.Line, error.Span.Column));
    }

    [Theory]
    [InlineData("SELECT FROM orders", 1)]
    [InlineData("SELECT FROM orders UNION SELECT FROM customers", 1)]
    [InlineData("CREATE STREAM TABLE empty AS\n  SELECT FROM orders WHERE id > 0", 2)]
    public void ZeroColumnQuery_IsRefusedAtItsSelect(string query, int line)
    {
        foreach (var mode in new[] { RefreshMode.Auto, RefreshMode.Full, RefreshMode.Differential, RefreshMode.Immediate })
        {
            var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Name: "st", Mode: mode));

            Assert.False(result.Success);
            var error = Assert.Single(result.Diagnostics);
            Assert.Equal(("TRK3018", line), (error.Code, error.Span.Line));
            Assert.Contains("a stream table needs at least one column", error.Message);
        }
    }

    [Fact]
    public void ZeroColumnSubquery_InsideAnExistsTest_IsFine()
    {
        var result = TestCompiler.Compile("SELECT o.id FROM orders o WHERE EXISTS (SELECT FROM refunds r WHERE r.order_id = o.id)", Catalog, Differential);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }
}
