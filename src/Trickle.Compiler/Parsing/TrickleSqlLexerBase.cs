using Antlr4.Runtime;
using Lexer = Antlr4.Runtime.Lexer;
using Tokens = Trickle.Compiler.Parsing.Generated.TrickleSqlLexer;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// Lexer code the grammar cannot express: nested comments, dollar-quoted strings and PostgreSQL's operator rules.
/// Actions here move the input position directly; nothing downstream relies on ANTLR's own line/column counters
/// (spans are computed from character offsets by <see cref="SourceMap"/>).
/// </summary>
public abstract class TrickleSqlLexerBase : Lexer
{
    protected TrickleSqlLexerBase(ICharStream input, TextWriter output, TextWriter errorOutput)
        : base(input, output, errorOutput)
    {
    }

    /// <summary>Called after the opening <c>$tag$</c> matched: consumes up to and including the same delimiter.</summary>
    protected void ConsumeDollarQuotedBody()
    {
        var delimiter = Text;
        while (InputStream.LA(1) != IntStreamConstants.EOF)
        {
            if (Follows(delimiter))
            {
                InputStream.Seek(InputStream.Index + delimiter.Length);
                return;
            }
            InputStream.Consume();
        }
        Type = Tokens.UNTERMINATED_LITERAL;
    }

    /// <summary>Called after <c>/*</c> matched: consumes the body, counting nested comments.</summary>
    protected void ConsumeBlockCommentBody()
    {
        var depth = 1;
        while (InputStream.LA(1) != IntStreamConstants.EOF)
        {
            if (Follows("/*"))
            {
                depth++;
                InputStream.Seek(InputStream.Index + 2);
            }
            else if (Follows("*/"))
            {
                InputStream.Seek(InputStream.Index + 2);
                if (--depth == 0)
                {
                    Channel = TokenConstants.HiddenChannel;
                    return;
                }
            }
            else
            {
                InputStream.Consume();
            }
        }
        Type = Tokens.UNTERMINATED_LITERAL;
    }

    /// <summary>Shortens the matched run of operator characters to PostgreSQL's operator token.</summary>
    protected void TrimOperatorSymbol()
    {
        var text = Text;
        var length = text.Length;
        var commentStart = IndexOfCommentStart(text);
        if (commentStart == 0)
        {
            // "/*" after all: the run of operator characters began a comment.
            InputStream.Seek(TokenStartCharIndex + 2);
            Type = Tokens.BLOCK_COMMENT;
            ConsumeBlockCommentBody();
            return;
        }
        if (commentStart > 0)
            length = commentStart;
        if (text.AsSpan(0, length).IndexOfAny("~!@#%^&|`?") < 0)
        {
            while (length > 1 && text[length - 1] is '+' or '-')
                length--;
        }
        InputStream.Seek(TokenStartCharIndex + length);
        Type = FixedOperatorType(text[..length]);
    }

    private static int IndexOfCommentStart(string text)
    {
        var block = text.IndexOf("/*", StringComparison.Ordinal);
        var line = text.IndexOf("--", StringComparison.Ordinal);
        if (block < 0)
            return line;
        return line < 0 ? block : Math.Min(block, line);
    }

    private static int FixedOperatorType(string symbol) => symbol switch
    {
        "+" => Tokens.PLUS,
        "-" => Tokens.MINUS,
        "*" => Tokens.STAR,
        "/" => Tokens.SLASH,
        "%" => Tokens.PERCENT,
        "^" => Tokens.CARET,
        "<" => Tokens.LESS,
        ">" => Tokens.GREATER,
        "=" => Tokens.EQUAL,
        "<=" => Tokens.LESS_EQUAL,
        ">=" => Tokens.GREATER_EQUAL,
        "<>" => Tokens.NOT_EQUAL,
        "!=" => Tokens.BANG_EQUAL,
        "=>" => Tokens.NAMED_ARGUMENT_ARROW,
        _ => Tokens.OPERATOR_SYMBOL,
    };

    private bool Follows(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (InputStream.LA(i + 1) != text[i])
                return false;
        }
        return true;
    }
}
