using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary><c>GROUP BY GROUPING SETS (…)</c>, <c>ROLLUP (…)</c>, <c>CUBE (…)</c> and <c>()</c>, with <c>GROUPING(…)</c>.</summary>
internal sealed partial class QueryBinder
{
    /// <summary>
    /// A query grouped by several grouping sets: one aggregate over every key any set uses, the sets listing which keys
    /// each groups by, and <c>GROUPING(…)</c> bound to the keys it names. Pass <c>grouping-sets-to-union</c> makes it
    /// the UNION ALL of one aggregate per set.
    /// </summary>
    private (RelNode, IReadOnlyList<CatalogTable>)? BindGroupingSets(SelectCore select, RelNode plan, ExpressionBinder binder, List<CatalogTable> sources)
    {
        if (select.GroupBy!.Distinct)
        {
            Unsupported(select.GroupBy, "GROUP BY DISTINCT is not supported yet");
            return null;
        }
        // The grouping sets of the clause: the product of each element's sets, as PostgreSQL expands them.
        var sets = new List<List<Expression>> { new() };
        foreach (var element in select.GroupBy.Elements)
            sets = sets.SelectMany(prefix => SetsOf(element).Select(set => prefix.Concat(set).ToList())).ToList();

        var keys = new List<BoundExpression>();
        int KeyIndex(Expression expression)
        {
            var resolved = ResolveGroupByReference(expression, select, binder.Scope);
            RejectAggregates(resolved, "GROUP BY");
            var key = binder.Bind(resolved);
            var index = keys.FindIndex(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(key));
            if (index >= 0) return index;
            keys.Add(key);
            return keys.Count - 1;
        }
        var setKeys = sets.Select(set => (IReadOnlyList<int>)set.Select(KeyIndex).Distinct().Order().ToList()).ToList();
        if (diagnostics.HasErrors) return null;

        var aggregates = new List<AggregateCall>();
        var postAggregation = new ExpressionBinder(binder.Scope, filePath, diagnostics, mode)
        {
            Interceptor = node => node is GroupingOperation grouping
                ? GroupingMask(grouping, keys, binder)
                : InterceptAfterGrouping(node, keys, aggregates, binder, grouped: true),
        };
        var outputs = BindOutputs(select.Items, binder.Scope, postAggregation.Bind);
        var having = select.Having is null ? null : postAggregation.Bind(select.Having);
        RelNode grouped = new AggregateNode(plan, keys, aggregates, Grouped: true, Multiplicity: false) { GroupingSets = setKeys };
        if (having is not null) grouped = new FilterNode(grouped, having);
        return (new ProjectNode(grouped, outputs), sources);
    }

    /// <summary>The grouping sets one GROUP BY element stands for, each a list of expressions.</summary>
    private static IEnumerable<List<Expression>> SetsOf(GroupingElement element)
    {
        static List<Expression> Fields(Expression e) => e is RowConstructor { ExplicitRow: false } row ? row.Fields.ToList() : [e];
        switch (element)
        {
            case GroupingExpression g:
                return [Fields(g.Expression)];
            case EmptyGroupingSet:
                return [[]];
            case Rollup rollup:
                // ROLLUP (a, b, c): (a, b, c), (a, b), (a), ().
                return Enumerable.Range(0, rollup.Elements.Count + 1).Reverse()
                    .Select(n => rollup.Elements.Take(n).SelectMany(Fields).ToList());
            case Cube cube:
                // CUBE (a, b): every subset, from all elements down to none.
                var count = cube.Elements.Count;
                return Enumerable.Range(0, 1 << count).Reverse()
                    .Select(mask => cube.Elements.Where((_, i) => (mask & (1 << (count - 1 - i))) != 0).SelectMany(Fields).ToList());
            case GroupingSets groupingSets:
                return groupingSets.Sets.SelectMany(SetsOf);
            default:
                throw new InvalidOperationException($"unknown grouping element {element.GetType().Name}");
        }
    }

    /// <summary><c>GROUPING(a, b, …)</c>: its arguments must be keys of the grouping sets.</summary>
    private BoundExpression GroupingMask(GroupingOperation call, IReadOnlyList<BoundExpression> keys, ExpressionBinder binder)
    {
        if (call.Arguments.Count is 0 or > 31)
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, call.Span, "GROUPING takes 1 to 31 arguments");
        var indexes = new List<int>();
        foreach (var argument in call.Arguments)
        {
            var bound = binder.Bind(argument);
            var index = keys.ToList().FindIndex(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(bound));
            if (index < 0)
                diagnostics.Error(DiagnosticCode.NotGrouped, filePath, argument.Span, "arguments to GROUPING must be grouping expressions of the associated query level");
            indexes.Add(index);
        }
        return new BoundGroupingMask(call.Span, indexes);
    }
}
