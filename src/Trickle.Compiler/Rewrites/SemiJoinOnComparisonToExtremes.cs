using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// <c>[NOT] EXISTS (SELECT … FROM t WHERE t.k = o.k AND t.c op o.v AND p)</c> with op one of &lt;&gt; &lt; &lt;= &gt; &gt;=
/// (TPC-H Q21), bound as a semi- or anti-join of a query over several tables onto t, which the Delta phase does not
/// maintain. Among the rows of t matching the equalities (and p), some row satisfies <c>t.c op v</c> exactly when the
/// group's extreme does: <c>&lt; v</c> iff <c>min(c) &lt; v</c>, <c>&gt; v</c> iff <c>max(c) &gt; v</c>, and <c>&lt;&gt; v</c>
/// iff <c>min(c) &lt;&gt; v OR max(c) &lt;&gt; v</c> (if every non-NULL c equals v, both extremes are v; if one differs,
/// it lies below or above v, and so does an extreme). NULLs need no case of their own: min and max skip a NULL c, which
/// never satisfies a comparison; a group with none, a missing group (the LEFT JOIN pads it) and a NULL v all make the
/// test NULL. So EXISTS is <c>(test) IS TRUE</c> and NOT EXISTS <c>(test) IS NOT TRUE</c>, and the grouped subquery,
/// kept whole, is one row per key: the outer rows keep their multiplicity.
/// <code>
/// Join[Semi|Anti]…(Join[Semi|Anti](X, t AS a, ka = e AND a.c1 op1 v1 AND p1), t AS b, kb = e AND b.c2 op2 v2 AND p2)
///   ⇒  Filter[(test1) IS [NOT] TRUE AND (test2) IS [NOT] TRUE](Join[Left](X, Subquery(Project(Aggregate keys=[k]
///        aggs=[min/max(CASE WHEN p1 THEN c1 END), min/max(CASE WHEN p2 THEN c2 END)](Scan t))) AS s, s.key1 = e))
/// </code>
/// Consecutive tests on the same table and the same equalities share one subquery (one LEFT JOIN, the shape the Delta
/// phase maintains after inner joins); when every one is EXISTS the join is inner, the tests part of its condition. A
/// semi-join of one table is left alone (the Delta phase maintains it directly), as is any test this does not fit
/// (another correlation, a type without min/max): the Delta phase then refuses it at the subquery's position.
/// </summary>
public sealed class SemiJoinOnComparisonToExtremes : RewritePass
{
    public override string Name => "semi-join-on-comparison-to-extremes";

    private static readonly Dictionary<string, string> Flipped = new()
    {
        ["<>"] = "<>", ["!="] = "<>", ["<"] = ">", ["<="] = ">=", [">"] = "<", [">="] = "<=",
    };

    /// <summary>Types PostgreSQL has min and max for, whose order agrees with their equality.</summary>
    private static readonly HashSet<TypeCategory> Ordered =
        [TypeCategory.Integer, TypeCategory.Numeric, TypeCategory.Float, TypeCategory.String, TypeCategory.DateTime, TypeCategory.Interval, TypeCategory.Money];

    public override RelNode Apply(RelNode plan) => plan switch
    {
        JoinNode { Type: JoinType.Semi or JoinType.Anti, Left: not ScanNode } join when Decorrelate(join) is { } rewritten => rewritten,
        JoinNode join => join with { Left = Apply(join.Left), Right = Apply(join.Right) },
        FilterNode filter => filter with { Input = Apply(filter.Input) },
        ProjectNode project => project with { Input = Apply(project.Input) },
        AggregateNode aggregate => aggregate with { Input = Apply(aggregate.Input) },
        DistinctNode distinct => distinct with { Input = Apply(distinct.Input) },
        TopKNode topK => topK with { Input = Apply(topK.Input) },
        WindowNode window => window with { Input = Apply(window.Input) },
        _ => plan,
    };

    /// <summary>One test: keys (inner = outer), the comparison <c>inner op outer</c>, and the conjuncts over t only.</summary>
    private sealed record Test(bool Anti, ScanNode Inner, List<(BoundExpression Inner, BoundExpression Outer)> Keys,
        BoundExpression Compared, string Operator, BoundExpression Value, BoundExpression? Rest);

    private RelNode? Decorrelate(JoinNode top)
    {
        // The chain of tests on one table with the same equalities, innermost first.
        var tests = new List<Test>();
        RelNode node = top;
        while (node is JoinNode { Type: JoinType.Semi or JoinType.Anti, Right: ScanNode { IsSubquery: false, Expansions.Count: 0 } right, Condition: { } condition } join
               && Split(join.Type == JoinType.Anti, right, condition) is { } test
               && (tests.Count == 0 || SameCorrelation(tests[0], test)))
        {
            tests.Insert(0, test);
            node = join.Left;
        }
        if (tests.Count == 0 || tests.Count == 1 && node is ScanNode) return null;
        var input = Apply(node);

        // The subquery reads t under the first test's name; the others' columns are renamed to it.
        var first = tests[0].Inner;
        var renamed = tests.Select(t => Renamed(t, t.Inner.Name, first.Name)).ToList();
        var name = $"comparison subquery {first.Name}";
        // Names are unique in a query: another chain on an unaliased table of the same name gets a number.
        for (var n = 2; ScanNode.ScansOf(input).Any(s => s.Name == name); n++) name = $"comparison subquery {first.Name} {n}";
        var span = top.Right is ScanNode { Span: var at } ? at : first.Span;
        var keys = renamed[0].Keys.Select(k => k.Inner).ToList();
        var aggregates = new List<AggregateCall>();
        var columns = keys.Select((k, i) => new OutputColumn($"key{i + 1}", new BoundGroupKeyRef(k.Span, k.Type, i))).ToList();
        var extremes = new List<(string? Low, string? High)>();
        foreach (var (test, number) in renamed.Select((t, i) => (t, i + 1)))
        {
            // Alone, the test's own conjuncts filter the rows; sharing the scan, each reads only the rows they keep.
            var argument = test.Rest is null || renamed.Count == 1 ? test.Compared
                : new BoundSyntaxForm(test.Compared.Span, test.Compared.Type, "case", ["CASE WHEN ", " THEN ", " END"], [test.Rest, test.Compared]);
            string? Extreme(AggregateFunction function, string column)
            {
                aggregates.Add(new AggregateCall(test.Compared.Span, function, argument, TypeRules.Plain(argument.Type)));
                columns.Add(new OutputColumn(column, new BoundAggregateRef(test.Compared.Span, TypeRules.Plain(argument.Type), aggregates.Count - 1)));
                return column;
            }
            extremes.Add((test.Operator is "<>" or "<" or "<=" ? Extreme(AggregateFunction.Min, $"low{number}") : null,
                test.Operator is "<>" or ">" or ">=" ? Extreme(AggregateFunction.Max, $"high{number}") : null));
        }
        RelNode rows = new ScanNode(first.Table, first.Name);
        if (renamed.Count == 1 && renamed[0].Rest is { } only) rows = new FilterNode(rows, only);
        var subplan = new ProjectNode(new AggregateNode(rows, keys, aggregates, Grouped: true, Multiplicity: false), columns);
        var shape = new CatalogTable("", name, columns.Select(c => new CatalogColumn(c.Name, c.Expression.Type, false)).ToList(), []);
        var subquery = new ScanNode(shape, name) { Subplan = subplan, Span = span };

        BoundColumn Column(string column, BoundExpression at) =>
            new(at.Span, shape.FindColumn(column)!.Type, name, column);
        var on = BoundPredicates.Conjunction(renamed[0].Keys.Select((k, i) =>
            (BoundExpression)new BoundBinary(k.Outer.Span, SqlType.Boolean, Column($"key{i + 1}", k.Outer), "=", k.Outer)))!;
        var checks = renamed.Zip(extremes, (test, extreme) =>
        {
            BoundExpression Compare(string column) => new BoundBinary(test.Value.Span, SqlType.Boolean, Column(column, test.Value), test.Operator, test.Value);
            var comparison = test.Operator switch
            {
                "<>" => new BoundBinary(test.Value.Span, SqlType.Boolean, Compare(extreme.Low!), "OR", Compare(extreme.High!)),
                "<" or "<=" => Compare(extreme.Low!),
                _ => Compare(extreme.High!),
            };
            return (BoundExpression)new BoundSyntaxForm(test.Value.Span, SqlType.Boolean, "is truth",
                ["(", test.Anti ? ") IS NOT TRUE" : ") IS TRUE"], [comparison]);
        }).ToList();
        // Every test EXISTS: an outer row without a group fails them all, so the inner join drops exactly those rows.
        if (renamed.All(t => !t.Anti))
            return new JoinNode(input, subquery, BoundPredicates.Conjunction([on, .. checks]), JoinType.Inner);
        return new FilterNode(new JoinNode(input, subquery, on, JoinType.Left), BoundPredicates.Conjunction(checks)!);
    }

    /// <summary>The test's parts, or null when its condition is not equalities, one comparison and conjuncts over t.</summary>
    private static Test? Split(bool anti, ScanNode inner, BoundExpression condition)
    {
        var keys = new List<(BoundExpression Inner, BoundExpression Outer)>();
        var rest = new List<BoundExpression>();
        (BoundExpression Compared, string Operator, BoundExpression Value)? comparison = null;
        foreach (var conjunct in BoundPredicates.Conjuncts(condition))
        {
            var (_, readsOuter) = Reads(conjunct, inner.Name);
            if (!readsOuter)
            {
                rest.Add(conjunct);
                continue;
            }
            if (conjunct is not BoundBinary binary || !Flipped.ContainsKey(binary.Operator) && binary.Operator != "=") return null;
            var (leftInner, leftOuter) = Reads(binary.Left, inner.Name);
            var (rightInner, rightOuter) = Reads(binary.Right, inner.Name);
            (BoundExpression In, BoundExpression Out, string Op)? sides =
                leftInner && !leftOuter && rightOuter && !rightInner ? (binary.Left, binary.Right, binary.Operator)
                : rightInner && !rightOuter && leftOuter && !leftInner ? (binary.Right, binary.Left, binary.Operator == "=" ? "=" : Flipped[binary.Operator])
                : null;
            if (sides is not { } s) return null;
            if (s.Op == "=")
                keys.Add((s.In, s.Out));
            else if (comparison is not null || !Ordered.Contains(s.In.Type.Category))
                return null;
            else
                comparison = (s.In, s.Op == "!=" ? "<>" : s.Op, s.Out);
        }
        if (keys.Count == 0 || comparison is not { } c) return null;
        return new Test(anti, inner, keys, c.Compared, c.Operator, c.Value, BoundPredicates.Conjunction(rest));
    }

    private static bool SameCorrelation(Test a, Test b)
    {
        if (a.Inner.Table != b.Inner.Table || a.Keys.Count != b.Keys.Count) return false;
        var renamed = Renamed(b, b.Inner.Name, a.Inner.Name);
        static IEnumerable<string> Printed(Test t) => t.Keys.Select(k => SqlExpressionPrinter.Canonical(k.Inner) + " = " + SqlExpressionPrinter.Canonical(k.Outer)).Order();
        return Printed(a).SequenceEqual(Printed(renamed));
    }

    private static Test Renamed(Test test, string from, string to)
    {
        if (from == to) return test;
        var rename = new LeafRewriter(e => e is BoundColumn c && c.Relation == from ? c with { Relation = to } : e);
        return test with
        {
            Keys = test.Keys.Select(k => (rename.Rewrite(k.Inner), k.Outer)).ToList(),
            Compared = rename.Rewrite(test.Compared),
            Rest = test.Rest is null ? null : rename.Rewrite(test.Rest),
        };
    }

    /// <summary>Whether an expression reads columns of the inner relation, and of any other (the outer query).</summary>
    private static (bool Inner, bool Outer) Reads(BoundExpression expression, string inner)
    {
        var (readsInner, readsOuter) = (false, false);
        new LeafRewriter(leaf =>
        {
            if (leaf is BoundColumn column)
            {
                if (column.Relation == inner) readsInner = true;
                else readsOuter = true;
            }
            return leaf;
        }).Rewrite(expression);
        return (readsInner, readsOuter);
    }
}
