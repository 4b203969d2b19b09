using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Binding;

/// <summary>Conjunctions of bound predicates: the one place that splits an AND chain and builds one.</summary>
public static class BoundPredicates
{
    /// <summary>The operands of a chain of ANDs, left to right; any other expression is its own only conjunct.</summary>
    public static IEnumerable<BoundExpression> Conjuncts(BoundExpression expression) =>
        expression is BoundBinary { Operator: "AND" } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [expression];

    /// <summary>
    /// The predicates joined by AND, left-nested in order, or null when there are none. Every AND node carries
    /// <paramref name="span"/>, or else the first predicate's span.
    /// </summary>
    public static BoundExpression? Conjunction(IEnumerable<BoundExpression> predicates, SourceSpan? span = null) =>
        predicates.Aggregate((BoundExpression?)null, (chain, next) =>
            chain is null ? next : new BoundBinary(span ?? chain.Span, SqlType.Boolean, chain, "AND", next));
}
