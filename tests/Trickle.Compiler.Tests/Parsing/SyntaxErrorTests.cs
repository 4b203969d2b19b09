using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class SyntaxErrorTests
{
    [Theory]
    [InlineData("SELECT a\nFORM t", 2, 6, "syntax error at or near \"t\"")]
    [InlineData("SELECT a FROM t WHERE", 1, 22, "syntax error at end of input")]
    [InlineData("SELECT a,\n  FROM t", 2, 3, "syntax error at or near \"FROM\"")]
    [InlineData("SELECT (a + b FROM t", 1, 15, "syntax error at or near \"FROM\"")]
    [InlineData("SELECT 'abc FROM t", 1, 8, "unterminated quoted string at or near \"'abc FROM t\"")]
    [InlineData("SELECT $$abc FROM t", 1, 8, "unterminated dollar-quoted string at or near \"$$abc FROM t\"")]
    [InlineData("SELECT a /* never closed", 1, 10, "unterminated /* comment at or near \"/* never closed\"")]
    [InlineData("SELECT \"abc FROM t", 1, 8, "unterminated quoted identifier at or near \"\"abc FROM t\"")]
    [InlineData("SELECT a FROM t WHERE a = 1 AND\n\n   ORDER BY a", 3, 4, "syntax error at or near \"ORDER\"")]
    [InlineData("SELECT a FROM t;\nSELECT b FROM u", 2, 1, "syntax error at or near \"SELECT\"")]
    [InlineData("SELECT a ? FROM t", 1, 12, "syntax error at or near \"FROM\"")]
    [InlineData("SELECT a FROM t\n  }", 2, 3, "syntax error at or near \"}\"")]
    public void MalformedQuery_ReportsOnePositionedError(string text, int line, int column, string message)
    {
        var error = SingleError(text);
        Assert.Equal("TRK1001", error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
    }
}
