using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Syntax;

public abstract record TableReference(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>AS alias (col, …)</c>.</summary>
public sealed record TableAlias(SourceSpan Span, Identifier Name, IReadOnlyList<Identifier> ColumnNames) : SyntaxNode(Span);

/// <summary>A table, view or CTE named in FROM. <see cref="Only"/> records <c>ONLY t</c>.</summary>
public sealed record NamedTable(SourceSpan Span, QualifiedName Name, TableAlias? Alias, bool Only) : TableReference(Span);

public sealed record DerivedTable(SourceSpan Span, Query Query, TableAlias? Alias, bool Lateral) : TableReference(Span);

/// <summary>A set-returning function in FROM: <c>unnest(a) WITH ORDINALITY AS u(x, n)</c>; <c>ROWS FROM</c> has several calls.</summary>
public sealed record FunctionTable(
    SourceSpan Span,
    IReadOnlyList<FunctionCall> Calls,
    TableAlias? Alias,
    bool Lateral,
    bool WithOrdinality) : TableReference(Span);

public enum JoinKind { Inner, Left, Right, Full, Cross }

public sealed record JoinedTable(
    SourceSpan Span,
    TableReference Left,
    JoinKind Kind,
    TableReference Right,
    Expression? On,
    IReadOnlyList<Identifier> Using,
    bool Natural) : TableReference(Span);

/// <summary>A parenthesised join tree, possibly aliased: <c>(a JOIN b ON …) AS j</c>.</summary>
public sealed record ParenthesizedTable(SourceSpan Span, TableReference Inner, TableAlias? Alias) : TableReference(Span);
