using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// SELECT DISTINCT is a GROUP BY over every output column with nothing aggregated: a row is present while its group
/// has any input row. Reference counting (the group's row count) makes deletions exact.
/// <code>Distinct(Project[e1..en](X))  ⇒  Project[key refs](Aggregate keys=[e1..en] aggs=[](X))</code>
/// </summary>
public sealed class DistinctToGroups : RewritePass
{
    public override string Name => "distinct-to-groups";

    public override RelNode Apply(RelNode plan) => plan switch
    {
        DistinctNode { Input: ProjectNode project } when ProjectionToCountedGroups.ReadsRowsDirectly(project) => ProjectionToCountedGroups.Group(project, multiplicity: false),
        _ => plan,
    };
}
