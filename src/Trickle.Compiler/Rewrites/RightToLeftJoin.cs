using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A RIGHT JOIN is a LEFT JOIN with its sides swapped; only LEFT JOIN then needs a delta rule. Output columns are
/// bound by name before this pass, so the swap does not change their order.
/// <code>Join[Right](A, B, c)  ⇒  Join[Left](B, A, c)</code>
/// </summary>
public sealed class RightToLeftJoin : RewritePass
{
    public override string Name => "right-to-left-join";

    public override RelNode Apply(RelNode plan) => plan switch
    {
        JoinNode { Type: JoinType.Right } join => new JoinNode(Apply(join.Right), Apply(join.Left), join.Condition, JoinType.Left),
        JoinNode join => join with { Left = Apply(join.Left), Right = Apply(join.Right) },
        FilterNode filter => filter with { Input = Apply(filter.Input) },
        ProjectNode project => project with { Input = Apply(project.Input) },
        AggregateNode aggregate => aggregate with { Input = Apply(aggregate.Input) },
        DistinctNode distinct => distinct with { Input = Apply(distinct.Input) },
        _ => plan,
    };
}
