using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;
using Xunit;

namespace Trickle.Compiler.Tests.Parsing;

internal static class ParsingTestHelpers
{
    public static StreamTableDefinition ParseDefinition(string text, string path = "test.sql")
    {
        var diagnostics = new DiagnosticBag();
        var definition = SqlParser.ParseDefinition(new SourceText(path, text), diagnostics);
        Assert.True(diagnostics.Items.Count == 0, string.Join("\n", diagnostics.Items));
        Assert.NotNull(definition);
        return definition;
    }

    public static Query ParseQuery(string sql) => ParseDefinition(sql).Query;

    public static string PrintQuery(string sql) => SyntaxPrinter.Print(ParseQuery(sql));

    /// <summary>The printed form of the single item of <c>SELECT expression</c>.</summary>
    public static string PrintExpression(string expression)
    {
        var select = Assert.IsType<SelectCore>(ParseQuery("SELECT " + expression).Body);
        var item = Assert.IsType<ExpressionItem>(Assert.Single(select.Items));
        Assert.Null(item.Alias);
        return SyntaxPrinter.Print(item.Expression);
    }

    public static Diagnostic SingleError(string text, string path = "test.sql")
    {
        var diagnostics = new DiagnosticBag();
        var definition = SqlParser.ParseDefinition(new SourceText(path, text), diagnostics);
        Assert.Null(definition);
        return Assert.Single(diagnostics.Items);
    }

    public static SchemaFile ParseSchema(string text)
    {
        var diagnostics = new DiagnosticBag();
        var schema = SqlParser.ParseSchema(new SourceText("schema.sql", text), diagnostics);
        Assert.True(diagnostics.Items.Count == 0, string.Join("\n", diagnostics.Items));
        Assert.NotNull(schema);
        return schema;
    }
}
