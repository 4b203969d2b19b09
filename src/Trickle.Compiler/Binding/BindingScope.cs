using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Binding;

/// <summary>
/// One table occurrence in FROM. <see cref="Name"/> is how the query refers to it (its alias, else its table name) and
/// is unique in the query; a self-join needs an alias on one side, as in PostgreSQL.
/// </summary>
internal sealed record RelationBinding(int Index, string Name, CatalogTable Table, bool Aliased)
{
    /// <summary>For a flattened subquery or CTE: its output columns, each defined by an expression over the table.</summary>
    public IReadOnlyList<VisibleColumn>? DerivedColumns { get; init; }

    /// <summary>For a subquery kept whole (it aggregates or removes duplicates): its plan; <see cref="Table"/> describes its columns.</summary>
    public RelNode? Subplan { get; init; }

    /// <summary>
    /// A <see cref="Subplan"/> that only joins and filters (see <see cref="ScanNode.Flattenable"/>), written at
    /// <see cref="Span"/>: pass <c>flatten-subqueries</c> merges it into the query.
    /// </summary>
    public bool Flattenable { get; init; }

    public Diagnostics.SourceSpan Span { get; init; } = Diagnostics.SourceSpan.None;

    /// <summary>The tables the <see cref="Subplan"/> reads.</summary>
    public IReadOnlyList<CatalogTable> SubplanSources { get; init; } = [];

    /// <summary>For a view read without an alias: the view, which <c>schema.view</c> qualifiers name.</summary>
    public (string Schema, string Name)? View { get; init; }

    /// <summary>True when a qualifier such as <c>o</c>, <c>orders</c> or <c>public.orders</c> names this relation.</summary>
    public bool IsNamedBy(IReadOnlyList<string> qualifier) => qualifier.Count switch
    {
        1 => qualifier[0] == Name,
        2 when View is { } view => qualifier[0] == view.Schema && qualifier[1] == view.Name,
        2 => !Aliased && qualifier[0] == Table.Schema && qualifier[1] == Table.Name,
        _ => false,
    };
}

/// <summary>
/// A column visible to the query: which relation it belongs to, and its name there. A subquery's output column has a
/// <see cref="Definition"/>: references to it bind to that expression (the subquery is flattened into the query).
/// </summary>
internal sealed record VisibleColumn(string Name, RelationBinding Relation, CatalogColumn Column, BoundExpression? Definition = null)
{
    /// <summary>
    /// A column the binder joins on (a LATERAL subquery's correlation values): reachable by its qualified name, which
    /// a query does not write, and never part of <c>*</c>.
    /// </summary>
    public bool Hidden { get; init; }
}

/// <summary>
/// The relations of a query's FROM clause and the columns it exposes. <see cref="Columns"/> is the order of
/// <c>SELECT *</c>; a column merged by JOIN … USING or NATURAL JOIN appears there once and unqualified references to it
/// resolve to the left side (for inner joins both sides are equal).
/// </summary>
internal sealed class BindingScope(IReadOnlyList<RelationBinding> relations, IReadOnlyList<VisibleColumn> columns, BindingScope? parent = null)
{
    /// <summary>The enclosing query's scope, for correlated references from a subquery.</summary>
    public BindingScope? Parent { get; } = parent;

    /// <summary>The user-defined types casts and typed literals resolve against (the catalog's); a subquery's scope inherits them.</summary>
    public UserTypes Types { get; init; } = parent?.Types ?? UserTypes.None;

    public IReadOnlyList<RelationBinding> Relations { get; } = relations;

    public IReadOnlyList<VisibleColumn> Columns { get; } = columns;

    /// <summary>The scalar subqueries of the query, each with the value that stands for it (a column of a joined subquery).</summary>
    public IReadOnlyDictionary<Syntax.ScalarSubquery, BoundExpression> ScalarSubqueries { get; init; } =
        new Dictionary<Syntax.ScalarSubquery, BoundExpression>();

    public RelationBinding? FindRelation(IReadOnlyList<string> qualifier) => Relations.FirstOrDefault(r => r.IsNamedBy(qualifier));

    /// <summary>Every visible column an unqualified name can mean (more than one: ambiguous).</summary>
    public IReadOnlyList<VisibleColumn> FindUnqualified(string name) => Columns.Where(c => c.Name == name).ToList();
}
