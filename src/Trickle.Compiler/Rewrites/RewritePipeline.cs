using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>The passes in the order they run. Each sees the output of the one before.</summary>
public static class RewritePipeline
{
    public static IReadOnlyList<RewritePass> Default { get; } =
    [
        new RightToLeftJoin(),
        new FlattenSubqueries(),
        new SemiJoinOnComparisonToExtremes(),
        new NullRejectedLeftJoinToInner(),
        new PaddedJoinToSubquery(),
        new SemiJoinOnGroupKeysToJoin(),
        new OuterJoinBesideSubqueriesToKeptRows(),
        new GroupingSetsToUnion(),
        new DistinctToGroups(),
        new DistinctOnToFirstRows(),
        new WindowToPartitionGroups(),
        new TopKToCountedRows(),
        new ProjectionToCountedGroups(),
        new AvgToSumAndCount(),
    ];

    public static RelNode Run(RelNode plan, IEnumerable<string>? disabled = null, Action<RewritePass, RelNode>? afterPass = null)
    {
        var skip = disabled?.ToHashSet() ?? [];
        foreach (var pass in Default.Where(p => !skip.Contains(p.Name)))
        {
            plan = ApplyEverywhere(pass, plan);
            afterPass?.Invoke(pass, plan);
        }
        return plan;
    }

    /// <summary>A pass rewrites the root of a plan; a subquery kept whole is a plan of its own, rewritten at its root too.</summary>
    private static RelNode ApplyEverywhere(RewritePass pass, RelNode plan) =>
        pass.Apply(WithSubplans(plan, subplan => ApplyEverywhere(pass, subplan)));

    private static RelNode WithSubplans(RelNode node, Func<RelNode, RelNode> rewrite) => node switch
    {
        ScanNode { Subplan: { } subplan } scan => scan with { Subplan = rewrite(subplan) },
        ScanNode => node,
        JoinNode join => join with { Left = WithSubplans(join.Left, rewrite), Right = WithSubplans(join.Right, rewrite) },
        FilterNode filter => filter with { Input = WithSubplans(filter.Input, rewrite) },
        ProjectNode project => project with { Input = WithSubplans(project.Input, rewrite) },
        AggregateNode aggregate => aggregate with { Input = WithSubplans(aggregate.Input, rewrite) },
        DistinctNode distinct => distinct with { Input = WithSubplans(distinct.Input, rewrite) },
        DistinctOnNode distinctOn => distinctOn with { Input = (ProjectNode)WithSubplans(distinctOn.Input, rewrite) },
        WindowNode window => window with { Input = WithSubplans(window.Input, rewrite) },
        TopKNode topK => topK with { Input = WithSubplans(topK.Input, rewrite) },
        SetOperationNode setOperation => setOperation with { Inputs = setOperation.Inputs.Select(i => WithSubplans(i, rewrite)).ToList() },
        _ => throw new InvalidOperationException($"unknown IR node {node.GetType().Name}"),
    };
}
