using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// The fallback for aggregates with no exact inverse here (SUM, AVG, stddev and variance over floating point, whose
/// results depend on the order of additions; AVG over intervals, sums of money; bool_and, string_agg, array_agg …): every group
/// a change touches is recomputed from its source rows, with the call exactly as written (ORDER BY, FILTER). Cost is proportional to the touched groups' sizes, never to the whole table.
/// </summary>
public sealed class RecomputeGroupRule : IAggregateRule
{
    public bool Applies(AggregateCall call) => true;

    public IReadOnlyList<StateColumn> States(AggregateContext context) =>
        [new StateColumn(context.StateColumn(context.Call.Name), context.CallOverSource, context.CallOverSource, [], null, null)];

    public string Final(AggregateContext context) => "s." + context.StateColumn(context.Call.Name);
}
