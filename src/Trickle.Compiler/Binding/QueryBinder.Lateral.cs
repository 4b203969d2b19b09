using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// <c>FROM o, LATERAL (SELECT agg(x) AS a, … FROM t WHERE t.k = o.k AND p) AS l</c>: a LATERAL subquery that
    /// aggregates without GROUP BY has exactly one row per outer row, like a correlated scalar subquery with several
    /// values. It is bound as <c>o LEFT JOIN (SELECT t.k, agg(x), … FROM t WHERE p GROUP BY t.k) AS l ON l.k = o.k</c>,
    /// the grouped subquery kept whole, and its columns read as the aggregates' values over no rows where nothing
    /// matches: 0 for count, NULL for the others. Replaces <paramref name="items"/> with that join; false (and a
    /// diagnostic) when the subquery is not of this form.
    /// </summary>
    private bool BindLateralAggregate(DerivedTable lateral, List<RelationBinding> relations, List<FromTree> items)
    {
        const string help = "join a subquery grouped by the correlated columns instead";
        if (lateral.Query is not { With: null, Limit: null, Offset: null, OrderBy.Count: 0,
                Body: SelectCore { GroupBy: null, Having: null, Windows.Count: 0, Distinct: DistinctKind.None, From: [NamedTable innerTable] } inner }
            || inner.Items.Any(i => i is not ExpressionItem { Expression: FunctionCall { Over: null, OverWindowName: null } call } || !IsAggregateCall(call)))
        {
            Unsupported(lateral, $"a LATERAL subquery is supported when it reads one table and selects aggregate calls without GROUP BY (one row per outer row); {help}");
            return false;
        }
        if (lateral.Alias is not { } alias)
        {
            Unsupported(lateral, "a LATERAL subquery needs an alias (AS name)");
            return false;
        }
        if (items.Count == 0 || relations.Any(r => r.Subplan is not null) || items.Any(HasOuterJoin))
        {
            Unsupported(lateral, $"a LATERAL subquery is supported after tables joined by inner joins, one per query; {help}");
            return false;
        }
        var outerNames = relations.Select(r => r.Name).ToList();
        var split = SplitCorrelation(inner, innerTable, outerNames, "a LATERAL subquery", help);
        if (split is null) return false;
        var (correlations, rest) = split.Value;
        var selected = inner.Items.Cast<ExpressionItem>().ToList();
        if (correlations.Count == 0 || selected.Any(i => ReadsOuter(i.Expression, innerTable, outerNames)))
        {
            Unsupported(lateral, $"this LATERAL subquery is not supported yet: it must read the outer tables only in equalities of its WHERE (inner = outer.column, naming the outer table); {help}");
            return false;
        }
        if (alias.ColumnNames.Count > selected.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, alias.ColumnNames[selected.Count].Span,
                $"\"{alias.Name.Value}\" has {selected.Count} columns available but {alias.ColumnNames.Count} column names were given");
            return false;
        }

        var span = lateral.Span;
        var values = selected.Select((item, i) => new ExpressionItem(item.Span, item.Expression, new Identifier(span, $"__value{i + 1}", true)));
        if (BindGroupedByCorrelation(lateral.Query, inner, correlations, rest, values, alias.Name.Value, "__corr", lateral, relations) is not { } perKey)
            return false;

        // The subquery's columns, by the names it gives them, each reading its stored value (0 for a count over no rows).
        var columns = selected.Select((item, i) =>
        {
            var stored = perKey.Columns[correlations.Count + i];
            var name = i < alias.ColumnNames.Count ? alias.ColumnNames[i].Value : item.Alias?.Value ?? OutputColumnNamer.Name(item.Expression);
            var definition = ValueOverNoRows((FunctionCall)item.Expression, ColumnOf(stored, span));
            return new VisibleColumn(name, stored.Relation, new CatalogColumn(name, definition.Type, false), definition);
        }).ToList();
        // Qualified references (l.a) resolve through the relation's derived columns, unqualified ones through the join's.
        // The correlation columns stay reachable for the join condition only, under names a query does not use.
        var correlationColumns = perKey.Columns.Take(correlations.Count).Select(c => c with { Definition = ColumnOf(c, span) });
        var relation = perKey.Relation with { DerivedColumns = [.. columns, .. correlationColumns] };
        relations[relations.IndexOf(perKey.Relation)] = relation;
        LeftJoinOnCorrelation(items, perKey with { Relation = relation }, "__corr", correlations, span, columns);
        return true;
    }

    /// <summary>
    /// A correlated subquery as its rows per correlation value, kept whole as <paramref name="name"/>:
    /// <c>SELECT inner keys AS keyPrefix1…, values … WHERE its other conjuncts GROUP BY the inner keys</c>.
    /// </summary>
    private FromRelation? BindGroupedByCorrelation(Query query, SelectCore inner, IReadOnlyList<(Expression Inner, Expression Outer)> correlations,
        IReadOnlyList<Expression> rest, IEnumerable<ExpressionItem> values, string name, string keyPrefix, SyntaxNode at, List<RelationBinding> relations)
    {
        var span = at.Span;
        var grouped = query with
        {
            Body = inner with
            {
                Items = [.. correlations.Select((c, i) => new ExpressionItem(c.Inner.Span, c.Inner, new Identifier(span, $"{keyPrefix}{i + 1}", true))), .. values],
                Where = rest.Count == 0 ? null : rest.Aggregate((a, b) => new BinaryExpression(span, a, "AND", b)),
                GroupBy = new GroupByClause(span, false, correlations.Select(c => (GroupingElement)new GroupingExpression(c.Inner.Span, c.Inner)).ToList()),
            },
        };
        return BindKeptWhole(grouped, name, [], at, relations) as FromRelation;
    }

    /// <summary>
    /// Replaces the FROM items by their inner join (a comma is a cross join) LEFT JOINed to the grouped subquery on its
    /// keys equal to the outer sides of the correlations; <paramref name="columns"/> are the subquery's visible ones.
    /// </summary>
    private static void LeftJoinOnCorrelation(List<FromTree> items, FromRelation perKey, string keyPrefix,
        IReadOnlyList<(Expression Inner, Expression Outer)> correlations, SourceSpan span, IReadOnlyList<VisibleColumn> columns)
    {
        var name = perKey.Relation.Name;
        var on = correlations.Select((c, i) => (Expression)new BinaryExpression(span,
                new ColumnReference(span, [new Identifier(span, name, true), new Identifier(span, $"{keyPrefix}{i + 1}", true)], false), "=", c.Outer))
            .Aggregate((a, b) => new BinaryExpression(span, a, "AND", b));
        var whole = items.Skip(1).Aggregate(items[0], (left, right) => new FromJoin(left, right, JoinType.Inner, null, [], [.. left.Columns, .. right.Columns]));
        items.Clear();
        items.Add(new FromJoin(whole, perKey, JoinType.Left, on, [], [.. whole.Columns, .. columns]));
    }

    /// <summary>An aggregate's value read through the LEFT JOIN: over no rows count is 0, every other aggregate NULL (the padding).</summary>
    private static BoundExpression ValueOverNoRows(FunctionCall call, BoundColumn value) =>
        call.Name.Last.Value == "count"
            ? new BoundSyntaxForm(value.Span, value.Type, "coalesce", ["COALESCE(", ", 0)"], [value])
            : value;
}
