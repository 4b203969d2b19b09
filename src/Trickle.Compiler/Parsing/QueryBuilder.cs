using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Syntax;
using P = Trickle.Compiler.Parsing.Generated.TrickleSqlParser;

namespace Trickle.Compiler.Parsing;

/// <summary>Builds queries: WITH, set operations, SELECT cores, FROM items, grouping and windows.</summary>
internal sealed class QueryBuilder
{
    private readonly NameBuilder _names;
    private readonly ExpressionBuilder _expressions;

    public QueryBuilder(NameBuilder names)
    {
        _names = names;
        _expressions = new ExpressionBuilder(names, this);
    }

    public ExpressionBuilder Expressions => _expressions;

    public Query Query(P.QueryContext context)
    {
        Expression? limit = null;
        Expression? offset = null;
        var withTies = false;
        if (context.limitOffsetClause() is { } limitOffset)
        {
            switch (limitOffset.limitOrFetch())
            {
                case P.LimitClauseContext limitClause when limitClause.expression() is { } limitCount:
                    limit = _expressions.Expression(limitCount);
                    break;
                case P.FetchClauseContext fetch:
                    // FETCH FIRST ROW ONLY without a count fetches one row.
                    limit = fetch.arithmeticExpression() is { } count
                        ? _expressions.Arithmetic(count)
                        : new NumericLiteral(_names.Span(fetch), "1");
                    withTies = fetch.TIES() is not null;
                    break;
            }
            if (limitOffset.offsetClause() is { } offsetClause)
                offset = _expressions.Arithmetic(offsetClause.arithmeticExpression());
        }
        return new Query(
            _names.Span(context),
            context.withClause() is { } with ? WithClause(with) : null,
            QueryBody(context.queryExpression()),
            _expressions.SortItems(context.orderByClause()),
            limit,
            offset,
            withTies);
    }

    private WithClause WithClause(P.WithClauseContext context) =>
        new(_names.Span(context), context.RECURSIVE() is not null,
            context.commonTableExpression().Select(cte => new CommonTableExpression(
                _names.Span(cte),
                _names.Identifier(cte.columnIdentifier()),
                _names.IdentifierList(cte.identifierList()),
                cte.MATERIALIZED() is null ? Materialization.Default
                    : cte.NOT() is null ? Materialization.Materialized
                    : Materialization.NotMaterialized,
                Query(cte.query()))).ToArray());

    private QueryBody QueryBody(P.QueryExpressionContext context)
    {
        var span = _names.Span(context);
        switch (context)
        {
            case P.IntersectQueryContext intersect:
            {
                using var level = _names.Nest(context);
                return new SetOperation(
                    span, QueryBody(intersect.queryExpression(0)), SetOperator.Intersect,
                    intersect.setQuantifier()?.ALL() is not null, QueryBody(intersect.queryExpression(1)));
            }
            case P.UnionExceptQueryContext unionExcept:
            {
                using var level = _names.Nest(context);
                return new SetOperation(
                    span, QueryBody(unionExcept.queryExpression(0)),
                    unionExcept.UNION() is not null ? SetOperator.Union : SetOperator.Except,
                    unionExcept.setQuantifier()?.ALL() is not null, QueryBody(unionExcept.queryExpression(1)));
            }
            case P.SelectQueryContext select:
                return SelectCore(select.selectCore());
            case P.ValuesQueryContext values:
                return new ValuesBody(
                    span, values.valuesClause().valuesRow().Select(row => _expressions.Expressions(row.expression())).ToArray());
            case P.TableQueryContext table:
                // TABLE t is shorthand for SELECT * FROM t.
                return new SelectCore(
                    span, DistinctKind.None, [], [new StarItem(span, null)],
                    [new NamedTable(span, _names.QualifiedName(table.qualifiedName()), null, table.ONLY() is not null)],
                    null, null, null, []);
            case P.NestedQueryContext nested:
                return new NestedQuery(span, Query(nested.query()));
            default:
                throw new InvalidOperationException($"unexpected query syntax {context.GetType().Name}");
        }
    }

    private SelectCore SelectCore(P.SelectCoreContext context)
    {
        var distinctClause = context.distinctClause();
        var distinct = distinctClause is null ? DistinctKind.None
            : distinctClause.ON() is null ? DistinctKind.Distinct
            : DistinctKind.DistinctOn;
        return new SelectCore(
            _names.Span(context),
            distinct,
            distinctClause is null ? [] : _expressions.Expressions(distinctClause.expression()),
            context.selectList()?.selectItem().Select(SelectItem).ToArray() ?? [],
            context.fromClause()?.tableReference().Select(TableReference).ToArray() ?? [],
            context.whereClause() is { } where ? _expressions.Expression(where.expression()) : null,
            context.groupByClause() is { } groupBy ? GroupByClause(groupBy) : null,
            context.havingClause() is { } having ? _expressions.Expression(having.expression()) : null,
            context.windowClause()?.windowDefinition().Select(WindowDefinition).ToArray() ?? []);
    }

    private SelectItem SelectItem(P.SelectItemContext context)
    {
        var span = _names.Span(context);
        if (context is not P.ExpressionSelectItemContext item)
            return new StarItem(span, null);
        var expression = _expressions.Expression(item.expression());
        if (expression is ColumnReference { Star: true } qualifiedStar && item.columnLabel() is null && item.bareColumnLabel() is null)
        {
            var qualifier = new QualifiedName(
                qualifiedStar.Parts[0].Span.Cover(qualifiedStar.Parts[^1].Span), qualifiedStar.Parts);
            return new StarItem(span, qualifier);
        }
        Identifier? alias = item.columnLabel() is { } label ? _names.Identifier(label)
            : item.bareColumnLabel() is { } bare ? _names.Identifier(bare)
            : null;
        return new ExpressionItem(span, expression, alias);
    }

    // ---- FROM -------------------------------------------------------------------------------------------------

    private TableReference TableReference(P.TableReferenceContext context)
    {
        if (context is P.PrimaryTableReferenceContext primaryReference)
            return TablePrimary(primaryReference.tablePrimary());
        using var level = _names.Nest(context);
        var span = _names.Span(context);
        switch (context)
        {
            case P.CrossJoinContext cross:
                return new JoinedTable(
                    span, TableReference(cross.tableReference(0)), JoinKind.Cross, TableReference(cross.tableReference(1)),
                    null, [], Natural: false);
            case P.NaturalJoinContext natural:
                return new JoinedTable(
                    span, TableReference(natural.tableReference(0)), JoinKindOf(natural.joinType()),
                    TableReference(natural.tableReference(1)), null, [], Natural: true);
            case P.QualifiedJoinContext join:
            {
                var condition = join.joinCondition();
                return new JoinedTable(
                    span, TableReference(join.tableReference(0)), JoinKindOf(join.joinType()), TableReference(join.tableReference(1)),
                    condition is P.OnJoinConditionContext on ? _expressions.Expression(on.expression()) : null,
                    condition is P.UsingJoinConditionContext usingCondition ? _names.IdentifierList(usingCondition.identifierList()) : [],
                    Natural: false);
            }
            default:
                throw new InvalidOperationException($"unexpected FROM syntax {context.GetType().Name}");
        }
    }

    private static JoinKind JoinKindOf(P.JoinTypeContext? context) => context switch
    {
        null => Syntax.JoinKind.Inner,
        _ when context.LEFT() is not null => Syntax.JoinKind.Left,
        _ when context.RIGHT() is not null => Syntax.JoinKind.Right,
        _ when context.FULL() is not null => Syntax.JoinKind.Full,
        _ => Syntax.JoinKind.Inner,
    };

    private TableReference TablePrimary(P.TablePrimaryContext context)
    {
        var span = _names.Span(context);
        switch (context)
        {
            case P.NamedTableContext named:
                return new NamedTable(
                    span, _names.QualifiedName(named.qualifiedName()), TableAlias(named.tableAlias()), named.ONLY() is not null);
            case P.DerivedTableContext derived:
                return new DerivedTable(span, Query(derived.query()), TableAlias(derived.tableAlias()), derived.LATERAL() is not null);
            case P.FunctionTableContext function:
                return new FunctionTable(
                    span, [_expressions.FunctionCall(function.functionCall())], TableAlias(function.tableAlias()),
                    function.LATERAL() is not null, function.withOrdinality() is not null);
            case P.RowsFromTableContext rowsFrom:
                return new FunctionTable(
                    span, rowsFrom.functionCall().Select(_expressions.FunctionCall).ToArray(), TableAlias(rowsFrom.tableAlias()),
                    rowsFrom.LATERAL() is not null, rowsFrom.withOrdinality() is not null);
            case P.ParenthesizedTableContext parenthesized:
                return new ParenthesizedTable(
                    span, TableReference(parenthesized.tableReference()), TableAlias(parenthesized.tableAlias()));
            default:
                throw new InvalidOperationException($"unexpected FROM syntax {context.GetType().Name}");
        }
    }

    private TableAlias? TableAlias(P.TableAliasContext? context) =>
        context is null
            ? null
            : new TableAlias(
                _names.Span(context), _names.Identifier(context.columnIdentifier()), _names.IdentifierList(context.identifierList()));

    // ---- GROUP BY and WINDOW ----------------------------------------------------------------------------------

    private GroupByClause GroupByClause(P.GroupByClauseContext context) =>
        new(_names.Span(context), context.DISTINCT() is not null, context.groupingElement().Select(GroupingElement).ToArray());

    private GroupingElement GroupingElement(P.GroupingElementContext context)
    {
        var span = _names.Span(context);
        return context switch
        {
            P.EmptyGroupingSetContext => new EmptyGroupingSet(span),
            P.RollupGroupingContext rollup => new Rollup(span, _expressions.Expressions(rollup.expression())),
            P.CubeGroupingContext cube => new Cube(span, _expressions.Expressions(cube.expression())),
            P.GroupingSetsGroupingContext sets => new GroupingSets(span, sets.groupingElement().Select(GroupingElement).ToArray()),
            P.ExpressionGroupingContext expression => new GroupingExpression(span, _expressions.Expression(expression.expression())),
            _ => throw new InvalidOperationException($"unexpected GROUP BY syntax {context.GetType().Name}"),
        };
    }

    private WindowDefinition WindowDefinition(P.WindowDefinitionContext context) =>
        new(_names.Span(context), _names.Identifier(context.columnIdentifier()),
            _expressions.WindowSpecification(context.windowSpecification()));
}
