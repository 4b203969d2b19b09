using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>The passes in the order they run. Each sees the output of the one before.</summary>
public static class RewritePipeline
{
    public static IReadOnlyList<RewritePass> Default { get; } =
    [
        new RightToLeftJoin(),
        new DistinctToGroups(),
        new DistinctOnToFirstRows(),
        new ProjectionToCountedGroups(),
        new AvgToSumAndCount(),
    ];

    public static RelNode Run(RelNode plan, IEnumerable<string>? disabled = null, Action<RewritePass, RelNode>? afterPass = null)
    {
        var skip = disabled?.ToHashSet() ?? [];
        foreach (var pass in Default.Where(p => !skip.Contains(p.Name)))
        {
            plan = pass.Apply(plan);
            afterPass?.Invoke(pass, plan);
        }
        return plan;
    }
}
