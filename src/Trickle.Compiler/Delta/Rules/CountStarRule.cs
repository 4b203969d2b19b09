using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>count(*) is the group's row count, which every group keeps anyway (it decides when a group disappears).</summary>
public sealed class CountStarRule : IAggregateRule
{
    public bool Applies(AggregateCall call) => call.Function == AggregateFunction.CountStar;

    public IReadOnlyList<StateColumn> States(AggregateContext context) => [];

    public string Final(AggregateContext context) => MaintenanceModel.StoredRowCount;
}
