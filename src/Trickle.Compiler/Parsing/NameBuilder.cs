using System.Text;
using Trickle.Compiler.Emit;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing.Generated;
using Trickle.Compiler.Syntax;
using P = Trickle.Compiler.Parsing.Generated.TrickleSqlParser;

namespace Trickle.Compiler.Parsing;

/// <summary>Builds identifiers, qualified names, type names and literal values from the parse tree.</summary>
internal sealed class NameBuilder
{
    private readonly DiagnosticBag? _diagnostics;
    private readonly string _filePath;

    /// <param name="diagnostics">Where warnings about names go (a truncated identifier); none when null.</param>
    public NameBuilder(SourceMap sourceMap, List<OperatorUse>? operators = null, DiagnosticBag? diagnostics = null, string filePath = "")
    {
        SourceMap = sourceMap;
        Operators = operators ?? [];
        _diagnostics = diagnostics;
        _filePath = filePath;
    }

    /// <summary>PostgreSQL's NAMEDATALEN - 1: it keeps the first 63 bytes of every longer name.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>The operators written so far, for the check against the catalog after parsing.</summary>
    public List<OperatorUse> Operators { get; }

    public SourceMap SourceMap { get; }

    /// <summary>How deep the builders of this one parse are; shared by every builder so nesting through any of them counts.</summary>
    public NestingCounter Nesting { get; } = new();

    /// <summary>One more level of nesting, until the returned level is disposed; throws past <see cref="NestingLimit.MaxDepth"/>.</summary>
    public NestingCounter.Level Nest(ParserRuleContext context) => Nesting.Enter(SourceMap, context);

    public SourceSpan Span(ParserRuleContext context) => SourceMap.FromContext(context);

    public SourceSpan Span(IToken token) => SourceMap.FromToken(token);

    public SourceSpan Span(ParserRuleContext first, ParserRuleContext last) =>
        SourceMap.FromTokens(first.Start, last.Stop);

    /// <summary>Every identifier-like rule of the grammar is exactly one token.</summary>
    public Identifier Identifier(ParserRuleContext context) => Identifier(context.Start);

    public Identifier Identifier(IToken token)
    {
        var span = Span(token);
        var identifier = token.Type switch
        {
            TrickleSqlLexer.QUOTED_IDENTIFIER or TrickleSqlLexer.UNICODE_QUOTED_IDENTIFIER =>
                new Identifier(span, StringLiteralDecoder.DecodeQuotedIdentifier(token.Text), Quoted: true),
            _ => new Identifier(span, FoldCase(token.Text), Quoted: false),
        };
        return Truncated(identifier);
    }

    /// <summary>
    /// A name longer than 63 bytes means its first 63 bytes to PostgreSQL (which says so in a NOTICE); the compiler must
    /// mean the same, or two tables whose names share those bytes would be two tables here and one in the database.
    /// </summary>
    private Identifier Truncated(Identifier identifier)
    {
        var bytes = Encoding.UTF8.GetByteCount(identifier.Value);
        if (bytes <= MaxIdentifierBytes)
            return identifier;
        var truncated = SqlQuoting.TruncateUtf8(identifier.Value, MaxIdentifierBytes);
        _diagnostics?.Add(new Diagnostic(DiagnosticSeverity.Warning, DiagnosticCode.IdentifierTruncated.Id,
            $"identifier of {bytes} bytes is truncated to its first {MaxIdentifierBytes}, as PostgreSQL truncates it: \"{truncated}\"",
            _filePath, identifier.Span));
        return identifier with { Value = truncated };
    }

    /// <summary>PostgreSQL folds only ASCII letters: in a UTF-8 database "Ä" stays "Ä" even unquoted.</summary>
    public static string FoldCase(string text)
    {
        Span<char> folded = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        for (var i = 0; i < text.Length; i++)
            folded[i] = char.IsAsciiLetterUpper(text[i]) ? (char)(text[i] | 0x20) : text[i];
        return folded.ToString();
    }

    public QualifiedName QualifiedName(P.QualifiedNameContext context) =>
        new(Span(context), [Identifier(context.columnIdentifier()), .. context.columnLabel().Select(Identifier)]);

    public QualifiedName QualifiedName(ParserRuleContext whole, ParserRuleContext first, IEnumerable<ParserRuleContext> rest) =>
        new(Span(whole), [Identifier(first), .. rest.Select(Identifier)]);

    public IReadOnlyList<Identifier> IdentifierList(P.IdentifierListContext? context) =>
        context is null ? [] : context.columnIdentifier().Select(Identifier).ToArray();

    public StringLiteral StringLiteral(P.StringLiteralContext context) =>
        new(Span(context), StringLiteralDecoder.Decode(context.Start.Text).Value);

    // ---- Types ------------------------------------------------------------------------------------------------

    public TypeName TypeName(P.TypeNameContext context)
    {
        var simple = SimpleTypeName(context.simpleTypeName());
        var dimensions = context.arrayBounds()?.LEFT_BRACKET().Length ?? (context.ARRAY() is null ? 0 : 1);
        return simple with { Span = Span(context), ArrayDimensions = dimensions };
    }

    private TypeName SimpleTypeName(P.SimpleTypeNameContext context)
    {
        if (context.keywordTypeName() is { } keywordType)
            return KeywordTypeName(keywordType);
        if (context.INTERVAL() is not null)
        {
            var modifiers = new List<string>();
            if (context.intervalQualifier() is { } qualifier)
                modifiers.Add(IntervalQualifier(qualifier));
            modifiers.AddRange(Modifiers(context.typeModifiers()));
            return new TypeName(Span(context), null, "interval", modifiers, 0);
        }
        return GenericTypeName(context, context.typeFunctionName(), context.columnLabel(), context.typeModifiers());
    }

    public TypeName ConstantTypeName(P.ConstantTypeNameContext context) =>
        context.keywordTypeName() is { } keywordType
            ? KeywordTypeName(keywordType)
            : GenericTypeName(context, context.typeFunctionName(), context.columnLabel(), null);

    private TypeName GenericTypeName(
        ParserRuleContext whole, P.TypeFunctionNameContext first, P.ColumnLabelContext[] rest, P.TypeModifiersContext? modifiers)
    {
        var parts = new List<Identifier> { Identifier(first) };
        parts.AddRange(rest.Select(Identifier));
        QualifiedName? schema = null;
        if (parts.Count > 1)
        {
            var schemaParts = parts.Take(parts.Count - 1).ToArray();
            schema = new QualifiedName(schemaParts[0].Span.Cover(schemaParts[^1].Span), schemaParts);
        }
        return new TypeName(Span(whole), schema, parts[^1].Value, Modifiers(modifiers), 0);
    }

    private TypeName KeywordTypeName(P.KeywordTypeNameContext context)
    {
        var span = Span(context);
        return context switch
        {
            P.DoublePrecisionTypeContext => new TypeName(span, null, "double precision", [], 0),
            P.CharacterTypeContext character => new TypeName(
                span, null, character.VARYING() is null ? "character" : "character varying",
                Modifiers(character.typeModifiers()), 0),
            P.BitTypeContext bit => new TypeName(
                span, null, bit.VARYING() is null ? "bit" : "bit varying", Modifiers(bit.typeModifiers()), 0),
            P.DateTimeTypeContext dateTime => new TypeName(
                span, null,
                (dateTime.TIMESTAMP() is null ? "time" : "timestamp")
                    + (dateTime.WITH() is null ? " without time zone" : " with time zone"),
                Modifiers(dateTime.typeModifiers()), 0),
            _ => throw new InvalidOperationException($"unexpected type syntax {context.GetType().Name}"),
        };
    }

    private IReadOnlyList<string> Modifiers(P.TypeModifiersContext? context)
    {
        if (context is null)
            return [];
        return context.typeModifier().Select(modifier => modifier switch
        {
            { } m when m.stringLiteral() is { } text => StringLiteralDecoder.Decode(text.Start.Text).Value,
            { } m when m.columnIdentifier() is { } name => Identifier(name).Value,
            { } m => m.GetText(),
        }).ToArray();
    }

    /// <summary>"day to second(3)": the qualifier's words, lower case, single-spaced.</summary>
    public static string IntervalQualifier(P.IntervalQualifierContext context) =>
        string.Join(" ", TerminalTexts(context)).Replace(" (", "(").Replace("( ", "(").Replace(" )", ")");

    private static IEnumerable<string> TerminalTexts(IParseTree tree)
    {
        if (tree is ITerminalNode terminal)
        {
            yield return FoldCase(terminal.GetText());
            yield break;
        }
        for (var i = 0; i < tree.ChildCount; i++)
        {
            foreach (var text in TerminalTexts(tree.GetChild(i)))
                yield return text;
        }
    }
}
