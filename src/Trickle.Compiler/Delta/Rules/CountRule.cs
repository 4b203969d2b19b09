using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>count(x) counts non-NULL values: inserted ones add one, deleted ones subtract one.</summary>
public sealed class CountRule : IAggregateRule
{
    public bool Applies(AggregateCall call) => call.Function == AggregateFunction.Count;

    public IReadOnlyList<StateColumn> States(AggregateContext context) => [State(context)];

    public string Final(AggregateContext context) => "s." + context.StateColumn("nonnull");

    /// <summary>Also kept by SUM, whose result is NULL exactly when this count is zero.</summary>
    internal static StateColumn State(AggregateContext context)
    {
        var column = context.StateColumn("nonnull");
        return new StateColumn(
            column,
            $"count({context.ArgumentOverSource}) for {context.Call.Name}",
            $"count({context.ArgumentOverSource})",
            [new DeltaColumn(column, $"COALESCE(sum(c.\"__weight\") FILTER (WHERE {context.ArgumentOverChanges} IS NOT NULL), 0)")],
            $"COALESCE(s.{column}, 0) + d.{column}",
            null);
    }
}
