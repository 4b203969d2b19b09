using Trickle.Compiler.Binding;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A semi-join keeps each left row once if some right row matches. When the right side is a grouped subquery kept
/// whole and the condition is equalities that pin every one of its group keys, at most one right row can match a left
/// row (its groups are unique on their keys), so the semi-join is the inner join, which the Delta phase maintains with
/// the subquery as an intermediate result of its own (<c>x IN (SELECT k FROM t GROUP BY k HAVING …)</c>, TPC-H Q18).
/// <code>Join[Semi](A, Subquery(Project(Filter?(Aggregate[k1…kn]))) AS s, s.k1 = e1 AND … AND s.kn = en)  ⇒  Join[Inner](A, s, same)</code>
/// The right side's columns become visible to the join, but nothing above reads them: the binder bound the query's
/// expressions over the left side only.
/// </summary>
public sealed class SemiJoinOnGroupKeysToJoin : RewritePass
{
    public override string Name => "semi-join-on-group-keys-to-join";

    public override RelNode Apply(RelNode plan) => plan switch
    {
        JoinNode { Type: JoinType.Semi, Right: ScanNode right, Condition: { } condition } join when PinsEveryGroupKey(right, condition)
            => new JoinNode(Apply(join.Left), right, condition, JoinType.Inner),
        JoinNode join => join with { Left = Apply(join.Left), Right = Apply(join.Right) },
        FilterNode filter => filter with { Input = Apply(filter.Input) },
        ProjectNode project => project with { Input = Apply(project.Input) },
        AggregateNode aggregate => aggregate with { Input = Apply(aggregate.Input) },
        DistinctNode distinct => distinct with { Input = Apply(distinct.Input) },
        TopKNode topK => topK with { Input = Apply(topK.Input) },
        WindowNode window => window with { Input = Apply(window.Input) },
        _ => plan,
    };

    /// <summary>
    /// True when <paramref name="scan"/> is a plain GROUP BY subquery (no grouping sets) and <paramref name="condition"/>
    /// is a conjunction with, for each group key, an equality of the output column selecting it to an expression of the
    /// left side.
    /// </summary>
    private static bool PinsEveryGroupKey(ScanNode scan, BoundExpression condition)
    {
        if (scan.Subplan is not ProjectNode { Input: var input } project) return false;
        if (input is FilterNode having) input = having.Input;
        if (input is not AggregateNode { Grouped: true, GroupingSets: null, Multiplicity: false } aggregate || aggregate.GroupKeys.Count == 0)
            return false;
        var pinned = new HashSet<int>();
        foreach (var conjunct in BoundPredicates.Conjuncts(condition))
        {
            if (conjunct is not BoundBinary { Operator: "=" } equality) continue;
            foreach (var (side, other) in new[] { (equality.Left, equality.Right), (equality.Right, equality.Left) })
                if (side is BoundColumn column && column.Relation == scan.Name && !Reads(other, scan.Name)
                    && project.Columns.FirstOrDefault(c => c.Name == column.ColumnName)?.Expression is BoundGroupKeyRef key)
                    pinned.Add(key.Index);
        }
        return Enumerable.Range(0, aggregate.GroupKeys.Count).All(pinned.Contains);
    }

    private static bool Reads(BoundExpression expression, string relation)
    {
        var reads = false;
        new LeafRewriter(leaf =>
        {
            reads |= leaf is BoundColumn column && column.Relation == relation;
            return leaf;
        }).Rewrite(expression);
        return reads;
    }
}
