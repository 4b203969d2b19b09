using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

internal sealed partial class QueryBinder
{
    /// <summary>The views whose definitions are being bound, innermost last: a view that reads itself is refused, not expanded forever.</summary>
    private HashSet<CatalogTable> _viewsExpanding = [];

    /// <summary>Every view this query read through its definition (nested ones too), for the source guard. Shared with the binders of subqueries.</summary>
    public List<CatalogTable> ExpandedViews { get; private init; } = [];

    /// <summary>
    /// A view in FROM is read as its definition, exactly as if the query had that subquery there under the view's name:
    /// flattened when it reads one table (or one view, in turn), kept whole when it aggregates, refused where a subquery
    /// would be. Change capture then lands on the tables the definition reads, never on the view. The definition sees
    /// none of the query's CTEs (a view's names were resolved when it was created), and every problem in it is reported
    /// at the reference, naming the view.
    /// </summary>
    private FromTree? BindView(NamedTable reference, CatalogTable table, ViewDefinition view, List<RelationBinding> relations)
    {
        if (view.Recursive)
        {
            Unsupported(reference.Name, $"view {table} is a RECURSIVE view, which is not maintained yet; write its WITH RECURSIVE query in the stream table instead");
            return null;
        }
        if (!_viewsExpanding.Add(table))
        {
            Unsupported(reference.Name, $"view {table} reads itself through its definition");
            return null;
        }
        var local = new DiagnosticBag();
        var (outerDiagnostics, outerCommonTables) = (diagnostics, _commonTables);
        FromTree? tree = null;
        try
        {
            var query = SqlParser.ParseViewQuery(view.QueryText, reference.Name.Span, filePath, local);
            if (query is null)
            {
                var syntax = local.Items.First(d => d.IsError);
                local = new DiagnosticBag();
                local.Error(DiagnosticCode.UnsupportedConstruct, filePath, reference.Name.Span,
                    $"its definition uses syntax the compiler does not read yet ({syntax.Message})");
            }
            else
            {
                var name = reference.Alias?.Name ?? new Identifier(reference.Name.Span, table.Name, true);
                // AS x(a, b) renames the view's first columns; the rest keep the names the view gives them.
                var written = reference.Alias?.ColumnNames ?? [];
                var columnNames = written.Concat(view.ColumnNames.Skip(written.Count).Select(c => new Identifier(reference.Name.Span, c, true))).ToList();
                var subquery = new DerivedTable(reference.Span, query, new TableAlias(reference.Span, name, columnNames), Lateral: false);
                (diagnostics, _commonTables) = (local, []);
                var options = (view.SecurityBarrier ? " security_barrier" : "") + (view.SecurityInvoker ? " security_invoker" : "");
                NoteRewrite(reference, $"view {table}{(options.Length > 0 ? " (" + options.Trim() + ")" : "")} → its definition, read like a subquery in FROM");
                if (!ExpandedViews.Contains(table)) ExpandedViews.Add(table);
                tree = BindFromItem(subquery, relations);
            }
        }
        finally
        {
            (diagnostics, _commonTables) = (outerDiagnostics, outerCommonTables);
            _viewsExpanding.Remove(table);
        }
        foreach (var diagnostic in local.Items)
            diagnostics.Add(diagnostic.Message.StartsWith("view ", StringComparison.Ordinal)
                ? diagnostic with { Message = $"in view {table}, {diagnostic.Message}" }
                : diagnostic with { Message = $"view {table}: {diagnostic.Message}" });
        if (local.HasErrors) return null;
        // Read without an alias, the view is also named by schema.view, as a table is.
        if (reference.Alias is null && relations.FindLastIndex(r => r.Name == table.Name) is var index and >= 0)
            relations[index] = relations[index] with { View = (table.Schema, table.Name) };
        return tree;
    }

    /// <summary>
    /// A WHERE conjunct testing a subquery over a view: the view's definition is bound as a subquery of the test, so the
    /// test joins onto its distinct values (kept whole) rather than becoming a semi-join onto one table.
    /// </summary>
    private bool TestsView(Expression conjunct)
    {
        var tested = Unparenthesize(conjunct is UnaryExpression { Operand: var operand } ? operand : conjunct);
        var query = tested switch { ExistsExpression e => e.Query, InSubqueryExpression i => i.Query, QuantifiedComparison q => q.Query, _ => null };
        return query is { With: null, Body: SelectCore { From: [NamedTable { Name.Parts: var parts } named] } }
            && !(parts.Count == 1 && _commonTables.ContainsKey(named.Name.Last.Value))
            && catalog.Find(parts.Count >= 2 ? parts[^2].Value : null, named.Name.Last.Value) is { View: not null };
    }

    /// <summary>
    /// Why a materialized view, foreign table or table managed by Citus cannot be a source of an incrementally
    /// maintained stream table.
    /// </summary>
    private static string UnreadableRelation(CatalogTable table) => (table.Kind, table.Citus) switch
    {
        (RelationKind.MaterializedView, _) => $"materialized view {table} cannot be maintained incrementally: REFRESH MATERIALIZED VIEW changes it without firing triggers; read the tables it reads, or compile with --mode full (or auto) to recompute the query on every refresh",
        (RelationKind.ForeignTable, _) => $"foreign table {table} cannot be maintained incrementally: its rows change in another server, where no trigger of ours fires; compile with --mode full (or auto) to recompute the query on every refresh",
        (_, CitusDistribution.Distributed) => $"table {table} is distributed by Citus and cannot be maintained incrementally yet: its rows are written on the worker nodes' shards, where no capture trigger of ours fires, and no one snapshot covers them; compile with --mode full (or auto) to recompute the query on the coordinator on every refresh (docs/citus.md)",
        (_, CitusDistribution.Reference) => $"table {table} is a Citus reference table and cannot be maintained incrementally yet: Citus writes its copies on every node, not the coordinator's table our triggers would be on; compile with --mode full (or auto) to recompute the query on every refresh (docs/citus.md)",
        _ => $"table {table} is a Citus managed local table and cannot be maintained incrementally yet: Citus writes its shard, not the table our triggers would be on; undistribute it (undistribute_table) or compile with --mode full (or auto) to recompute the query on every refresh (docs/citus.md)",
    };
}
