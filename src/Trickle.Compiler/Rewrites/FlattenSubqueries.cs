using Trickle.Compiler.Binding;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A subquery or CTE reference in FROM that only joins and filters (no aggregate, DISTINCT, window, LIMIT) is its own
/// FROM written in the query: its joins join the query's, its filters filter the query's rows, and each reference to
/// one of its columns reads the expression that defines it. The delta rules then see one join of tables, and nothing
/// is stored for the subquery.
/// <code>… Subquery s(Project[c := e](Filter[p](J))) …  ⇒  Filter[p'](… J' …), s.c read as e' above</code>
/// J', p' and e' name each relation r of the subquery "s.r" (made unique in the query), so a CTE read twice is a
/// self-join of two copies of its body. Where merging would change the result the subquery stays whole, read like
/// one that aggregates:
/// <list type="bullet">
/// <item>on the NULL-padded side of an outer join (or either side of FULL, or inside an EXISTS test): its filter would
/// no longer pad the rows it rejects, and an expression such as <c>coalesce(x, 0)</c> would not be NULL on padded rows;</item>
/// <item>when a column is defined by a volatile call (<c>random()</c>): reading it in two places would call it twice;</item>
/// <item>when it tests subqueries of one table (a semi- or anti-join, from its WHERE's EXISTS, IN or NOT EXISTS) and the
/// query joins it with other relations: merged, the semi-join would sit inside the query's joins, which the Delta phase
/// does not maintain, where kept whole (counted rows) it is a relation of an inner join.</item>
/// </list>
/// On the preserved side of a LEFT JOIN (or of semi- and anti-joins) it merges: the rows there pass through the outer
/// join unchanged, so its filter holds the same above the join as below it.
/// </summary>
public sealed class FlattenSubqueries : RewritePass
{
    public override string Name => "flatten-subqueries";

    public override RelNode Apply(RelNode plan)
    {
        var taken = ScanNode.ScansOf(plan).Select(s => s.Name).ToHashSet();
        var definitions = new Dictionary<(string Relation, string Column), BoundExpression>();
        var flattened = new Level(taken, definitions).Visit(plan);
        if (definitions.Count == 0) return flattened;
        // The definitions name only the subqueries' renamed relations, never a flattened subquery: one pass substitutes all.
        var substitute = new LeafRewriter(e => e is BoundColumn c && definitions.TryGetValue((c.Relation, c.ColumnName), out var definition) ? definition : e);
        return PlanExpressions.Rewrite(flattened, substitute);
    }

    /// <summary>One plan level: its FROM trees are flattened; subqueries kept whole are plans of their own.</summary>
    private sealed class Level(HashSet<string> taken, Dictionary<(string, string), BoundExpression> definitions)
    {
        public RelNode Visit(RelNode node) => node switch
        {
            ScanNode or JoinNode => FromTree(node),
            FilterNode filter => filter with { Input = Visit(filter.Input) },
            ProjectNode project => project with { Input = Visit(project.Input) },
            AggregateNode aggregate => aggregate with { Input = Visit(aggregate.Input) },
            DistinctNode distinct => distinct with { Input = Visit(distinct.Input) },
            DistinctOnNode distinctOn => distinctOn with { Input = (ProjectNode)Visit(distinctOn.Input) },
            WindowNode window => window with { Input = Visit(window.Input) },
            TopKNode topK => topK with { Input = Visit(topK.Input) },
            SetOperationNode setOperation => setOperation with { Inputs = setOperation.Inputs.Select(Visit).ToList() },
            _ => throw new InvalidOperationException($"unknown IR node {node.GetType().Name}"),
        };

        /// <summary>The FROM of a query: its merged subqueries' filters apply right above it, below anything the query does.</summary>
        private RelNode FromTree(RelNode node)
        {
            var filters = new List<BoundExpression>();
            var tree = From(node, nullable: false, filters, alone: node is ScanNode);
            return filters.Count == 0 ? tree
                : new FilterNode(tree, BoundPredicates.Conjunction(filters)!);
        }

        /// <param name="nullable">the node's rows may be NULL-padded or only tested (the right of LEFT, semi and anti joins, either side of FULL)</param>
        /// <param name="alone">the node is the query's whole FROM</param>
        private RelNode From(RelNode node, bool nullable, List<BoundExpression> filters, bool alone = false)
        {
            switch (node)
            {
                case ScanNode { Flattenable: true } subquery:
                    return !nullable && (alone || !TestsSubqueries(subquery.Subplan!)) && Merge(subquery, filters) is { } merged
                        ? merged : subquery with { Flattenable = false };
                case JoinNode join:
                    var (leftNullable, rightNullable) = join.Type switch
                    {
                        JoinType.Inner => (nullable, nullable),
                        JoinType.Right => (true, nullable),
                        JoinType.Full => (true, true),
                        _ => (nullable, true),
                    };
                    return join with { Left = From(join.Left, leftNullable, filters), Right = From(join.Right, rightNullable, filters) };
                default:
                    return node;
            }
        }

        /// <summary>The subquery's join tree under fresh names, its filters added to <paramref name="filters"/>; null to keep it whole.</summary>
        private RelNode? Merge(ScanNode subquery, List<BoundExpression> filters)
        {
            if (subquery is not { Subplan: ProjectNode project, Expansions.Count: 0 }) return null;
            var conditions = new List<BoundExpression>();
            var node = project.Input;
            while (node is FilterNode filter)
            {
                conditions.Add(filter.Predicate);
                node = filter.Input;
            }
            if (!IsJoinTree(node) || project.Columns.Any(c => CallsVolatile(c.Expression))) return null;

            var names = new Dictionary<string, string>();
            foreach (var scan in ScanNode.ScansOf(node))
            {
                var name = $"{subquery.Name}.{scan.Name}";
                for (var n = 2; !taken.Add(name); n++) name = $"{subquery.Name}.{scan.Name}#{n}";
                names[scan.Name] = name;
            }
            var rename = new LeafRewriter(e => e is BoundColumn c && names.TryGetValue(c.Relation, out var renamed) ? c with { Relation = renamed } : e);
            filters.AddRange(conditions.Select(rename.Rewrite));
            for (var i = 0; i < project.Columns.Count; i++)
                definitions[(subquery.Name, subquery.Table.Columns[i].Name)] = rename.Rewrite(project.Columns[i].Expression);
            return PlanExpressions.Rewrite(Renamed(node, names), rename);
        }

        private static RelNode Renamed(RelNode node, IReadOnlyDictionary<string, string> names) => node switch
        {
            ScanNode scan => scan with { Name = names[scan.Name] },
            JoinNode join => join with { Left = Renamed(join.Left, names), Right = Renamed(join.Right, names) },
            _ => node,
        };

        private static bool TestsSubqueries(RelNode plan) =>
            plan is JoinNode { Type: JoinType.Semi or JoinType.Anti } || RelNode.InputsOf(plan).Any(TestsSubqueries);

        private static bool IsJoinTree(RelNode node) => node switch
        {
            ScanNode => true,
            JoinNode join => IsJoinTree(join.Left) && IsJoinTree(join.Right),
            _ => false,
        };

        private static bool CallsVolatile(BoundExpression expression)
        {
            var found = false;
            new CallVisitor(call => found |= BuiltinFunctions.NonDeterministic.TryGetValue(call.Name, out var reason) && reason == "is volatile")
                .Rewrite(expression);
            return found;
        }
    }

    /// <summary>Sees every function call of an expression, changing nothing.</summary>
    private sealed class CallVisitor(Action<BoundFunctionCall> visit) : BoundTreeRewriter
    {
        public override BoundExpression Rewrite(BoundExpression expression)
        {
            if (expression is BoundFunctionCall call) visit(call);
            return base.Rewrite(expression);
        }
    }
}
