using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>The subquery kept whole that holds the groups of an aggregate query with window functions.</summary>
    private const string GroupsRelation = "__groups";

    /// <summary>
    /// Window functions of an aggregate query (<c>rank() OVER (ORDER BY sum(v))</c>, <c>sum(count(*)) OVER ()</c>) run
    /// over its groups, after GROUP BY and HAVING, as in PostgreSQL. The groups become a subquery kept whole, maintained
    /// like any aggregating subquery, and the windows read its rows: the plan is the one of
    /// <c>SELECT … OVER (…) FROM (SELECT keys, aggregates … GROUP BY … HAVING …) AS "__groups"</c>, so a change
    /// recomputes only the window partitions whose groups it changed.
    /// </summary>
    private (RelNode, IReadOnlyList<CatalogTable>)? BindWindowsOverGroups(SelectCore select, RelNode plan, ExpressionBinder binder,
        BindingScope scope, IReadOnlyList<CatalogTable> sources, TopKClause? topK)
    {
        if (topK is not null)
        {
            Unsupported(topK.At, "LIMIT over a query with window functions or DISTINCT is not supported yet");
            return null;
        }
        if (select.GroupBy is { Elements: var elements } && elements.FirstOrDefault(e => e is not GroupingExpression) is { } groupingSet)
        {
            Unsupported(groupingSet, "window functions over GROUPING SETS, ROLLUP or CUBE are not supported yet");
            return null;
        }

        var grouped = select.GroupBy is not null;
        var keys = BindGroupKeys(select, binder);
        var aggregates = new List<AggregateCall>();
        var windowCalls = new List<WindowCall>();
        var afterGrouping = new ExpressionBinder(scope, filePath, diagnostics, mode)
        {
            Interceptor = node => InterceptAfterGrouping(node, keys, aggregates, binder, grouped),
        };
        ExpressionBinder? windowed = null;
        windowed = new ExpressionBinder(scope, filePath, diagnostics, mode)
        {
            Interceptor = node => node is FunctionCall call && IsWindowCall(call)
                ? BindWindowCall(call, windowCalls, windowed!, select, groupKeys: keys)
                : InterceptAfterGrouping(node, keys, aggregates, binder, grouped),
        };
        var outputs = BindOutputs(select.Items, scope, windowed.Bind);
        var having = select.Having is null ? null : afterGrouping.Bind(select.Having);
        if (diagnostics.HasErrors) return null;

        // The groups: every key and every aggregate the query reads, as columns of the subquery.
        var columns = keys.Select((key, i) => new OutputColumn(KeyColumn(i), new BoundGroupKeyRef(key.Span, key.Type, i)))
            .Concat(aggregates.Select((aggregate, j) => new OutputColumn(AggregateColumn(j), new BoundAggregateRef(aggregate.Span, aggregate.ResultType, j))))
            .ToList();
        RelNode groups = new AggregateNode(plan, keys, aggregates, grouped, Multiplicity: false);
        if (having is not null)
            groups = new FilterNode(groups, having);
        NoteRewrite(select, "window functions of an aggregate query → over its groups, held as the subquery \"__groups\" kept whole");
        var shape = new CatalogTable("", GroupsRelation, columns.Select(c => new CatalogColumn(c.Name, c.Expression.Type, false)).ToList(), []);
        var rows = new ScanNode(shape, GroupsRelation) { Subplan = new ProjectNode(groups, columns) };

        var overRows = new LeafRewriter(leaf => leaf switch
        {
            BoundGroupKeyRef key => new BoundColumn(key.Span, key.Type, GroupsRelation, KeyColumn(key.Index)),
            BoundAggregateRef aggregate => new BoundColumn(aggregate.Span, aggregate.Type, GroupsRelation, AggregateColumn(aggregate.Index)),
            _ => leaf,
        });
        var calls = windowCalls.Select(call => call with
        {
            Arguments = call.Arguments.Select(overRows.Rewrite).ToList(),
            Filter = call.Filter is null ? null : overRows.Rewrite(call.Filter),
            PartitionBy = call.PartitionBy.Select(overRows.Rewrite).ToList(),
            OrderBy = call.OrderBy.Select(o => o with { Expression = overRows.Rewrite(o.Expression) }).ToList(),
        }).ToList();
        var projected = outputs.Select(o => o with { Expression = overRows.Rewrite(o.Expression) }).ToList();
        return (new ProjectNode(new WindowNode(rows, calls), projected), sources);
    }

    private static string KeyColumn(int index) => $"key{index + 1}";

    private static string AggregateColumn(int index) => $"aggregate{index + 1}";

    /// <summary>
    /// Groups differ in their keys, so a window whose PARTITION BY and ORDER BY read every GROUP BY key orders them
    /// totally; without GROUP BY there is one row. Otherwise tied groups would get values that depend on the order
    /// PostgreSQL reads them in.
    /// </summary>
    private void RequireTotalOrderOfGroups(FunctionCall call, string name, IReadOnlyList<BoundExpression> partition,
        IReadOnlyList<AggregateOrder> order, IReadOnlyList<BoundExpression> groupKeys, SelectCore select)
    {
        if (select.GroupBy is null) return;
        var ordered = partition.Concat(order.Select(o => o.Expression)).OfType<BoundGroupKeyRef>().Select(k => k.Index).ToHashSet();
        if (Enumerable.Range(0, groupKeys.Count).All(ordered.Contains)) return;
        diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, call.Span,
            $"{name}() gives groups that tie in PARTITION BY and ORDER BY values that depend on the order PostgreSQL reads them in, so a recomputation could disagree: "
            + "add every GROUP BY expression to its ORDER BY");
    }
}
