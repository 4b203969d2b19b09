using Antlr4.Runtime;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing.Generated;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Reports the first syntax error of a parse the way PostgreSQL words it (<c>syntax error at or near "FORM"</c>).
/// Later errors are mostly consequences of the first one, so they are dropped.
/// </summary>
internal sealed class SyntaxErrorListener : BaseErrorListener
{
    private readonly SourceMap _sourceMap;
    private readonly string _filePath;
    private readonly DiagnosticCode _code;
    private readonly DiagnosticBag _diagnostics;

    public SyntaxErrorListener(SourceMap sourceMap, string filePath, DiagnosticCode code, DiagnosticBag diagnostics)
    {
        _sourceMap = sourceMap;
        _filePath = filePath;
        _code = code;
        _diagnostics = diagnostics;
    }

    public bool HasReported { get; private set; }

    public override void SyntaxError(
        TextWriter output, IRecognizer recognizer, IToken offendingSymbol, int line, int charPositionInLine,
        string msg, RecognitionException e)
    {
        if (HasReported)
            return;
        HasReported = true;
        _diagnostics.Error(_code, _filePath, _sourceMap.FromToken(offendingSymbol), Describe(offendingSymbol));
    }

    private static string Describe(IToken token)
    {
        if (token.Type == TokenConstants.EOF)
            return "syntax error at end of input";
        var text = token.Text;
        if (token.Type == TrickleSqlLexer.UNTERMINATED_LITERAL)
        {
            var kind = text.StartsWith("/*", StringComparison.Ordinal) ? "unterminated /* comment"
                : text.StartsWith('$') ? "unterminated dollar-quoted string"
                : text.Contains('"') ? "unterminated quoted identifier"
                : "unterminated quoted string";
            return $"{kind} at or near \"{Shorten(text)}\"";
        }
        return $"syntax error at or near \"{Shorten(text)}\"";
    }

    private static string Shorten(string text)
    {
        var firstLine = text.Split('\n')[0].TrimEnd('\r');
        return firstLine.Length > 40 ? firstLine[..40] + "…" : firstLine;
    }
}
