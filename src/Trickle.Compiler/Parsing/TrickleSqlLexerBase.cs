using Antlr4.Runtime;

namespace Trickle.Compiler.Parsing;

/// <summary>Lexer code the grammar cannot express: the body of a dollar-quoted string.</summary>
public abstract class TrickleSqlLexerBase : Lexer
{
    protected TrickleSqlLexerBase(ICharStream input, TextWriter output, TextWriter errorOutput)
        : base(input, output, errorOutput)
    {
    }

    /// <summary>
    /// Called after the opening <c>$tag$</c> matched: consumes up to and including the same delimiter. Consuming
    /// through the interpreter keeps ANTLR's line and column bookkeeping right for the tokens that follow.
    /// </summary>
    protected void ConsumeDollarQuotedBody()
    {
        var delimiter = Text;
        while (InputStream.LA(1) != IntStreamConstants.EOF)
        {
            if (ClosingDelimiterFollows(delimiter))
            {
                for (var i = 0; i < delimiter.Length; i++)
                    Interpreter.Consume((ICharStream)InputStream);
                return;
            }
            Interpreter.Consume((ICharStream)InputStream);
        }
        Type = Generated.TrickleSqlLexer.UNTERMINATED_LITERAL;
    }

    private bool ClosingDelimiterFollows(string delimiter)
    {
        for (var i = 0; i < delimiter.Length; i++)
        {
            if (InputStream.LA(i + 1) != delimiter[i])
                return false;
        }
        return true;
    }
}
