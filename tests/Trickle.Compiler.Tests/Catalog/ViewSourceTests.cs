using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Xunit;

namespace Trickle.Compiler.Tests.Catalog;

/// <summary>
/// A view in FROM is read as its definition, as if the query had that subquery there: maintained from the tables the
/// definition reads, never captured on the view. Materialized views and foreign tables cannot be captured at all.
/// </summary>
public sealed class ViewSourceTests
{
    // As pg_dump writes them: qualified names, a column list, options, a check option, WITH NO DATA, a foreign table.
    private const string Ddl = """
        CREATE TABLE public.orders (id integer PRIMARY KEY, customer_id integer NOT NULL, amount integer, status text);
        CREATE TABLE public.customers (id integer PRIMARY KEY, name text, region text);
        CREATE VIEW public.paid_orders AS
         SELECT orders.id,
            orders.customer_id,
            orders.amount
           FROM public.orders
          WHERE (orders.status = 'paid'::text);
        CREATE VIEW public.big_paid (order_id, cust, amt) WITH (security_barrier='true') AS
         SELECT paid_orders.id, paid_orders.customer_id, paid_orders.amount
           FROM public.paid_orders
          WHERE (paid_orders.amount > 100)
          WITH LOCAL CHECK OPTION;
        CREATE OR REPLACE VIEW public.totals AS SELECT customer_id, sum(amount) AS total FROM public.orders GROUP BY customer_id;
        CREATE VIEW public.unreadable AS SELECT id FROM public.orders FOR UPDATE;
        CREATE VIEW public.over_missing AS SELECT x FROM public.nowhere;
        CREATE MATERIALIZED VIEW public.order_snapshot AS
         SELECT orders.id
           FROM public.orders
          WITH NO DATA;
        CREATE FOREIGN TABLE public.remote_orders (
            id integer OPTIONS (column_name 'id')
        )
        SERVER elsewhere
        OPTIONS (schema_name 'public', table_name 'orders');
        """;

    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(Ddl);

    private static CompilationOptions Mode(RefreshMode mode) => new(Name: "st", Mode: mode);

    [Fact]
    public void SchemaFile_DeclaresViewsMaterializedViewsAndForeignTables()
    {
        var paid = Catalog.Find("public", "paid_orders")!;
        Assert.Equal(RelationKind.View, paid.Kind);
        Assert.StartsWith("SELECT orders.id", paid.View!.QueryText);
        Assert.EndsWith("(orders.status = 'paid'::text)", paid.View.QueryText);

        var big = Catalog.Find("public", "big_paid")!.View!;
        Assert.Equal(["order_id", "cust", "amt"], big.ColumnNames);
        Assert.True(big.SecurityBarrier);
        Assert.False(big.SecurityInvoker);
        Assert.EndsWith("(paid_orders.amount > 100)", big.QueryText);

        Assert.Equal(RelationKind.MaterializedView, Catalog.Find("public", "order_snapshot")!.Kind);
        Assert.Equal(RelationKind.ForeignTable, Catalog.Find("public", "remote_orders")!.Kind);
    }

    [Fact]
    public void ViewJoinedWithATable_IsFlattenedOntoItsBaseTable_AndCapturedThere()
    {
        var analysis = TestCompiler.Analyze(
            "SELECT c.region, sum(p.amount) AS total FROM paid_orders p JOIN customers c ON c.id = p.customer_id GROUP BY c.region", Catalog);

        Assert.Equal(["public.customers", "public.orders"], analysis.Rewritten.Sources.Select(s => s.ToString()).Order());
        Assert.Contains("Filter (\"p\".\"status\" = CAST('paid' AS text))", analysis.IrText);
        Assert.Contains("Scan \"public\".\"orders\" AS \"p\"", analysis.IrText);
        Assert.Contains(analysis.BinderRewrites, r => r.StartsWith("view public.paid_orders → its definition", StringComparison.Ordinal));

        var script = TestCompiler.Script(
            "SELECT c.region, sum(p.amount) AS total FROM paid_orders p JOIN customers c ON c.id = p.customer_id GROUP BY c.region", Catalog, Mode(RefreshMode.Immediate));
        Assert.Contains("ON \"public\".\"orders\"", script);
        Assert.DoesNotContain("ON \"public\".\"paid_orders\"", script);
        // The guard also reads the definition, so that PostgreSQL protects the base table's columns it reads.
        Assert.Contains("UNION ALL\nSELECT FROM (\nSELECT orders.id,", script);
    }

    [Fact]
    public void NestedViewWithColumnList_IsFlattenedThroughBothDefinitions_UnderItsColumnNames()
    {
        var analysis = TestCompiler.Analyze("SELECT b.cust, b.amt FROM big_paid b WHERE b.amt < 500", Catalog);
        var plan = IrPrinter.Print(analysis.Bound.Plan);

        Assert.Equal(["public.orders"], analysis.Rewritten.Sources.Select(s => s.ToString()));
        Assert.Contains("\"cust\" := \"b\".\"customer_id\"", plan);
        Assert.Contains("\"b\".\"status\" = CAST('paid' AS text)", plan);
        Assert.Contains("\"b\".\"amount\" > 100", plan);
        Assert.Contains("\"b\".\"amount\" < 500", plan);
        Assert.Contains(analysis.BinderRewrites, r => r.StartsWith("view public.big_paid (security_barrier) →", StringComparison.Ordinal));
    }

    [Fact]
    public void StarOverAViewAndAnAliasColumnList_NameTheViewsColumns()
    {
        var analysis = TestCompiler.Analyze("SELECT * FROM big_paid AS v(a)", Catalog);

        Assert.Contains("Project \"a\" := \"v\".\"id\", \"cust\" := \"v\".\"customer_id\", \"amt\" := \"v\".\"amount\"", IrPrinter.Print(analysis.Bound.Plan));
    }

    [Fact]
    public void ViewReadWithoutAlias_IsNamedByItsSchemaQualifiedName()
    {
        var analysis = TestCompiler.Analyze("SELECT public.paid_orders.id, paid_orders.amount FROM public.paid_orders WHERE public.paid_orders.amount > 1", Catalog);

        Assert.Contains("\"paid_orders\".\"amount\" > 1", IrPrinter.Print(analysis.Bound.Plan));
    }

    [Fact]
    public void ViewOverAnAggregatingView_IsFlattenedOntoItsKeptWholeRows()
    {
        var catalog = TestCompiler.Catalog(Ddl + "\nCREATE VIEW public.big_totals AS SELECT customer_id, total FROM public.totals WHERE total > 10;");

        var analysis = TestCompiler.Analyze("SELECT c.name, b.total FROM big_totals b JOIN customers c ON c.id = b.customer_id", catalog);
        var plan = IrPrinter.Print(analysis.Bound.Plan);

        Assert.Contains("Subquery AS \"b\"", plan);
        Assert.Contains("\"b\".\"total\" > 10", plan);
    }

    [Fact]
    public void AggregatingView_IsKeptWhole_LikeAnAggregatingSubquery()
    {
        var analysis = TestCompiler.Analyze("SELECT c.name, t.total FROM totals t JOIN customers c ON c.id = t.customer_id", Catalog);

        Assert.Contains("Subquery AS \"t\"", analysis.IrText);
        Assert.Contains("Aggregate keys=[\"orders\".\"customer_id\"] aggs=[sum(\"orders\".\"amount\")]", analysis.IrText);
    }

    [Fact]
    public void ViewSeesNoCteOfTheQuery()
    {
        // The CTE named orders must not replace the table the view reads.
        var analysis = TestCompiler.Analyze("WITH orders AS (SELECT id FROM customers) SELECT p.id FROM paid_orders p", Catalog);

        Assert.Equal(["public.orders"], analysis.Rewritten.Sources.Select(s => s.ToString()));
    }

    [Fact]
    public void ViewInAnExistsTest_JoinsOntoItsDistinctValues()
    {
        var analysis = TestCompiler.Analyze("SELECT c.name FROM customers c WHERE EXISTS (SELECT 1 FROM paid_orders p WHERE p.customer_id = c.id)", Catalog);

        Assert.Equal(["public.customers", "public.orders"], analysis.Rewritten.Sources.Select(s => s.ToString()).Order());
        Assert.Contains("\"status\" = CAST('paid' AS text)", analysis.IrText);
    }

    [Theory]
    [InlineData(RefreshMode.Differential)]
    [InlineData(RefreshMode.Immediate)]
    public void MaterializedViewOrForeignTable_UnderAnIncrementalMode_IsAnErrorAtTheReference(RefreshMode mode)
    {
        var materialized = TestCompiler.Compile("SELECT id\nFROM order_snapshot", Catalog, Mode(mode));
        var foreign = TestCompiler.Compile("SELECT o.id\nFROM orders o\n  JOIN remote_orders r ON r.id = o.id", Catalog, Mode(mode));

        Assert.False(materialized.Success);
        var error = Assert.Single(materialized.Diagnostics);
        Assert.Equal(("TRK4001", 2, 6), (error.Code, error.Span.Line, error.Span.Column));
        Assert.Contains("materialized view public.order_snapshot cannot be maintained incrementally", error.Message);
        Assert.False(foreign.Success);
        error = Assert.Single(foreign.Diagnostics);
        Assert.Equal(("TRK4001", 3, 8), (error.Code, error.Span.Line, error.Span.Column));
        Assert.Contains("foreign table public.remote_orders", error.Message);
    }

    [Theory]
    [InlineData(RefreshMode.Auto)]
    [InlineData(RefreshMode.Full)]
    public void MaterializedViewOrForeignTable_UnderAutoOrFull_IsRecomputedAsWritten(RefreshMode mode)
    {
        foreach (var query in new[] { "SELECT id\nFROM order_snapshot", "SELECT o.id\nFROM orders o\n  JOIN remote_orders r ON r.id = o.id" })
        {
            var result = TestCompiler.Compile(query, Catalog, Mode(mode));

            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            Assert.Equal("TRK4101", Assert.Single(result.Diagnostics).Code);
            Assert.DoesNotContain("__capture_", result.Script);
        }
    }

    [Theory]
    [InlineData("SELECT id\nFROM unreadable", "TRK4001", "view public.unreadable: its definition uses syntax the compiler does not read yet")]
    [InlineData("SELECT x\nFROM over_missing", "TRK3001", "view public.over_missing: relation \"public.nowhere\" does not exist")]
    [InlineData("SELECT customer_id\nFROM totals t\n  LEFT JOIN paid_orders p USING (customer_id)", "TRK4001", "a subquery or CTE inside an outer join is not supported yet")]
    public void ProblemsInsideAView_AreReportedAtTheReference_NamingTheView(string query, string code, string message)
    {
        var result = TestCompiler.Compile(query, Catalog, Mode(RefreshMode.Differential));

        Assert.False(result.Success);
        var error = result.Diagnostics.First(d => d.IsError);
        Assert.Equal(code, error.Code);
        Assert.Equal(2, error.Span.Line);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ViewWithUnreadableSyntax_UnderAuto_IsRecomputedAsWritten()
    {
        var result = TestCompiler.Compile("SELECT id FROM unreadable", Catalog, Mode(RefreshMode.Auto));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal("TRK4101", Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void ViewsThatReadEachOther_AreRefused_NotExpandedForever()
    {
        var catalog = TestCompiler.Catalog("""
            CREATE TABLE t (a integer);
            CREATE VIEW v1 AS SELECT a FROM v2;
            CREATE VIEW v2 AS SELECT a FROM v1;
            """);

        var result = TestCompiler.Compile("SELECT a FROM v1", catalog, Mode(RefreshMode.Differential));

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("view public.v1 reads itself through its definition"));
    }

    [Fact]
    public void SecurityInvokerOption_IsRead()
    {
        var catalog = TestCompiler.Catalog("""
            CREATE TABLE t (a integer);
            CREATE VIEW v WITH (security_invoker) AS SELECT a FROM t;
            CREATE VIEW w WITH (security_barrier = false) AS SELECT a FROM t;
            """);

        Assert.True(catalog.Find("public", "v")!.View!.SecurityInvoker);
        Assert.False(catalog.Find("public", "w")!.View!.SecurityBarrier);
    }

    [Fact]
    public void DeclaredStreamTableReadingAView_LearnsItsColumns()
    {
        var diagnostics = new DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Ddl + "\nCREATE STREAM TABLE per_customer AS SELECT customer_id, count(*) AS n FROM paid_orders GROUP BY customer_id;")], diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal(["customer_id", "n"], catalog.Find("public", "per_customer")!.Columns.Select(c => c.Name));
    }
}
