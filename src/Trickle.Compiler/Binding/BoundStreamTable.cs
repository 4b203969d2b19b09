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
    RelNode Plan);
