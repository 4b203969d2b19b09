using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// AVG is not invertible, but SUM and COUNT are: AVG(x) = SUM(x) / COUNT(x). PostgreSQL computes avg of integers and
/// numerics exactly that way (numeric division of the sum by the count), so the result, scale included, is identical.
/// Floating-point AVG is left alone: re-associating float additions would change the last digits.
/// <code>Aggregate[avg(x)] ⇒ Aggregate[sum(x), count(x)] and the reference becomes CAST(sum AS numeric) / CAST(count AS numeric)</code>
/// </summary>
public sealed class AvgToSumAndCount : RewritePass
{
    public override string Name => "avg-to-sum-and-count";

    public override RelNode Apply(RelNode plan)
    {
        if (plan is not ProjectNode project) return plan;
        var (aggregate, having) = project.Input switch
        {
            AggregateNode a => (a, (FilterNode?)null),
            FilterNode { Input: AggregateNode a } f => (a, f),
            _ => (null, null),
        };
        if (aggregate is null || !aggregate.Aggregates.Any(IsExactAverage)) return plan;

        var aggregates = new List<AggregateCall>();
        var replacement = new Dictionary<int, BoundExpression>();
        int IndexOf(AggregateCall call)
        {
            var key = call.CanonicalText;
            var index = aggregates.FindIndex(a => a.CanonicalText == key);
            if (index >= 0) return index;
            aggregates.Add(call);
            return aggregates.Count - 1;
        }
        for (var i = 0; i < aggregate.Aggregates.Count; i++)
        {
            var call = aggregate.Aggregates[i];
            if (!IsExactAverage(call))
            {
                replacement[i] = new BoundAggregateRef(call.Span, call.ResultType, IndexOf(call));
                continue;
            }
            var sumType = call.Argument!.Type.Name is "smallint" or "integer" ? SqlType.BigInt : SqlType.NumericType;
            var sum = new BoundAggregateRef(call.Span, sumType, IndexOf(call with { Function = AggregateFunction.Sum, ResultType = sumType }));
            var count = new BoundAggregateRef(call.Span, SqlType.BigInt, IndexOf(call with { Function = AggregateFunction.Count, ResultType = SqlType.BigInt }));
            // The sum is NULL exactly when the count is 0, so the division never sees a zero divisor.
            replacement[i] = new BoundBinary(call.Span, SqlType.NumericType,
                new BoundCast(call.Span, SqlType.NumericType, sum), "/", new BoundCast(call.Span, SqlType.NumericType, count));
        }
        var remap = new LeafRewriter(e => e is BoundAggregateRef r ? replacement[r.Index] : e);
        RelNode input = aggregate with { Aggregates = aggregates };
        if (having is not null)
            input = new FilterNode(input, remap.Rewrite(having.Predicate));
        return new ProjectNode(input, project.Columns.Select(c => c with { Expression = remap.Rewrite(c.Expression) }).ToList());
    }

    private static bool IsExactAverage(AggregateCall call) =>
        call.Function == AggregateFunction.Avg && call.Argument!.Type.Category is TypeCategory.Integer or TypeCategory.Numeric;

}
