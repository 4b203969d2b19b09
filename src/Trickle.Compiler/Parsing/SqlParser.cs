using Antlr4.Runtime;
using Antlr4.Runtime.Atn;
using Antlr4.Runtime.Misc;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing.Generated;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Parsing;

/// <summary>Entry point of the Parsing phase: text in, our own syntax tree (or diagnostics) out.</summary>
public static class SqlParser
{
    /// <summary>Parses a stream table input file (any of the four forms). Returns null when it reported errors.</summary>
    public static StreamTableDefinition? ParseDefinition(SourceText source, DiagnosticBag diagnostics) =>
        LargeStack.Run(() => ParseDefinitionOnThisStack(source, diagnostics));

    private static StreamTableDefinition? ParseDefinitionOnThisStack(SourceText source, DiagnosticBag diagnostics)
    {
        var sourceMap = SourceMap.ForFile(source.Text);
        if (!SourceCharacters.Check(source, sourceMap, diagnostics))
            return null;
        var tokens = Tokenize(source.Text);
        if (!StartsLikeDefinition(tokens, sourceMap, source.Path, diagnostics))
            return null;
        var tree = Parse(tokens, sourceMap, source.Path, DiagnosticCode.SyntaxError, diagnostics, parser => parser.definitionFile());
        if (tree is null)
            return null;
        return Build(source.Path, diagnostics, () => new DefinitionBuilder(source, sourceMap, diagnostics).Build(tree));
    }

    /// <summary>Parses a schema (DDL) file. Statements other than the ones we model become <see cref="OtherStatement"/>.</summary>
    public static SchemaFile? ParseSchema(SourceText source, DiagnosticBag diagnostics) =>
        LargeStack.Run(() => ParseSchemaOnThisStack(source, diagnostics));

    private static SchemaFile? ParseSchemaOnThisStack(SourceText source, DiagnosticBag diagnostics)
    {
        var sourceMap = SourceMap.ForFile(source.Text);
        if (!SourceCharacters.Check(source, sourceMap, diagnostics))
            return null;
        var tree = Parse(
            Tokenize(source.Text), sourceMap, source.Path, DiagnosticCode.SchemaSyntaxError, diagnostics, parser => parser.schemaFile());
        return tree is null ? null : Build(source.Path, diagnostics, () => new SchemaBuilder(new NameBuilder(sourceMap, diagnostics: diagnostics, filePath: source.Path)).SchemaFile(tree));
    }

    /// <summary>Parses the query written inside a string literal of a call form; spans map back into the file.</summary>
    internal static Query? ParseEmbeddedQuery(string queryText, SourceMap sourceMap, string filePath, DiagnosticBag diagnostics, List<OperatorUse> operators)
    {
        var tree = Parse(Tokenize(queryText), sourceMap, filePath, DiagnosticCode.SyntaxError, diagnostics, parser => parser.queryFile());
        return tree is null ? null : Build(filePath, diagnostics, () => new QueryBuilder(new NameBuilder(sourceMap, operators, diagnostics, filePath)).Query(tree.query()));
    }

    /// <summary>Runs a syntax builder; a tree nested past the limit becomes one positioned error instead of a deep recursion.</summary>
    private static T? Build<T>(string filePath, DiagnosticBag diagnostics, Func<T?> build) where T : class
    {
        try
        {
            return build();
        }
        catch (NestingTooDeepException tooDeep)
        {
            NestingLimit.Report(diagnostics, filePath, tooDeep.Span);
            return null;
        }
    }

    /// <summary>A view's query, read where a query reads the view: every span is that reference (<paramref name="at"/>).</summary>
    /// The operators it uses are not checked against the known ones: PostgreSQL accepted the view's definition.
    internal static Query? ParseViewQuery(string queryText, SourceSpan at, string filePath, DiagnosticBag diagnostics) =>
        ParseEmbeddedQuery(queryText, SourceMap.Pinned(at), filePath, diagnostics, operators: []);

    internal static CommonTokenStream Tokenize(string text)
    {
        var lexer = new TrickleSqlLexer(new AntlrInputStream(text));
        // The lexer has a catch-all token, so it never reports; the parser reports whatever it cannot use.
        lexer.RemoveErrorListeners();
        var tokens = new CommonTokenStream(lexer);
        tokens.Fill();
        return tokens;
    }

    /// <summary>
    /// Two-stage parse: SLL prediction with bail-out is fast and right for almost every input; only when it fails do
    /// we pay for full LL prediction, which also produces the error message for inputs that really are wrong.
    /// </summary>
    private static TContext? Parse<TContext>(
        CommonTokenStream tokens, SourceMap sourceMap, string filePath, DiagnosticCode code, DiagnosticBag diagnostics,
        Func<TrickleSqlParser, TContext> rule)
        where TContext : ParserRuleContext
    {
        if (!NestingLimit.CheckTokens(tokens, sourceMap, filePath, diagnostics))
            return null;
        var parser = new TrickleSqlParser(tokens);
        parser.RemoveErrorListeners();
        parser.Interpreter.PredictionMode = PredictionMode.SLL;
        parser.ErrorHandler = new BailErrorStrategy();
        try
        {
            return rule(parser);
        }
        catch (ParseCanceledException)
        {
        }

        tokens.Seek(0);
        parser.Reset();
        parser.Interpreter.PredictionMode = PredictionMode.LL;
        parser.ErrorHandler = new DefaultErrorStrategy();
        var listener = new SyntaxErrorListener(sourceMap, filePath, code, diagnostics);
        parser.AddErrorListener(listener);
        var tree = rule(parser);
        return listener.HasReported ? null : tree;
    }

    private static bool StartsLikeDefinition(CommonTokenStream tokens, SourceMap sourceMap, string filePath, DiagnosticBag diagnostics)
    {
        var visible = tokens.GetTokens().Where(t => t.Channel == TokenConstants.DefaultChannel).Take(2).ToArray();
        var first = visible[0];
        var startsQuery = first.Type is TrickleSqlLexer.SELECT or TrickleSqlLexer.WITH or TrickleSqlLexer.VALUES
            or TrickleSqlLexer.TABLE or TrickleSqlLexer.LEFT_PAREN;
        var startsCreateStreamTable = first.Type == TrickleSqlLexer.CREATE
            && visible.Length > 1 && visible[1].Type == TrickleSqlLexer.STREAM;
        if (startsQuery || startsCreateStreamTable)
            return true;
        var message = first.Type == TokenConstants.EOF
            ? "the file contains no stream table definition"
            : $"expected a query, CREATE STREAM TABLE, pgtrickle.create_stream_table(…) or create_immv(…), found \"{first.Text}\"";
        diagnostics.Error(DiagnosticCode.UnrecognizedInput, filePath, sourceMap.FromToken(first), message);
        return false;
    }
}
