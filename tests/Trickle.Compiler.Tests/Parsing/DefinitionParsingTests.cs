using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;
using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class DefinitionParsingTests
{
    [Theory]
    [InlineData("SELECT a FROM t")]
    [InlineData("SELECT a FROM t;")]
    [InlineData("  SELECT a FROM t ;  \n-- done\n")]
    public void BareQuery_KeepsItsSourceText(string text)
    {
        var definition = ParseDefinition(text);
        Assert.Equal(DefinitionForm.BareQuery, definition.Form);
        Assert.Null(definition.Name);
        Assert.Empty(definition.Options);
        Assert.Equal("SELECT a FROM t", definition.QueryText);
        Assert.Equal("(select (items a) (from t))", SyntaxPrinter.Print(definition.Query));
    }

    [Fact]
    public void BareQuery_CallingAnotherFunctionIsNotACallForm()
    {
        var definition = ParseDefinition("SELECT create_something('x', 'SELECT 1')");
        Assert.Equal(DefinitionForm.BareQuery, definition.Form);
    }

    [Fact]
    public void CreateStreamTable_WithOptions()
    {
        const string text = "CREATE STREAM TABLE analytics.\"Order Totals\"\n" +
                            "WITH (schedule = '5s', refresh_mode = differential, max_lag = 30)\n" +
                            "AS SELECT customer_id, sum(amount) FROM orders GROUP BY customer_id;";
        var definition = ParseDefinition(text);
        Assert.Equal(DefinitionForm.CreateStreamTable, definition.Form);
        Assert.Equal(new[] { ("analytics", false), ("Order Totals", true) }, definition.Name!.Parts.Select(p => (p.Value, p.Quoted)));
        Assert.Equal(
            new[] { ("schedule", "5s"), ("refresh_mode", "differential"), ("max_lag", "30") },
            definition.Options.Select(o => (o.Name.Value, o.Value)));
        var schedule = definition.Options[0];
        Assert.Equal("'5s'", text.Substring(schedule.ValueSpan.Start, schedule.ValueSpan.Length));
        Assert.Equal("SELECT customer_id, sum(amount) FROM orders GROUP BY customer_id", definition.QueryText);
        Assert.Equal((3, 4), (definition.Query.Span.Line, definition.Query.Span.Column));
    }

    [Fact]
    public void CreateStreamTable_IfNotExistsWithoutOptions()
    {
        var definition = ParseDefinition("create stream table if not exists totals as with x as (select 1) select * from x");
        Assert.Equal(DefinitionForm.CreateStreamTable, definition.Form);
        Assert.Equal("totals", definition.Name!.ToString());
        Assert.Equal("with x as (select 1) select * from x", definition.QueryText);
    }

    [Fact]
    public void PgTrickleCall_DollarQuoted_MapsSpansExactly()
    {
        const string text = "SELECT pgtrickle.create_stream_table(\n" +
                            "    'order_totals',\n" +
                            "    $$SELECT customer_id,\n" +
                            "             sum(amount) AS total\n" +
                            "      FROM orders GROUP BY customer_id$$,\n" +
                            "    schedule => '3s',\n" +
                            "    refresh_mode => 'DIFFERENTIAL'\n" +
                            ");\n";
        var definition = ParseDefinition(text);
        Assert.Equal(DefinitionForm.PgTrickleCall, definition.Form);
        Assert.Equal("order_totals", definition.Name!.ToString());
        Assert.Equal(new[] { ("schedule", "3s"), ("refresh_mode", "DIFFERENTIAL") }, definition.Options.Select(o => (o.Name.Value, o.Value)));
        Assert.StartsWith("SELECT customer_id,\n", definition.QueryText);
        Assert.EndsWith("GROUP BY customer_id", definition.QueryText);

        var select = Assert.IsType<SelectCore>(definition.Query.Body);
        var total = Assert.IsType<ExpressionItem>(select.Items[1]);
        Assert.Equal("sum(amount) AS total", text.Substring(total.Span.Start, total.Span.Length));
        Assert.Equal((4, 14), (total.Span.Line, total.Span.Column));
        var orders = Assert.IsType<NamedTable>(Assert.Single(select.From));
        Assert.Equal((5, 12), (orders.Span.Line, orders.Span.Column));
    }

    [Fact]
    public void PgTrickleCall_PositionalOptionsAndNamedQuery()
    {
        var definition = ParseDefinition("select create_stream_table(query => 'SELECT 1 AS one', name => 'public.t1', schedule => '1m')");
        Assert.Equal(DefinitionForm.PgTrickleCall, definition.Form);
        Assert.Equal("public.t1", definition.Name!.ToString());
        Assert.Equal("SELECT 1 AS one", definition.QueryText);
        Assert.Equal(new[] { ("schedule", "1m") }, definition.Options.Select(o => (o.Name.Value, o.Value)));

        var positional = ParseDefinition("SELECT pgtrickle.create_stream_table('t2', $q$SELECT 2$q$, '10s', 'FULL')");
        Assert.Equal(new[] { ("schedule", "10s"), ("refresh_mode", "FULL") }, positional.Options.Select(o => (o.Name.Value, o.Value)));
    }

    [Fact]
    public void CreateImmvCall_SingleQuotedWithDoubledQuotes_MapsSpans()
    {
        const string text = "SELECT pgivm.create_immv('big_orders',\n  'SELECT id, ''x''::text AS tag FROM orders WHERE amount > 100');";
        var definition = ParseDefinition(text);
        Assert.Equal(DefinitionForm.CreateImmvCall, definition.Form);
        Assert.Equal("big_orders", definition.Name!.ToString());
        Assert.Equal("SELECT id, 'x'::text AS tag FROM orders WHERE amount > 100", definition.QueryText);
        var select = Assert.IsType<SelectCore>(definition.Query.Body);
        var where = Assert.IsType<BinaryExpression>(select.Where);
        Assert.Equal("amount > 100", text.Substring(where.Span.Start, where.Span.Length));
        var tag = Assert.IsType<ExpressionItem>(select.Items[1]);
        Assert.Equal("''x''::text AS tag", text.Substring(tag.Span.Start, tag.Span.Length));
        Assert.Equal(2, tag.Span.Line);
    }

    [Fact]
    public void CreateImmvCall_WithoutSchema()
    {
        var definition = ParseDefinition("SELECT create_immv('v', 'SELECT a FROM t')");
        Assert.Equal(DefinitionForm.CreateImmvCall, definition.Form);
        Assert.Equal("(select (items a) (from t))", SyntaxPrinter.Print(definition.Query));
    }

    [Fact]
    public void SyntaxErrorInsideDollarQuotes_IsReportedAtItsFilePosition()
    {
        const string text = "SELECT pgtrickle.create_stream_table('t',\n  $$SELECT a,\n           b\n    FORM orders$$);";
        var error = SingleError(text, "defs/t.sql");
        Assert.Equal("TRK1001", error.Code);
        Assert.Equal("syntax error at or near \"orders\"", error.Message);
        Assert.Equal((4, 10), (error.Span.Line, error.Span.Column));
        Assert.Equal("defs/t.sql:4:10: error TRK1001: syntax error at or near \"orders\"", error.ToString());
    }

    [Fact]
    public void SyntaxErrorInsideSingleQuotes_IsReportedAtItsFilePosition()
    {
        const string text = "SELECT create_immv('v', 'SELECT ''a'' FROM t WHERE')";
        var error = SingleError(text);
        Assert.Equal("syntax error at end of input", error.Message);
        Assert.Equal(text.IndexOf("WHERE')", StringComparison.Ordinal) + 5, error.Span.Start);
    }

    [Theory]
    [InlineData("INSERT INTO t VALUES (1)", "INSERT")]
    [InlineData("CREATE TABLE t (a int)", "CREATE")]
    [InlineData("", null)]
    [InlineData("-- only a comment\n", null)]
    public void OtherInput_IsUnrecognized(string text, string? found)
    {
        var error = SingleError(text);
        Assert.Equal(DiagnosticCode.UnrecognizedInput.Id, error.Code);
        if (found is not null)
            Assert.Contains($"found \"{found}\"", error.Message);
    }

    [Theory]
    [InlineData("SELECT pgtrickle.create_stream_table('t', format('SELECT %s', 1))")]
    [InlineData("SELECT pgtrickle.create_stream_table('t')")]
    [InlineData("SELECT create_immv(42, 'SELECT 1')")]
    public void CallForm_WithoutLiteralNameAndQuery_IsUnrecognized(string text) =>
        Assert.Equal(DiagnosticCode.UnrecognizedInput.Id, SingleError(text).Code);
}
