using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>The LATERAL form that keeps the first rows per outer row (<c>ORDER BY … LIMIT</c>); see QueryBinder.Lateral.cs.</summary>
internal sealed partial class QueryBinder
{
    /// <summary>
    /// <c>FROM o, LATERAL (SELECT x, … FROM t WHERE t.k = o.k AND p ORDER BY s LIMIT n OFFSET m) AS l</c>: the first rows
    /// of t per outer row. They depend on the outer row only through the correlation values, so they are the first rows
    /// of each partition of t by those values:
    /// <c>o JOIN (SELECT t.k, x, … FROM (SELECT …, row_number() OVER (PARTITION BY t.k ORDER BY s) FROM t WHERE p)
    /// WHERE m &lt; rank &lt;= m + n) AS l ON l.k = o.k</c>, the ranked rows kept whole (a per-group top-k: a change
    /// recomputes only the partitions it touches). <c>FETCH FIRST n ROWS WITH TIES</c> ranks with <c>rank()</c>.
    /// Without WITH TIES the order must decide every tie, as for a top-k query. <c>LEFT JOIN LATERAL</c> pads the outer
    /// rows that have none.
    /// </summary>
    private bool BindLateralTopK(DerivedTable lateral, List<RelationBinding> relations, List<FromTree> items, JoinType type, Expression? on)
    {
        const string help = "its rows are ranked once per value of the correlated columns";
        var query = lateral.Query;
        if (query is not { With: null, Body: SelectCore { GroupBy: null, Having: null, Windows.Count: 0, Distinct: DistinctKind.None, From: [NamedTable innerTable] } inner }
            || inner.Items.Any(i => i is ExpressionItem { Expression: var e } && (ContainsAggregate(e) || ContainsWindowCall(e))))
        {
            Unsupported(lateral, "a LATERAL subquery with LIMIT is supported when it reads one table, without GROUP BY, aggregates, DISTINCT or window functions, correlated by equalities (inner = outer.column)");
            return false;
        }
        if (ReadTopKClause(query, "a LATERAL subquery") is not { } clause) return false;
        var (at, limit, offset) = (clause.At, clause.Limit, clause.Offset);
        if (query.LimitWithTies && offset > 0)
        {
            Unsupported(at, "OFFSET with FETCH FIRST … WITH TIES in a LATERAL subquery is not supported yet");
            return false;
        }
        var order = query.OrderBy.Select(o => o with { Expression = ResolveOutputReference(o.Expression, inner) }).ToList();
        if (MatchLateral(lateral, inner, innerTable, relations, items, help, leftJoined: type == JoinType.Left, _ => order.Select(o => o.Expression)) is not { } shape) return false;
        var (correlations, selected, innerName, table) = (shape.Correlations, shape.Selected, shape.InnerName, shape.Table);
        if (!query.LimitWithTies && limit is not 0 && (limit is not null || offset > 0) && table is not null
            && !DecidesEveryTie(table, innerName, correlations, order, selected)
            && BreakLateralTies(query, table, innerName, correlations, order, selected) is null)
            return false;

        // The ranked rows, then the rows kept, named as the subquery names them. The ranked rows keep the inner table's
        // name, so plans and explain read as the query does.
        var span = lateral.Span;
        Identifier Name(string value) => new(span, value, true);
        ColumnReference Ranked(string column) => new(span, [Name(innerName), Name(column)], false);
        var rankCall = new FunctionCall(span, new QualifiedName(span, [new Identifier(span, query.LimitWithTies ? "rank" : "row_number", false)]),
            [], false, false, [], [], null, new WindowSpecification(span, null, correlations.Select(c => c.Inner).ToList(), order, null), null, false);
        var ranked = new SelectCore(span, DistinctKind.None, [],
            [
                .. correlations.Select((c, i) => new ExpressionItem(c.Inner.Span, c.Inner, Name($"__corr{i + 1}"))),
                .. selected.Select((item, i) => new ExpressionItem(item.Span, item.Expression, Name($"__value{i + 1}"))),
                new ExpressionItem(span, rankCall, Name("__rank")),
            ],
            [innerTable], Conjunction(shape.Rest, span), null, null, []);
        var bounds = new List<Expression>();
        if (limit is not null) bounds.Add(new BinaryExpression(span, Ranked("__rank"), "<=", new NumericLiteral(span, (offset + limit.Value).ToString())));
        if (offset > 0) bounds.Add(new BinaryExpression(span, Ranked("__rank"), ">", new NumericLiteral(span, offset.ToString())));
        var kept = new Query(span, null, new SelectCore(span, DistinctKind.None, [],
            [
                .. correlations.Select((_, i) => new ExpressionItem(span, Ranked($"__corr{i + 1}"), Name($"__corr{i + 1}"))),
                .. selected.Select((_, i) => new ExpressionItem(span, Ranked($"__value{i + 1}"), Name(shape.ColumnName(i)))),
            ],
            [new DerivedTable(span, new Query(span, null, ranked, [], null, null, false), new TableAlias(span, Name(innerName), []), false)],
            Conjunction(bounds, span), null, null, []), [], null, null, false);
        if (BindKeptWhole(kept, shape.Alias.Name.Value, [], lateral, relations) is not FromRelation rows) return false;

        // Qualified references (l.x) resolve through the relation's derived columns, each reading its stored column.
        var derived = rows.Columns.Select((c, i) => c with { Definition = ColumnOf(c, span), Hidden = i < correlations.Count }).ToList();
        var relation = rows.Relation with { DerivedColumns = [.. derived.Skip(correlations.Count), .. derived.Take(correlations.Count)] };
        relations[relations.IndexOf(rows.Relation)] = relation;
        JoinOnCorrelation(items, rows with { Relation = relation }, type, "__corr", correlations, span,
            rows.Columns.Skip(correlations.Count).Select(c => c with { Relation = relation }).ToList(), on);
        NoteRewrite(lateral, $"LATERAL subquery \"{shape.Alias.Name.Value}\" (first rows per outer row) → {(type == JoinType.Left ? "LEFT JOIN" : "JOIN")} onto "
            + $"the rows of {innerTable.Name} ranked by {(query.LimitWithTies ? "rank" : "row_number")}() OVER (PARTITION BY its correlated columns ORDER BY …), "
            + $"{(offset > 0 ? $"{offset} < rank" : "rank")}{(limit is null ? "" : $" <= {offset + limit}")}, kept whole");
        return true;
    }

    /// <summary>
    /// A per-partition order that leaves ties at the limit, extended as a top-k query's is (QueryBinder.TopK.cs): by the
    /// subquery's selected columns in order, ascending with NULLs last, until it decides every tie; rows still tied then
    /// select identical values. The tie-breakers are appended to the subquery's ORDER BY in the query every
    /// recomputation runs, as ordinals, with warning TRK4102. Null (and TRK4004) when they cannot be: in a view's
    /// definition, or when a column whose type has no ordering would have to break ties.
    /// </summary>
    private List<SortItem>? BreakLateralTies(Query query, CatalogTable table, string innerName, IReadOnlyList<(Expression Inner, Expression Outer)> correlations,
        List<SortItem> order, IReadOnlyList<ExpressionItem> selected)
    {
        void Refuse(SourceSpan at, string why) => diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, at,
            "rows tied in this ORDER BY at the limit could be kept or dropped depending on the order PostgreSQL reads them in, so a recomputation could disagree"
            + why + $": add every primary-key column of {innerName}, or every column the subquery selects, or use FETCH FIRST … WITH TIES");
        if (_viewsExpanding.Count > 0)
        {
            Refuse(query.OrderBy[0].Span, "");
            return null;
        }
        string? ColumnName(Expression e) => Unparenthesize(e) is ColumnReference { Star: false, Parts: var parts }
            && (parts.Count == 1 || parts[^2].Value == innerName) && table.FindColumn(parts[^1].Value) is not null ? parts[^1].Value : null;
        var breakers = new List<(int Ordinal, string Name)>();
        for (var i = 0; i < selected.Count && !DecidesEveryTie(table, innerName, correlations, order, selected); i++)
        {
            var item = selected[i];
            var column = ColumnName(item.Expression);
            if (column is not null && order.Any(o => ColumnName(o.Expression) == column)) continue;
            if (column is not null && table.FindColumn(column)!.Type.LacksOrdering)
            {
                Refuse(item.Span, $" (column \"{column}\" is of type {table.FindColumn(column)!.Type}, which has no ordering, so it cannot break them)");
                return null;
            }
            order.Add(new SortItem(item.Span, item.Expression, SortDirection.Default, NullsOrder.Default, null));
            breakers.Add((i + 1, item.Alias?.Value ?? OutputColumnNamer.Name(item.Expression)));
        }
        NoteRewrite(query.OrderBy[0], $"ties at the limit → broken by the subquery's columns {string.Join(", ", breakers.Select(b => $"\"{b.Name}\""))}, appended to the ORDER BY as {string.Join(", ", breakers.Select(b => b.Ordinal))}");
        TextAdditions.Add(new QueryTextAddition(query.OrderBy[^1].Span.End, string.Concat(breakers.Select(b => $", {b.Ordinal}"))));
        diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, DiagnosticCode.TiesBrokenByOutputColumns.Id,
            "rows tied in this ORDER BY at the limit are ordered further by the subquery's "
            + (breakers.Count == 1 ? "column " : "columns ") + string.Join(", ", breakers.Select(b => $"\"{b.Name}\" ({b.Ordinal})"))
            + ", ascending with NULLs last, so every refresh and recomputation keeps the same rows; append "
            + string.Join(", ", breakers.Select(b => b.Ordinal)) + " to the ORDER BY to say so and silence this warning",
            filePath, query.OrderBy[0].Span));
        return order;
    }

    /// <summary>
    /// Whether a per-partition order leaves no tie that could show: it lists (with the partition's correlated columns)
    /// every primary-key column of the table, or every column the subquery selects.
    /// </summary>
    private static bool DecidesEveryTie(CatalogTable table, string name, IReadOnlyList<(Expression Inner, Expression Outer)> correlations,
        IReadOnlyList<SortItem> order, IReadOnlyList<ExpressionItem> selected)
    {
        string? ColumnName(Expression e) => Unparenthesize(e) is ColumnReference { Star: false, Parts: var parts }
            && (parts.Count == 1 || parts[^2].Value == name) && table.FindColumn(parts[^1].Value) is not null ? parts[^1].Value : null;
        var ordered = correlations.Select(c => c.Inner).Concat(order.Select(o => o.Expression)).Select(ColumnName).OfType<string>().ToHashSet();
        if (table.HasPrimaryKey && table.PrimaryKey.All(ordered.Contains)) return true;
        var read = selected.SelectMany(i => Descendants(i.Expression)).OfType<ColumnReference>().ToList();
        return read.Count > 0 && read.All(c => ColumnName(c) is { } column && ordered.Contains(column));
    }
}
