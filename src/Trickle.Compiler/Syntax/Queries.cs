using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Syntax;

/// <summary>
/// A complete query: optional WITH, a body (SELECT, set operation, VALUES or a parenthesised query), and the
/// clauses that apply to the whole body (ORDER BY, LIMIT/FETCH FIRST, OFFSET).
/// </summary>
public sealed record Query(
    SourceSpan Span,
    WithClause? With,
    QueryBody Body,
    IReadOnlyList<SortItem> OrderBy,
    Expression? Limit,
    Expression? Offset,
    bool LimitWithTies) : SyntaxNode(Span);

public sealed record WithClause(SourceSpan Span, bool Recursive, IReadOnlyList<CommonTableExpression> Tables) : SyntaxNode(Span);

public enum Materialization { Default, Materialized, NotMaterialized }

public sealed record CommonTableExpression(
    SourceSpan Span,
    Identifier Name,
    IReadOnlyList<Identifier> ColumnNames,
    Materialization Materialization,
    Query Query) : SyntaxNode(Span);

public abstract record QueryBody(SourceSpan Span) : SyntaxNode(Span);

public enum DistinctKind { None, Distinct, DistinctOn }

public sealed record SelectCore(
    SourceSpan Span,
    DistinctKind Distinct,
    IReadOnlyList<Expression> DistinctOn,
    IReadOnlyList<SelectItem> Items,
    IReadOnlyList<TableReference> From,
    Expression? Where,
    GroupByClause? GroupBy,
    Expression? Having,
    IReadOnlyList<WindowDefinition> Windows) : QueryBody(Span);

public enum SetOperator { Union, Intersect, Except }

public sealed record SetOperation(SourceSpan Span, QueryBody Left, SetOperator Operator, bool All, QueryBody Right) : QueryBody(Span);

/// <summary>A parenthesised query used as a set-operation operand; it may carry its own ORDER BY/LIMIT.</summary>
public sealed record NestedQuery(SourceSpan Span, Query Query) : QueryBody(Span);

public sealed record ValuesBody(SourceSpan Span, IReadOnlyList<IReadOnlyList<Expression>> Rows) : QueryBody(Span);

public abstract record SelectItem(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>*</c> or <c>t.*</c>.</summary>
public sealed record StarItem(SourceSpan Span, QualifiedName? Qualifier) : SelectItem(Span);

public sealed record ExpressionItem(SourceSpan Span, Expression Expression, Identifier? Alias) : SelectItem(Span);

public enum SortDirection { Default, Ascending, Descending }
public enum NullsOrder { Default, First, Last }

public sealed record SortItem(SourceSpan Span, Expression Expression, SortDirection Direction, NullsOrder Nulls, string? UsingOperator) : SyntaxNode(Span);

public sealed record GroupByClause(SourceSpan Span, bool Distinct, IReadOnlyList<GroupingElement> Elements) : SyntaxNode(Span);

public abstract record GroupingElement(SourceSpan Span) : SyntaxNode(Span);
public sealed record GroupingExpression(SourceSpan Span, Expression Expression) : GroupingElement(Span);
/// <summary><c>()</c>: the empty grouping set.</summary>
public sealed record EmptyGroupingSet(SourceSpan Span) : GroupingElement(Span);
public sealed record GroupingSets(SourceSpan Span, IReadOnlyList<GroupingElement> Sets) : GroupingElement(Span);
/// <summary><c>ROLLUP (…)</c>; each element is one expression or a parenthesised list (<see cref="RowConstructor"/>).</summary>
public sealed record Rollup(SourceSpan Span, IReadOnlyList<Expression> Elements) : GroupingElement(Span);
public sealed record Cube(SourceSpan Span, IReadOnlyList<Expression> Elements) : GroupingElement(Span);

public sealed record WindowDefinition(SourceSpan Span, Identifier Name, WindowSpecification Specification) : SyntaxNode(Span);

public sealed record WindowSpecification(
    SourceSpan Span,
    Identifier? ExistingWindow,
    IReadOnlyList<Expression> PartitionBy,
    IReadOnlyList<SortItem> OrderBy,
    WindowFrame? Frame) : SyntaxNode(Span);

public enum FrameUnits { Rows, Range, Groups }
public enum FrameBoundKind { UnboundedPreceding, Preceding, CurrentRow, Following, UnboundedFollowing }
public enum FrameExclusion { None, CurrentRow, Group, Ties, NoOthers }

public sealed record FrameBound(SourceSpan Span, FrameBoundKind Kind, Expression? Offset) : SyntaxNode(Span);

public sealed record WindowFrame(SourceSpan Span, FrameUnits Units, FrameBound Start, FrameBound? End, FrameExclusion Exclusion) : SyntaxNode(Span);
