using Trickle.Compiler.Binding;

namespace Trickle.Compiler.Ir;

/// <summary>
/// Rewrites every expression of one plan level: conditions, filters, projections, group keys, aggregate and window
/// arguments, orders and set-returning calls. Subqueries kept whole are plans of their own, with their own names, and
/// are left as they are.
/// </summary>
public static class PlanExpressions
{
    public static RelNode Rewrite(RelNode node, BoundTreeRewriter rewriter)
    {
        BoundExpression E(BoundExpression expression) => rewriter.Rewrite(expression);
        AggregateOrder O(AggregateOrder order) => order with { Expression = E(order.Expression) };
        RelNode R(RelNode input) => Rewrite(input, rewriter);
        return node switch
        {
            ScanNode scan => scan with { Expansions = scan.Expansions.Select(x => x with { Call = (BoundFunctionCall)E(x.Call) }).ToList() },
            JoinNode join => join with { Left = R(join.Left), Right = R(join.Right), Condition = join.Condition is null ? null : E(join.Condition) },
            FilterNode filter => new FilterNode(R(filter.Input), E(filter.Predicate)),
            ProjectNode project => new ProjectNode(R(project.Input), project.Columns.Select(c => c with { Expression = E(c.Expression) }).ToList()),
            AggregateNode aggregate => aggregate with
            {
                Input = R(aggregate.Input),
                GroupKeys = aggregate.GroupKeys.Select(E).ToList(),
                Aggregates = aggregate.Aggregates.Select(a => a with
                {
                    Argument = a.Argument is null ? null : E(a.Argument),
                    ExtraArguments = a.ExtraArguments.Select(E).ToList(),
                    OrderBy = a.OrderBy.Select(O).ToList(),
                    Filter = a.Filter is null ? null : E(a.Filter),
                }).ToList(),
            },
            DistinctNode distinct => new DistinctNode(R(distinct.Input)),
            DistinctOnNode distinctOn => new DistinctOnNode((ProjectNode)R(distinctOn.Input), distinctOn.Keys.Select(E).ToList(),
                distinctOn.TieBreakers.Select(O).ToList()),
            WindowNode window => new WindowNode(R(window.Input), window.Calls.Select(c => c with
            {
                Arguments = c.Arguments.Select(E).ToList(),
                Filter = c.Filter is null ? null : E(c.Filter),
                PartitionBy = c.PartitionBy.Select(E).ToList(),
                OrderBy = c.OrderBy.Select(O).ToList(),
            }).ToList()),
            TopKNode topK => topK with { Input = R(topK.Input), Order = topK.Order.Select(O).ToList() },
            SetOperationNode setOperation => setOperation with { Inputs = setOperation.Inputs.Select(R).ToList() },
            _ => throw new InvalidOperationException($"unknown IR node {node.GetType().Name}"),
        };
    }
}
