namespace Trickle.Compiler.Delta;

/// <summary>A grouping key: stored in its own storage column, computed from source or change rows by the same expression.</summary>
/// <param name="HashCast">
/// Appended to the key where it is hashed: a few types have equality but no extended hash function (money, bit
/// strings, tsvector); an exact cast that preserves equality (money to numeric, the others to canonical text) stands in.
/// </param>
public sealed record KeyColumn(string Column, string Comment, string OverSource, string OverChanges, bool Nullable, string HashCast);

public sealed record ViewColumn(string Name, string Sql);

/// <summary>A source table and every object Trickle creates around it for one stream table.</summary>
public sealed record SourceModel(
    string Table,
    string DisplayName,
    IReadOnlyList<string> Columns,
    string Buffer,
    string CaptureFunction,
    string MaintainFunction,
    string InsertTrigger,
    string UpdateTrigger,
    string DeleteTrigger,
    string TruncateTrigger);

/// <summary>
/// Everything the templates need to emit one stream table, decided by the Delta phase. Names are already quoted and
/// qualified; SQL fragments are over the fixed aliases documented on <see cref="StateColumn"/>.
/// </summary>
public sealed record MaintenanceModel
{
    /// <summary>The group's row count as read from the stored row: count(*) and the weight of counted rows.</summary>
    public const string StoredRowCount = "s.\"__count\"";

    public required string DisplayName { get; init; }
    public required string SchemaLiteral { get; init; }
    public required string NameLiteral { get; init; }
    public required string StreamTable { get; init; }
    public required string ViewSchema { get; init; }
    public required string Mode { get; init; }
    public required string ScheduleLiteral { get; init; }
    public required string QueryLiteral { get; init; }
    public required string QueryComment { get; init; }
    public required string Storage { get; init; }
    public required string StorageName { get; init; }
    public required string RefreshFunction { get; init; }
    public required string RecomputeFunction { get; init; }
    public required string TruncateFunction { get; init; }
    public required string DropFunction { get; init; }
    public required string RefreshLockKey { get; init; }
    public required string GroupLockClass { get; init; }
    public required bool Grouped { get; init; }
    public required bool Multiplicity { get; init; }
    public required IReadOnlyList<KeyColumn> Keys { get; init; }
    public required IReadOnlyList<StateColumn> States { get; init; }
    public required string? WhereOverSource { get; init; }
    public required string? WhereOverChanges { get; init; }
    public required IReadOnlyList<ViewColumn> ViewColumns { get; init; }
    public required string? HavingOverStorage { get; init; }
    public required SourceModel Source { get; init; }
    public required string IrText { get; init; }

    /// <summary>
    /// GROUP BY list that nets change rows before the delta: a -1/+1 pair of identical rows (an UPDATE that leaves
    /// every column the query reads unchanged) cancels out. Null when a column has no equality operator.
    /// </summary>
    public required IReadOnlyList<string>? NetKeys { get; init; }

    public bool NetsChanges => NetKeys is not null;

    public bool AnyRescan => States.Any(s => s.CanRescan);
    public IEnumerable<DeltaColumn> DeltaColumns => States.SelectMany(s => s.DeltaColumns);
    public IEnumerable<StateColumn> RescannedStates => States.Where(s => s.CanRescan);
}
