using Trickle.Compiler.Binding;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A projection over tables (one, or inner-joined) is a bag: identical output rows must be kept with their multiplicity, with or without
/// a primary key. Rewriting it as groups of identical output rows with a row count makes it the same shape as an
/// aggregate (a Z-set: each distinct row with its weight), so one delta rule maintains both: a change adds or
/// subtracts weight, and a row disappears exactly when its weight reaches zero.
/// <code>Project[e1..en](X)  ⇒  Project[key refs](Aggregate counted keys=[e1..en] aggs=[](X))</code>
/// </summary>
public sealed class ProjectionToCountedGroups : RewritePass
{
    public override string Name => "projection-to-counted-groups";

    public override RelNode Apply(RelNode plan) => plan switch
    {
        ProjectNode project when ReadsRowsDirectly(project) => Group(project, multiplicity: true),
        _ => plan,
    };

    /// <summary>True when the projection reads table rows through filters and inner joins only: no aggregation below it.</summary>
    internal static bool ReadsRowsDirectly(ProjectNode project)
    {
        var node = project.Input;
        while (node is FilterNode filter) node = filter.Input;
        return IsJoinTree(node);
    }

    private static bool IsJoinTree(RelNode node) => node switch
    {
        ScanNode => true,
        JoinNode join => IsJoinTree(join.Left) && IsJoinTree(join.Right),
        _ => false,
    };

    /// <summary>Shared with <see cref="DistinctToGroups"/>, which is the same rewrite with every weight clamped to one.</summary>
    internal static RelNode Group(ProjectNode project, bool multiplicity)
    {
        var keys = new List<BoundExpression>();
        var columns = new List<OutputColumn>();
        foreach (var column in project.Columns)
        {
            var canonical = SqlExpressionPrinter.Canonical(column.Expression);
            var index = keys.FindIndex(k => SqlExpressionPrinter.Canonical(k) == canonical);
            if (index < 0)
            {
                keys.Add(column.Expression);
                index = keys.Count - 1;
            }
            columns.Add(column with { Expression = new BoundGroupKeyRef(column.Expression.Span, column.Expression.Type, index) });
        }
        var aggregate = new AggregateNode(project.Input, keys, [], Grouped: true, Multiplicity: multiplicity);
        return new ProjectNode(aggregate, columns);
    }
}
