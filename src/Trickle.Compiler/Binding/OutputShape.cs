using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Binding;

/// <summary>One column of a stream table as readers see it; <see cref="NotNull"/> only where the query guarantees it.</summary>
public sealed record ShapeColumn(string Name, SqlType Type, bool NotNull);

/// <summary>What a stream table looks like from outside: its qualified name and its columns, in order.</summary>
public sealed record StreamTableShape(string Schema, string Name, IReadOnlyList<ShapeColumn> Columns);

/// <summary>
/// The row type of a stream table, for code that reads it (the source generator's records). Nullability is proven, not
/// guessed: a column is NOT NULL only when every row the query can produce has a value there (count(*), a group key or
/// a selected column declared NOT NULL and not on the padded side of an outer join, a literal, arithmetic over such
/// values); anything else — including every expression this analysis does not know — may be NULL.
/// </summary>
public static class OutputShape
{
    /// <summary>Binds the definition (diagnostics as <see cref="Compilation.Compile"/> reports them) and reads its columns.</summary>
    public static StreamTableShape? Describe(SourceText definition, SourceCatalog catalog, CompilationOptions options, DiagnosticBag diagnostics)
    {
        var analysis = Compilation.Analyze(definition, catalog, options, diagnostics);
        if (analysis is null || diagnostics.HasErrors) return null;
        var bound = analysis.Bound;
        var columns = ColumnsOf(bound.Plan);
        if (columns is null) return null;
        return new StreamTableShape(bound.Schema, bound.Name, columns);
    }

    private static IReadOnlyList<ShapeColumn>? ColumnsOf(RelNode plan) => plan switch
    {
        ProjectNode project => project.Columns
            .Select(c => new ShapeColumn(c.Name, c.Expression.Type == SqlType.Unknown ? SqlType.Text : c.Expression.Type, NotNull(c.Expression, project.Input)))
            .ToList(),
        DistinctNode distinct => ColumnsOf(distinct.Input),
        DistinctOnNode distinctOn => ColumnsOf(distinctOn.Input),
        TopKNode topK => ColumnsOf(topK.Input),
        FilterNode filter => ColumnsOf(filter.Input),
        // A column of a set operation may be NULL when it may be NULL in any branch.
        SetOperationNode setOperation => setOperation.Inputs.Select(ColumnsOf).ToList() is var branches && branches.All(b => b is not null)
            ? branches[0]!.Select((c, i) => c with { NotNull = branches.All(b => b!.Count > i && b[i].NotNull) }).ToList()
            : null,
        _ => null,
    };

    private static bool NotNull(BoundExpression expression, RelNode input) => expression switch
    {
        BoundLiteral literal => !literal.SqlText.Equals("NULL", StringComparison.OrdinalIgnoreCase),
        BoundColumn column => ColumnNotNull(column, input),
        BoundCast cast => NotNull(cast.Operand, input),
        BoundUnary { Operator: "-" or "+" or "NOT" } unary => NotNull(unary.Operand, input),
        BoundBinary binary when binary.Operator is "+" or "-" or "*" or "||" or "=" or "<>" or "<" or ">" or "<=" or ">=" or "AND" or "OR" =>
            NotNull(binary.Left, input) && NotNull(binary.Right, input),
        BoundFunctionCall { Name: "coalesce" } call => call.Arguments.Any(a => NotNull(a, input)),
        BoundGroupKeyRef key => AggregateBelow(input) is { GroupingSets: null } aggregate && key.Index < aggregate.GroupKeys.Count
            && NotNull(aggregate.GroupKeys[key.Index], aggregate.Input),
        BoundAggregateRef reference => AggregateBelow(input) is { } aggregate && reference.Index < aggregate.Aggregates.Count
            && aggregate.Aggregates[reference.Index].Function is AggregateFunction.CountStar or AggregateFunction.Count,
        BoundWindowRef reference => WindowBelow(input) is { } window && reference.Index < window.Calls.Count
            && window.Calls[reference.Index].Name is "row_number" or "rank" or "dense_rank" or "count" or "percent_rank" or "cume_dist" or "ntile",
        _ => false,
    };

    private static bool ColumnNotNull(BoundColumn column, RelNode input)
    {
        if (PaddedRelations(input).Contains(column.Relation)) return false;
        var scan = ScanNode.ScansOf(input).FirstOrDefault(s => s.Name == column.Relation);
        return scan is { IsSubquery: false, Expansions.Count: 0 } && scan.Table.FindColumn(column.ColumnName)?.NotNull == true;
    }

    /// <summary>The relations an outer join may pad with NULLs (the right of LEFT, the left of RIGHT, both of FULL).</summary>
    private static HashSet<string> PaddedRelations(RelNode node)
    {
        var padded = new HashSet<string>(StringComparer.Ordinal);
        void Walk(RelNode current)
        {
            switch (current)
            {
                case JoinNode join:
                    if (join.Type is JoinType.Left or JoinType.Full) padded.UnionWith(ScanNode.ScansOf(join.Right).Select(s => s.Name));
                    if (join.Type is JoinType.Right or JoinType.Full) padded.UnionWith(ScanNode.ScansOf(join.Left).Select(s => s.Name));
                    Walk(join.Left);
                    Walk(join.Right);
                    break;
                case FilterNode filter: Walk(filter.Input); break;
                case ProjectNode project: Walk(project.Input); break;
                case AggregateNode aggregate: Walk(aggregate.Input); break;
                case DistinctNode distinct: Walk(distinct.Input); break;
                case WindowNode window: Walk(window.Input); break;
                case TopKNode topK: Walk(topK.Input); break;
            }
        }
        Walk(node);
        return padded;
    }

    private static AggregateNode? AggregateBelow(RelNode node) => node switch
    {
        AggregateNode aggregate => aggregate,
        FilterNode filter => AggregateBelow(filter.Input),
        WindowNode window => AggregateBelow(window.Input),
        _ => null,
    };

    private static WindowNode? WindowBelow(RelNode node) => node switch
    {
        WindowNode window => window,
        FilterNode filter => WindowBelow(filter.Input),
        _ => null,
    };
}
