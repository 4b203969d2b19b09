using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// An aggregate over grouping sets is, by its definition in SQL, the UNION ALL of one aggregate per set: each groups
/// by its set's keys, reads NULL for the keys outside it, and sees <c>GROUPING(…)</c> as the constant bit mask of the
/// arguments outside it. Each becomes a subquery kept whole (groups in storage of their own, maintained from the same
/// change rows), and the union a set operation over their rows.
/// <code>Project[e](Filter?(Aggregate keys=[k] sets=[s1..sn](X)))  ⇒  UnionAll(Rows(Subquery(Project[e|si](Filter?(Aggregate keys=[k|si](X))))) …)</code>
/// </summary>
public sealed class GroupingSetsToUnion : RewritePass
{
    public override string Name => "grouping-sets-to-union";

    public override RelNode Apply(RelNode plan)
    {
        if (plan is not ProjectNode project) return plan;
        var having = project.Input as FilterNode;
        if ((having?.Input ?? project.Input) is not AggregateNode { GroupingSets: { } sets } aggregate) return plan;

        var branches = new List<RelNode>();
        for (var n = 0; n < sets.Count; n++)
        {
            var set = sets[n];
            var inSet = new LeafRewriter(leaf => leaf switch
            {
                BoundGroupKeyRef key when set.Contains(key.Index) => key with { Index = set.ToList().IndexOf(key.Index) },
                BoundGroupKeyRef key => new BoundCast(key.Span, key.Type, new BoundLiteral(key.Span, SqlType.Unknown, "NULL")),
                BoundGroupingMask mask => new BoundLiteral(mask.Span, SqlType.Integer,
                    mask.KeyIndexes.Aggregate(0, (bits, index) => (bits << 1) | (set.Contains(index) ? 0 : 1)).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                _ => leaf,
            });
            RelNode grouped = aggregate with
            {
                GroupKeys = set.Select(i => aggregate.GroupKeys[i]).ToList(),
                Grouped = set.Count > 0,
                GroupingSets = null,
            };
            if (having is not null) grouped = new FilterNode(grouped, inSet.Rewrite(having.Predicate));
            var columns = project.Columns.Select(c => c with { Expression = inSet.Rewrite(c.Expression) }).ToList();
            var name = $"grouping set {n + 1}";
            var shape = new CatalogTable("", name, columns.Select(c => new CatalogColumn(c.Name, c.Expression.Type, false)).ToList(), []);
            var rows = new ScanNode(shape, name) { Subplan = new ProjectNode(grouped, columns) };
            branches.Add(new ProjectNode(rows, columns.Select(c => new OutputColumn(c.Name, new BoundColumn(c.Expression.Span, c.Expression.Type, name, c.Name))).ToList()));
        }
        return new SetOperationNode(SetOperationKind.UnionAll, branches);
    }
}
