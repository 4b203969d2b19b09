using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// MIN and MAX absorb insertions (LEAST/GREATEST of old and inserted), but a deletion of the current extremum leaves
/// no way to know the runner-up: only then is the group's extremum recomputed from its source rows.
/// </summary>
public sealed class ExtremumRule : IAggregateRule
{
    public bool Applies(AggregateCall call) => call.Function is AggregateFunction.Min or AggregateFunction.Max;

    public IReadOnlyList<StateColumn> States(AggregateContext context)
    {
        var name = context.Call.Name;
        var column = context.StateColumn(name);
        var inserted = context.StateColumn(name + "_inserted");
        var deleted = context.StateColumn(name + "_deleted");
        var argument = context.ArgumentOverChanges;
        var combine = context.Call.Function == AggregateFunction.Min ? "LEAST" : "GREATEST";
        var reaches = context.Call.Function == AggregateFunction.Min ? "<=" : ">=";
        return
        [
            new StateColumn(column, $"{name}({context.ArgumentOverSource})", $"{name}({context.ArgumentOverSource})",
                [
                    new DeltaColumn(inserted, $"{name}({argument}) FILTER (WHERE c.\"__weight\" > 0)"),
                    new DeltaColumn(deleted, $"{name}({argument}) FILTER (WHERE c.\"__weight\" < 0)"),
                ],
                // LEAST/GREATEST ignore NULLs, so a group's first value and a NULL-only insert both come out right.
                $"{combine}(s.{column}, d.{inserted})",
                RescanWhen(context, $"s.{column}", $"d.{inserted}", $"d.{deleted}", combine, reaches)),
        ];
    }

    public string Final(AggregateContext context) => "s." + context.StateColumn(context.Call.Name);

    /// <summary>
    /// A deletion can remove the extremum's last copy only if it reaches the extremum left after the inserts (M).
    /// With netted changes, deletions only remove rows that existed before the batch, so when M itself was inserted
    /// a copy of it certainly survives: an UPDATE of another column of the row holding the maximum needs no rescan.
    /// </summary>
    internal static string RescanWhen(AggregateContext context, string stored, string inserted, string deleted, string combine, string reaches)
    {
        var survivor = $"{combine}({stored}, {inserted})";
        // min/max of a type whose operators live outside pg_catalog (citext): compare with them, qualified.
        var type = context.Call.Argument?.Type ?? Catalog.SqlType.Unknown;
        var reached = $"{deleted} IS NOT NULL AND ({survivor} IS NULL OR {deleted} {type.Operator(reaches)} {survivor})";
        return context.ChangesAreNetted ? $"{reached} AND {type.IsDistinctFrom(inserted, survivor)}" : reached;
    }
}
