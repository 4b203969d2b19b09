using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Syntax;

public abstract record Expression(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>col</c>, <c>t.col</c>, <c>s.t.col</c>; also <c>t.*</c> when <see cref="Star"/> (as in <c>count(t.*)</c> or <c>row(t.*)</c>).</summary>
public sealed record ColumnReference(SourceSpan Span, IReadOnlyList<Identifier> Parts, bool Star) : Expression(Span);

/// <summary>An unsigned numeric literal exactly as written (<c>42</c>, <c>3.14</c>, <c>1e10</c>, <c>0x1F</c>, <c>1_000</c>).</summary>
public sealed record NumericLiteral(SourceSpan Span, string Text) : Expression(Span);

/// <summary>A string constant with escapes and quoting undone (standard, E'…', U&amp;'…', $tag$…$tag$).</summary>
public sealed record StringLiteral(SourceSpan Span, string Value) : Expression(Span);

/// <summary><c>B'0101'</c> or <c>X'1F'</c>.</summary>
public sealed record BitStringLiteral(SourceSpan Span, string Text) : Expression(Span);

public sealed record BooleanLiteral(SourceSpan Span, bool Value) : Expression(Span);

public sealed record NullLiteral(SourceSpan Span) : Expression(Span);

/// <summary><c>DATE '2024-01-01'</c>, <c>INTERVAL '1 day'</c>, <c>INTERVAL '1' DAY</c> (the field is kept in <see cref="IntervalFields"/>).</summary>
public sealed record TypedLiteral(SourceSpan Span, TypeName Type, string Value, string? IntervalFields) : Expression(Span);

/// <summary><c>$1</c>: not allowed in stream tables, but parsed so the binder can say so.</summary>
public sealed record ParameterReference(SourceSpan Span, int Number) : Expression(Span);

/// <summary>Prefix operators: <c>-</c>, <c>+</c>, <c>NOT</c>, <c>~</c>, <c>@</c>, …</summary>
public sealed record UnaryExpression(SourceSpan Span, string Operator, Expression Operand) : Expression(Span);

/// <summary>
/// Infix operators. <see cref="Operator"/> is upper case for keywords (<c>AND</c>, <c>OR</c>) and the symbol
/// otherwise (<c>+ - * / % ^ || = &lt;&gt; &lt; &lt;= &gt; &gt;= -&gt; -&gt;&gt; @&gt; &amp;&amp;</c> …); <c>!=</c> is normalised to <c>&lt;&gt;</c>.
/// <c>OPERATOR(schema.op)</c> keeps its written form.
/// </summary>
public sealed record BinaryExpression(SourceSpan Span, Expression Left, string Operator, Expression Right) : Expression(Span);

public sealed record IsNullExpression(SourceSpan Span, Expression Operand, bool Negated) : Expression(Span);

public enum TruthValue { True, False, Unknown }

/// <summary><c>x IS [NOT] TRUE|FALSE|UNKNOWN</c>.</summary>
public sealed record IsTruthExpression(SourceSpan Span, Expression Operand, TruthValue Value, bool Negated) : Expression(Span);

public sealed record IsDistinctFromExpression(SourceSpan Span, Expression Left, Expression Right, bool Negated) : Expression(Span);

public sealed record BetweenExpression(SourceSpan Span, Expression Operand, Expression Low, Expression High, bool Negated, bool Symmetric) : Expression(Span);

public sealed record InListExpression(SourceSpan Span, Expression Operand, IReadOnlyList<Expression> Values, bool Negated) : Expression(Span);

public sealed record InSubqueryExpression(SourceSpan Span, Expression Operand, Query Query, bool Negated) : Expression(Span);

public enum PatternKind { Like, ILike, SimilarTo }

public sealed record PatternMatchExpression(SourceSpan Span, Expression Operand, PatternKind Kind, Expression Pattern, Expression? Escape, bool Negated) : Expression(Span);

public enum Quantifier { Any, Some, All }

/// <summary><c>x op ANY|SOME|ALL (subquery)</c> or <c>x op ANY (array)</c>; exactly one of Query/Array is set.</summary>
public sealed record QuantifiedComparison(SourceSpan Span, Expression Operand, string Operator, Quantifier Quantifier, Query? Query, Expression? Array) : Expression(Span);

public sealed record ExistsExpression(SourceSpan Span, Query Query) : Expression(Span);

public sealed record ScalarSubquery(SourceSpan Span, Query Query) : Expression(Span);

/// <summary><c>ARRAY(subquery)</c>.</summary>
public sealed record ArraySubquery(SourceSpan Span, Query Query) : Expression(Span);

public sealed record CaseWhen(SourceSpan Span, Expression Condition, Expression Result) : SyntaxNode(Span);

/// <summary>Searched CASE when <see cref="Operand"/> is null, simple CASE otherwise.</summary>
public sealed record CaseExpression(SourceSpan Span, Expression? Operand, IReadOnlyList<CaseWhen> Whens, Expression? Else) : Expression(Span);

public enum CastSyntax { DoubleColon, Cast, TryCast }

public sealed record CastExpression(SourceSpan Span, Expression Operand, TypeName Type, CastSyntax Syntax) : Expression(Span);

/// <summary>
/// A function call, including aggregates and window functions. Keyword-syntax forms are normalised to calls:
/// COALESCE, NULLIF, GREATEST, LEAST, EXTRACT(f FROM x) → extract('f', x), SUBSTRING(x FROM a FOR b) → substring(x, a, b),
/// POSITION(a IN b) → position(b, a), TRIM([BOTH|LEADING|TRAILING] c FROM x) → btrim/ltrim/rtrim(x, c),
/// OVERLAY, and the argument-less SQL value functions (CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_USER …)
/// with <see cref="NoParentheses"/> set.
/// </summary>
public sealed record FunctionCall(
    SourceSpan Span,
    QualifiedName Name,
    IReadOnlyList<FunctionArgument> Arguments,
    bool Star,
    bool Distinct,
    IReadOnlyList<SortItem> OrderBy,
    IReadOnlyList<SortItem> WithinGroup,
    Expression? Filter,
    WindowSpecification? Over,
    Identifier? OverWindowName,
    bool NoParentheses) : Expression(Span);

/// <summary>An argument, possibly named (<c>name => value</c>) or <c>VARIADIC</c>.</summary>
public sealed record FunctionArgument(SourceSpan Span, Identifier? Name, Expression Value, bool Variadic) : SyntaxNode(Span);

/// <summary><c>ARRAY[…]</c>.</summary>
public sealed record ArrayConstructor(SourceSpan Span, IReadOnlyList<Expression> Elements) : Expression(Span);

/// <summary><c>x[i]</c> or the slice <c>x[lo:hi]</c> (either bound may be missing in a slice).</summary>
public sealed record Subscript(SourceSpan Span, Expression Operand, Expression? Index, Expression? Upper, bool Slice) : Expression(Span);

/// <summary><c>ROW(a, b)</c> or <c>(a, b)</c>.</summary>
public sealed record RowConstructor(SourceSpan Span, IReadOnlyList<Expression> Fields, bool ExplicitRow) : Expression(Span);

/// <summary><c>(expr).field</c> or <c>(expr).*</c>.</summary>
public sealed record FieldSelection(SourceSpan Span, Expression Operand, Identifier? Field) : Expression(Span);

public sealed record CollateExpression(SourceSpan Span, Expression Operand, QualifiedName Collation) : Expression(Span);

public sealed record AtTimeZoneExpression(SourceSpan Span, Expression Operand, Expression Zone) : Expression(Span);

/// <summary>A parenthesised expression, kept so spans and printing stay faithful.</summary>
public sealed record ParenthesizedExpression(SourceSpan Span, Expression Inner) : Expression(Span);

/// <summary><c>GROUPING(a, b)</c>.</summary>
public sealed record GroupingOperation(SourceSpan Span, IReadOnlyList<Expression> Arguments) : Expression(Span);
