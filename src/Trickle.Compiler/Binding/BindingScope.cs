using Trickle.Compiler.Catalog;

namespace Trickle.Compiler.Binding;

/// <summary>The table a query reads and the names it may be referred to by (its alias, or its bare and qualified name).</summary>
internal sealed record BindingScope(CatalogTable Table, string? Alias)
{
    /// <summary>True when a qualifier such as <c>o</c>, <c>orders</c> or <c>public.orders</c> names this table.</summary>
    public bool IsNamedBy(IReadOnlyList<string> qualifier) => qualifier.Count switch
    {
        1 => Alias is not null ? qualifier[0] == Alias : qualifier[0] == Table.Name,
        2 => Alias is null && qualifier[0] == Table.Schema && qualifier[1] == Table.Name,
        _ => false,
    };
}
