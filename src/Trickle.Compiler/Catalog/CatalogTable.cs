using Trickle.Compiler.Emit;

namespace Trickle.Compiler.Catalog;

public sealed record CatalogColumn(string Name, SqlType Type, bool NotNull);

/// <summary>A source table as the compiler sees it: columns in order and the primary key, if any.</summary>
public sealed record CatalogTable(string Schema, string Name, IReadOnlyList<CatalogColumn> Columns, IReadOnlyList<string> PrimaryKey)
{
    public CatalogColumn? FindColumn(string name) => Columns.FirstOrDefault(c => c.Name == name);

    public bool HasPrimaryKey => PrimaryKey.Count > 0;

    /// <summary>
    /// Set when this relation is another stream table (a view over its storage): its changes are captured from its
    /// storage table, translated into rows of the view by its view-rows function.
    /// </summary>
    public UpstreamStreamTable? Upstream { get; init; }

    public bool IsStreamTable => Upstream is not null;

    /// <summary>What kind of relation this is; a view carries its definition in <see cref="View"/>.</summary>
    public RelationKind Kind { get; init; } = RelationKind.Table;

    /// <summary>Set for a view: a query reading it reads its definition, maintained from the tables that reads.</summary>
    public ViewDefinition? View { get; init; }

    /// <summary>
    /// Its indexes' leading plain key columns (up to the first expression key), as read from a live database; schema
    /// files give none. <c>trickle explain</c> says which of the indexes the delta queries need exist.
    /// </summary>
    public IReadOnlyList<CatalogIndex> Indexes { get; init; } = [];

    /// <summary>
    /// How Citus manages this table, as read from a live coordinator's <c>pg_dist_partition</c>; schema files and
    /// databases without Citus give <see cref="CitusDistribution.None"/>. See docs/citus.md.
    /// </summary>
    public CitusDistribution Citus { get; init; } = CitusDistribution.None;

    public override string ToString() => $"{Schema}.{Name}";
}

public enum RelationKind { Table, View, MaterializedView, ForeignTable }

/// <summary>
/// What Citus makes of a table. Only <see cref="None"/> can be captured: the others are written through Citus's
/// executor on shard placements, where the coordinator's triggers do not fire (docs/citus.md).
/// </summary>
public enum CitusDistribution
{
    /// <summary>A plain PostgreSQL table (or no Citus in the database).</summary>
    None,
    /// <summary>Hash-, range- or append-distributed, or a single-shard table of a distributed schema.</summary>
    Distributed,
    /// <summary>Replicated to every node.</summary>
    Reference,
    /// <summary>A Citus managed local table: its one shard lives on the coordinator.</summary>
    CitusLocal,
}

/// <summary>An index by name and its leading plain key columns, in key order.</summary>
public sealed record CatalogIndex(string Name, IReadOnlyList<string> Columns);

/// <summary>
/// A view's query as text (parsed where a stream table reads it) and the column names its definition gives.
/// <see cref="SecurityBarrier"/> and <see cref="SecurityInvoker"/> are its options of those names; they change nothing
/// about how it is expanded (see docs/supported-sql.md, "Views") but <c>trickle explain</c> shows them.
/// </summary>
public sealed record ViewDefinition(string QueryText, IReadOnlyList<string> ColumnNames, bool Recursive = false,
    bool SecurityBarrier = false, bool SecurityInvoker = false);

/// <summary>
/// The objects of an installed (or, offline, declared) stream table that a stream table reading it needs. Their names
/// follow from the upstream's schema and name by the one naming rule every install script uses.
/// </summary>
/// <param name="Storage">its storage table, quoted and qualified: where its changes are captured</param>
/// <param name="ViewRowsFunction">
/// quoted, qualified: <c>f(stored storage_row) RETURNS SETOF view</c>, the rows of the stream table one stored row
/// stands for (none when HAVING rejects it, as many copies as its multiplicity)
/// </param>
public sealed record UpstreamStreamTable(string Storage, string ViewRowsFunction)
{
    /// <summary>The upstream's objects; <paramref name="generation"/> is the one an upgrade installed (null: as first installed).</summary>
    public static UpstreamStreamTable For(string schema, string name, string? generation = null)
    {
        var baseName = Delta.MaintenanceModelBuilder.WithGeneration(Delta.MaintenanceModelBuilder.BaseName(schema, name), generation);
        return new UpstreamStreamTable(
            SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, "storage")),
            SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, "view_rows")));
    }
}
