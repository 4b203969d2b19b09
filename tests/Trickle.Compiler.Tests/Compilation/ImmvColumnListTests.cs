using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

/// <summary>
/// pg_ivm's <c>create_immv('name(col, …)', …)</c>: the list renames the IMMV's first columns (CREATE TABLE AS rules),
/// it never becomes part of the table's name, and a malformed one is reported at its place inside the literal.
/// </summary>
public sealed class ImmvColumnListTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE orders (
            id       bigint PRIMARY KEY,
            customer integer NOT NULL,
            amount   numeric(12,2)
        );
        """);

    private const string Query = "SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer";

    [Fact]
    public void ColumnList_RenamesEveryColumn_AndIsNotPartOfTheName()
    {
        var script = TestCompiler.Script($"SELECT create_immv('analytics.totals(cust, total, n)', '{Query}');", Catalog);

        var view = ViewDefinition(script, "\"analytics\".\"totals\"");
        Assert.Contains("AS \"cust\",", view);
        Assert.Contains("AS \"total\",", view);
        Assert.Contains("AS \"n\"", view);
        Assert.DoesNotContain("AS \"customer\"", view);
        Assert.DoesNotContain("totals(", script);
    }

    [Fact]
    public void ColumnList_NamesTwoSelectedColumnsOfOneNameApart()
    {
        var script = TestCompiler.Script("SELECT create_immv('pairs(a1, a2)', 'SELECT o1.amount, o2.amount FROM orders AS o1 JOIN orders AS o2 ON o1.customer = o2.customer');", Catalog);

        var view = ViewDefinition(script, "\"public\".\"pairs\"");
        Assert.Contains("AS \"a1\",", view);
        Assert.Contains("AS \"a2\"", view);
    }

    [Theory]
    [InlineData("SELECT create_immv('pairs(a1)', 'SELECT o2.customer, o1.amount, o2.amount FROM orders AS o1 JOIN orders AS o2 ON o1.customer = o2.customer');")]
    [InlineData("SELECT o1.amount, o2.amount FROM orders AS o1 JOIN orders AS o2 ON o1.customer = o2.customer")]
    public void DuplicateNamesTheListLeaves_AreStillRefused(string definition)
    {
        var result = TestCompiler.Compile(definition, Catalog);
        Assert.Contains(result.Diagnostics, d => d.IsError && d.Code == DiagnosticCode.DuplicateOutputColumn.Id);
    }

    [Fact]
    public void ShorterList_RenamesTheFirstColumns_TheRestKeepTheirNames()
    {
        var script = TestCompiler.Script($"SELECT create_immv('totals(\"Cust\")', '{Query}');", Catalog);

        var view = ViewDefinition(script, "\"public\".\"totals\"");
        Assert.Contains("AS \"Cust\",", view);
        Assert.Contains("AS \"sum\",", view);
        Assert.Contains("AS \"count\"", view);
    }

    [Fact]
    public void StoredDefiningQuery_CarriesTheRenaming()
    {
        var script = TestCompiler.Script($"SELECT create_immv('Totals ( Cust , total )', '{Query}');", Catalog);

        // Unquoted names fold to lower case, as in CREATE TABLE AS; the catalog's defining query names the same columns.
        Assert.Contains("CREATE VIEW \"public\".\"totals\" AS", script);
        Assert.Matches(@"\$query\$SELECT \* FROM \(\n *" + System.Text.RegularExpressions.Regex.Escape(Query) + @"\n *\) AS ""immv""\(""cust"", ""total""\)\$query\$", script);
    }

    [Fact]
    public void WithoutColumnList_TheDefiningQueryIsStoredAsWritten()
    {
        var script = TestCompiler.Script($"SELECT create_immv('totals', '{Query}');", Catalog);

        Assert.Contains($"$query${Query}$query$", script);
        Assert.DoesNotContain("\"immv\"", script);
    }

    [Fact]
    public void RecomputedVerbatim_RenamesThroughTheWrappedQuery()
    {
        // A LATERAL subquery over a set-returning function: recomputed from the query text as written (TRK4101).
        var result = TestCompiler.Compile(
            "SELECT create_immv('late(c, x)', 'SELECT o.customer, l.x FROM orders o, LATERAL (SELECT o.amount * g AS x FROM generate_series(1, 2) g ORDER BY 1 DESC LIMIT 1) l');",
            Catalog, new CompilationOptions(Mode: RefreshMode.Full));

        Assert.Contains(result.Diagnostics, d => d.Code == "TRK4101");
        Assert.Contains("CREATE TABLE \"trickle\".\"late__storage\" AS\nSELECT * FROM (\nSELECT * FROM (\nSELECT o.customer, l.x", result.Script);
        Assert.Contains(") AS \"immv\"(\"c\", \"x\")\n) AS q\nWITH NO DATA;", result.Script);
    }

    [Fact]
    public void RecomputedVerbatim_MoreNamesThanItsSelectList_IsAnErrorAtCompileTime()
    {
        var result = TestCompiler.Compile(
            "SELECT create_immv('late(c, x, y)', 'SELECT o.customer, l.x FROM orders o, LATERAL (SELECT o.amount * g AS x FROM generate_series(1, 2) g ORDER BY 1 DESC LIMIT 1) l');",
            Catalog, new CompilationOptions(Mode: RefreshMode.Full));

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCode.TooManyColumnNames.Id, error.Code);
        Assert.Equal(32, error.Span.Column);
        Assert.Null(result.Script);
    }

    [Fact]
    public void MoreNamesThanColumns_IsAnErrorAtTheFirstNameTooMany()
    {
        const string text = "SELECT create_immv(\n  'totals(a, b, c, \"d\", e)',\n  'SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer');";

        var error = SingleError(text);

        Assert.Equal(DiagnosticCode.TooManyColumnNames.Id, error.Code);
        Assert.Equal((2, text.Split('\n')[1].IndexOf("\"d\"", StringComparison.Ordinal) + 1), (error.Span.Line, error.Span.Column));
        Assert.Equal("the column list names 5 columns but the query has only 3", error.Message);
    }

    [Fact]
    public void RenamingOntoAColumnTheListKeeps_IsADuplicate()
    {
        var error = SingleError($"SELECT create_immv('totals(count)', '{Query}');");

        Assert.Equal(DiagnosticCode.DuplicateOutputColumn.Id, error.Code);
        Assert.Equal(28, error.Span.Column);
    }

    [Theory]
    [InlineData("totals(a b)", 9, "expected ',' or ')' in the IMMV's column list, found 'b'")]
    [InlineData("totals(a,)", 9, "expected a column name, found ')'")]
    [InlineData("totals(a", 8, "the IMMV's column list is not closed: expected ')'")]
    [InlineData("totals()", 7, "expected a column name, found ')'")]
    [InlineData("totals(a, a)", 10, "column \"a\" is named twice in the IMMV's column list")]
    [InlineData("totals(a) x", 10, "unexpected 'x' after the IMMV's name: expected name, schema.name or name(column, …)")]
    [InlineData("a.b.totals", 0, "the IMMV's name has more than two parts: write name or schema.name")]
    [InlineData("totals(\"a)", 7, "the quoted column name is not closed: expected '\"'")]
    [InlineData("totals(\"\")", 7, "a column name cannot be an empty quoted identifier")]
    [InlineData("1totals", 0, "expected a table name, found '1'")]
    public void MalformedName_IsReportedInsideTheLiteral(string name, int indexInName, string message)
    {
        const string prefix = "SELECT create_immv('";
        var error = SingleError($"{prefix}{name}', 'SELECT customer FROM orders');");

        Assert.Equal(DiagnosticCode.InvalidStreamTableName.Id, error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal((1, prefix.Length + indexInName + 1), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void EscapedLiteral_MapsTheErrorToTheEscapeItCameFrom()
    {
        // E'…' with an escape before the error: the column counts the escape's characters in the file.
        const string text = "SELECT create_immv(E'\\x74otals(a;)', 'SELECT customer FROM orders');";

        var error = SingleError(text);

        Assert.Equal(text.IndexOf(';') + 1, error.Span.Column);
    }

    [Fact]
    public void NamedArguments_AsPgIvmWritesThem()
    {
        var script = TestCompiler.Script($"SELECT pgivm.create_immv(\n    immv => 'public.totals(c)',\n    view_definition => '{Query}'\n);", Catalog);

        Assert.Contains("-- Stream table public.totals (IMMEDIATE)", script);
        Assert.Contains("AS \"c\",", ViewDefinition(script, "\"public\".\"totals\""));
    }

    [Fact]
    public void PgTrickleCallForm_KeepsItsNameAsWritten()
    {
        var script = TestCompiler.Script($"SELECT pgtrickle.create_stream_table('totals', $${Query}$$);", Catalog);

        Assert.Contains("CREATE VIEW \"public\".\"totals\" AS", script);
    }

    private static Diagnostic SingleError(string text) =>
        Assert.Single(TestCompiler.Compile(text, Catalog).Diagnostics, d => d.IsError);

    private static string ViewDefinition(string script, string view)
    {
        var start = script.IndexOf($"CREATE VIEW {view} AS", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no view {view}");
        return script[start..script.IndexOf(';', start)];
    }
}
