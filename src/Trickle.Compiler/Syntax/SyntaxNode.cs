using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Syntax;

/// <summary>
/// Root of our immutable syntax tree. The ANTLR parse tree is converted into these records at once; nothing after
/// the Parsing phase sees ANTLR types. Every node carries the span of the text it came from, for diagnostics.
/// </summary>
public abstract record SyntaxNode(SourceSpan Span);

/// <summary>
/// An SQL identifier. <see cref="Value"/> is already case-folded the way PostgreSQL folds it: lower case when the
/// identifier was written without quotes, exactly as written (with doubled quotes undone) when quoted.
/// </summary>
public sealed record Identifier(SourceSpan Span, string Value, bool Quoted) : SyntaxNode(Span)
{
    public override string ToString() => Value;
}

/// <summary>A dotted name: <c>schema.table</c>, <c>table.column</c>, <c>pg_catalog.sum</c>.</summary>
public sealed record QualifiedName(SourceSpan Span, IReadOnlyList<Identifier> Parts) : SyntaxNode(Span)
{
    public Identifier Last => Parts[^1];
    public override string ToString() => string.Join(".", Parts.Select(p => p.Value));
}

/// <summary>
/// A type as written: <c>integer</c>, <c>numeric(10,2)</c>, <c>timestamp with time zone</c>, <c>text[]</c>.
/// <see cref="Name"/> is the canonical multi-word PostgreSQL spelling ("double precision", "character varying",
/// "timestamp with time zone"), lower case, without modifiers; aliases (int, int4, float8, varchar…) are kept as
/// written and resolved by the binder.
/// </summary>
public sealed record TypeName(
    SourceSpan Span,
    QualifiedName? Schema,
    string Name,
    IReadOnlyList<string> Modifiers,
    int ArrayDimensions) : SyntaxNode(Span);
