using Trickle.Compiler.Binding;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A query with window functions is a bag of rows whose window values depend on the other rows of their partition.
/// It becomes counted groups of identical output rows, like any projection, with the window calls' common PARTITION BY
/// expressions added as keys (hidden when not selected): the Delta phase can then find the stored rows of a partition
/// a change touches, remove them, and put that partition back as it is recomputed now.
/// <code>Project[e1..en](Filter?(Window(X)))  ⇒  Project[key refs](Aggregate counted keys=[e1..en, p1..pk](Filter?(Window(X))))</code>
/// </summary>
public sealed class WindowToPartitionGroups : RewritePass
{
    public override string Name => "window-to-partition-groups";

    public override RelNode Apply(RelNode plan)
    {
        if (plan is not ProjectNode project || WindowBelow(project.Input) is not { } window) return plan;
        var grouped = (ProjectNode)ProjectionToCountedGroups.Group(project, multiplicity: true);
        var aggregate = (AggregateNode)grouped.Input;
        var keys = aggregate.GroupKeys.ToList();
        var keyTexts = keys.Select(SqlExpressionPrinter.Canonical).ToHashSet();
        keys.AddRange(window.CommonPartition.Where(p => keyTexts.Add(SqlExpressionPrinter.Canonical(p))));
        return grouped with { Input = aggregate with { GroupKeys = keys } };
    }

    /// <summary>The window operator under a projection, through the filters that apply to its rows (<c>WHERE rn &lt;= 3</c>).</summary>
    private static WindowNode? WindowBelow(RelNode node)
    {
        while (node is FilterNode filter) node = filter.Input;
        return node as WindowNode;
    }
}
