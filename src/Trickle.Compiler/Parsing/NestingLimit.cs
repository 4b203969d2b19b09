using Antlr4.Runtime;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing.Generated;

namespace Trickle.Compiler.Parsing;

/// <summary>
/// The deepest nesting a query may have. Every phase of the compiler walks trees recursively, as PostgreSQL does; PostgreSQL
/// bounds that with <c>max_stack_depth</c> and reports "stack depth limit exceeded", we bound it by a count of levels so
/// the error is positioned and the same on every machine, and so no input can overflow the stack of the process that
/// hosts the compiler (a build server, an IDE). Parentheses, brackets, <c>CASE</c>, subqueries, prefix operators
/// (<c>NOT</c>, signs), every operator of a left-nested chain (<c>a + b + c …</c>), every join of a chain of joins and
/// every set operation of a chain (<c>… UNION …</c>) count one level each; chains of
/// <c>AND</c> or <c>OR</c> do not, since the builder keeps them balanced (a 4,000-term <c>OR</c> is 12 levels deep).
/// </summary>
internal static class NestingLimit
{
    public const int MaxDepth = 1000;

    /// <summary>
    /// Checks the token stream before the parser sees it: ANTLR's recursive descent needs about a dozen stack frames per
    /// parenthesis, so an unbounded input must be turned away before parsing, not after.
    /// </summary>
    public static bool CheckTokens(CommonTokenStream tokens, SourceMap sourceMap, string filePath, DiagnosticBag diagnostics)
    {
        var open = 0;
        var prefixRun = 0;
        var prefixRuns = new Stack<int>();
        foreach (var token in tokens.GetTokens())
        {
            if (token.Channel != TokenConstants.DefaultChannel)
                continue;
            switch (token.Type)
            {
                case TrickleSqlLexer.LEFT_PAREN or TrickleSqlLexer.LEFT_BRACKET or TrickleSqlLexer.CASE:
                    prefixRuns.Push(prefixRun);
                    open += 1 + prefixRun;
                    prefixRun = 0;
                    break;
                case TrickleSqlLexer.RIGHT_PAREN or TrickleSqlLexer.RIGHT_BRACKET or TrickleSqlLexer.END:
                    if (prefixRuns.Count > 0)
                        open -= 1 + prefixRuns.Pop();
                    prefixRun = 0;
                    break;
                case TrickleSqlLexer.NOT or TrickleSqlLexer.PLUS or TrickleSqlLexer.MINUS or TrickleSqlLexer.OPERATOR_SYMBOL:
                    prefixRun++;
                    break;
                default:
                    prefixRun = 0;
                    break;
            }
            if (open + prefixRun > MaxDepth)
            {
                Report(diagnostics, filePath, sourceMap.FromToken(token));
                return false;
            }
        }
        return true;
    }

    public static void Report(DiagnosticBag diagnostics, string filePath, SourceSpan span) =>
        diagnostics.Error(DiagnosticCode.NestedTooDeeply, filePath, span,
            $"the query nests more than {MaxDepth} levels deep here: parentheses, CASE, subqueries, NOT and sign prefixes, joins, set operations and chained operators (except AND and OR) each add a level");
}

/// <summary>Raised by the syntax builders when a tree would nest deeper than <see cref="NestingLimit.MaxDepth"/>.</summary>
internal sealed class NestingTooDeepException(SourceSpan span) : Exception("nested too deeply")
{
    public SourceSpan Span { get; } = span;
}

/// <summary>
/// Counts how deep the syntax builders are. The token check cannot see left-nested operator chains (<c>1 + 1 + 1 …</c>
/// has no parentheses but builds one level per operator); this counter does.
/// </summary>
internal sealed class NestingCounter
{
    private int _depth;

    public Level Enter(SourceMap sourceMap, ParserRuleContext context)
    {
        if (++_depth > NestingLimit.MaxDepth)
            throw new NestingTooDeepException(sourceMap.FromToken(context.Start));
        return new Level(this);
    }

    public readonly struct Level(NestingCounter counter) : IDisposable
    {
        public void Dispose() => counter._depth--;
    }
}
