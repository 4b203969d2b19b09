using System.Text;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Syntax;
using Xunit;

namespace Trickle.Compiler.Tests.Robustness;

/// <summary>
/// Inputs that overflowed the stack (and so killed the process) before the nesting limit: each must now be one
/// positioned TRK1006 error, or, where PostgreSQL runs it, compile.
/// </summary>
public sealed class NestingLimitTests
{
    private static readonly SourceCatalog Shop = TestCompiler.Catalog(File.ReadAllText(Path.Combine(Repository.Examples, "schema.sql")));

    private const string Prefix = "SELECT id FROM orders WHERE ";

    [Fact]
    public void ThousandsOfNestedNots_ReportTheLevelPastTheLimit()
    {
        var result = TestCompiler.Compile(Prefix + string.Concat(Enumerable.Repeat("NOT ", 2600)) + "quantity = 2", Shop);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("TRK1006", error.Code);
        // The 1,001st NOT, where the limit is crossed.
        Assert.Equal((1, Prefix.Length + 4 * 1000 + 1), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void FiveThousandNestedParentheses_ReportTheParenthesisPastTheLimit()
    {
        var result = TestCompiler.Compile(Prefix + new string('(', 5000) + "quantity = 2" + new string(')', 5000), Shop);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("TRK1006", error.Code);
        Assert.Equal(Prefix.Length + 1001, error.Span.Column);
    }

    [Fact]
    public void NestingJustWithinTheLimit_Compiles()
    {
        var result = TestCompiler.Compile(Prefix + new string('(', 900) + "quantity = 2" + new string(')', 900), Shop);

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
    }

    [Fact]
    public void FourThousandTermOrChain_CompilesAsPostgreSqlRunsIt()
    {
        var terms = Enumerable.Range(0, 4000).Select(i => $"quantity = {i}");

        var result = TestCompiler.Compile(Prefix + string.Join(" OR ", terms), Shop);

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Contains("(\"quantity\" = 3999)", result.Script!.Replace("o.", "").Replace("c.", ""), StringComparison.Ordinal);
    }

    [Fact]
    public void LongAndChain_IsBuiltBalanced_ShortOneKeepsItsShape()
    {
        var longChain = Parse(Prefix + string.Join(" AND ", Enumerable.Range(0, 4096).Select(i => $"quantity <> {i}")));
        var shortChain = Parse(Prefix + "quantity <> 1 AND quantity <> 2 AND quantity <> 3");

        // 4,096 terms: balanced down to runs of at most 32 written left-nested, 7 + 32 levels instead of 4,096.
        Assert.InRange(Depth(longChain), 32, 39);
        // Left-nested as written: ((a AND b) AND c).
        var top = Assert.IsType<BinaryExpression>(shortChain);
        Assert.Equal("AND", Assert.IsType<BinaryExpression>(top.Left).Operator);
        Assert.Equal("<>", Assert.IsType<BinaryExpression>(top.Right).Operator);
    }

    [Theory]
    [InlineData("chained additions", "SELECT id FROM orders WHERE quantity = 1{0}", "+1", 5000)]
    [InlineData("chained concatenations", "SELECT id FROM orders WHERE status = ''{0}", " || 'x'", 3000)]
    [InlineData("nested CASE", "SELECT id FROM orders WHERE {0}", "CASE WHEN quantity > 1 THEN ", 1500)]
    [InlineData("unary minus", "SELECT id FROM orders WHERE quantity = {0}", "- ", 3000)]
    [InlineData("set operations", "SELECT id FROM orders{0}", " UNION ALL SELECT id FROM orders", 1500)]
    [InlineData("joins", "SELECT o.id FROM orders o{0}", " CROSS JOIN customers", 1500)]
    public void OtherDeepShapes_ReportTrk1006(string shape, string template, string repeated, int count)
    {
        var text = string.Format(template, string.Concat(Enumerable.Repeat(repeated, count)));
        if (shape == "nested CASE") text += "1" + string.Concat(Enumerable.Repeat(" END", count)) + " = 1";
        if (shape == "unary minus") text += "1";

        var result = TestCompiler.Compile(text, Shop);

        Assert.Contains(result.Diagnostics, d => d.Code == "TRK1006");
        Assert.All(result.Diagnostics, d => Assert.DoesNotContain('\n', d.ToString()));
    }

    [Fact]
    public void DeepSchemaFile_ReportsTrk1006InTheSchema()
    {
        var diagnostics = new DiagnosticBag();
        var ddl = "CREATE TABLE t (a int DEFAULT " + new string('(', 3000) + "1" + new string(')', 3000) + ");";

        Compilation.ReadSchema([new SourceText("schema.sql", ddl)], diagnostics);

        var error = Assert.Single(diagnostics.Items);
        Assert.Equal(("TRK1006", "schema.sql"), (error.Code, error.FilePath));
    }

    [Fact]
    public void DeepQueryInsideACallForm_IsPositionedInTheFile()
    {
        var text = "SELECT create_immv('deep', $$" + Prefix + new string('(', 2000) + "quantity = 1" + new string(')', 2000) + "$$)";

        var error = Assert.Single(TestCompiler.Compile(text, Shop).Diagnostics);

        Assert.Equal("TRK1006", error.Code);
        Assert.Equal("SELECT create_immv('deep', $$".Length + Prefix.Length + 1001, error.Span.Column);
    }

    private static Expression Parse(string text)
    {
        var diagnostics = new DiagnosticBag();
        var definition = Trickle.Compiler.Parsing.SqlParser.ParseDefinition(new SourceText("q.sql", text), diagnostics);
        Assert.Empty(diagnostics.Items);
        return ((SelectCore)definition!.Query.Body).Where!;
    }

    private static int Depth(Expression expression) =>
        expression is BinaryExpression binary ? 1 + Math.Max(Depth(binary.Left), Depth(binary.Right)) : 0;
}
