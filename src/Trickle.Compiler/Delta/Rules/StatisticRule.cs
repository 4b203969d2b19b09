using System.Globalization;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// stddev/stddev_samp/stddev_pop and variance/var_samp/var_pop over exact types (smallint, integer, bigint, numeric)
/// are invertible: PostgreSQL computes them from N, sum(x) and sum(x*x), all exact, and so can we. Its final step
/// (numeric_stddev_internal) is reproduced digit for digit and scale for scale:
/// <list type="bullet">
/// <item>NULL when N = 0, and for the sample forms when N = 1; NaN when a NaN or ±Infinity was aggregated;</item>
/// <item>numerator = N·sum(x²) − sum(x)², exact, at display scale 2S (S = the largest scale among the values); 0 (scale 0)
/// when it is not positive;</item>
/// <item>variance = numerator / (N·(N−1)) (sample) or / (N·N) (population): SQL's numeric division chooses its scale
/// exactly as PostgreSQL's aggregate does (select_div_scale), given the same operands and display scales;</item>
/// <item>stddev = sqrt(variance) rounded half-up at the variance's scale R. SQL's sqrt rounds at a scale of its own (at
/// least R), so rounding that again could round a ...4999 up through a ...5000; the result is chosen between the two
/// candidates trunc and round at R by comparing their midpoint's square with the variance, exactly.</item>
/// </list>
/// real and double precision stay on <see cref="RecomputeGroupRule"/>: PostgreSQL accumulates floats with the
/// Youngs–Cramer algorithm, whose rounding depends on the order of the rows, so no stored sums reproduce it exactly.
/// </summary>
public sealed class StatisticRule : IAggregateRule
{
    private static readonly HashSet<string> Names = ["stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"];

    public bool Applies(AggregateCall call) =>
        call is { Function: AggregateFunction.Other, Distinct: false, Filter: null, ExtraArguments.Count: 0 }
        && Names.Contains(call.OtherName!)
        && call.Argument!.Type.Category is TypeCategory.Integer or TypeCategory.Numeric;

    public IReadOnlyList<StateColumn> States(AggregateContext context)
    {
        var (source, changes) = (context.ArgumentOverSource, context.ArgumentOverChanges);
        var numeric = IsNumeric(context);
        // Integers are summed as numeric, as PostgreSQL does; numeric sums skip NaN and ±Infinity, which are counted.
        string Value(string argument) => numeric ? argument : $"CAST({argument} AS numeric)";
        string Finite(string argument) => numeric ? $" FILTER (WHERE {argument} > '-Infinity' AND {argument} < 'Infinity')" : "";
        var finiteNote = numeric ? "the finite values of " : "";
        var sum = context.StateColumn("sum");
        var squares = context.StateColumn("sumsq");
        var states = new List<StateColumn>
        {
            CountRule.State(context),
            new(sum, $"sum of {finiteNote}{source}, 0 when there is none",
                $"COALESCE(sum({Value(source)}){Finite(source)}, 0)",
                [new DeltaColumn(sum, $"COALESCE(sum({Value(changes)} * c.\"__weight\"){Finite(changes)}, 0)")],
                $"COALESCE(s.{sum}, 0) + d.{sum}",
                null),
            new(squares, $"sum of the squares of {finiteNote}{source}, 0 when there is none",
                $"COALESCE(sum({Value(source)} * {Value(source)}){Finite(source)}, 0)",
                [new DeltaColumn(squares, $"COALESCE(sum({Value(changes)} * {Value(changes)} * c.\"__weight\"){Finite(changes)}, 0)")],
                $"COALESCE(s.{squares}, 0) + d.{squares}",
                null),
        };
        if (numeric)
        {
            var special = context.StateColumn("nonfinite");
            states.Add(new StateColumn(special, $"count of NaN and ±Infinity among {source}",
                $"count(*) FILTER (WHERE NOT ({source} > '-Infinity' AND {source} < 'Infinity'))",
                [new DeltaColumn(special, $"COALESCE(sum(c.\"__weight\") FILTER (WHERE NOT ({changes} > '-Infinity' AND {changes} < 'Infinity')), 0)")],
                $"COALESCE(s.{special}, 0) + d.{special}",
                null));
        }
        if (numeric && NumericScale.Of(context.Call.Argument!) is null)
        {
            // As for SUM (ExactSumRule): the largest scale is a MAX over scale(x), recounted only when a deletion may
            // have removed its last value. scale() of NaN and ±Infinity is NULL, so they never count.
            var scale = context.StateColumn("scale");
            var inserted = context.StateColumn("scale_inserted");
            var deleted = context.StateColumn("scale_deleted");
            states.Add(new StateColumn(scale, $"largest scale among {source}",
                $"max(scale({source}))",
                [
                    new DeltaColumn(inserted, $"max(scale({changes})) FILTER (WHERE c.\"__weight\" > 0)"),
                    new DeltaColumn(deleted, $"max(scale({changes})) FILTER (WHERE c.\"__weight\" < 0)"),
                ],
                $"GREATEST(s.{scale}, d.{inserted})",
                ExtremumRule.RescanWhen(context, $"s.{scale}", $"d.{inserted}", $"d.{deleted}", "GREATEST", ">=")));
        }
        return states;
    }

    public string Final(AggregateContext context)
    {
        var name = context.Call.OtherName!;
        var sample = name is not ("stddev_pop" or "var_pop");
        var n = "s." + context.StateColumn("nonnull");
        var sum = "s." + context.StateColumn("sum");
        var squares = "s." + context.StateColumn("sumsq");
        var exactNumerator = $"{n} * {squares} - {sum} * {sum}";
        // The sums are exact, but a merge can leave them with a larger display scale than PostgreSQL's (a deleted
        // value's): the numerator is brought to PostgreSQL's scale 2S. Integer sums always have scale 0.
        var numerator = IsNumeric(context)
            ? $"round({exactNumerator}, {(NumericScale.Of(context.Call.Argument!) is { } declared ? (2 * declared).ToString(CultureInfo.InvariantCulture) : $"2 * COALESCE(s.{context.StateColumn("scale")}, 0)")})"
            : exactNumerator;
        var denominator = sample ? $"CAST({n} AS numeric) * ({n} - 1)" : $"CAST({n} AS numeric) * {n}";
        var variance = $"(SELECT CASE WHEN sq.num > 0 THEN sq.num / ({denominator}) ELSE 0 END FROM (SELECT {numerator} AS num) AS sq)";
        var value = name.StartsWith("stddev", StringComparison.Ordinal)
            ? "(SELECT CASE WHEN (rt.up + rt.down) * (rt.up + rt.down) > 4 * rt.v THEN rt.down ELSE rt.up END FROM "
              + $"(SELECT va.v, round(sqrt(va.v), scale(va.v)) AS up, trunc(sqrt(va.v), scale(va.v)) AS down FROM (SELECT {variance} AS v) AS va) AS rt)"
            : variance;
        if (IsNumeric(context))
            value = $"CASE WHEN s.{context.StateColumn("nonfinite")} > 0 THEN 'NaN'::numeric ELSE {value} END";
        return $"CASE WHEN {n} > {(sample ? 1 : 0)} THEN {value} END";
    }

    private static bool IsNumeric(AggregateContext context) => context.Call.Argument!.Type.Category == TypeCategory.Numeric;

}
