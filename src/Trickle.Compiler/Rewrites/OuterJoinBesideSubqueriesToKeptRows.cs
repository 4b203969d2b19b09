using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A LEFT JOIN whose preserved side joins tables with subqueries kept whole — TPC-H Q22: the NOT EXISTS of a FROM
/// subquery, a LEFT JOIN onto the distinct correlation values, after its uncorrelated scalar subquery, a one-row
/// subquery kept whole, was cross-joined to its table. The Delta phase maintains a LEFT JOIN whose preserved side is
/// tables, and inner joins of subqueries kept whole, but not the two mixed. A WHERE conjunct that reads only preserved
/// columns holds for a preserved row whether or not it is padded, and inner joins commute, so the LEFT JOIN of the
/// preserved tables alone, with the conjuncts over its own relations, is a subquery of its own — kept whole, as counted
/// rows, so duplicates keep their multiplicity — inner-joined with the subqueries, the other conjuncts filtering above:
/// <code>
/// Filter[f](Join[Left](Join(T1 … Tn, S1 … Sm; c), N, on))
///   ⇒  Filter[f, c over S](Join(Subquery(Project[used columns](Filter[f, c over T and N](Join[Left](T1 … Tn, N, on)))) AS r, S1 … Sm))
/// </code>
/// Every expression of the plan above that read a column of T1 … Tn or N reads the subquery's column instead. Left alone
/// when the ON condition reads a subquery Si (it must decide matches inside the new subquery) or no table is preserved.
/// </summary>
public sealed class OuterJoinBesideSubqueriesToKeptRows : RewritePass
{
    public override string Name => "outer-join-beside-subqueries-to-kept-rows";

    public override RelNode Apply(RelNode plan)
    {
        Dictionary<(string Relation, string Column), BoundColumn>? moved = null;
        var read = new HashSet<(string, string)>();
        PlanExpressions.Rewrite(plan, new LeafRewriter(e =>
        {
            if (e is BoundColumn c) read.Add((c.Relation, c.ColumnName));
            return e;
        }));
        var rewritten = Rewrite(plan, read, ref moved);
        if (moved is null) return plan;
        var map = moved;
        return PlanExpressions.Rewrite(rewritten, new LeafRewriter(e =>
            e is BoundColumn c && map.TryGetValue((c.Relation, c.ColumnName), out var column) ? column with { Span = c.Span } : e));
    }

    private static RelNode Rewrite(RelNode node, HashSet<(string, string)> read, ref Dictionary<(string, string), BoundColumn>? moved)
    {
        if (moved is null && (node is FilterNode or JoinNode { Type: JoinType.Left }) && Island(node, read, out moved) is { } replaced)
            return replaced;
        switch (node)
        {
            case ProjectNode project: return project with { Input = Rewrite(project.Input, read, ref moved) };
            case AggregateNode aggregate: return aggregate with { Input = Rewrite(aggregate.Input, read, ref moved) };
            case DistinctNode distinct: return distinct with { Input = Rewrite(distinct.Input, read, ref moved) };
            case TopKNode topK: return topK with { Input = Rewrite(topK.Input, read, ref moved) };
            case WindowNode window: return window with { Input = Rewrite(window.Input, read, ref moved) };
            default: return node;
        }
    }

    /// <summary>The replacement of <c>Filter*(Join[Left](…))</c>, and the columns it moved into the new subquery.</summary>
    private static RelNode? Island(RelNode node, HashSet<(string, string)> read, out Dictionary<(string, string), BoundColumn>? moved)
    {
        moved = null;
        var filters = new List<BoundExpression>();
        while (node is FilterNode filter)
        {
            filters.AddRange(BoundPredicates.Conjuncts(filter.Predicate));
            node = filter.Input;
        }
        if (node is not JoinNode { Type: JoinType.Left, Right: ScanNode padded } outerJoin) return null;
        var preserved = new List<ScanNode>();
        var joinConditions = new List<BoundExpression>();
        if (!InnerJoins(outerJoin.Left, preserved, joinConditions)) return null;
        var tables = preserved.Where(s => !s.IsSubquery).ToList();
        var subqueries = preserved.Where(s => s.IsSubquery).ToList();
        if (tables.Count == 0 || subqueries.Count == 0) return null;
        var island = tables.Select(t => t.Name).Append(padded.Name).ToHashSet();
        if (outerJoin.Condition is { } on && !Relations(on).All(island.Contains)) return null;

        var inside = filters.Concat(joinConditions).Where(c => Relations(c).All(island.Contains)).ToList();
        var outside = filters.Concat(joinConditions).Where(c => !Relations(c).All(island.Contains)).ToList();
        RelNode rows = tables.Skip(1).Aggregate((RelNode)tables[0], (left, right) => new JoinNode(left, right, null));
        rows = new JoinNode(rows, padded, outerJoin.Condition, JoinType.Left);
        if (BoundPredicates.Conjunction(inside) is { } insideCondition) rows = new FilterNode(rows, insideCondition);

        // The subquery's columns: the columns of the island the plan reads, named after it (qualified when two share a name).
        var used = ColumnsOf(tables.Append(padded));
        var name = "outer join rows";
        for (var n = 2; preserved.Any(s => s.Name == name); n++) name = $"outer join rows {n}";
        var columns = used.Select(c => new OutputColumn(
            used.Count(other => other.ColumnName == c.ColumnName) > 1 ? $"{c.Relation}.{c.ColumnName}" : c.ColumnName, c)).ToList();
        var shape = new CatalogTable("", name, columns.Select(c => new CatalogColumn(c.Name, c.Expression.Type, false)).ToList(), []);
        var kept = new ScanNode(shape, name) { Subplan = new ProjectNode(rows, columns), Span = padded.Span };
        moved = used.Zip(columns).ToDictionary(
            x => (x.First.Relation, x.First.ColumnName), x => new BoundColumn(x.First.Span, x.First.Type, name, x.Second.Name));

        RelNode joined = subqueries.Aggregate((RelNode)kept, (left, right) => new JoinNode(left, right, null));
        return BoundPredicates.Conjunction(outside) is { } outsideCondition ? new FilterNode(joined, outsideCondition) : joined;

        List<BoundColumn> ColumnsOf(IEnumerable<ScanNode> scans) =>
            scans.SelectMany(s => s.Table.Columns.Where(c => read.Contains((s.Name, c.Name))).Select(c => new BoundColumn(s.Span, c.Type, s.Name, c.Name))).ToList();
    }

    /// <summary>Flattens a tree of inner joins into its scans and conditions; false for any other node.</summary>
    private static bool InnerJoins(RelNode node, List<ScanNode> scans, List<BoundExpression> conditions)
    {
        switch (node)
        {
            case ScanNode { Expansions.Count: 0 } scan:
                scans.Add(scan);
                return true;
            case JoinNode { Type: JoinType.Inner } join:
                if (!InnerJoins(join.Left, scans, conditions) || !InnerJoins(join.Right, scans, conditions)) return false;
                if (join.Condition is not null) conditions.AddRange(BoundPredicates.Conjuncts(join.Condition));
                return true;
            default:
                return false;
        }
    }

    private static HashSet<string> Relations(BoundExpression expression)
    {
        var relations = new HashSet<string>();
        new LeafRewriter(e =>
        {
            if (e is BoundColumn column) relations.Add(column.Relation);
            return e;
        }).Rewrite(expression);
        return relations;
    }
}
