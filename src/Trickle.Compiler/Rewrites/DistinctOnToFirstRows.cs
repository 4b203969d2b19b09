using Trickle.Compiler.Binding;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// DISTINCT ON is a GROUP BY over its keys in which every other output column is the value of the group's first row in
/// the tie-breaking order: <c>first(c ORDER BY o)</c>, printed as <c>(array_agg(c ORDER BY o))[1]</c> and recomputed for
/// the groups a change touches. The group's row count says whether it still has rows.
/// <code>DistinctOn keys=[e] order=[o](Project[c1..cn](X))  ⇒  Project[e ↦ key ref, ci ↦ first(ci ORDER BY o)](Aggregate keys=[e](X))</code>
/// </summary>
public sealed class DistinctOnToFirstRows : RewritePass
{
    public override string Name => "distinct-on-to-first-rows";

    public override RelNode Apply(RelNode plan)
    {
        if (plan is not DistinctOnNode { Input: var project } distinctOn) return plan;
        var keyTexts = distinctOn.Keys.Select(SqlExpressionPrinter.Canonical).ToList();
        var firsts = new List<AggregateCall>();
        var columns = new List<OutputColumn>();
        foreach (var column in project.Columns)
        {
            var expression = column.Expression;
            var keyIndex = keyTexts.IndexOf(SqlExpressionPrinter.Canonical(expression));
            if (keyIndex >= 0)
            {
                columns.Add(column with { Expression = new BoundGroupKeyRef(expression.Span, distinctOn.Keys[keyIndex].Type, keyIndex) });
                continue;
            }
            var first = new AggregateCall(expression.Span, AggregateFunction.First, expression, expression.Type) { OrderBy = distinctOn.TieBreakers };
            var index = firsts.FindIndex(f => f.CanonicalText == first.CanonicalText);
            if (index < 0)
            {
                firsts.Add(first);
                index = firsts.Count - 1;
            }
            columns.Add(column with { Expression = new BoundAggregateRef(expression.Span, expression.Type, index) });
        }
        return new ProjectNode(new AggregateNode(project.Input, distinctOn.Keys, firsts, Grouped: true, Multiplicity: false), columns);
    }
}
