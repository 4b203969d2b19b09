using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// Stream tables reading stream tables: a schema file may declare them (<c>CREATE STREAM TABLE</c>), their columns come
/// from binding their queries, and a reader captures their changes on their storage.
/// </summary>
public sealed class UpstreamStreamTableTests
{
    private const string Schema = """
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, amount numeric(10,2), status text);
        CREATE STREAM TABLE totals WITH (refresh_mode = 'differential') AS
            SELECT customer_id, sum(amount) AS revenue, count(*) AS n FROM orders GROUP BY customer_id HAVING count(*) > 1;
        CREATE STREAM TABLE analytics.big AS SELECT customer_id, revenue FROM totals WHERE revenue > 100;
        """;

    [Fact]
    public void SchemaFileStreamTable_IsASourceWithTheColumnsOfItsQuery()
    {
        var catalog = TestCompiler.Catalog(Schema);
        var totals = catalog.Find("public", "totals")!;
        Assert.True(totals.IsStreamTable);
        Assert.Equal(["customer_id", "revenue", "n"], totals.Columns.Select(c => c.Name));
        Assert.Equal(["integer", "numeric", "bigint"], totals.Columns.Select(c => c.Type.Name));
        Assert.Equal("\"trickle\".\"totals__storage\"", totals.Upstream!.Storage);
        Assert.Equal("\"trickle\".\"totals__view_rows\"", totals.Upstream.ViewRowsFunction);
        var big = catalog.Find("analytics", "big")!;
        Assert.True(big.IsStreamTable);
        Assert.Equal(["customer_id", "revenue"], big.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Reader_CapturesOnTheUpstreamStorage_ThroughItsViewRowsFunction_AndRecordsTheDependency()
    {
        var script = TestCompiler.Script("SELECT n, count(*) AS customers FROM totals GROUP BY n", TestCompiler.Catalog(Schema),
            new CompilationOptions(Name: "by_size", Mode: RefreshMode.Differential));
        Assert.Contains("AFTER INSERT ON \"trickle\".\"totals__storage\"", script);
        Assert.Contains("FROM \"trickle_new\" AS \"__stored\" CROSS JOIN LATERAL \"trickle\".\"totals__view_rows\"(\"__stored\") AS n", script);
        Assert.Contains("INSERT INTO \"trickle\".\"stream_table_dependencies\"", script);
        Assert.Contains("to_regprocedure('\"trickle\".\"totals__view_rows\"(\"trickle\".\"totals__storage\")')", script);
        Assert.DoesNotContain("ON \"public\".\"totals\"", script);   // a view has no transition tables
    }

    [Fact]
    public void StreamTable_ReadingItself_IsReportedWhereItIsRead()
    {
        var result = TestCompiler.Compile("CREATE STREAM TABLE totals AS\nSELECT t.n FROM orders o JOIN totals t ON t.customer_id = o.customer_id",
            TestCompiler.Catalog(Schema));
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK3017", error.Code);
        Assert.Equal((2, 31), (error.Span.Line, error.Span.Column));
        Assert.Contains("public.totals cannot read itself", error.Message);
    }

    [Fact]
    public void SchemaFileStreamTable_WithAnError_IsReportedInTheSchemaFile()
    {
        var diagnostics = new DiagnosticBag();
        Compilation.ReadSchema([new SourceText("schema.sql", "CREATE TABLE t (a int);\nCREATE STREAM TABLE s AS SELECT a, nope FROM t;")], diagnostics);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal(("TRK3002", "schema.sql", 2, 36), (error.Code, error.FilePath, error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void SchemaFileStreamTable_ThatOnlyRecomputationMaintains_CannotBeDescribedOffline()
    {
        var diagnostics = new DiagnosticBag();
        Compilation.ReadSchema([new SourceText("schema.sql",
            "CREATE TABLE t (a int);\nCREATE STREAM TABLE s AS SELECT x.b FROM t, LATERAL (SELECT t.a + 1 AS b) AS x;")], diagnostics);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal("TRK4001", error.Code);
        Assert.Contains("compile against --connection", error.Message);
    }

    [Fact]
    public void RecursiveCte_ReadingAStreamTable_IsRejected()
    {
        var result = TestCompiler.Compile("""
            WITH RECURSIVE r(id) AS (SELECT customer_id FROM totals UNION SELECT o.id FROM r JOIN orders o ON o.customer_id = r.id)
            SELECT id FROM r
            """, TestCompiler.Catalog(Schema), new CompilationOptions(Name: "walk", Mode: RefreshMode.Differential));
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4001", error.Code);
        Assert.Contains("reads stream table public.totals", error.Message);
    }
}
