using Antlr4.Runtime;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing.Generated;
using Trickle.Compiler.Syntax;
using P = Trickle.Compiler.Parsing.Generated.TrickleSqlParser;

namespace Trickle.Compiler.Parsing;

/// <summary>Builds expressions, function calls, sort items and window specifications.</summary>
internal sealed class ExpressionBuilder
{
    private readonly NameBuilder _names;
    private readonly QueryBuilder _queries;

    public ExpressionBuilder(NameBuilder names, QueryBuilder queries)
    {
        _names = names;
        _queries = queries;
    }

    public IReadOnlyList<Expression> Expressions(IEnumerable<P.ExpressionContext> contexts) =>
        contexts.Select(Expression).ToArray();

    public Expression Expression(P.ExpressionContext context)
    {
        switch (context)
        {
            case P.ArithmeticOperandContext operand:
                return Arithmetic(operand.arithmeticExpression());
            case P.AndExpressionContext or P.OrExpressionContext:
                return BooleanChain(context);
        }
        using var level = _names.Nest(context);
        var span = _names.Span(context);
        switch (context)
        {
            case P.BetweenExpressionContext between:
                return new BetweenExpression(
                    span, Expression(between.expression()), Arithmetic(between.arithmeticExpression(0)),
                    Arithmetic(between.arithmeticExpression(1)), between.NOT() is not null, between.SYMMETRIC() is not null);
            case P.InSubqueryExpressionContext inSubquery:
                return new InSubqueryExpression(
                    span, Expression(inSubquery.expression()), _queries.Query(inSubquery.query()), inSubquery.NOT() is not null);
            case P.InListExpressionContext inList:
            {
                var parts = inList.expression();
                return new InListExpression(span, Expression(parts[0]), Expressions(parts.Skip(1)), inList.NOT() is not null);
            }
            case P.PatternMatchExpressionContext pattern:
            {
                var kind = pattern.LIKE() is not null ? PatternKind.Like
                    : pattern.ILIKE() is not null ? PatternKind.ILike
                    : PatternKind.SimilarTo;
                var escape = pattern.ESCAPE() is null ? null : Arithmetic(pattern.arithmeticExpression(1));
                return new PatternMatchExpression(
                    span, Expression(pattern.expression()), kind, Arithmetic(pattern.arithmeticExpression(0)), escape,
                    pattern.NOT() is not null);
            }
            case P.QuantifiedComparisonContext quantified:
            {
                var expressions = quantified.expression();
                var op = quantified.comparisonOperator() is { } comparison
                    ? ComparisonOperator(comparison)
                    : GenericOperator(quantified.genericOperator());
                var quantifier = quantified.ANY() is not null ? Quantifier.Any
                    : quantified.SOME() is not null ? Quantifier.Some
                    : Quantifier.All;
                var query = quantified.query() is { } q ? _queries.Query(q) : null;
                var array = query is null ? Expression(expressions[1]) : null;
                return new QuantifiedComparison(span, Expression(expressions[0]), op, quantifier, query, array);
            }
            case P.QuantifiedPatternMatchContext quantifiedPattern:
            {
                // PostgreSQL's operator names for LIKE/ILIKE: "x LIKE ANY (…)" is "x ~~ ANY (…)".
                var op = (quantifiedPattern.NOT() is null ? "" : "!") + (quantifiedPattern.LIKE() is not null ? "~~" : "~~*");
                var quantifier = quantifiedPattern.ANY() is not null ? Quantifier.Any
                    : quantifiedPattern.SOME() is not null ? Quantifier.Some
                    : Quantifier.All;
                var expressions = quantifiedPattern.expression();
                var query = quantifiedPattern.query() is { } q ? _queries.Query(q) : null;
                var array = query is null ? Expression(expressions[1]) : null;
                return new QuantifiedComparison(span, Expression(expressions[0]), op, quantifier, query, array);
            }
            case P.ComparisonExpressionContext comparison:
                return new BinaryExpression(
                    span, Expression(comparison.expression(0)), ComparisonOperator(comparison.comparisonOperator()),
                    Expression(comparison.expression(1)));
            case P.IsExpressionContext isTest:
            {
                var operand = Expression(isTest.expression());
                var negated = isTest.NOT() is not null;
                if (isTest.NULL() is not null)
                    return new IsNullExpression(span, operand, negated);
                var value = isTest.TRUE() is not null ? TruthValue.True
                    : isTest.FALSE() is not null ? TruthValue.False
                    : TruthValue.Unknown;
                return new IsTruthExpression(span, operand, value, negated);
            }
            case P.IsDistinctFromExpressionContext distinct:
                return new IsDistinctFromExpression(
                    span, Expression(distinct.expression(0)), Expression(distinct.expression(1)), distinct.NOT() is not null);
            case P.PostfixNullTestContext postfix:
                return new IsNullExpression(span, Expression(postfix.expression()), postfix.NOTNULL() is not null);
            case P.NotExpressionContext not:
                return new UnaryExpression(span, "NOT", Expression(not.expression()));
            default:
                throw new InvalidOperationException($"unexpected expression syntax {context.GetType().Name}");
        }
    }

    /// <summary>
    /// Chains of AND or OR longer than this are built as balanced trees instead of left-nested ones.
    /// </summary>
    /// <remarks>
    /// PostgreSQL itself keeps <c>a OR b OR c …</c> as one flat list, so a 4,000-term OR (generated IN-like filters) runs
    /// there; left-nested, it would be 4,000 levels deep for every recursive phase here. AND and OR are associative in
    /// SQL's three-valued logic, so the shape does not change the result. Short chains keep their written shape (and the
    /// generated SQL its parentheses).
    /// </remarks>
    private const int LongestLeftNestedChain = 32;

    private Expression BooleanChain(P.ExpressionContext chain)
    {
        var op = chain is P.AndExpressionContext ? "AND" : "OR";
        bool SameOperator(P.ExpressionContext context) => op == "AND" ? context is P.AndExpressionContext : context is P.OrExpressionContext;

        // The parse tree of a chain is left-nested as deep as the chain is long: walk it without recursion.
        var operandContexts = new List<P.ExpressionContext>();
        var pending = new Stack<P.ExpressionContext>();
        pending.Push(chain);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!SameOperator(current))
            {
                operandContexts.Add(current);
                continue;
            }
            pending.Push(current.GetRuleContext<P.ExpressionContext>(1));
            pending.Push(current.GetRuleContext<P.ExpressionContext>(0));
        }
        var operands = operandContexts.Select(Expression).ToArray();
        return Combine(operands, 0, operands.Length, op);
    }

    private static Expression Combine(Expression[] operands, int start, int count, string op)
    {
        if (count <= LongestLeftNestedChain)
        {
            var result = operands[start];
            for (var i = start + 1; i < start + count; i++)
                result = new BinaryExpression(result.Span.Cover(operands[i].Span), result, op, operands[i]);
            return result;
        }
        var leftCount = count - count / 2;
        var left = Combine(operands, start, leftCount, op);
        var right = Combine(operands, start + leftCount, count - leftCount, op);
        return new BinaryExpression(left.Span.Cover(right.Span), left, op, right);
    }

    public Expression Arithmetic(P.ArithmeticExpressionContext context)
    {
        if (context is P.PrimaryOperandContext primary)
            return Primary(primary.primaryExpression());
        using var level = _names.Nest(context);
        var span = _names.Span(context);
        switch (context)
        {
            case P.TypecastExpressionContext cast:
                return new CastExpression(
                    span, Arithmetic(cast.arithmeticExpression()), _names.TypeName(cast.typeName()), CastSyntax.DoubleColon);
            case P.SubscriptExpressionContext subscript:
                return subscript.subscriptBody() switch
                {
                    P.IndexSubscriptContext index => new Subscript(
                        span, Arithmetic(subscript.arithmeticExpression()), Expression(index.expression()), null, Slice: false),
                    P.SliceSubscriptContext slice => new Subscript(
                        span, Arithmetic(subscript.arithmeticExpression()),
                        slice.lower is null ? null : Expression(slice.lower),
                        slice.upper is null ? null : Expression(slice.upper), Slice: true),
                    _ => throw new InvalidOperationException("unexpected subscript syntax"),
                };
            case P.SignExpressionContext sign:
                return new UnaryExpression(span, sign.Start.Text, Arithmetic(sign.arithmeticExpression()));
            case P.CollateExpressionContext collate:
                return new CollateExpression(
                    span, Arithmetic(collate.arithmeticExpression()), _names.QualifiedName(collate.qualifiedName()));
            case P.AtTimeZoneExpressionContext atTimeZone:
            {
                var operands = atTimeZone.arithmeticExpression();
                // AT LOCAL (PostgreSQL 17) means the session time zone: the same as AT TIME ZONE current_setting('TimeZone').
                var zone = operands.Length > 1
                    ? Arithmetic(operands[1])
                    : Call(_names.Span(atTimeZone.LOCAL().Symbol), "current_setting",
                        [new StringLiteral(_names.Span(atTimeZone.LOCAL().Symbol), "TimeZone")]);
                return new AtTimeZoneExpression(span, Arithmetic(operands[0]), zone);
            }
            case P.ExponentExpressionContext exponent:
                return Binary(span, exponent.arithmeticExpression(), "^");
            case P.MultiplicativeExpressionContext multiplicative:
                return Binary(span, multiplicative.arithmeticExpression(), multiplicative.GetChild(1).GetText());
            case P.AdditiveExpressionContext additive:
                return Binary(span, additive.arithmeticExpression(), additive.GetChild(1).GetText());
            case P.GenericOperatorExpressionContext generic:
                return Binary(span, generic.arithmeticExpression(), GenericOperator(generic.genericOperator()));
            case P.PrefixOperatorExpressionContext prefix:
                return new UnaryExpression(span, GenericOperator(prefix.genericOperator()), Arithmetic(prefix.arithmeticExpression()));
            default:
                throw new InvalidOperationException($"unexpected expression syntax {context.GetType().Name}");
        }
    }

    private BinaryExpression Binary(SourceSpan span, P.ArithmeticExpressionContext[] operands, string op) =>
        new(span, Arithmetic(operands[0]), op, Arithmetic(operands[1]));

    private static string ComparisonOperator(P.ComparisonOperatorContext context) =>
        context.BANG_EQUAL() is not null ? "<>" : context.GetText();

    /// <summary>OPERATOR(pg_catalog.+) keeps its written form, minus whitespace and with the keyword upper case.</summary>
    private string GenericOperator(P.GenericOperatorContext context)
    {
        var schema = context.columnIdentifier().Length > 0 ? _names.Identifier(context.columnIdentifier()[^1]).Value : null;
        var name = context.OPERATOR_SYMBOL()?.GetText() ?? context.anyOperator().GetText();
        _names.Operators.Add(new OperatorUse(_names.Span(context), schema, name));
        return context.OPERATOR_SYMBOL() is { } symbol
            ? symbol.GetText()
            : "OPERATOR(" + string.Concat(context.children.Skip(2).SkipLast(1).Select(c => c.GetText())) + ")";
    }

    public string AnyOperator(P.AnyOperatorContext context)
    {
        if (context.OPERATOR_SYMBOL() is { } symbol)
            _names.Operators.Add(new OperatorUse(_names.Span(context), null, symbol.GetText()));
        return context.comparisonOperator() is { } comparison ? ComparisonOperator(comparison) : context.GetText();
    }

    // ---- Primary expressions ----------------------------------------------------------------------------------

    private Expression Primary(P.PrimaryExpressionContext context)
    {
        var span = _names.Span(context);
        switch (context)
        {
            case P.LiteralExpressionContext literal:
                return Literal(literal.literal());
            case P.ParameterExpressionContext parameter:
                return new ParameterReference(span, int.Parse(parameter.PARAMETER().GetText()[1..]));
            case P.TypedLiteralExpressionContext typed:
                return TypedLiteral(typed.typedLiteral());
            case P.ScalarSubqueryExpressionContext subquery:
                return new ScalarSubquery(span, _queries.Query(subquery.query()));
            case P.ParenthesizedExpressionContext parenthesized:
            {
                Expression result = new ParenthesizedExpression(
                    _names.SourceMap.FromTokens(parenthesized.Start, parenthesized.RIGHT_PAREN().Symbol),
                    Expression(parenthesized.expression()));
                foreach (var selector in parenthesized.fieldSelector())
                {
                    var field = selector.columnLabel() is { } label ? _names.Identifier(label) : null;
                    result = new FieldSelection(_names.SourceMap.FromTokens(parenthesized.Start, selector.Stop), result, field);
                }
                return result;
            }
            case P.ImplicitRowExpressionContext row:
                return new RowConstructor(span, Expressions(row.expression()), ExplicitRow: false);
            case P.ExplicitRowExpressionContext row:
                return new RowConstructor(span, Expressions(row.expression()), ExplicitRow: true);
            case P.ExistsExpressionContext exists:
                return new ExistsExpression(span, _queries.Query(exists.query()));
            case P.ArraySubqueryExpressionContext arraySubquery:
                return new ArraySubquery(span, _queries.Query(arraySubquery.query()));
            case P.ArrayConstructorExpressionContext array:
                return ArrayConstructor(array.arrayElements(), span);
            case P.CaseExpressionContext caseExpression:
                return new CaseExpression(
                    span,
                    caseExpression.simpleOperand is null ? null : Expression(caseExpression.simpleOperand),
                    caseExpression.caseWhen().Select(w => new CaseWhen(_names.Span(w), Expression(w.condition), Expression(w.result))).ToArray(),
                    caseExpression.elseResult is null ? null : Expression(caseExpression.elseResult));
            case P.CastExpressionContext cast:
                return new CastExpression(span, Expression(cast.expression()), _names.TypeName(cast.typeName()), CastSyntax.Cast);
            case P.GroupingOperationContext grouping:
                return new GroupingOperation(span, Expressions(grouping.expression()));
            case P.SpecialFunctionExpressionContext special:
                return SpecialFunction(special.specialFunction());
            case P.FunctionCallExpressionContext call:
                return FunctionCall(call.functionCall());
            case P.ColumnReferenceExpressionContext column:
                return ColumnReference(column.columnReference());
            default:
                throw new InvalidOperationException($"unexpected expression syntax {context.GetType().Name}");
        }
    }

    private ArrayConstructor ArrayConstructor(P.ArrayElementsContext context, SourceSpan span) =>
        new(span, context.arrayElement().Select(element => element.arrayElements() is { } nested
            ? ArrayConstructor(nested, _names.Span(nested))
            : Expression(element.expression())).ToArray());

    public ColumnReference ColumnReference(P.ColumnReferenceContext context) =>
        new(_names.Span(context),
            [_names.Identifier(context.columnIdentifier()), .. context.columnLabel().Select(_names.Identifier)],
            context.STAR() is not null);

    private Expression Literal(P.LiteralContext context)
    {
        var span = _names.Span(context);
        return context switch
        {
            P.IntegerLiteralContext or P.NumericLiteralContext => new NumericLiteral(span, context.GetText()),
            P.StringConstantContext text => _names.StringLiteral(text.stringLiteral()),
            P.BitStringLiteralContext => new BitStringLiteral(span, context.GetText()),
            P.TrueLiteralContext => new BooleanLiteral(span, true),
            P.FalseLiteralContext => new BooleanLiteral(span, false),
            P.NullLiteralContext => new NullLiteral(span),
            _ => throw new InvalidOperationException($"unexpected literal syntax {context.GetType().Name}"),
        };
    }

    private TypedLiteral TypedLiteral(P.TypedLiteralContext context)
    {
        var span = _names.Span(context);
        var value = StringLiteralDecoder.Decode(context.stringLiteral().Start.Text).Value;
        if (context.constantTypeName() is { } typeName)
            return new TypedLiteral(span, _names.ConstantTypeName(typeName), value, null);
        var intervalKeyword = context.INTERVAL().Symbol;
        var precision = context.INTEGER_LITERAL() is { } digits ? new[] { digits.GetText() } : [];
        var intervalType = new TypeName(
            _names.SourceMap.FromTokens(intervalKeyword, context.RIGHT_PAREN()?.Symbol ?? intervalKeyword),
            null, "interval", precision, 0);
        var fields = context.intervalQualifier() is { } qualifier ? NameBuilder.IntervalQualifier(qualifier) : null;
        return new TypedLiteral(span, intervalType, value, fields);
    }

    // ---- Function calls ---------------------------------------------------------------------------------------

    public FunctionCall FunctionCall(P.FunctionCallContext context)
    {
        var nameContext = context.functionName();
        var name = nameContext.typeFunctionName() is { } first
            ? _names.QualifiedName(nameContext, first, nameContext.columnLabel())
            : _names.QualifiedName(nameContext, nameContext.columnIdentifier(), nameContext.columnLabel());
        var arguments = context.functionArguments();
        var over = context.overClause();
        return new FunctionCall(
            _names.Span(context),
            name,
            arguments?.functionArgument().Select(FunctionArgument).ToArray() ?? [],
            Star: arguments?.STAR() is not null,
            Distinct: arguments?.DISTINCT() is not null,
            OrderBy: SortItems(arguments?.orderByClause()),
            WithinGroup: SortItems(context.withinGroupClause()?.orderByClause()),
            Filter: context.filterClause() is { } filter ? Expression(filter.expression()) : null,
            Over: over?.windowSpecification() is { } specification ? WindowSpecification(specification) : null,
            OverWindowName: over?.columnIdentifier() is { } windowName ? _names.Identifier(windowName) : null,
            NoParentheses: false);
    }

    private FunctionArgument FunctionArgument(P.FunctionArgumentContext context) =>
        new(_names.Span(context),
            context.columnLabel() is { } name ? _names.Identifier(name) : null,
            Expression(context.expression()),
            context.VARIADIC() is not null);

    /// <summary>The keyword-syntax functions, normalised to ordinary calls as documented on <see cref="Syntax.FunctionCall"/>.</summary>
    private FunctionCall SpecialFunction(P.SpecialFunctionContext context)
    {
        var span = _names.Span(context);
        switch (context)
        {
            case P.ValueListFunctionContext valueList:
                return Call(span, NameBuilder.FoldCase(valueList.Start.Text), Expressions(valueList.expression()));
            case P.ExtractFunctionContext extract:
            {
                var fieldContext = extract.extractField();
                var field = fieldContext.stringLiteral() is { } text
                    ? _names.StringLiteral(text)
                    : new StringLiteral(_names.Span(fieldContext), _names.Identifier(fieldContext.columnLabel()).Value);
                return Call(span, "extract", [field, Expression(extract.expression())]);
            }
            case P.SubstringFromForFunctionContext substring:
            {
                var arguments = new List<Expression> { Expression(substring.expression(0)) };
                var index = 1;
                if (substring.FROM() is not null)
                    arguments.Add(Expression(substring.expression(index++)));
                if (substring.FOR() is not null)
                {
                    // SUBSTRING(x FOR n) starts at the first character.
                    if (substring.FROM() is null)
                        arguments.Add(new NumericLiteral(_names.Span(substring.FOR().Symbol), "1"));
                    arguments.Add(Expression(substring.expression(index)));
                }
                return Call(span, "substring", arguments);
            }
            case P.SubstringListFunctionContext substringList:
                return Call(span, "substring", Expressions(substringList.expression()));
            case P.PositionFunctionContext position:
                return Call(span, "position", [Arithmetic(position.haystack), Arithmetic(position.needle)]);
            case P.TrimFunctionContext trim:
            {
                var name = trim.LEADING() is not null ? "ltrim" : trim.TRAILING() is not null ? "rtrim" : "btrim";
                var arguments = trim.expression().Where(e => e != trim.characters).Select(Expression).ToList();
                if (trim.characters is not null)
                    arguments.Add(Expression(trim.characters));
                return Call(span, name, arguments);
            }
            case P.OverlayFunctionContext overlay:
                return Call(span, "overlay", Expressions(overlay.expression()));
            case P.SqlValueFunctionContext valueFunction:
            {
                var name = NameBuilder.FoldCase(valueFunction.Start.Text);
                if (valueFunction.INTEGER_LITERAL() is { } precision)
                    return Call(span, name, [new NumericLiteral(_names.Span(precision.Symbol), precision.GetText())]);
                return Call(span, name, [], noParentheses: true);
            }
            default:
                throw new InvalidOperationException($"unexpected function syntax {context.GetType().Name}");
        }
    }

    private FunctionCall Call(SourceSpan span, string name, IReadOnlyList<Expression> arguments, bool noParentheses = false) =>
        new(span,
            new QualifiedName(span, [new Identifier(span, name, Quoted: false)]),
            arguments.Select(a => new FunctionArgument(a.Span, null, a, Variadic: false)).ToArray(),
            Star: false, Distinct: false, OrderBy: [], WithinGroup: [], Filter: null, Over: null, OverWindowName: null,
            NoParentheses: noParentheses);

    // ---- Sorting and windows ----------------------------------------------------------------------------------

    public IReadOnlyList<SortItem> SortItems(P.OrderByClauseContext? context) =>
        context is null ? [] : context.sortItem().Select(SortItem).ToArray();

    private SortItem SortItem(P.SortItemContext context)
    {
        var direction = context.ASC() is not null ? SortDirection.Ascending
            : context.DESC() is not null ? SortDirection.Descending
            : SortDirection.Default;
        var nulls = context.FIRST() is not null ? NullsOrder.First
            : context.LAST() is not null ? NullsOrder.Last
            : NullsOrder.Default;
        var usingOperator = context.anyOperator() is { } op ? AnyOperator(op) : null;
        return new SortItem(_names.Span(context), Expression(context.expression()), direction, nulls, usingOperator);
    }

    public WindowSpecification WindowSpecification(P.WindowSpecificationContext context) =>
        new(_names.Span(context),
            context.columnIdentifier() is { } existing ? _names.Identifier(existing) : null,
            Expressions(context.expression()),
            SortItems(context.orderByClause()),
            context.windowFrame() is { } frame ? WindowFrame(frame) : null);

    private WindowFrame WindowFrame(P.WindowFrameContext context)
    {
        var units = context.ROWS() is not null ? FrameUnits.Rows
            : context.GROUPS() is not null ? FrameUnits.Groups
            : FrameUnits.Range;
        var bounds = context.frameBound();
        var exclusion = context.frameExclusion() switch
        {
            null => FrameExclusion.None,
            { } e when e.ROW() is not null => FrameExclusion.CurrentRow,
            { } e when e.GROUP() is not null => FrameExclusion.Group,
            { } e when e.TIES() is not null => FrameExclusion.Ties,
            _ => FrameExclusion.NoOthers,
        };
        return new WindowFrame(
            _names.Span(context), units, FrameBound(bounds[0]), bounds.Length > 1 ? FrameBound(bounds[1]) : null, exclusion);
    }

    private FrameBound FrameBound(P.FrameBoundContext context)
    {
        var span = _names.Span(context);
        return context switch
        {
            P.UnboundedPrecedingBoundContext => new FrameBound(span, FrameBoundKind.UnboundedPreceding, null),
            P.UnboundedFollowingBoundContext => new FrameBound(span, FrameBoundKind.UnboundedFollowing, null),
            P.CurrentRowBoundContext => new FrameBound(span, FrameBoundKind.CurrentRow, null),
            P.OffsetBoundContext offset => new FrameBound(
                span, offset.PRECEDING() is not null ? FrameBoundKind.Preceding : FrameBoundKind.Following,
                Arithmetic(offset.arithmeticExpression())),
            _ => throw new InvalidOperationException($"unexpected frame bound syntax {context.GetType().Name}"),
        };
    }
}
