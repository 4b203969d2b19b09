using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>A table named in FROM of a recursive CTE's base or step query, where Delta splices in another relation.</summary>
/// <param name="NameSpan">the table name as written: replaced by the relation the maintenance step reads in its place</param>
/// <param name="Alias">the name the query reads its columns under (its alias, else the table name)</param>
/// <param name="Aliased">whether the text already carries that alias after the name</param>
/// <param name="Table">the source table; null for the reference to the recursive CTE itself</param>
public sealed record RecursiveOccurrence(SourceSpan NameSpan, string Alias, bool Aliased, CatalogTable? Table)
{
    public bool IsRecursive => Table is null;
}

/// <summary>
/// The base or the step query of a recursive CTE, as written (<see cref="Text"/> starts at file offset
/// <see cref="Start"/>), with the places Delta rewrites: every table name, and the end of the select list, where a row
/// weight can be added.
/// </summary>
public sealed record RecursivePart(string Text, int Start, int SelectListEnd, IReadOnlyList<RecursiveOccurrence> Occurrences, string Plan);

/// <summary>
/// A linear recursive CTE, <c>WITH RECURSIVE r(cols) AS (base UNION [ALL] step)</c>: r becomes hidden storage of its
/// own (<see cref="Storage"/>, a table in schema trickle) that the outer query reads like a source table.
/// </summary>
public sealed record BoundRecursion(
    string Name,
    IReadOnlyList<CatalogColumn> Columns,
    bool UnionAll,
    RecursivePart Base,
    RecursivePart Step,
    CatalogTable Storage,
    IReadOnlyList<CatalogTable> Sources);

/// <summary>
/// Pass <c>recursive-cte-to-derived-source</c>, run before binding because it changes what names mean: a linear
/// recursive CTE is checked and bound, and the outer query is rewritten to read its hidden storage instead. Anything
/// outside the supported shape is TRK4001 at its position (so AUTO and FULL fall back to recomputing the query).
/// </summary>
internal static class RecursiveCteBinder
{
    public const string PassName = "recursive-cte-to-derived-source";

    public sealed record Result(Query Outer, SourceCatalog Catalog, BoundRecursion? Recursion);

    public static Result? Bind(Query query, string fileText, SourceCatalog catalog, string storageName, string filePath,
        DiagnosticBag diagnostics, RefreshMode mode)
    {
        var with = query.With!;
        void Reject(SyntaxNode node, string message) => diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, node.Span, message);

        if (with.Tables.Count != 1)
        {
            Reject(with.Tables[1], "WITH RECURSIVE is maintained with exactly one common table expression for now");
            return null;
        }
        var cte = with.Tables[0];
        var name = cte.Name.Value;
        // WITH RECURSIVE over a CTE that does not read itself is an ordinary WITH.
        if (!ReadsTable(cte.Query, name))
            return new Result(query with { With = with with { Recursive = false } }, catalog, null);

        if (cte.Query is not { With: null, OrderBy.Count: 0, Limit: null, Offset: null, Body: SetOperation { Operator: SetOperator.Union } union }
            || union.Left is not SelectCore baseSelect || union.Right is not SelectCore stepSelect)
        {
            Reject(cte.Query, "a recursive CTE is maintained when it is one SELECT (the base), UNION or UNION ALL, and one SELECT that reads it (the step)");
            return null;
        }
        if (fileText.Substring(cte.Span.Start, cte.Span.Length).Contains("$function", StringComparison.Ordinal))
        {
            // The CTE's text is spliced into generated function bodies quoted with $function$.
            Reject(cte, $"recursive CTE {name} contains the text $function, which its maintenance functions are quoted with");
            return null;
        }
        if (ReadsTable(baseSelect, name))
        {
            Reject(baseSelect, $"the base query of recursive CTE {name} reads {name}: only the step after UNION may");
            return null;
        }
        if (!CheckShape(baseSelect, name, Reject) || !CheckShape(stepSelect, name, Reject))
            return null;
        var recursiveReferences = Leaves(stepSelect.From).Count(n => IsReference(n, name));
        if (recursiveReferences != 1)
        {
            Reject(stepSelect, recursiveReferences == 0
                ? $"the step of recursive CTE {name} must read {name} in FROM"
                : $"the step of recursive CTE {name} reads {name} {recursiveReferences} times: only linear recursion (once) is maintained");
            return null;
        }

        var names = cte.ColumnNames.Count > 0 ? cte.ColumnNames.Select(c => c.Value).ToList() : OutputNames(baseSelect, Reject);
        if (names is null) return null;
        if (names.Count != baseSelect.Items.Count)
        {
            Reject(cte, $"recursive CTE {name} names {names.Count} columns but its base query selects {baseSelect.Items.Count}");
            return null;
        }

        var basePlan = BindPart(baseSelect, catalog, filePath, diagnostics, mode, Reject);
        if (basePlan is null) return null;
        var columns = names.Select((n, i) => new CatalogColumn(n, TypeOf(basePlan.Columns[i].Expression.Type), NotNull: false)).ToList();
        var storage = new CatalogTable("trickle", storageName, columns, []);
        var withStorage = catalog.With([storage]);
        var stepQuery = stepSelect with { From = stepSelect.From.Select(t => ReadStorage(t, name, storageName)).ToList() };
        var stepPlan = BindPart(stepQuery, withStorage, filePath, diagnostics, mode, Reject);
        if (stepPlan is null) return null;
        if (stepPlan.Columns.Count != columns.Count)
        {
            Reject(stepSelect, $"the step of recursive CTE {name} selects {stepPlan.Columns.Count} columns, its base {columns.Count}");
            return null;
        }

        var outerBody = ReadStorage(query.Body, name, storageName);
        var outer = query with { With = null, Body = outerBody };
        if (Nodes(outer).OfType<NamedTable>().FirstOrDefault(n => IsReference(n, name)) is { } hidden)
        {
            Reject(hidden, $"recursive CTE {name} is maintained when the outer query reads it in its FROM list, not inside a subquery");
            return null;
        }

        var baseOccurrences = Occurrences(baseSelect, name, catalog);
        var stepOccurrences = Occurrences(stepSelect, name, catalog);
        if (baseOccurrences is null || stepOccurrences is null) return null;
        if (baseOccurrences.Concat(stepOccurrences).FirstOrDefault(o => o.Table is { IsStreamTable: true }) is { } upstream)
        {
            // Its capture would have to translate the upstream's storage rows inside the recursion's own triggers.
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, upstream.NameSpan,
                $"recursive CTE {name} reads stream table {upstream.Table}: the base and step of a recursive CTE may read tables only (read the stream table in the outer query)");
            return null;
        }
        if (baseOccurrences.Concat(stepOccurrences).FirstOrDefault(o => o.Table is ({ Kind: not RelationKind.Table } or { Citus: not CitusDistribution.None }) and { IsStreamTable: false }) is { } view)
        {
            // The base and step are spliced into the maintenance functions as text, reading each table's changes by name.
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, view.NameSpan,
                view.Table!.Citus != CitusDistribution.None
                    ? $"recursive CTE {name} reads {view.Table}, a table managed by Citus: the base and step of a recursive CTE may read plain tables only (docs/citus.md)"
                    : $"recursive CTE {name} reads {(view.Table.Kind == RelationKind.View ? "view" : view.Table.Kind == RelationKind.MaterializedView ? "materialized view" : "foreign table")} {view.Table}: the base and step of a recursive CTE may read tables only");
            return null;
        }
        var sources = baseOccurrences.Concat(stepOccurrences).Where(o => !o.IsRecursive).Select(o => o.Table!).Distinct().ToList();
        var recursion = new BoundRecursion(name, columns, union.All,
            Part(baseSelect, fileText, baseOccurrences, basePlan),
            Part(stepSelect, fileText, stepOccurrences, stepPlan),
            storage, sources);
        return new Result(outer, withStorage, recursion);
    }

    /// <summary>What a base or step query may be: a projection of filtered inner joins of tables, nothing that groups or nests.</summary>
    private static bool CheckShape(SelectCore select, string name, Action<SyntaxNode, string> reject)
    {
        SyntaxNode? obstacle = select.Distinct != DistinctKind.None ? select
            : select.GroupBy is not null ? select.GroupBy
            : select.Having is not null ? select.Having
            : select.Windows.Count > 0 ? select.Windows[0]
            : null;
        if (obstacle is not null)
        {
            reject(obstacle, $"DISTINCT, GROUP BY, HAVING and WINDOW are not maintained in recursive CTE {name}");
            return false;
        }
        if (select.Items.OfType<StarItem>().FirstOrDefault() is { } star)
        {
            reject(star, $"list the columns in recursive CTE {name}: * is not maintained there");
            return false;
        }
        if (Nodes(select).OfType<Query>().FirstOrDefault() is { } subquery)
        {
            reject(subquery, $"subqueries are not maintained in recursive CTE {name}");
            return false;
        }
        foreach (var table in select.From.SelectMany(Tree))
        {
            var message = table switch
            {
                NamedTable or ParenthesizedTable { Alias: null } => null,
                JoinedTable { Natural: true } => "NATURAL JOIN is not maintained in a recursive CTE: name the join columns",
                JoinedTable { Kind: JoinKind.Inner or JoinKind.Cross } => null,
                JoinedTable => "only inner joins are maintained in a recursive CTE",
                _ => "only tables and inner joins are maintained in the FROM of a recursive CTE",
            };
            if (message is null) continue;
            reject(table, message);
            return false;
        }
        return true;
    }

    /// <summary>Binds a base or step query for its types and validity; it must be a projection of filtered inner joins.</summary>
    private static ProjectNode? BindPart(SelectCore select, SourceCatalog catalog, string filePath, DiagnosticBag diagnostics, RefreshMode mode,
        Action<SyntaxNode, string> reject)
    {
        if (select.From.Count == 0)
        {
            // A base without FROM (SELECT 1) is one row: bound over a table without columns, which stands for it.
            var none = new CatalogTable("trickle", "__one_row", [], []);
            catalog = catalog.With([none]);
            var name = new QualifiedName(select.Span, [new Identifier(select.Span, none.Schema, true), new Identifier(select.Span, none.Name, true)]);
            select = select with { From = [new NamedTable(select.Span, name, null, false)] };
        }
        // The CTE names the columns, so the part's own output names may repeat: bind it with names of its own.
        select = select with
        {
            Items = select.Items.Cast<ExpressionItem>().Select((item, i) => item with { Alias = new Identifier(item.Span, $"__c{i + 1}", true) }).ToList(),
        };
        var bound = new QueryBinder(catalog, filePath, diagnostics, mode).Bind(new Query(select.Span, null, select, [], null, null, false));
        if (bound is null || diagnostics.HasErrors) return null;
        if (bound.Value.Plan is ProjectNode { Input: var input } project && JoinsAndFilters(input))
            return project;
        reject(select, "aggregates and window functions are not maintained in a recursive CTE");
        return null;
    }

    private static bool JoinsAndFilters(RelNode node) => node switch
    {
        ScanNode scan => !scan.IsSubquery && scan.Expansions.Count == 0,
        FilterNode filter => JoinsAndFilters(filter.Input),
        JoinNode { Type: JoinType.Inner } join => JoinsAndFilters(join.Left) && JoinsAndFilters(join.Right),
        _ => false,
    };

    private static List<string>? OutputNames(SelectCore select, Action<SyntaxNode, string> reject)
    {
        var names = new List<string>();
        foreach (var item in select.Items.Cast<ExpressionItem>())
        {
            var itemName = item.Alias?.Value ?? (item.Expression as ColumnReference)?.Parts[^1].Value;
            if (itemName is null)
            {
                reject(item, "name this column of the recursive CTE (AS name, or r(a, b, …) after its name)");
                return null;
            }
            names.Add(itemName);
        }
        return names;
    }

    private static SqlType TypeOf(SqlType type) => type == SqlType.Unknown ? SqlType.Text : type;

    private static List<RecursiveOccurrence>? Occurrences(SelectCore select, string name, SourceCatalog catalog)
    {
        var occurrences = new List<RecursiveOccurrence>();
        foreach (var table in Leaves(select.From))
        {
            var alias = table.Alias?.Name.Value ?? table.Name.Last.Value;
            var source = IsReference(table, name) ? null
                : catalog.Find(table.Name.Parts.Count > 1 ? table.Name.Parts[^2].Value : null, table.Name.Last.Value);
            if (!IsReference(table, name) && source is null) return null;
            occurrences.Add(new RecursiveOccurrence(table.Name.Span, alias, table.Alias is not null, source));
        }
        return occurrences;
    }

    private static RecursivePart Part(SelectCore select, string fileText, IReadOnlyList<RecursiveOccurrence> occurrences, ProjectNode plan) =>
        new(fileText.Substring(select.Span.Start, select.Span.Length), select.Span.Start, select.Items[^1].Span.End, occurrences, IrPrinter.Print(plan));

    private static bool IsReference(NamedTable table, string name) => table.Name.Parts.Count == 1 && table.Name.Last.Value == name;

    private static bool ReadsTable(SyntaxNode node, string name) => Nodes(node).OfType<NamedTable>().Any(t => IsReference(t, name));

    /// <summary>The outer query (or a step) reading the recursive CTE's storage under the CTE's name, or its own alias.</summary>
    private static QueryBody ReadStorage(QueryBody body, string name, string storageName) => body switch
    {
        SelectCore select => select with { From = select.From.Select(t => ReadStorage(t, name, storageName)).ToList() },
        SetOperation set => set with { Left = ReadStorage(set.Left, name, storageName), Right = ReadStorage(set.Right, name, storageName) },
        _ => body,
    };

    private static TableReference ReadStorage(TableReference table, string name, string storageName) => table switch
    {
        NamedTable named when IsReference(named, name) => named with
        {
            Name = new QualifiedName(named.Name.Span, [new Identifier(named.Name.Span, "trickle", true), new Identifier(named.Name.Span, storageName, true)]),
            Alias = named.Alias ?? new TableAlias(named.Name.Span, new Identifier(named.Name.Span, name, true), []),
        },
        JoinedTable join => join with { Left = ReadStorage(join.Left, name, storageName), Right = ReadStorage(join.Right, name, storageName) },
        ParenthesizedTable parenthesized => parenthesized with { Inner = ReadStorage(parenthesized.Inner, name, storageName) },
        _ => table,
    };

    private static IEnumerable<NamedTable> Leaves(IEnumerable<TableReference> from) => from.SelectMany(Tree).OfType<NamedTable>();

    private static IEnumerable<TableReference> Tree(TableReference table) => table switch
    {
        JoinedTable join => [join, .. Tree(join.Left), .. Tree(join.Right)],
        ParenthesizedTable parenthesized => [parenthesized, .. Tree(parenthesized.Inner)],
        _ => [table],
    };

    /// <summary>Every syntax node under <paramref name="root"/>, nested queries included.</summary>
    private static IEnumerable<SyntaxNode> Nodes(SyntaxNode root) => SyntaxWalk.DescendantsAndSelf(root).Skip(1);
}
