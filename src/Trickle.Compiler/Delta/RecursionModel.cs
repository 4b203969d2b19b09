namespace Trickle.Compiler.Delta;

/// <summary>
/// A linear recursive CTE r maintained as hidden storage (<see cref="Storage"/>, one row per row of r, duplicates kept
/// for UNION ALL), which the outer query reads as a source table: changes written to the storage are captured by the
/// outer stream table's own triggers, like any source's. See docs/runtime.md, "Recursive CTEs".
/// </summary>
/// <param name="Columns">r's columns, quoted, in order</param>
/// <param name="PopulationSql">r computed afresh from its sources: the CTE as written, tables qualified</param>
/// <param name="Differential">the delta when any source may have changed (a refresh consuming every buffer)</param>
public sealed record RecursionModel(
    string Name,
    string Storage,
    IReadOnlyList<string> Columns,
    bool UnionAll,
    string PopulationSql,
    IReadOnlyList<RecursionSourceModel> Sources,
    RecursionDelta Differential,
    string ApplyFunction,
    string RecomputeFunction,
    string BasePlan,
    string StepPlan)
{
    public string ColumnList => string.Join(", ", Columns);

    /// <summary>The sources' buffers, functions and triggers, for the templates that loop over them.</summary>
    public IReadOnlyList<SourceModel> CapturedSources => Sources.Select(s => s.Source).ToList();

    /// <summary>How r is maintained, in the words <c>trickle explain</c> prints.</summary>
    public string Strategy => UnionAll
        ? "counted closure: seeds are the base's change rows plus the step's join delta with r held as stored, then one recursive query propagates the signed seeds through the sources as they are now (exact for any mix of inserts, deletes and updates; the data must be acyclic, as for the query itself)"
        : "delete and rederive: rows derivable through a deleted source row are over-deleted (propagated through the step), those that still have a derivation from what remains, and rows derivable through an inserted source row, are derived semi-naively (only rows not in r are expanded further); cycles are allowed";
}

/// <summary>A source table of the recursive CTE: its buffer, capture and maintenance functions and triggers (in
/// <see cref="Source"/>, named apart from the stream table's own on the same table), and its IMMEDIATE delta.</summary>
/// <param name="Source">its columns are every column of the table: change rows are spliced in for the table</param>
/// <param name="Immediate">the delta when only this table changed (one IMMEDIATE statement)</param>
public sealed record RecursionSourceModel(SourceModel Source, RecursionDelta Immediate)
{
    /// <summary>The CTE holding this table's change rows in a maintenance statement.</summary>
    public string ChangesCte => $"rec_changes_{Source.Index}";
}

/// <summary>
/// The SQL terms of one maintenance statement of r, each a query of rows <c>(r's columns…, "__weight")</c>, for a set
/// of changed sources. UNION ALL uses <see cref="Seeds"/> and <see cref="Step"/>; UNION the other five.
/// </summary>
/// <param name="Changed">indexes of the sources whose change rows the statement reads</param>
/// <param name="Seeds">Δbase + step(r as stored, sources now) − step(r as stored, sources before)</param>
/// <param name="Step">the step over CTE <c>"closure"</c> and the sources now</param>
/// <param name="DeletionSeeds">rows with a derivation through a deleted source row, from r as stored</param>
/// <param name="DeletionStep">the step over CTE <c>"overdeleted"</c> and the sources now plus their deleted rows</param>
/// <param name="RederivedSeeds">base and step over what remains of r, the sources now (filtered to over-deleted rows)</param>
/// <param name="InsertedSeeds">base and step over what remains of r through an inserted source row</param>
/// <param name="DerivationStep">the step over CTE <c>"derived"</c> and the sources now</param>
public sealed record RecursionDelta(
    IReadOnlyList<int> Changed,
    IReadOnlyList<string> Seeds,
    string Step,
    IReadOnlyList<string> DeletionSeeds,
    string DeletionStep,
    IReadOnlyList<string> RederivedSeeds,
    IReadOnlyList<string> InsertedSeeds,
    string DerivationStep);
