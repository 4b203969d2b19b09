namespace Trickle.Compiler.Delta;

/// <summary>A grouping key: stored in its own storage column, computed from source or change rows by the same expression.</summary>
/// <param name="HashCast">
/// Appended to the key where it is hashed: a few types have equality but no extended hash function (money, bit
/// strings, tsvector); an exact cast that preserves equality (money to numeric, the others to canonical text) stands in.
/// </param>
public sealed record KeyColumn(string Column, string Comment, string OverSource, string OverChanges, bool Nullable, string HashCast)
{
    /// <summary>
    /// A numeric key of counted rows: 2.5 and 2.50 are equal but print differently, and a bag shows each row as it
    /// is, so rows are kept apart by their scale too (a GROUP BY or DISTINCT keeps one of them, as PostgreSQL does).
    /// </summary>
    public bool ScaleSensitive { get; init; }

    /// <summary>The hash "cast" of a key whose type has no hash function: equal values are equally NULL or not.</summary>
    public const string NullOnlyHash = " IS NULL";

    /// <summary>"=", or <c>OPERATOR(schema.=)</c> for a type whose operators the pinned search_path hides.</summary>
    public string EqualityOperator { get; init; } = "=";
}

public sealed record ViewColumn(string Name, string Sql);

/// <summary>A source table and every object Trickle creates around it for one stream table.</summary>
/// <param name="Index">1-based; names the change CTEs (<c>changes_1</c>, <c>net_1</c>) and the buffer</param>
/// <param name="Columns">quoted names of the columns the query reads from this table, in table order</param>
/// <param name="NetKeys">GROUP BY list netting this source's change rows; null when a column has no equality operator</param>
/// <param name="ImmediateTerms">join-delta terms when only this source changed (one IMMEDIATE statement)</param>
public sealed record SourceModel(
    int Index,
    string Table,
    string DisplayName,
    IReadOnlyList<string> Columns,
    string Buffer,
    string CaptureFunction,
    string MaintainFunction,
    string InsertTrigger,
    string UpdateTrigger,
    string DeleteTrigger,
    string TruncateTrigger,
    IReadOnlyList<string>? NetKeys,
    IReadOnlyList<JoinTerm> ImmediateTerms)
{
    public bool NetsChanges => NetKeys is not null;

    /// <summary>
    /// Set when the query expands this table's rows by set-returning functions: the lateral joins over a change row
    /// <c>c</c> and the virtual columns they add. The change rows are expanded after netting (CTE <c>expanded_n</c>).
    /// </summary>
    public string? ExpansionJoins { get; init; }
    public string? ExpandedColumns { get; init; }

    /// <summary>
    /// The columns of this source in a join's one key class, whose values in a change its IMMEDIATE writers lock instead
    /// of the whole stream table (see <see cref="JoinKeyLocks"/>); empty when they take the whole stream table's lock.
    /// </summary>
    public IReadOnlyList<string> JoinLockColumns { get; init; } = [];
    public string JoinLockHashCast { get; init; } = "";

    /// <summary>Join-delta terms of an outer join's preserved tables when only this source changed.</summary>
    public IReadOnlyList<JoinTerm> ImmediatePreservedTerms { get; init; } = [];

    /// <summary>
    /// Set when the source is another stream table: the function translating one of its stored rows into the rows of
    /// its view. Its changes are then captured on <see cref="CapturedTable"/>, its storage, where every refresh (or
    /// IMMEDIATE write) of it lands, and translated before they reach this stream table.
    /// </summary>
    public string? ViewRowsFunction { get; init; }

    /// <summary>The table the capture (or IMMEDIATE) triggers are on: the source itself, or an upstream's storage.</summary>
    public string CapturedTable { get; init; } = Table;

    public bool IsStreamTable => ViewRowsFunction is not null;

    /// <summary>
    /// The IMMEDIATE BEFORE STATEMENT trigger that counts a statement writing this table as pending, until its AFTER
    /// trigger runs (see <see cref="StreamTableIdentity.PendingSetting"/>).
    /// </summary>
    public string BeginTrigger { get; init; } = "";

    /// <summary>The INSERT trigger's name as a string literal: finds the tables that carry this source's triggers.</summary>
    public string InsertTriggerLiteral { get; init; } = "";

    /// <summary>FROM item of the rows a statement inserted (or an update's new images), as rows of the source, alias n.</summary>
    public string NewRows => RowsOf("trickle_new", "n");

    /// <summary>FROM item of the rows a statement deleted (or an update's old images), as rows of the source, alias o.</summary>
    public string OldRows => RowsOf("trickle_old", "o");

    private string RowsOf(string transitionTable, string alias) => ViewRowsFunction is null
        ? $"\"{transitionTable}\" AS {alias}"
        : $"\"{transitionTable}\" AS \"__stored\" CROSS JOIN LATERAL {ViewRowsFunction}(\"__stored\") AS {alias}";
}

/// <summary>One table occurrence in FROM, under its internal alias (<c>"src"</c>, or <c>"src1"</c>… in a join).</summary>
/// <param name="Table">what the delta's terms read: the table, or for a subquery kept whole its stored rows</param>
/// <param name="PopulationTable">what recomputing reads: the table, or the subquery's rows computed afresh</param>
public sealed record RelationModel(string Alias, int SourceIndex, string Table, IReadOnlyList<string> SourceColumns)
{
    public string PopulationTable { get; init; } = Table;

    public bool IsSubquery => SourceIndex > SubqueryModel.SourceIndexBase;
}

/// <summary>
/// A subquery that aggregates or removes duplicates, kept whole: its groups live in a storage table of their own,
/// maintained by <see cref="Model"/> in the same statement as the outer query, and its changed rows (each touched group
/// as it was, weight −1, and as it is, +1) are the delta of the relation it is in the outer query's join.
/// </summary>
/// <param name="Index">1-based; prefixes its CTEs (<c>sub1_delta</c>, …)</param>
/// <param name="SourceIndex">stands for it where terms name a relation's source: <see cref="SourceIndexBase"/> + Index</param>
/// <param name="SourceIndexes">the sources it reads: its part of a statement runs only when one of them changed</param>
/// <param name="Columns">its output columns as the outer query names them, computed from a stored row <c>s</c></param>
/// <param name="StoredSql">its rows as stored (as of the statement's snapshot): what the outer terms join</param>
/// <param name="RowsCte">the CTE that computes its rows afresh from its sources, for recomputing the outer query</param>
public sealed record SubqueryModel(
    int Index,
    string DisplayName,
    MaintenanceModel Model,
    int SourceIndex,
    IReadOnlyList<int> SourceIndexes,
    IReadOnlyList<ViewColumn> Columns,
    string StoredSql,
    string RowsCte)
{
    public const int SourceIndexBase = 1000;

    public string Prefix => $"sub{Index}_";
    public string ChangesCte => $"sub{Index}_changes";
}

/// <summary>
/// An outer join of two tables, or a semi-/anti-join. Its delta is the inner join's plus, for each padded side, the
/// NULL-padded rows' delta (see <see cref="PaddedSide"/>). A LEFT join pads one side, a FULL join both: the left rows
/// without a match, and the right rows without one.
/// </summary>
/// <param name="Kind"><c>left</c> or <c>full</c> (padded rows are output), <c>semi</c> (EXISTS: preserved rows with a
/// match) or <c>anti</c> (NOT EXISTS: preserved rows without one, the padded rows' delta without the other side's columns)</param>
/// <param name="OnSql">the ON condition over both relations' aliases</param>
public sealed record OuterJoinModel(string Kind, string OnSql, IReadOnlyList<PaddedSide> PaddedSides)
{
    /// <summary>LEFT and FULL joins output the padded rows, with the nullable side's columns NULL.</summary>
    public bool OutputsPaddedRows => Kind is "left" or "full";
}

/// <summary>
/// One preserved side of an outer join and the side it is NULL-padded with. Its delta:
/// ΔPadded = Σ over changed preserved rows of w·[no match now] + Σ over preserved rows (as before the batch) that a
/// changed nullable-side row matches of ([no match now] − [no match before]). The match count before the batch is the
/// count now minus the weights of the matching change rows.
/// </summary>
/// <param name="NullRow">a one-row relation of typed NULLs standing for the nullable side in padded rows</param>
public sealed record PaddedSide(
    string PreservedAlias,
    int PreservedSourceIndex,
    string PreservedTable,
    IReadOnlyList<string> PreservedColumns,
    string NullableAlias,
    int NullableSourceIndex,
    string NullableTable,
    string NullRow)
{
    /// <summary>
    /// A subquery kept whole on the padded side is stored as it was before the batch: its matches now are its stored
    /// matches plus the weights of its matching changed rows.
    /// </summary>
    public bool NullableIsSubquery => NullableSourceIndex > SubqueryModel.SourceIndexBase;

    /// <summary>
    /// A subquery kept whole on the preserved side (one side of a FULL join of a padded join) is stored as it was
    /// before the batch: its rows as they were are its stored rows, with no changes to take back.
    /// </summary>
    public bool PreservedIsSubquery => PreservedSourceIndex > SubqueryModel.SourceIndexBase;

    /// <summary>
    /// The preserved side is an inner join of several tables (<c>a JOIN b ON … LEFT JOIN n ON …</c>). It is then read as
    /// one relation <see cref="PreservedAlias"/> of flat columns (<c>"preserved"."src1.id"</c>): as it is now through
    /// <see cref="PreservedTable"/>, its changes through the <c>preserved_changes</c> CTE (the join delta of its tables).
    /// </summary>
    public bool PreservedIsJoin { get; init; }
    /// <summary>When the preserved side is itself an outer join: the model of its rows, whose joined CTE is its changes.</summary>
    public MaintenanceModel? PreservedModel { get; init; }
    public IReadOnlyList<int> PreservedSourceIndexes { get; init; } = [];
    /// <summary>The joined columns of the preserved tables, and their join condition, for <c>preserved_changes</c>.</summary>
    public IReadOnlyList<JoinedColumn> PreservedJoinedColumns { get; init; } = [];
    public string? PreservedCondition { get; init; }
    /// <summary>ON, WHERE and the padded row's columns over <see cref="PreservedAlias"/>; null: the stream table's own.</summary>
    public string? OnSql { get; init; }
    public string? WhereSql { get; init; }
    public string? PaddedColumns { get; init; }
}

/// <summary>
/// A query with window functions: its rows are the windowed rows <c>"win"</c>, <c>(SELECT <see cref="SelectSql"/> FROM
/// <see cref="FromSql"/> WHERE <see cref="Filter"/>)</c>, with the model's filters (<c>WHERE rn &lt;= 3</c>) and keys over
/// them. A change can move every row of its partition, so the delta of a batch is, for each partition it touches
/// (its <see cref="PartitionKeys"/> values in the change rows), the partition's stored rows removed and the partition
/// recomputed now. With no common PARTITION BY, any change recomputes everything.
/// </summary>
/// <param name="SelectSql">the source columns the query reads, under flat names, and each window call as <c>w1</c>, …</param>
public sealed record WindowModel(string SelectSql, string FromSql, string? Filter, IReadOnlyList<PartitionKeyModel> PartitionKeys)
{
    /// <summary>For a top-k query: <c> ORDER BY … LIMIT n OFFSET m</c>, appended to the windowed rows' query.</summary>
    public string? OrderSql { get; init; }
    /// <summary>For a top-k query with a limit: how to find the last row kept, and whether a change row can reach it.</summary>
    public TopKBoundary? Boundary { get; init; }
}

/// <summary>
/// The last row a top-k query keeps, found now by the same ORDER BY at offset + limit − 1 (<c>b1</c>, … its order
/// values). If every changed row (old and new images) sorts after it, the rows up to it are the same rows as before,
/// so the result is unchanged; if the query now keeps fewer rows than its limit, any change can matter.
/// </summary>
/// <param name="SelectSql">the ORDER BY expressions over the sources, as <c>b1</c>, …</param>
/// <param name="OrderSql"><c> ORDER BY … LIMIT 1 OFFSET k</c></param>
/// <param name="ChangeSortsAtOrBefore">over a change row <c>c</c> and the boundary <c>b</c></param>
public sealed record TopKBoundary(string SelectSql, string OrderSql, string ChangeSortsAtOrBefore)
{
    /// <summary>The boundary read from the stored rows, when the ORDER BY is stored; null: read from the source.</summary>
    public string? StoredSql { get; init; }
}

/// <summary>A PARTITION BY expression every window call shares: its storage key column, and how source and change rows compute it.</summary>
/// <param name="Column">its column in the CTE of touched partitions (<c>p1</c>, …)</param>
public sealed record PartitionKeyModel(string Column, string StorageColumn, string OverSource, string OverChanges, bool Nullable, string HashCast)
{
    /// <inheritdoc cref="KeyColumn.EqualityOperator"/>
    public string EqualityOperator { get; init; } = "=";
}

/// <summary>A value IMMEDIATE writers lock on: a group key or a partition key, as computed from change rows.</summary>
public sealed record LockKey(string OverChanges, string HashCast);

/// <summary>One branch of a set operation: its projections and filter over its source's change rows (<c>c</c>).</summary>
public sealed record BranchModel(int Index, int SourceIndex, IReadOnlyList<string> KeysOverChanges, string? WhereOverChanges);

/// <summary>A column of a joined change row: <c>"src2"."name" AS "src2.name"</c>.</summary>
public sealed record JoinedColumn(string Relation, string Column, string Flat);

/// <summary>How one relation enters a term of the join delta.</summary>
/// <param name="Kind"><c>delta</c> (its source's change rows), <c>minus</c> (the same rows with their weights negated), <c>old</c>
/// (the table as it was before the changes) or <c>new</c> (the table now)</param>
public sealed record TermRelation(string Alias, string Kind, int SourceIndex, string Table, IReadOnlyList<string> SourceColumns);

/// <summary>
/// One term of Δ(R1 ⋈ … ⋈ Rn) = Σi R1_old ⋈ … ⋈ ΔRi ⋈ R(i+1)_new ⋈ … ⋈ Rn_new: relations before the changed one as
/// they were, after it as they are. A row's weight is the product of the weights of its delta and old relations.
/// </summary>
public sealed record JoinTerm(IReadOnlyList<TermRelation> Relations)
{
    /// <summary>The factors of a row's weight: each changed or old relation's weight, negated for <c>minus</c>.</summary>
    public IEnumerable<string> Weighted => Relations.Where(r => r.Kind != "new")
        .Select(r => r.Kind == "minus" ? $"(-{r.Alias}.\"__weight\")" : $"{r.Alias}.\"__weight\"");
}

/// <summary>What every stream table has whatever its query: names (quoted), literals and lock keys.</summary>
public sealed record StreamTableIdentity(
    string DisplayName,
    string SchemaLiteral,
    string NameLiteral,
    string StreamTable,
    string Mode,
    string ScheduleLiteral,
    string QueryLiteral,
    string QueryComment,
    string Storage,
    string RefreshFunction,
    string RecomputeFunction,
    string TruncateFunction,
    string DropFunction,
    string IrText)
{
    /// <summary>
    /// Empty table whose EXCLUSIVE lock serialises refreshes, recomputations and repairs of this generation (and
    /// IMMEDIATE writers whose delta reads beyond their groups). A table lock, not an advisory key: only roles with a
    /// privilege on the table can take it, so no other role can stall maintenance.
    /// </summary>
    public string RefreshLock { get; init; } = "";

    /// <summary>Empty table IMMEDIATE writers of a grouped stream table lock shared, or alone past the group-lock bound.</summary>
    public string WritersLock { get; init; } = "";

    /// <summary>
    /// <c>(key integer PRIMARY KEY)</c>: one row per group key hash IMMEDIATE writers have locked. Writers lock the rows
    /// of the groups they touch (inserting the missing ones); row locks on a table only its owner may read or lock,
    /// where advisory keys could be taken by any role that can compute them.
    /// </summary>
    public string GroupLocks { get; init; } = "";

    /// <summary>
    /// <c>f(stored storage_row) RETURNS SETOF view</c>: the rows of the stream table one stored row stands for. Stream
    /// tables that read this one translate the changes of its storage into changes of its rows with it.
    /// </summary>
    public string ViewRowsFunction { get; init; } = "";

    /// <summary>Creates and drops the triggers of each refresh mode at run time (<c>trickle.alter_stream_table</c>).</summary>
    public string SwitchFunction { get; init; } = "";

    /// <summary>The generation an upgrade script builds (<see cref="Binding.BoundStreamTable.Generation"/>); null for an install.</summary>
    public string? Generation { get; init; }

    /// <summary><c>WITH (row_security = on)</c>: a <c>security_invoker</c> view over storage with row-level security enabled.</summary>
    public bool RowSecurity { get; init; }

    /// <summary><c>WITH (outbox = …)</c>: the change feed's layout (<c>trickle</c> or <c>debezium</c>), null for none.</summary>
    public string? Outbox { get; init; }

    /// <summary>The outbox layout as a SQL literal, or NULL.</summary>
    public string OutboxLiteral => Outbox is null ? "NULL" : Emit.SqlQuoting.Literal(Outbox);

    /// <summary><c>WITH (publish = on)</c>: a mirror table of the rows for logical replication (publication.sql.sbn).</summary>
    public bool Publish { get; init; }

    /// <summary>An upgrade's new view, over the new storage, until the swap copies its definition to the stream table.</summary>
    public string StagedView { get; init; } = "";

    /// <summary>Applies every buffered change visible to its statement: DIFFERENTIAL and AUTO refreshes, and IMMEDIATE
    /// statements whose changes had to wait for others (<see cref="ApplyDeferredFunction"/>).</summary>
    public string ApplyFunction { get; init; } = "";

    /// <summary>The IMMEDIATE BEFORE STATEMENT trigger function: counts one more statement writing a source as pending.</summary>
    public string StatementBeginsFunction { get; init; } = "";

    /// <summary>IMMEDIATE: takes the writers' locks and applies the changes of every statement that had to wait.</summary>
    public string ApplyDeferredFunction { get; init; } = "";

    /// <summary>
    /// <c>f(lock boolean) RETURNS bigint</c>, for <c>immediate_apply = 'commit'</c>: at COMMIT, <c>trickle.apply_at_commit</c>
    /// calls it with true for every stream table the transaction changed (taking their locks, in one fixed order), then
    /// with false (applying the transaction's buffered changes).
    /// </summary>
    public string CommitApplyFunction { get; init; } = "";

    /// <summary><c>WITH (immediate_apply = 'commit')</c>: IMMEDIATE writers buffer their changes and apply them at COMMIT.</summary>
    public bool AppliesAtCommit { get; init; }

    /// <summary>
    /// Transaction-local setting counting the statements writing a source whose IMMEDIATE maintenance has not run yet
    /// (one statement may write several sources, or nest writes through cascades and triggers): while one is pending,
    /// the sources are ahead of the stream table, and a delta joined with them would count changes twice.
    /// </summary>
    public string PendingSetting { get; init; } = "";

    /// <summary>Transaction-local flag: changes wait in the buffers for the last pending statement to apply them.</summary>
    public string DeferredSetting { get; init; } = "";

    /// <summary>
    /// Transaction-local count of the group locks IMMEDIATE maintenance took so far (-1 once it escalated to the lock of
    /// the whole stream table): see <see cref="MaintenanceModel.MaxGroupLocks"/>.
    /// </summary>
    public string GroupLocksSetting { get; init; } = "";

    /// <summary>
    /// <c>f(mode text, replace boolean) RETURNS boolean</c>: gives the sources' partitions and inheritance children the
    /// triggers of a mode (and takes them from tables that left the tree); true when a table's triggers changed.
    /// </summary>
    public string FollowPartitionsFunction { get; init; } = "";

    /// <summary>
    /// <c>f() RETURNS TABLE (kind, object, on_table, detail, modes)</c>: what this generation is made of, by the names
    /// it was compiled with, and in which refresh modes each object must exist: <c>trickle.health()</c> compares it
    /// with the database to find drift.
    /// </summary>
    public string ObjectsFunction { get; init; } = "";

    /// <summary><c>f() RETURNS bigint</c>: puts back the triggers and buffers of the current mode and recomputes (<c>trickle.repair_stream_table</c>).</summary>
    public string RepairFunction { get; init; } = "";
}

/// <summary>A refresh mode the query cannot be maintained in, and why (the first obstacle, with its code and position).</summary>
public sealed record UnavailableMode(string Mode, string Reason);

/// <summary>
/// Everything the templates need to emit one stream table, decided by the Delta phase. Names are already quoted and
/// qualified; SQL fragments are over the fixed aliases documented on <see cref="StateColumn"/>.
/// </summary>
public sealed record MaintenanceModel
{
    /// <summary>The group's row count as read from the stored row: count(*) and the weight of counted rows.</summary>
    public const string StoredRowCount = "s.\"__count\"";

    /// <summary>Names, literals and lock keys of the stream table and of every object created for it.</summary>
    public required StreamTableIdentity Identity { get; init; }

    public string DisplayName => Identity.DisplayName;
    public string SchemaLiteral => Identity.SchemaLiteral;
    public string NameLiteral => Identity.NameLiteral;
    public string StreamTable => Identity.StreamTable;
    public string Mode => Identity.Mode;
    /// <summary>DIFFERENTIAL and AUTO capture changes into buffers that a refresh consumes.</summary>
    public bool BuffersChanges => Mode is "differential" or "auto";
    public string SwitchFunction => Identity.SwitchFunction;

    /// <summary>
    /// Modes the query cannot be maintained in (only FULL's volatile functions today). Every other mode's objects are
    /// installed whatever the mode installed, so that <c>trickle.alter_stream_table</c> can switch to it.
    /// </summary>
    public IReadOnlyList<UnavailableMode> UnavailableModes { get; init; } = [];

    /// <summary>
    /// <c>create_indexes = on</c>: the indexes on sources the delta queries look rows up by, which the script creates
    /// where the source has none leading with those columns. Empty when the option is off.
    /// </summary>
    public IReadOnlyList<SourceIndexModel> SourceIndexes { get; init; } = [];

    /// <summary>The incremental modes are available: buffers, capture and maintenance functions are installed.</summary>
    public bool Incremental => UnavailableModes.All(u => u.Mode != "differential");
    public string ScheduleLiteral => Identity.ScheduleLiteral;
    public string QueryLiteral => Identity.QueryLiteral;
    public string QueryComment => Identity.QueryComment;
    public string Storage => Identity.Storage;
    public string RefreshFunction => Identity.RefreshFunction;
    public string RecomputeFunction => Identity.RecomputeFunction;
    public string TruncateFunction => Identity.TruncateFunction;
    public string DropFunction => Identity.DropFunction;
    public string ViewRowsFunction => Identity.ViewRowsFunction;
    public string RefreshLock => Identity.RefreshLock;
    public string WritersLock => Identity.WritersLock;
    public string GroupLocks => Identity.GroupLocks;
    public string IrText => Identity.IrText;
    public string? Generation => Identity.Generation;
    public string GenerationLiteral => Generation is null ? "NULL" : Emit.SqlQuoting.Literal(Generation);
    public bool RowSecurity => Identity.RowSecurity;
    public string? Outbox => Identity.Outbox;
    public string OutboxLiteral => Identity.OutboxLiteral;
    public bool Publish => Identity.Publish;

    /// <summary>
    /// The output columns that identify a row of the change feed (its row_key, which pairs a removed and an added row
    /// into an update): a grouped stream table's group keys, when each is an output column; otherwise NULL (changes
    /// are inserts and deletes only). As a text[] literal of unquoted names.
    /// </summary>
    public string OutboxKeysLiteral
    {
        get
        {
            if (!Grouped || Multiplicity || Keys.Count == 0) return "NULL";
            var names = new List<string>();
            foreach (var key in Keys)
            {
                var column = ViewColumns.FirstOrDefault(c => c.Sql == "s." + key.Column);
                if (column is null) return "NULL";
                names.Add(column.Name[1..^1].Replace("\"\"", "\""));
            }
            return "ARRAY[" + string.Join(", ", names.Select(Emit.SqlQuoting.Literal)) + "]::text[]";
        }
    }
    public string StagedView => Identity.StagedView;
    public string ApplyFunction => Identity.ApplyFunction;
    public string FollowPartitionsFunction => Identity.FollowPartitionsFunction;
    public string ObjectsFunction => Identity.ObjectsFunction;
    public string RepairFunction => Identity.RepairFunction;
    public string StatementBeginsFunction => Identity.StatementBeginsFunction;
    public string ApplyDeferredFunction => Identity.ApplyDeferredFunction;
    public string CommitApplyFunction => Identity.CommitApplyFunction;
    public bool AppliesAtCommit => Identity.AppliesAtCommit;
    public string PendingSettingLiteral => Emit.SqlQuoting.Literal(Identity.PendingSetting);
    public string DeferredSettingLiteral => Emit.SqlQuoting.Literal(Identity.DeferredSetting);
    public string GroupLocksSettingLiteral => Emit.SqlQuoting.Literal(Identity.GroupLocksSetting);

    /// <summary>
    /// IMMEDIATE writers lock the groups they touch, one row of <see cref="GroupLocks"/> each, held to the end of the
    /// transaction; past this many in one transaction they take one lock for the whole stream table instead. Row locks
    /// take no room in PostgreSQL's shared lock table (the advisory locks they replaced did, and a bulk DELETE touching
    /// 20,000 groups failed with "out of shared memory"), so the bound now bounds work: a bulk statement takes one table
    /// lock rather than inserting and locking a row per group, and the group lock table grows by at most this many rows
    /// per transaction.
    /// </summary>
    public int MaxGroupLocks => 64;
    public required bool Grouped { get; init; }
    public required bool Multiplicity { get; init; }
    public required IReadOnlyList<KeyColumn> Keys { get; init; }

    /// <summary>
    /// A key of a type without a hash function adds only whether it is NULL to the key hash, so groups are also found by
    /// an index on the keys themselves (every key type that groups has a btree class).
    /// </summary>
    public bool IndexesKeys => Grouped && Keys.Any(k => k.HashCast == KeyColumn.NullOnlyHash);

    public required IReadOnlyList<StateColumn> States { get; init; }
    public required string? WhereOverSource { get; init; }
    public required string? WhereOverChanges { get; init; }
    public required IReadOnlyList<ViewColumn> ViewColumns { get; init; }
    public required string? HavingOverStorage { get; init; }
    public required IReadOnlyList<SourceModel> Sources { get; init; }
    public required IReadOnlyList<RelationModel> Relations { get; init; }
    public required IReadOnlyList<JoinedColumn> JoinedColumns { get; init; }
    /// <summary>Join-delta terms when every source may have changed (a DIFFERENTIAL refresh).</summary>
    public required IReadOnlyList<JoinTerm> DifferentialTerms { get; init; }
    /// <summary>GROUP BY list netting joined change rows; null when a column has no equality operator.</summary>
    public required IReadOnlyList<string>? JoinedNetKeys { get; init; }
    /// <summary>The FROM list over the sources: <c>"public"."orders" AS "src"</c>.</summary>
    public required string FromSql { get; init; }
    public required string SourcesDisplay { get; init; }

    /// <summary>The LEFT or FULL join (or semi-/anti-join) of two tables, when the query is one; null for inner joins and single tables.</summary>
    public required OuterJoinModel? OuterJoin { get; init; }
    /// <summary>Condition of the inner-join terms: every join condition and the WHERE clause.</summary>
    public required string? InnerCondition { get; init; }
    /// <summary>What recomputing reads: WHERE, plus the EXISTS test of a semi- or anti-join.</summary>
    public required string? SourceFilter { get; init; }

    /// <summary>Branches of a UNION/INTERSECT/EXCEPT; empty otherwise.</summary>
    public IReadOnlyList<BranchModel> Branches { get; init; } = [];
    /// <summary>How many copies of a stored row the stream table shows.</summary>
    public string MultiplicitySql { get; init; } = StoredRowCount;

    /// <summary>The joined change rows' columns when they are not read from each relation (a preserved outer join's).</summary>
    public string? JoinedSelectSql { get; init; }

    /// <summary>Join-delta terms of an outer join's preserved tables, when they are several, in a DIFFERENTIAL refresh.</summary>
    public IReadOnlyList<JoinTerm> DifferentialPreservedTerms { get; init; } = [];

    /// <summary>
    /// Every subquery kept whole under this model, nested ones included, each after the subqueries it reads (its own
    /// kept-whole inputs): the order a statement maintains them in, since an outer level consumes the delta of the level
    /// below it. Storage, drop and recomputation walk this list.
    /// </summary>
    public IReadOnlyList<SubqueryModel> Subqueries { get; init; } = [];

    /// <summary>The subqueries kept whole this model's FROM list reads itself: those its rows CTEs recompute.</summary>
    public IReadOnlyList<SubqueryModel> DirectSubqueries { get; init; } = [];

    /// <summary>Set when the query reads a linear recursive CTE: its storage is one of <see cref="Sources"/>.</summary>
    public RecursionModel? Recursion { get; init; }

    /// <summary>Set for a query with window functions: its partitions are recomputed.</summary>
    public WindowModel? Window { get; init; }

    /// <summary>The view that makes PostgreSQL protect the tables and columns the query reads (the stream table's own
    /// model only: set by <see cref="Compilation"/>, which knows the search path the names were resolved with).</summary>
    public SourceGuardModel? SourceGuard { get; init; }

    /// <summary>The delta goes through the join terms: several relations, or one that is a subquery kept whole.</summary>
    public bool IsJoin => !IsSetOperation && (Relations.Count > 1 || DirectSubqueries.Count > 0);
    public bool IsSetOperation => Branches.Count > 0;
    /// <summary>IMMEDIATE writers take one lock for the stream table when a change's delta reads other rows than its group's.</summary>
    /// <summary>IMMEDIATE writers lock the groups (or window partitions) they touch: the stream table has a group lock table.</summary>
    public bool UsesGroupLocks => (Grouped && !LocksWholeStreamTable) || UsesJoinKeyLocks;
    public bool LocksWholeStreamTable => (IsJoin && !UsesJoinKeyLocks) || IsSetOperation || Window is { PartitionKeys.Count: 0 } || Sources.Any(s => s.ExpansionJoins is not null);

    /// <summary>
    /// IMMEDIATE writers of this join lock the values of its one join key in their changes (row locks in the group lock
    /// table), not the whole stream table: every source has key columns, and no source is another stream table (whose
    /// captured rows are its storage's, not its view's) nor a recursive CTE's storage.
    /// </summary>
    public bool UsesJoinKeyLocks => IsJoin && DirectSubqueries.Count == 0 && Recursion is null
        && Sources.All(s => s.JoinLockColumns.Count > 0 && !s.IsStreamTable);

    /// <summary>What IMMEDIATE writers lock, one advisory lock per distinct value over their change rows: the groups, or the window partitions.</summary>
    public IReadOnlyList<LockKey> LockKeys => Window is { } window
        ? window.PartitionKeys.Select(k => new LockKey(k.OverChanges, k.HashCast)).ToList()
        : Keys.Select(k => new LockKey(k.OverChanges, k.HashCast)).ToList();
    public bool NetsJoinedChanges => JoinedNetKeys is not null;



    public bool AnyRescan => States.Any(s => s.CanRescan);
    public IEnumerable<DeltaColumn> DeltaColumns => States.SelectMany(s => s.DeltaColumns);
    public IEnumerable<StateColumn> RescannedStates => States.Where(s => s.CanRescan);
}

/// <summary>
/// A stream table whose query cannot be maintained incrementally, compiled under FULL or AUTO as its defining query
/// recomputed on every refresh, as written: the query runs with <see cref="SearchPath"/> (its schema and public)
/// so that its unqualified names resolve as they would for the user.
/// </summary>
/// <param name="Reason">the first obstacle to incremental maintenance, with its code and position</param>
/// <param name="BodyTag">a dollar-quote tag for function bodies that the query text does not contain</param>
public sealed record VerbatimModel(StreamTableIdentity Identity, string QuerySql, string SearchPath, string Reason, string BodyTag, SourceGuardModel SourceGuard)
{
    /// <summary>
    /// The schemas of <see cref="SearchPath"/> besides pg_catalog and pg_temp, as a text[] literal: the install and every
    /// recompute refuse when a role that could capture a name there may create in one (trickle.refuse_writable_search_path).
    /// </summary>
    public required string ResolvingSchemasLiteral { get; init; }

    public string DisplayName => Identity.DisplayName;
    public string SchemaLiteral => Identity.SchemaLiteral;
    public string NameLiteral => Identity.NameLiteral;
    public string StreamTable => Identity.StreamTable;
    public string Storage => Identity.Storage;
    public string RefreshFunction => Identity.RefreshFunction;
    public string RecomputeFunction => Identity.RecomputeFunction;
    public string DropFunction => Identity.DropFunction;
    public string RefreshLock => Identity.RefreshLock;
    public string ScheduleLiteral => Identity.ScheduleLiteral;
    public string QueryLiteral => Identity.QueryLiteral;
    public string QueryComment => Identity.QueryComment;
    public string ViewRowsFunction => Identity.ViewRowsFunction;
    public string SwitchFunction => Identity.SwitchFunction;
    public bool RowSecurity => Identity.RowSecurity;
    public string? Outbox => Identity.Outbox;
    public string OutboxLiteral => Identity.OutboxLiteral;
    public bool Publish => Identity.Publish;
    /// <summary>A query recomputed as written has no keys: its feed has inserts and deletes only.</summary>
    public string OutboxKeysLiteral => "NULL";
}
