using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// The fallback for aggregates with no exact inverse here (SUM and AVG over floating point, whose results depend on
/// the order of additions; AVG over intervals, sums of money): every group a change touches is recomputed from its
/// source rows. Cost is proportional to the touched groups' sizes, never to the whole table.
/// </summary>
public sealed class RecomputeGroupRule : IAggregateRule
{
    public bool Applies(AggregateCall call) => true;

    public IReadOnlyList<StateColumn> States(AggregateContext context)
    {
        var call = $"{context.Call.Name}({context.ArgumentOverSource ?? "*"})";
        return [new StateColumn(context.StateColumn(context.Call.Name), call, call, [], null, null)];
    }

    public string Final(AggregateContext context) => "s." + context.StateColumn(context.Call.Name);
}
