using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A join on the NULL-padded side of an outer join (the right of a LEFT JOIN, either side of a FULL JOIN) is a relation
/// of its own: the outer join pads its rows as a whole, so it is the same as a subquery that selects the join's columns,
/// kept whole. The outer join then has the one shape its delta rule knows — a relation on each side — and the padded
/// join is maintained by its own model (any join the Delta phase accepts: inner, cross, or outer, built recursively),
/// whose changed rows are the delta of one relation of the outer join (composition, as for every subquery kept whole).
/// <code>Join[Left](A, Join[k](B, C, c1), c2)  ⇒  Join[Left](A, Scan join(B, C) := Project[B.x, C.y, …](Join[k](B, C, c1)), c2')</code>
/// <code>Join[Full](Join[k](A, B, c1), C, c2)  ⇒  Join[Full](Scan join(A, B) := Project[…](Join[k](A, B, c1)), C, c2')</code>
/// The subquery's columns are the columns of B and C that the plan above reads (named <c>b.x</c>), and c2' and every
/// expression above read them there: a padded row has NULL in each of them, as it had in the columns they stand for.
/// The preserved side of a LEFT JOIN stays as it is: its rows pass through unchanged, and the Delta phase reads an
/// inner or outer join there directly. Runs after <c>right-to-left-join</c> (no RIGHT JOIN is left) and after
/// <c>null-rejected-left-join-to-inner</c> (a LEFT JOIN that is really inner needs no subquery).
/// </summary>
public sealed class PaddedJoinToSubquery : RewritePass
{
    public override string Name => "padded-join-to-subquery";

    public override RelNode Apply(RelNode plan)
    {
        var level = new Level(ScanNode.ScansOf(plan).Select(s => s.Name).ToHashSet());
        var wrapped = level.Visit(plan);
        if (level.Joins.Count == 0) return plan;

        // The columns of each padded join read at this level (its ON, the filters, projections and aggregates above):
        // subqueries kept whole are plans of their own, so the padded joins' own conditions are not among them.
        var read = new Dictionary<string, List<BoundColumn>>();
        PlanExpressions.Rewrite(wrapped, new LeafRewriter(e =>
        {
            if (e is BoundColumn c && level.Owner.TryGetValue(c.Relation, out var owner))
            {
                var columns = read.TryGetValue(owner, out var list) ? list : read[owner] = [];
                if (!columns.Any(x => x.Relation == c.Relation && x.ColumnName == c.ColumnName)) columns.Add(c);
            }
            return e;
        }));

        var subqueries = new Dictionary<string, ScanNode>();
        var renamed = new Dictionary<(string Relation, string Column), BoundColumn>();
        foreach (var (name, join) in level.Joins)
        {
            var columns = read.TryGetValue(name, out var list) ? list : [];
            // A padded join none of whose columns is read still decides which rows are padded: it keeps one column.
            if (columns.Count == 0 && ScanNode.ScansOf(join).FirstOrDefault(s => s.Table.Columns.Count > 0) is { } first)
                columns = [new BoundColumn(Diagnostics.SourceSpan.None, first.Table.Columns[0].Type, first.Name, first.Table.Columns[0].Name)];
            var outputs = columns.Select((c, i) => new OutputColumn(ColumnName(c, i), c)).ToList();
            var shape = new CatalogTable("", name, outputs.Select(o => new CatalogColumn(o.Name, o.Expression.Type, false)).ToList(), []);
            // The subquery is a plan of its own: a padded join inside it (nested FULL joins) becomes a subquery in turn.
            subqueries[name] = new ScanNode(shape, name) { Subplan = Apply(new ProjectNode(join, outputs)) };
            foreach (var output in outputs)
            {
                var column = (BoundColumn)output.Expression;
                renamed[(column.Relation, column.ColumnName)] = column with { Relation = name, ColumnName = output.Name };
            }
        }
        var withSubqueries = Replace(wrapped, subqueries);
        return PlanExpressions.Rewrite(withSubqueries, new LeafRewriter(e =>
            e is BoundColumn c && renamed.TryGetValue((c.Relation, c.ColumnName), out var column) ? column with { Span = c.Span } : e));
    }

    /// <summary><c>b.x</c>, readable in plans and storage; a positional name where that would pass PostgreSQL's 63 bytes.</summary>
    private static string ColumnName(BoundColumn column, int index)
    {
        var name = column.Relation + "." + column.ColumnName;
        return System.Text.Encoding.UTF8.GetByteCount(name) <= 63 ? name : $"c{index + 1}";
    }

    /// <summary>The plan with each placeholder scan (a padded join) replaced by its subquery kept whole.</summary>
    private static RelNode Replace(RelNode node, IReadOnlyDictionary<string, ScanNode> subqueries) => node switch
    {
        ScanNode scan when subqueries.TryGetValue(scan.Name, out var subquery) && scan.Subplan is JoinNode => subquery,
        ScanNode => node,
        JoinNode join => join with { Left = Replace(join.Left, subqueries), Right = Replace(join.Right, subqueries) },
        FilterNode filter => filter with { Input = Replace(filter.Input, subqueries) },
        ProjectNode project => project with { Input = Replace(project.Input, subqueries) },
        AggregateNode aggregate => aggregate with { Input = Replace(aggregate.Input, subqueries) },
        DistinctNode distinct => distinct with { Input = Replace(distinct.Input, subqueries) },
        DistinctOnNode distinctOn => distinctOn with { Input = (ProjectNode)Replace(distinctOn.Input, subqueries) },
        WindowNode window => window with { Input = Replace(window.Input, subqueries) },
        TopKNode topK => topK with { Input = Replace(topK.Input, subqueries) },
        SetOperationNode setOperation => setOperation with { Inputs = setOperation.Inputs.Select(i => Replace(i, subqueries)).ToList() },
        _ => throw new InvalidOperationException($"unknown IR node {node.GetType().Name}"),
    };

    /// <summary>One plan level: each padded join becomes a placeholder scan carrying the join, named uniquely.</summary>
    private sealed class Level(HashSet<string> taken)
    {
        /// <summary>The padded joins by the name of the subquery that will hold them, in FROM order.</summary>
        public List<(string Name, JoinNode Join)> Joins { get; } = [];

        /// <summary>The subquery each relation of a padded join now belongs to.</summary>
        public Dictionary<string, string> Owner { get; } = [];

        public RelNode Visit(RelNode node) => node switch
        {
            ScanNode or JoinNode => From(node),
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

        private RelNode From(RelNode node) => node switch
        {
            JoinNode { Type: JoinType.Left } join => join with { Left = From(join.Left), Right = Padded(join.Right) },
            JoinNode { Type: JoinType.Full } join => join with { Left = Padded(join.Left), Right = Padded(join.Right) },
            JoinNode { Type: JoinType.Inner } join => join with { Left = From(join.Left), Right = From(join.Right) },
            // Semi- and anti-joins only test their right side: its rows are never output, so never padded.
            JoinNode join => join with { Left = From(join.Left) },
            _ => node,
        };

        private RelNode Padded(RelNode side)
        {
            if (side is not JoinNode join) return side;
            var relations = ScanNode.ScansOf(join).Select(s => s.Name).ToList();
            var name = $"join({string.Join(", ", relations)})";
            for (var n = 2; !taken.Add(name); n++) name = $"join({string.Join(", ", relations)})#{n}";
            Joins.Add((name, join));
            foreach (var relation in relations) Owner[relation] = name;
            return new ScanNode(new CatalogTable("", name, [], []), name) { Subplan = join };
        }
    }
}
