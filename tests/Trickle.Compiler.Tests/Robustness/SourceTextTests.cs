using System.Text;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests.Robustness;

public sealed class SourceTextTests
{
    [Fact]
    public void InvalidUtf8_IsTrk1007AtTheBadByte_NotAReplacementCharacter()
    {
        var bytes = Encoding.UTF8.GetBytes("SELECT id\nFROM customers WHERE name = 'K").Concat(new byte[] { 0xF6 }).Concat(Encoding.UTF8.GetBytes("ln'")).ToArray();
        var diagnostics = new DiagnosticBag();

        var source = SourceText.FromUtf8("q.sql", bytes, diagnostics);

        Assert.Null(source);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal(("TRK1007", 2, 31), (error.Code, error.Span.Line, error.Span.Column));
        Assert.Contains("0xF6", error.Message);
    }

    [Fact]
    public void ValidUtf8_WithByteOrderMark_DecodesWithoutTheMark()
    {
        var diagnostics = new DiagnosticBag();

        var source = SourceText.FromUtf8("q.sql", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("SELECT 'Köln'")], diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal("SELECT 'Köln'", source!.Text);
    }

    [Theory]
    [InlineData("SELECT id FROM customers WHERE name = 'K\0ln'", 1, 41)]
    [InlineData("SELECT id\n\0FROM customers", 2, 1)]
    public void NulCharacter_IsTrk1007AtItsPosition(string text, int line, int column)
    {
        var catalog = TestCompiler.Catalog(File.ReadAllText(Path.Combine(Repository.Examples, "schema.sql")));

        var error = Assert.Single(TestCompiler.Compile(text, catalog).Diagnostics);

        Assert.Equal(("TRK1007", line, column), (error.Code, error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void NulInASchemaFile_IsTrk1007()
    {
        var diagnostics = new DiagnosticBag();

        Compilation.ReadSchema([new SourceText("schema.sql", "CREATE TABLE t (a int);\0")], diagnostics);

        Assert.Equal("TRK1007", Assert.Single(diagnostics.Items).Code);
    }

    [Fact]
    public void DiagnosticEchoingALineBreak_StaysOnOneLine()
    {
        var catalog = TestCompiler.Catalog("CREATE TABLE t (a int);");

        var error = Assert.Single(TestCompiler.Compile("SELECT \"a\nb\r\nc\" FROM t", catalog).Diagnostics);

        Assert.Equal("query.sql:1:8: error TRK3002: column \"a\\nb\\r\\nc\" does not exist in public.t", error.ToString());
    }
}
