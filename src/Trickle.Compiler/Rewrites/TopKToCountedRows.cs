using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// The first rows of an order are a bag like any projection: counted groups of identical output rows, over the
/// top-k operator. The Delta phase recomputes the prefix when a change can reach it (a changed row that sorts at or
/// before the last row kept) and leaves it alone otherwise.
/// <code>Project[e1..en](TopK(X))  ⇒  Project[key refs](Aggregate counted keys=[e1..en](TopK(X)))</code>
/// </summary>
public sealed class TopKToCountedRows : RewritePass
{
    public override string Name => "top-k-to-counted-rows";

    public override RelNode Apply(RelNode plan) => plan is ProjectNode { Input: TopKNode } project
        ? ProjectionToCountedGroups.Group(project, multiplicity: true)
        : plan;
}
