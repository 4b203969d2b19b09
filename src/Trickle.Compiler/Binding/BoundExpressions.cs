using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Binding;

/// <summary>
/// A name-resolved, typed expression. <see cref="Type"/> may be <see cref="SqlType.Unknown"/> where the compiler
/// cannot infer it offline; maintenance strategies that depend on a type treat Unknown as "choose the safe path".
/// </summary>
public abstract record BoundExpression(SourceSpan Span, SqlType Type);

/// <summary>A column of a table in the FROM clause; <see cref="Relation"/> is the occurrence's name in the query.</summary>
public sealed record BoundColumn(SourceSpan Span, SqlType Type, string Relation, string ColumnName) : BoundExpression(Span, Type);

/// <summary>A constant, kept as the SQL text that reproduces it exactly (<c>42</c>, <c>'it''s'</c>, <c>DATE '2024-01-01'</c>).</summary>
public sealed record BoundLiteral(SourceSpan Span, SqlType Type, string SqlText) : BoundExpression(Span, Type);

public sealed record BoundUnary(SourceSpan Span, SqlType Type, string Operator, BoundExpression Operand) : BoundExpression(Span, Type);

public sealed record BoundBinary(SourceSpan Span, SqlType Type, BoundExpression Left, string Operator, BoundExpression Right) : BoundExpression(Span, Type);

/// <summary>
/// Any other expression form, printed from a template of literal text and operands: <c>{0} IS NULL</c>,
/// <c>{0} BETWEEN {1} AND {2}</c>, <c>CASE WHEN {0} THEN {1} END</c>. Keeps the printer and rewriters small
/// while every operand stays a bound, rewritable expression.
/// </summary>
public sealed record BoundSyntaxForm(SourceSpan Span, SqlType Type, string Kind, IReadOnlyList<string> TextParts, IReadOnlyList<BoundExpression> Operands)
    : BoundExpression(Span, Type);

public sealed record BoundFunctionCall(SourceSpan Span, SqlType Type, string Name, IReadOnlyList<BoundExpression> Arguments) : BoundExpression(Span, Type);

public sealed record BoundCast(SourceSpan Span, SqlType Type, BoundExpression Operand) : BoundExpression(Span, Type);

/// <summary>After aggregation: the value of the i-th GROUP BY key.</summary>
public sealed record BoundGroupKeyRef(SourceSpan Span, SqlType Type, int Index) : BoundExpression(Span, Type);

/// <summary>After aggregation: the value of the i-th aggregate call of the Aggregate operator below.</summary>
public sealed record BoundAggregateRef(SourceSpan Span, SqlType Type, int Index) : BoundExpression(Span, Type);

/// <summary>Above a window operator: the value of the i-th window call of the <c>WindowNode</c> below, for the current row.</summary>
public sealed record BoundWindowRef(SourceSpan Span, SqlType Type, int Index) : BoundExpression(Span, Type);

/// <summary>
/// After aggregation by grouping sets: <c>GROUPING(a, b, …)</c>, the arguments being the GROUP BY keys with these
/// indexes. Pass <c>grouping-sets-to-union</c> replaces it in each grouping set with its constant bit mask.
/// </summary>
public sealed record BoundGroupingMask(SourceSpan Span, IReadOnlyList<int> KeyIndexes) : BoundExpression(Span, SqlType.Integer);
