using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// SUM over integers and numerics is invertible: add each change's value times its weight. Two SQL traps:
/// SUM of no non-NULL values is NULL, not 0 (so a non-NULL count is kept beside the sum), and a numeric sum's display
/// scale is the largest scale among the summed values — subtraction never lowers it, so the maximum scale is tracked
/// too (recomputed for a group only when a value with that scale is deleted) and the result is rounded to it.
/// </summary>
public sealed class ExactSumRule : IAggregateRule
{
    public bool Applies(AggregateCall call) =>
        call.Function == AggregateFunction.Sum && call.Argument!.Type.Category is TypeCategory.Integer or TypeCategory.Numeric;

    public IReadOnlyList<StateColumn> States(AggregateContext context)
    {
        var sum = context.StateColumn("sum");
        var argument = context.ArgumentOverChanges;
        var states = new List<StateColumn>
        {
            new(sum, $"sum({context.ArgumentOverSource}), 0 when there is none",
                $"COALESCE(sum({context.ArgumentOverSource}), 0)",
                [new DeltaColumn(sum, $"COALESCE(sum({argument} * c.\"__weight\"), 0)")],
                $"COALESCE(s.{sum}, 0) + d.{sum}",
                null),
            CountRule.State(context),
        };
        if (IsNumeric(context))
        {
            var scale = context.StateColumn("scale");
            var inserted = context.StateColumn("scale_inserted");
            var deleted = context.StateColumn("scale_deleted");
            states.Add(new StateColumn(scale, $"largest scale among {context.ArgumentOverSource}",
                $"max(scale({context.ArgumentOverSource}))",
                [
                    new DeltaColumn(inserted, $"max(scale({argument})) FILTER (WHERE c.\"__weight\" > 0)"),
                    new DeltaColumn(deleted, $"max(scale({argument})) FILTER (WHERE c.\"__weight\" < 0)"),
                ],
                $"GREATEST(s.{scale}, d.{inserted})",
                // The largest scale is a MAX over scale(x): the same rule decides when it must be recounted.
                ExtremumRule.RescanWhen(context, $"s.{scale}", $"d.{inserted}", $"d.{deleted}", "GREATEST", ">=")));
        }
        return states;
    }

    public string Final(AggregateContext context)
    {
        var sum = "s." + context.StateColumn("sum");
        var value = IsNumeric(context) ? $"round({sum}, s.{context.StateColumn("scale")})" : sum;
        return $"CASE WHEN s.{context.StateColumn("nonnull")} > 0 THEN {value} END";
    }

    /// <summary>
    /// Numerics whose scale can vary need the scale tracked. Where the types decide it (a numeric(p,s) column, an
    /// expression of such columns and literals: <see cref="NumericScale"/>), every value has that scale, and so do
    /// their sums.
    /// </summary>
    private static bool IsNumeric(AggregateContext context) =>
        context.Call.Argument is { Type.Category: TypeCategory.Numeric } argument && NumericScale.Of(argument) is null;
}
