namespace Trickle.Compiler.Delta;

/// <summary>A column the delta CTE computes from the change rows of one group (SQL over the changes alias <c>c</c>).</summary>
public sealed record DeltaColumn(string Column, string Sql);

/// <summary>
/// One column of bookkeeping in the storage table and how it is maintained. All SQL here is a fragment over fixed
/// aliases: <c>src</c> the source table, <c>c</c> change rows, <c>d</c> a group's delta, <c>s</c> its stored row.
/// </summary>
/// <param name="Column">quoted storage column name</param>
/// <param name="Comment">what the column holds, for COMMENT ON COLUMN and for readers of the script</param>
/// <param name="Population">the state of a group computed from scratch (an aggregate over <c>src</c>)</param>
/// <param name="DeltaColumns">per-group summaries of the changes this state needs</param>
/// <param name="Merge">new state from old state and delta; null when the state can only be recomputed</param>
/// <param name="RescanWhen">when the merged value cannot be trusted and the group must be recomputed; null if never</param>
public sealed record StateColumn(
    string Column,
    string Comment,
    string Population,
    IReadOnlyList<DeltaColumn> DeltaColumns,
    string? Merge,
    string? RescanWhen)
{
    /// <summary>True when some change can require recomputing this state from the source rows of its group.</summary>
    public bool CanRescan => Merge is null || RescanWhen is not null;
}
