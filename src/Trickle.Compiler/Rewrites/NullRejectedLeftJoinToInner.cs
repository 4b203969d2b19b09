using Trickle.Compiler.Binding;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// A LEFT JOIN's padded rows carry NULL in every column of its right side. A filter (or an inner join's condition)
/// above it that cannot be true when those columns are NULL drops every padded row, so the LEFT JOIN is the inner join
/// (outer-join simplification). The case that matters is a correlated scalar subquery compared in WHERE, which the
/// binder binds as a LEFT JOIN onto the subquery's groups: <c>ps_availqty &gt; (SELECT 0.5 * sum(l_quantity) … )</c>
/// (TPC-H Q20, Q17, Q2). An inner join onto a subquery kept whole composes with any other join, where a LEFT JOIN is
/// maintained only in the shapes its rule knows.
/// <code>Filter(p, …Join[Left](A, B, c)…)  ⇒  Filter(p, …Join[Inner](A, B, c)…)   when p is NULL or false over B's NULLs</code>
/// A conjunct rejects NULLs when it is a comparison or arithmetic, casts and negations down to a column of the right
/// side: built-in operators of these kinds return NULL for a NULL operand, and WHERE keeps only TRUE. Anything else
/// (coalesce, IS NULL, CASE, functions, OR) may turn NULL into a value and keeps the LEFT JOIN.
/// </summary>
public sealed class NullRejectedLeftJoinToInner : RewritePass
{
    public override string Name => "null-rejected-left-join-to-inner";

    private static readonly HashSet<string> StrictOperators = ["=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"];

    public override RelNode Apply(RelNode plan) => Rewrite(plan, []);

    /// <param name="rejecting">the conjuncts of the filters and inner-join conditions directly above <paramref name="node"/>,
    /// over the same relations (no projection or aggregation in between)</param>
    private static RelNode Rewrite(RelNode node, IReadOnlyList<BoundExpression> rejecting) => node switch
    {
        FilterNode filter => filter with { Input = Rewrite(filter.Input, [.. rejecting, .. BoundPredicates.Conjuncts(filter.Predicate)]) },
        JoinNode { Type: JoinType.Left } join when RejectsNulls(rejecting, ScanNode.ScansOf(join.Right).Select(s => s.Name).ToHashSet())
            => Rewrite(join with { Type = JoinType.Inner }, rejecting),
        JoinNode { Type: JoinType.Inner } join => Inner(join, rejecting),
        // The left side's rows pass through a LEFT, semi- or anti-join unchanged, so a filter above still rejects them.
        JoinNode { Type: JoinType.Left or JoinType.Semi or JoinType.Anti } join => join with { Left = Rewrite(join.Left, rejecting), Right = Rewrite(join.Right, []) },
        JoinNode join => join with { Left = Rewrite(join.Left, []), Right = Rewrite(join.Right, []) },
        ProjectNode project => project with { Input = Rewrite(project.Input, []) },
        AggregateNode aggregate => aggregate with { Input = Rewrite(aggregate.Input, []) },
        DistinctNode distinct => distinct with { Input = Rewrite(distinct.Input, []) },
        TopKNode topK => topK with { Input = Rewrite(topK.Input, []) },
        WindowNode window => window with { Input = Rewrite(window.Input, []) },
        _ => node,
    };

    private static JoinNode Inner(JoinNode join, IReadOnlyList<BoundExpression> rejecting)
    {
        IReadOnlyList<BoundExpression> above = join.Condition is null ? rejecting : [.. rejecting, .. BoundPredicates.Conjuncts(join.Condition)];
        return join with { Left = Rewrite(join.Left, above), Right = Rewrite(join.Right, above) };
    }

    private static bool RejectsNulls(IReadOnlyList<BoundExpression> conjuncts, HashSet<string> padded) =>
        conjuncts.Any(c => c is BoundBinary { Operator: "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" } && NullWhenPadded(c, padded));

    /// <summary>True when <paramref name="expression"/> is NULL whenever the columns of <paramref name="padded"/> are.</summary>
    private static bool NullWhenPadded(BoundExpression expression, HashSet<string> padded) => expression switch
    {
        BoundColumn column => padded.Contains(column.Relation),
        BoundBinary binary when StrictOperators.Contains(binary.Operator) => NullWhenPadded(binary.Left, padded) || NullWhenPadded(binary.Right, padded),
        BoundUnary { Operator: "-" or "+" } unary => NullWhenPadded(unary.Operand, padded),
        BoundCast cast => NullWhenPadded(cast.Operand, padded),
        _ => false,
    };
}
