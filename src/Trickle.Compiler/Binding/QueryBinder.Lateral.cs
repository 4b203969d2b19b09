using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>
    /// A LATERAL subquery after the FROM items <paramref name="items"/> (a comma item, or the right side of
    /// <c>CROSS JOIN LATERAL</c>, <c>[LEFT] JOIN LATERAL … ON …</c>): its rows depend on the outer row only through
    /// equalities of its WHERE (<c>t.k = o.k</c>), so it is the join of the outer rows with the subquery's rows per
    /// correlation value. Three forms: aggregates without GROUP BY (one row per outer row), ORDER BY … LIMIT (the first
    /// rows per outer row), or filtered rows of one table. Replaces <paramref name="items"/> with that join; false (and
    /// a diagnostic) when the subquery is of none of these forms.
    /// </summary>
    /// <param name="type">Inner, or Left for <c>LEFT JOIN LATERAL</c></param>
    /// <param name="on">the ON condition of the JOIN syntax; null for a comma item, CROSS JOIN or ON TRUE</param>
    private bool BindLateral(DerivedTable lateral, List<RelationBinding> relations, List<FromTree> items, JoinType type = JoinType.Inner, Expression? on = null)
    {
        var query = lateral.Query;
        if (query.Limit is not null || query.Offset is not null) return BindLateralTopK(lateral, relations, items, type, on);
        if (query.Body is SelectCore select && (select.GroupBy is not null || select.Having is not null
                || select.Items.Any(i => i is ExpressionItem { Expression: var e } && ContainsAggregate(e))))
            return BindLateralAggregate(lateral, relations, items, type, on);
        return BindLateralRows(lateral, relations, items, type, on);
    }

    /// <summary>
    /// What the three LATERAL forms share: the subquery reads one table, its select list (stars expanded) and the
    /// expressions in <paramref name="innerOnly"/> read that table only, and its WHERE splits into correlations
    /// (<c>inner = outer.column</c>) and conjuncts over the inner table.
    /// </summary>
    private sealed record LateralSubquery(
        NamedTable InnerTable,
        CatalogTable? Table,
        string InnerName,
        TableAlias Alias,
        IReadOnlyList<(Expression Inner, Expression Outer)> Correlations,
        IReadOnlyList<Expression> Rest,
        IReadOnlyList<ExpressionItem> Selected)
    {
        /// <summary>The name of selected column <paramref name="i"/>: from the alias list, the item's alias, or PostgreSQL's rule.</summary>
        public string ColumnName(int i) => i < Alias.ColumnNames.Count ? Alias.ColumnNames[i].Value
            : Selected[i].Alias?.Value ?? OutputColumnNamer.Name(Selected[i].Expression);
    }

    /// <param name="leftJoined">the subquery becomes the padded side of a LEFT JOIN, which is maintained only after
    /// tables (no other subquery kept whole); joined by an inner join it may follow other such subqueries</param>
    private LateralSubquery? MatchLateral(DerivedTable lateral, SelectCore inner, NamedTable innerTable, List<RelationBinding> relations,
        List<FromTree> items, string help, bool leftJoined, Func<SelectCore, IEnumerable<Expression>>? innerOnly = null)
    {
        if (lateral.Alias is not { } alias)
        {
            Unsupported(lateral, "a LATERAL subquery needs an alias (AS name)");
            return null;
        }
        if (items.Count == 0 || items.Any(HasOuterJoin))
        {
            Unsupported(lateral, $"a LATERAL subquery is supported after tables joined by inner joins; {help}");
            return null;
        }
        if (leftJoined && relations.Any(r => r.Subplan is not null))
        {
            Unsupported(lateral, $"a LATERAL subquery that aggregates, or under LEFT JOIN LATERAL, is supported after tables only, not after another subquery kept whole (a LATERAL one, an aggregating one); {help}");
            return null;
        }
        var table = catalog.Find(innerTable.Name.Parts.Count >= 2 ? innerTable.Name.Parts[^2].Value : null, innerTable.Name.Last.Value);
        var innerName = innerTable.Alias?.Name.Value ?? innerTable.Name.Last.Value;
        // SELECT * and t.* are the table's columns, named, so the rows can be renamed as the subquery names them.
        var selected = new List<ExpressionItem>();
        foreach (var item in inner.Items)
        {
            if (item is ExpressionItem expression) selected.Add(expression);
            else if (table is { View: null } && item is StarItem { Qualifier: var qualifier }
                     && (qualifier is null || qualifier.Parts.Count == 1 && qualifier.Parts[0].Value == innerName))
                selected.AddRange(table.Columns.Select(c => new ExpressionItem(item.Span,
                    new ColumnReference(item.Span, [new Identifier(item.Span, innerName, true), new Identifier(item.Span, c.Name, true)], false),
                    new Identifier(item.Span, c.Name, true))));
            else
            {
                Unsupported(item, "this * in a LATERAL subquery is not supported; name its columns");
                return null;
            }
        }
        var outerNames = relations.Select(r => r.Name).ToList();
        var split = SplitCorrelation(inner, [innerTable], outerNames, "a LATERAL subquery", help);
        if (split is null) return null;
        var (correlations, rest) = split.Value;
        if (correlations.Count == 0 || selected.Any(i => ReadsOuter(i.Expression, [innerTable], outerNames))
            || (innerOnly?.Invoke(inner) ?? []).Any(e => ReadsOuter(e, [innerTable], outerNames)))
        {
            Unsupported(lateral, $"this LATERAL subquery is not supported yet: it must read the outer tables only in equalities of its WHERE (inner = outer.column, naming the outer table); {help}");
            return null;
        }
        if (alias.ColumnNames.Count > selected.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, alias.ColumnNames[selected.Count].Span,
                $"\"{alias.Name.Value}\" has {selected.Count} columns available but {alias.ColumnNames.Count} column names were given");
            return null;
        }
        return new LateralSubquery(innerTable, table, innerName, alias, correlations, rest, selected);
    }

    /// <summary>
    /// <c>FROM o, LATERAL (SELECT agg(x) AS a, … FROM t WHERE t.k = o.k AND p) AS l</c>: a LATERAL subquery that
    /// aggregates without GROUP BY has exactly one row per outer row, like a correlated scalar subquery with several
    /// values. It is bound as <c>o LEFT JOIN (SELECT t.k, agg(x), … FROM t WHERE p GROUP BY t.k) AS l ON l.k = o.k</c>,
    /// the grouped subquery kept whole, and its columns read as the aggregates' values over no rows where nothing
    /// matches: 0 for count, NULL for the others. With one row per outer row, <c>LEFT JOIN LATERAL … ON TRUE</c> is
    /// the same join.
    /// </summary>
    private bool BindLateralAggregate(DerivedTable lateral, List<RelationBinding> relations, List<FromTree> items, JoinType type, Expression? on)
    {
        const string help = "join a subquery grouped by the correlated columns instead";
        if (lateral.Query is not { With: null, Limit: null, Offset: null, OrderBy.Count: 0,
                Body: SelectCore { GroupBy: null, Having: null, Windows.Count: 0, Distinct: DistinctKind.None, From: [NamedTable innerTable] } inner }
            || inner.Items.Any(i => i is not ExpressionItem { Expression: FunctionCall { Over: null, OverWindowName: null } call } || !IsAggregateCall(call)))
        {
            Unsupported(lateral, $"a LATERAL subquery that aggregates is supported when it reads one table and selects aggregate calls without GROUP BY (one row per outer row); {help}");
            return false;
        }
        if (on is not null)
        {
            // A padded row of LEFT JOIN LATERAL … ON false-for-it reads NULL where the aggregate over no rows reads 0.
            Unsupported(on, "JOIN LATERAL over an aggregating subquery is supported with ON TRUE; write other conditions in WHERE");
            return false;
        }
        if (MatchLateral(lateral, inner, innerTable, relations, items, help, leftJoined: true) is not { } shape) return false;
        var (correlations, selected) = (shape.Correlations, shape.Selected);

        var span = lateral.Span;
        var values = selected.Select((item, i) => new ExpressionItem(item.Span, item.Expression, new Identifier(span, $"__value{i + 1}", true)));
        if (BindGroupedByCorrelation(lateral.Query, inner, correlations, shape.Rest, values, shape.Alias.Name.Value, "__corr", lateral, relations) is not { } perKey)
            return false;

        // The subquery's columns, by the names it gives them, each reading its stored value (0 for a count over no rows).
        var columns = selected.Select((item, i) =>
        {
            var stored = perKey.Columns[correlations.Count + i];
            var name = shape.ColumnName(i);
            var definition = ValueOverNoRows((FunctionCall)item.Expression, ColumnOf(stored, span));
            return new VisibleColumn(name, stored.Relation, new CatalogColumn(name, definition.Type, false), definition);
        }).ToList();
        // Qualified references (l.a) resolve through the relation's derived columns, unqualified ones through the join's.
        // The correlation columns stay reachable for the join condition only, under names a query does not use.
        var correlationColumns = perKey.Columns.Take(correlations.Count).Select(c => c with { Definition = ColumnOf(c, span), Hidden = true });
        var relation = perKey.Relation with { DerivedColumns = [.. columns, .. correlationColumns] };
        relations[relations.IndexOf(perKey.Relation)] = relation;
        JoinOnCorrelation(items, perKey with { Relation = relation }, JoinType.Left, "__corr", correlations, span,
            columns.Select(c => c with { Relation = relation }).ToList());
        NoteRewrite(lateral, $"LATERAL subquery \"{shape.Alias.Name.Value}\" (aggregates, one row per outer row) → LEFT JOIN onto it grouped by its correlated columns, kept whole");
        return true;
    }

    /// <summary>
    /// <c>FROM o, LATERAL (SELECT x, … FROM t WHERE t.k = o.k AND p) AS l</c>: the filtered rows of t that match each outer
    /// row, which is the inner join <c>o JOIN (SELECT t.k, x, … FROM t WHERE p) AS l ON l.k = o.k</c>, the subquery
    /// flattened like any other.
    /// </summary>
    private bool BindLateralRows(DerivedTable lateral, List<RelationBinding> relations, List<FromTree> items, JoinType type, Expression? on)
    {
        const string help = "join the table on those columns instead";
        if (lateral.Query is not { With: null, OrderBy.Count: 0,
                Body: SelectCore { Windows.Count: 0, Distinct: DistinctKind.None, From: [NamedTable innerTable] } inner }
            || inner.Items.Any(i => i is ExpressionItem { Expression: var e } && ContainsWindowCall(e)))
        {
            Unsupported(lateral, "a LATERAL subquery is supported when it reads one table and aggregates without GROUP BY, keeps its first rows (ORDER BY … LIMIT), or filters its rows (without DISTINCT or window functions)");
            return false;
        }
        if (type != JoinType.Inner)
        {
            Unsupported(lateral, "LEFT JOIN LATERAL over a subquery that neither aggregates nor has a LIMIT is not supported yet; write a LEFT JOIN of the table");
            return false;
        }
        if (MatchLateral(lateral, inner, innerTable, relations, items, help, leftJoined: false) is not { } shape) return false;
        var span = lateral.Span;
        var names = shape.Correlations.Select((_, i) => new Identifier(span, $"__corr{i + 1}", true))
            .Concat(shape.Selected.Select((_, i) => new Identifier(span, shape.ColumnName(i), true))).ToList();
        var rows = lateral.Query with
        {
            Body = inner with
            {
                Items = [.. shape.Correlations.Select(c => new ExpressionItem(c.Inner.Span, c.Inner, null)), .. shape.Selected],
                Where = Conjunction(shape.Rest, span),
            },
        };
        if (BindDerived(rows, shape.Alias.Name.Value, names, lateral, relations) is not FromDerived flattened) return false;
        var derived = flattened.Columns.Select((c, i) => c with { Hidden = i < shape.Correlations.Count }).ToList();
        var relation = flattened.Relation with { DerivedColumns = [.. derived.Skip(shape.Correlations.Count), .. derived.Take(shape.Correlations.Count)] };
        relations[relations.IndexOf(flattened.Relation)] = relation;
        var visible = derived.Skip(shape.Correlations.Count).Select(c => c with { Relation = relation }).ToList();
        JoinOnCorrelation(items, flattened with { Relation = relation, Columns = visible }, JoinType.Inner, "__corr", shape.Correlations, span, visible, on);
        NoteRewrite(lateral, $"LATERAL subquery \"{shape.Alias.Name.Value}\" (filtered rows) → JOIN onto the subquery on its correlated columns, flattened");
        return true;
    }

    private static Expression? Conjunction(IReadOnlyList<Expression> conjuncts, SourceSpan span) =>
        conjuncts.Count == 0 ? null : conjuncts.Aggregate((a, b) => new BinaryExpression(span, a, "AND", b));

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
                Where = Conjunction(rest, span),
                GroupBy = new GroupByClause(span, false, correlations.Select(c => (GroupingElement)new GroupingExpression(c.Inner.Span, c.Inner)).ToList()),
            },
        };
        return BindKeptWhole(grouped, name, [], at, relations) as FromRelation;
    }

    /// <summary>
    /// Replaces the FROM items by their inner join (a comma is a cross join) joined (LEFT or inner) to the subquery on its
    /// keys equal to the outer sides of the correlations, and <paramref name="also"/> (a JOIN's own ON condition);
    /// <paramref name="columns"/> are the subquery's visible ones.
    /// </summary>
    private static void JoinOnCorrelation(List<FromTree> items, FromTree perKey, JoinType type, string keyPrefix,
        IReadOnlyList<(Expression Inner, Expression Outer)> correlations, SourceSpan span, IReadOnlyList<VisibleColumn> columns, Expression? also = null)
    {
        var name = perKey switch { FromRelation r => r.Relation.Name, FromDerived d => d.Relation.Name, _ => throw new ArgumentException("a relation", nameof(perKey)) };
        var on = correlations.Select((c, i) => (Expression)new BinaryExpression(span,
                new ColumnReference(span, [new Identifier(span, name, true), new Identifier(span, $"{keyPrefix}{i + 1}", true)], false), "=", c.Outer))
            .Append(also).OfType<Expression>()
            .Aggregate((a, b) => new BinaryExpression(span, a, "AND", b));
        var whole = items.Skip(1).Aggregate(items[0], (left, right) => new FromJoin(left, right, JoinType.Inner, null, [], [.. left.Columns, .. right.Columns]));
        items.Clear();
        items.Add(new FromJoin(whole, perKey, type, on, [], [.. whole.Columns, .. columns]));
    }

    /// <summary>An aggregate's value read through the LEFT JOIN: over no rows count is 0, every other aggregate NULL (the padding).</summary>
    private static BoundExpression ValueOverNoRows(FunctionCall call, BoundColumn value) =>
        call.Name.Last.Value == "count"
            ? new BoundSyntaxForm(value.Span, value.Type, "coalesce", ["COALESCE(", ", 0)"], [value])
            : value;
}
