using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary><c>ORDER BY … LIMIT n [OFFSET m]</c> and <c>FETCH FIRST n ROWS { ONLY | WITH TIES }</c>: the first rows in an order.</summary>
internal sealed partial class QueryBinder
{
    /// <summary>A query's row limit, its constants read: <see cref="Limit"/> null means no limit (only OFFSET).</summary>
    private sealed record TopKClause(SyntaxNode At, IReadOnlyList<SortItem> OrderBy, long? Limit, long Offset, bool WithTies);

    /// <summary>
    /// The LIMIT/OFFSET/FETCH FIRST of a query, its constants read, with an ORDER BY that can decide ties; null (and a
    /// diagnostic) otherwise. <paramref name="what"/> names the query in messages ("a top-k query").
    /// </summary>
    private TopKClause? ReadTopKClause(Query query, string what)
    {
        var at = (SyntaxNode?)query.Limit ?? query.Offset!;
        long? Constant(Expression? expression, string clause)
        {
            if (expression is null or NullLiteral) return null;
            if (Unparenthesize(expression) is NumericLiteral { Text: var text } && long.TryParse(text, out var value) && value >= 0) return value;
            diagnostics.Error(DiagnosticCode.InvalidTopK, filePath, expression.Span, $"{clause} must be a non-negative integer constant in a stream table's query");
            return null;
        }
        var limit = Constant(query.Limit, query.LimitWithTies ? "FETCH FIRST" : "LIMIT");
        var offset = Constant(query.Offset, "OFFSET") ?? 0;
        if (diagnostics.HasErrors) return null;
        if (query.OrderBy.Count == 0)
        {
            diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, at.Span,
                "LIMIT/OFFSET without ORDER BY keeps whichever rows PostgreSQL reads first, so a recomputation could keep others: add an ORDER BY that decides every tie");
            return null;
        }
        if (query.OrderBy.FirstOrDefault(o => o.UsingOperator is not null) is { } usingItem)
        {
            Unsupported(usingItem, $"ORDER BY … USING in {what} is not supported yet");
            return null;
        }
        return new TopKClause(at, query.OrderBy, limit, offset, query.LimitWithTies);
    }

    private (RelNode, IReadOnlyList<CatalogTable>)? BindTopK(Query query)
    {
        if (ReadTopKClause(query, "a top-k query") is not { } clause) return null;
        var (at, limit, offset) = (clause.At, clause.Limit, clause.Offset);
        if (query.Body is not SelectCore select)
        {
            Unsupported(at, "LIMIT over a set operation is not supported yet");
            return null;
        }
        if (select.Distinct == DistinctKind.DistinctOn)
        {
            Unsupported(at, "LIMIT with DISTINCT ON is not supported yet");
            return null;
        }
        if (!Aggregates(select) && select.Distinct == DistinctKind.None)
            return BindSelect(select, [], clause);

        // The first groups of an aggregate (or DISTINCT) query: its rows are a subquery kept whole, and the order reads
        // its output columns, named by position or by name.
        var grouped = new Query(select.Span, query.With, select, [], null, null, false);
        if (BindKeptWhole(grouped, "ranked rows", [], select, []) is not FromRelation rows) return null;
        var project = RowsOf(rows, select.Span);
        BoundExpression? OutputColumn(SortItem item)
        {
            var expression = Unparenthesize(item.Expression);
            if (expression is NumericLiteral { Text: var text } && int.TryParse(text, out var ordinal) && ordinal >= 1 && ordinal <= project.Columns.Count)
                return project.Columns[ordinal - 1].Expression;
            if (expression is ColumnReference { Parts: [var name], Star: false } && project.Columns.FirstOrDefault(c => c.Name == name.Value) is { } named)
                return named.Expression;
            Unsupported(item, "in a top-k query that aggregates or uses DISTINCT, ORDER BY must name output columns (by name or position)");
            return null;
        }
        var scope = new BindingScope([rows.Relation], rows.Columns) { Types = catalog.Types };
        var order = BindTopKOrder(clause, select, OutputColumn, scope, project.Columns, RowKey(rows.Relation.Subplan!, project.Columns));
        return order is null ? null
            : (new ProjectNode(new TopKNode(project.Input, order, limit, offset, query.LimitWithTies), project.Columns), rows.Relation.SubplanSources);
    }

    /// <summary>
    /// The ORDER BY of a top-k query, bound, with the tie-breakers it needs. Without WITH TIES the rows kept at the limit
    /// (and skipped at the offset) must not depend on how PostgreSQL happens to break ties, or a recomputation could keep
    /// other rows than the maintained result: an order that lists every primary-key column of every table, the columns
    /// that identify a grouped row, or every column the output reads decides every tie as written. Any other order is
    /// extended by the output columns, in output-column order (ascending, NULLs last; a column whose type has no
    /// ordering is passed over), up to the first one after which it decides every tie: rows still tied then have identical output columns, so whichever of them is kept, the rows
    /// kept are the same multiset — how many of the tied identical rows are kept is fixed by their position. The
    /// tie-breakers are appended to the query text every recomputation runs (as ordinals after the last ORDER BY item),
    /// and warning TRK4102 says which they are.
    /// </summary>
    private List<AggregateOrder>? BindTopKOrder(TopKClause topK, SelectCore select, Func<SortItem, BoundExpression?> bind, BindingScope scope,
        IReadOnlyList<OutputColumn> outputs, IReadOnlyList<BoundExpression>? rowKey = null)
    {
        var order = new List<AggregateOrder>();
        foreach (var item in topK.OrderBy)
        {
            if (bind(item) is not { } bound) return null;
            if (bound.Type.LacksEquality)
            {
                diagnostics.Error(DiagnosticCode.UnsupportedType, filePath, item.Span,
                    $"values of type {bound.Type} have no equality operator, so ties at the limit cannot be decided");
                return null;
            }
            order.Add(new AggregateOrder(bound, SortSuffix(item)));
        }
        // No limit and no offset keeps every row, LIMIT 0 none: no tie can matter.
        if (topK.Limit is null && topK.Offset == 0 || topK.Limit == 0 || DecidesEveryTie(order, select, scope, outputs, rowKey)) return order;
        var written = string.Join(", ", scope.Relations.Select(r => r.Name));
        if (topK.WithTies)
        {
            if (topK.Offset == 0) return order;
            // WITH TIES keeps every row tied with the last one kept, but which of the rows tied at the offset it skips is
            // still up to PostgreSQL; a tie-breaker would change which rows count as tied with the last.
            diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, topK.OrderBy[0].Span,
                "rows tied in this ORDER BY at the OFFSET could be skipped or kept depending on the order PostgreSQL reads them in, so a recomputation could disagree: "
                + $"add every primary-key column of {written}, or every column the query selects, or drop the OFFSET");
            return null;
        }
        if (_viewsExpanding.Count > 0)
        {
            // The tie-breakers would have to be added to the view's definition, which a recomputation reads as it is.
            diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, topK.OrderBy[0].Span,
                "rows tied in this ORDER BY at the limit could be kept or dropped depending on the order PostgreSQL reads them in, so a recomputation could disagree: "
                + $"add every primary-key column of {written}, or every column the query selects, or use FETCH FIRST … WITH TIES");
            return null;
        }

        var breakers = new List<(int Ordinal, string Name)>();
        var unordered = new List<int>();
        for (var i = 0; i < outputs.Count && !DecidesEveryTie(order, select, scope, outputs, rowKey); i++)
        {
            var output = outputs[i];
            if (order.Any(o => SameExpression(o.Expression, output.Expression))) continue;
            // A value ORDER BY cannot sort cannot break a tie; a later column (a key) still may.
            if (output.Expression.Type.LacksOrdering)
            {
                unordered.Add(i);
                continue;
            }
            order.Add(new AggregateOrder(output.Expression, ""));
            breakers.Add((i + 1, output.Name));
        }
        if (unordered.Count > 0 && !DecidesEveryTie(order, select, scope, outputs, rowKey))
        {
            var (index, column) = (unordered[0], outputs[unordered[0]]);
            diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, OutputSpan(select, index, column.Expression),
                $"rows tied in the ORDER BY at {topK.OrderBy[0].Span.Line}:{topK.OrderBy[0].Span.Column} at the limit are ordered further by the output columns, "
                + $"but column \"{column.Name}\" is of type {column.Expression.Type}, which has no ordering, so rows differing only in it stay tied: "
                + $"add columns that decide every tie to the ORDER BY (every primary-key column of {written}), or use FETCH FIRST … WITH TIES");
            return null;
        }
        NoteRewrite(topK.OrderBy[0], $"ties at the limit → broken by the output columns {string.Join(", ", breakers.Select(b => $"\"{b.Name}\""))}, appended to the ORDER BY as {string.Join(", ", breakers.Select(b => b.Ordinal))}");
        TextAdditions.Add(new QueryTextAddition(topK.OrderBy[^1].Span.End, string.Concat(breakers.Select(b => $", {b.Ordinal}"))));
        diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, DiagnosticCode.TiesBrokenByOutputColumns.Id,
            "rows tied in this ORDER BY at the limit are ordered further by the output "
            + (breakers.Count == 1 ? "column " : "columns ") + string.Join(", ", breakers.Select(b => $"\"{b.Name}\" ({b.Ordinal})"))
            + ", ascending with NULLs last, so every refresh and recomputation keeps the same rows; append "
            + string.Join(", ", breakers.Select(b => b.Ordinal)) + " to the ORDER BY to say so and silence this warning",
            filePath, topK.OrderBy[0].Span));
        return order;
    }

    /// <summary>
    /// Whether an order leaves no tie at the limit that could show in the result: it lists every primary-key column of
    /// every table read, or the columns that identify a grouped row, or every column the output reads (from a select
    /// list without <c>*</c>), or every output column itself. In the last two cases rows may still tie, but only rows
    /// whose output is identical.
    /// </summary>
    private static bool DecidesEveryTie(IReadOnlyList<AggregateOrder> order, SelectCore select, BindingScope scope, IReadOnlyList<OutputColumn> outputs,
        IReadOnlyList<BoundExpression>? rowKey)
    {
        var ordered = order.Select(o => o.Expression).OfType<BoundColumn>().Select(c => (c.Relation, c.ColumnName)).ToHashSet();
        var everyRowOrdered = scope.Relations.All(r => r.Table.HasPrimaryKey && r.Table.PrimaryKey.All(column => ordered.Contains((r.Name, column))));
        var read = outputs.SelectMany(o => ColumnPairs(o.Expression)).ToHashSet();
        var keyOrdered = rowKey is not null && rowKey.OfType<BoundColumn>().All(k => ordered.Contains((k.Relation, k.ColumnName)));
        return everyRowOrdered || keyOrdered
            || read.Count > 0 && read.IsSubsetOf(ordered) && select.Items.All(i => i is ExpressionItem)
            || outputs.All(output => order.Any(o => SameExpression(o.Expression, output.Expression)));
    }

    private static bool SameExpression(BoundExpression left, BoundExpression right) =>
        SqlExpressionPrinter.Canonical(left) == SqlExpressionPrinter.Canonical(right);

    /// <summary>Where output column <paramref name="index"/> is written: its select-list item, or (from a <c>*</c>) the expression's own span.</summary>
    private static SourceSpan OutputSpan(SelectCore select, int index, BoundExpression expression) =>
        select.Items.All(i => i is ExpressionItem) && index < select.Items.Count ? select.Items[index].Span : expression.Span;

    /// <summary>
    /// Output columns of grouped rows kept whole that identify a row: the GROUP BY keys when all are selected (no GROUP
    /// BY: the one row needs none), every column of DISTINCT rows. Null when the selected columns do not identify a row.
    /// </summary>
    private static IReadOnlyList<BoundExpression>? RowKey(RelNode subplan, IReadOnlyList<OutputColumn> columns)
    {
        if (subplan is DistinctNode) return columns.Select(c => c.Expression).ToList();
        if (subplan is not ProjectNode { Input: var input } project) return null;
        while (input is FilterNode filter) input = filter.Input;
        if (input is not AggregateNode aggregate) return null;
        var selectedKeys = project.Columns.Select((c, i) => (c.Expression, Column: columns[i].Expression))
            .Where(p => p.Expression is BoundGroupKeyRef).ToList();
        var covered = selectedKeys.Select(p => ((BoundGroupKeyRef)p.Expression).Index).ToHashSet();
        return covered.Count == aggregate.GroupKeys.Count ? selectedKeys.Select(p => p.Column).ToList() : null;
    }
}
