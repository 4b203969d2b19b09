using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Binding;

/// <summary>A stream table after binding: its identity, options, the source tables it reads and its plan.</summary>
public sealed record BoundStreamTable(
    string Schema,
    string Name,
    RefreshMode Mode,
    string? Schedule,
    string QueryText,
    IReadOnlyList<CatalogTable> Sources,
    RelNode Plan)
{
    /// <summary>
    /// Set when compiling an upgrade (<c>--upgrade</c>): a short stable hash of the new definition that every internal
    /// object's name carries, so the new objects can be built beside the installed ones before the swap.
    /// </summary>
    public string? Generation { get; init; }

    /// <summary>
    /// <c>WITH (row_security = on)</c>: readers read the storage with their own rights, through the owner's row-level
    /// policies on it (the view is <c>security_invoker</c>).
    /// </summary>
    public bool RowSecurity { get; init; }

    /// <summary><c>WITH (immediate_apply = 'commit')</c>: IMMEDIATE maintenance applies a transaction's changes at its commit.</summary>
    public ImmediateApply ImmediateApply { get; init; }

    /// <summary>
    /// <c>WITH (outbox = on | debezium)</c>: the layout of the change feed the install turns on (<c>trickle</c> or
    /// <c>debezium</c>); null: no feed.
    /// </summary>
    public string? Outbox { get; init; }

    /// <summary><c>WITH (publish = on)</c>: the install keeps a mirror table of the rows for logical replication.</summary>
    public bool Publish { get; init; }
}
