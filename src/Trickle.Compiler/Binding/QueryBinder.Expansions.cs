using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Set-returning functions in FROM over an earlier table's columns (<c>FROM orders o, unnest(o.tags) AS t(tag)</c>,
/// <c>CROSS JOIN LATERAL jsonb_array_elements(o.items) AS e</c>): each row of the table expands into the function's
/// rows, a function of that row alone. The expansion belongs to the table's scan, and its columns are columns of
/// the expanded table, so a change row expands exactly as the row it stands for.
/// </summary>
internal sealed partial class QueryBinder
{
    /// <summary>A set-returning function bound in FROM: the scan it expands and its columns (virtual columns of that scan).</summary>
    private sealed record FromExpansion(RelationBinding Relation, IReadOnlyList<VisibleColumn> Columns, string Parent, SetReturningExpansion Expansion)
        : FromTree(Columns);

    /// <summary>Set-returning functions Trickle can expand: their output columns, from their argument types.</summary>
    private static readonly Dictionary<string, (int Min, int Max, Func<IReadOnlyList<SqlType>, IReadOnlyList<(string Name, SqlType Type)>> Columns)> SetReturningFunctions = new()
    {
        ["unnest"] = (1, 1, a => [("unnest", TypeRules.Plain(a[0]) with { ArrayDimensions = 0 })]),
        ["jsonb_array_elements"] = (1, 1, _ => [("value", new SqlType("jsonb"))]),
        ["json_array_elements"] = (1, 1, _ => [("value", new SqlType("json"))]),
        ["jsonb_array_elements_text"] = (1, 1, _ => [("value", SqlType.Text)]),
        ["json_array_elements_text"] = (1, 1, _ => [("value", SqlType.Text)]),
        ["jsonb_each"] = (1, 1, _ => [("key", SqlType.Text), ("value", new SqlType("jsonb"))]),
        ["json_each"] = (1, 1, _ => [("key", SqlType.Text), ("value", new SqlType("json"))]),
        ["jsonb_each_text"] = (1, 1, _ => [("key", SqlType.Text), ("value", SqlType.Text)]),
        ["json_each_text"] = (1, 1, _ => [("key", SqlType.Text), ("value", SqlType.Text)]),
        ["jsonb_object_keys"] = (1, 1, _ => [("jsonb_object_keys", SqlType.Text)]),
        ["json_object_keys"] = (1, 1, _ => [("json_object_keys", SqlType.Text)]),
        ["generate_series"] = (2, 3, a => [("generate_series", TypeRules.Plain(TypeRules.Common([a[0], a[1]])))]),
        ["regexp_split_to_table"] = (2, 3, _ => [("regexp_split_to_table", SqlType.Text)]),
        ["string_to_table"] = (2, 3, _ => [("string_to_table", SqlType.Text)]),
    };

    /// <summary>
    /// Binds <c>f(args) [WITH ORDINALITY] [AS name (columns)]</c>, its arguments reading one table bound before it.
    /// Null (with a diagnostic) for anything else.
    /// </summary>
    /// <param name="padded">for <c>LEFT JOIN LATERAL f(…) ON TRUE</c>: rows the function returns nothing for stay, padded</param>
    private FromExpansion? BindExpansion(FunctionTable function, List<RelationBinding> relations, bool padded = false)
    {
        if (function.Calls is not [var call])
        {
            Unsupported(function, "ROWS FROM (…) with several functions is not supported yet");
            return null;
        }
        var name = call.Name.Last.Value;
        if (call.Name.Parts.Count > 1 && call.Name.Parts[0].Value != "pg_catalog" || !SetReturningFunctions.TryGetValue(name, out var shape))
        {
            Unsupported(call, $"{call.Name}() in FROM is not supported: Trickle expands unnest, generate_series, json[b]_array_elements[_text], json[b]_each[_text], json[b]_object_keys, regexp_split_to_table and string_to_table");
            return null;
        }
        if (call.Star || call.Distinct || call.OrderBy.Count > 0 || call.Filter is not null || call.Over is not null || call.Arguments.Any(a => a.Name is not null || a.Variadic))
        {
            Unsupported(call, $"{name}() in FROM takes plain arguments");
            return null;
        }
        if (call.Arguments.Count < shape.Min || call.Arguments.Count > shape.Max)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, call.Span, $"{name}() takes {shape.Min}{(shape.Max > shape.Min ? $" to {shape.Max}" : "")} arguments here");
            return null;
        }
        var scope = new BindingScope(relations, relations.SelectMany(r => r.DerivedColumns
            ?? r.Table.Columns.Select(c => new VisibleColumn(c.Name, r, c)).ToList()).ToList()) { Types = catalog.Types };
        var binder = new ExpressionBinder(scope, filePath, diagnostics, mode);
        var arguments = call.Arguments.Select(a => binder.Bind(a.Value)).ToList();
        if (diagnostics.HasErrors) return null;
        var read = arguments.SelectMany(ColumnPairs).Select(p => p.Relation).Distinct().ToList();
        var parent = read.Count == 1 ? relations.First(r => r.Name == read[0]) : null;
        if (parent is null || parent.Subplan is not null || parent.DerivedColumns is not null || parent.Table.Schema.Length == 0)
        {
            Unsupported(call, $"{name}() in FROM must read the columns of exactly one table listed before it");
            return null;
        }

        var alias = function.Alias?.Name.Value ?? name;
        if (relations.Any(r => r.Name == alias))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, function.Alias?.Name.Span ?? call.Span, $"table name \"{alias}\" specified more than once; give one occurrence an alias");
            return null;
        }
        var produced = shape.Columns(arguments.Select(a => a.Type).ToList()).ToList();
        // A function returning a scalar type names its column after the alias when no column names are given, as in
        // PostgreSQL; one with named OUT columns (jsonb_array_elements: value) keeps their names.
        if (produced is [var scalar] && scalar.Name == name && function.Alias is { ColumnNames.Count: 0 }) produced[0] = (alias, scalar.Type);
        if (function.WithOrdinality) produced.Add(("ordinality", SqlType.BigInt));
        var names = function.Alias?.ColumnNames ?? [];
        if (names.Count > produced.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, names[produced.Count].Span, $"\"{alias}\" has {produced.Count} columns available but {names.Count} column names were given");
            return null;
        }
        var columns = produced.Select((c, i) => new CatalogColumn(i < names.Count ? names[i].Value : c.Name, c.Type, false)).ToList();

        // Its columns are virtual columns of the expanded table, named "alias.column" there.
        var relation = new RelationBinding(relations.Count, alias, new CatalogTable("", alias, columns, []), Aliased: true);
        var visible = columns.Select(c => new VisibleColumn(c.Name, relation, c,
            new BoundColumn(call.Span, c.Type, parent.Name, SetReturningExpansion.ColumnName(alias, c.Name)))).ToList();
        relation = relation with { DerivedColumns = visible };
        visible = visible.Select(v => v with { Relation = relation }).ToList();
        relations.Add(relation);
        return new FromExpansion(relation, visible, parent.Name,
            new SetReturningExpansion(alias, new BoundFunctionCall(call.Span, SqlType.Unknown, name, arguments), columns.Select(c => c.Name).ToList(), function.WithOrdinality) { Padded = padded });
    }

    /// <summary>The plan with the expansion attached to the scan of the table it expands.</summary>
    private static RelNode Expand(RelNode plan, FromExpansion expansion) => plan switch
    {
        ScanNode scan when scan.Name == expansion.Parent => scan with { Expansions = [.. scan.Expansions, expansion.Expansion] },
        JoinNode join => join with { Left = Expand(join.Left, expansion), Right = Expand(join.Right, expansion) },
        FilterNode filter => filter with { Input = Expand(filter.Input, expansion) },
        _ => plan,
    };
}
