using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Ir;

/// <summary>
/// A node of the relational IR. The binder produces a tree of these; rewrite passes transform it into the
/// differentiable shapes the Delta phase knows; <see cref="IrPrinter"/> prints it for snapshot tests and <c>explain</c>.
/// </summary>
public abstract record RelNode
{
    /// <summary>The inputs of a node, left to right; a scan has none (a subquery kept whole is a plan of its own).</summary>
    public static IEnumerable<RelNode> InputsOf(RelNode node) => node switch
    {
        JoinNode join => [join.Left, join.Right],
        FilterNode filter => [filter.Input],
        ProjectNode project => [project.Input],
        AggregateNode aggregate => [aggregate.Input],
        DistinctNode distinct => [distinct.Input],
        DistinctOnNode distinctOn => [distinctOn.Input],
        WindowNode window => [window.Input],
        TopKNode topK => [topK.Input],
        SetOperationNode setOperation => setOperation.Inputs,
        _ => [],
    };
}

/// <summary>
/// One occurrence of a table; <see cref="Name"/> is unique in the query (its alias, else the table name). With a
/// <see cref="Subplan"/> it is a subquery that cannot be flattened (it aggregates or removes duplicates): its rows are
/// the subplan's, kept in storage of their own, and <see cref="Table"/> only describes their columns.
/// </summary>
public sealed record ScanNode(CatalogTable Table, string Name) : RelNode
{
    public RelNode? Subplan { get; init; }

    public bool IsSubquery => Subplan is not null;

    /// <summary>
    /// A subquery that neither aggregates, removes duplicates, ranks nor keeps its first rows (it joins and filters):
    /// bound whole only so that pass <c>flatten-subqueries</c> can merge it into the enclosing plan, or keep it whole
    /// where merging would be unsound. One still marked when the Delta phase runs (the pass switched off) is refused there.
    /// </summary>
    public bool Flattenable { get; init; }

    /// <summary>Where a subquery was written, for diagnostics about it; none for a table.</summary>
    public SourceSpan Span { get; init; } = SourceSpan.None;

    /// <summary>Set-returning functions over this scan's rows, in FROM order: each row expands into their rows.</summary>
    public IReadOnlyList<SetReturningExpansion> Expansions { get; init; } = [];

    /// <summary>The table scans of a plan, left to right, not descending into subqueries kept whole.</summary>
    public static List<ScanNode> ScansOf(RelNode node) =>
        node is ScanNode scan ? [scan] : RelNode.InputsOf(node).SelectMany(ScansOf).ToList();
}

/// <summary>
/// Full preserves both sides. Semi and Anti keep the left row once if some / no right row matches, and output no right
/// columns.
/// </summary>
public enum JoinType { Inner, Left, Right, Full, Semi, Anti }

/// <summary>
/// A join: inner (a cross join when <see cref="Condition"/> is null), or outer, where rows of a preserved side (the
/// left, the right, or both for FULL) with no match appear once with NULLs for the other side's columns.
/// </summary>
public sealed record JoinNode(RelNode Left, RelNode Right, BoundExpression? Condition, JoinType Type = JoinType.Inner) : RelNode;

public sealed record FilterNode(RelNode Input, BoundExpression Predicate) : RelNode;

public sealed record OutputColumn(string Name, BoundExpression Expression);

public sealed record ProjectNode(RelNode Input, IReadOnlyList<OutputColumn> Columns) : RelNode;

/// <summary>
/// <see cref="First"/> is the value of the group's first row in the call's ORDER BY: what <c>DISTINCT ON</c> keeps of a
/// column. PostgreSQL has no such aggregate, so it is printed as <c>(array_agg(x ORDER BY …))[1]</c>.
/// </summary>
public enum AggregateFunction { CountStar, Count, Sum, Avg, Min, Max, First, Other }

/// <summary>An ORDER BY item inside an aggregate call: the expression and its SQL suffix (<c>DESC NULLS LAST</c>).</summary>
public sealed record AggregateOrder(BoundExpression Expression, string Suffix);

/// <summary>
/// One aggregate call. count/sum/avg/min/max have delta rules of their own; any other aggregate (<see
/// cref="AggregateFunction.Other"/>, named by <see cref="OtherName"/>) is recomputed for the groups a change touches,
/// with its extra arguments, ORDER BY and FILTER printed as written.
/// </summary>
public sealed record AggregateCall(SourceSpan Span, AggregateFunction Function, BoundExpression? Argument, SqlType ResultType)
{
    public string? OtherName { get; init; }
    public IReadOnlyList<BoundExpression> ExtraArguments { get; init; } = [];
    public IReadOnlyList<AggregateOrder> OrderBy { get; init; } = [];
    public BoundExpression? Filter { get; init; }
    public bool Distinct { get; init; }

    public string Name => Function switch
    {
        AggregateFunction.CountStar => "count",
        AggregateFunction.Other => OtherName!,
        _ => Function.ToString().ToLowerInvariant(),
    };

    /// <summary>Every expression the call reads.</summary>
    public IEnumerable<BoundExpression> Expressions =>
        (Argument is null ? [] : new[] { Argument }).Concat(ExtraArguments).Concat(OrderBy.Select(o => o.Expression))
        .Concat(Filter is null ? [] : [Filter]);

    /// <summary>The call as SQL, its columns printed by <paramref name="printer"/>.</summary>
    public string ToSql(Emit.SqlExpressionPrinter printer)
    {
        var arguments = Argument is null ? "*" : string.Join(", ", new[] { Argument }.Concat(ExtraArguments).Select(printer.Print));
        var order = OrderBy.Count == 0 ? "" : " ORDER BY " + string.Join(", ", OrderBy.Select(o => printer.Print(o.Expression) + o.Suffix));
        var filter = Filter is null ? "" : $" FILTER (WHERE {printer.Print(Filter)})";
        return Function == AggregateFunction.First
            ? $"(array_agg({arguments}{order}){filter})[1]"
            : $"{Name}({(Distinct ? "DISTINCT " : "")}{arguments}{order}){filter}";
    }

    /// <summary>Span-free text that is equal exactly for calls computing the same value, so they can share state.</summary>
    public string CanonicalText => ToSql(new Emit.SqlExpressionPrinter(
        c => Emit.SqlQuoting.Identifier(c.Relation) + "." + Emit.SqlQuoting.Identifier(c.ColumnName)));
}

/// <summary>
/// Groups its input by <see cref="GroupKeys"/> and computes <see cref="Aggregates"/> per group. Without GROUP BY
/// (<see cref="Grouped"/> false) it yields exactly one row, even over an empty input, as SQL does.
/// <see cref="Multiplicity"/> marks the counted-groups form of a bag: each group stands for as many identical output
/// rows as it has input rows (see <c>Rewrites/ProjectionToCountedGroups</c>).
/// </summary>
public sealed record AggregateNode(
    RelNode Input,
    IReadOnlyList<BoundExpression> GroupKeys,
    IReadOnlyList<AggregateCall> Aggregates,
    bool Grouped,
    bool Multiplicity) : RelNode
{
    /// <summary>
    /// GROUP BY GROUPING SETS / ROLLUP / CUBE: each set lists the indexes of the <see cref="GroupKeys"/> it groups by;
    /// null for a plain GROUP BY. Pass <c>grouping-sets-to-union</c> turns it into one aggregate per set.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>>? GroupingSets { get; init; }
}

/// <summary>SELECT DISTINCT: removes duplicate rows of its input.</summary>
public sealed record DistinctNode(RelNode Input) : RelNode;

/// <summary>
/// SELECT DISTINCT ON (<see cref="Keys"/>): of the rows of <see cref="Input"/>'s input with equal keys, keeps the first in
/// <see cref="TieBreakers"/> order, projected by <see cref="Input"/>. The binder has checked that the order decides
/// every tie that could show in the output.
/// </summary>
public sealed record DistinctOnNode(ProjectNode Input, IReadOnlyList<BoundExpression> Keys, IReadOnlyList<AggregateOrder> TieBreakers) : RelNode;

public enum SetOperationKind { UnionAll, Union, IntersectAll, Intersect, ExceptAll, Except }

/// <summary>
/// UNION/INTERSECT/EXCEPT [ALL] over its inputs: UNION [ALL] over any number, INTERSECT and EXCEPT over two. An input is
/// a branch (a projection of one table's rows) or a nested set operation; output columns are named by the first branch.
/// Maintained as counted groups with one row count per branch.
/// </summary>
public sealed record SetOperationNode(SetOperationKind Kind, IReadOnlyList<RelNode> Inputs) : RelNode
{
    /// <summary>The branches under this node and every nested one, left to right.</summary>
    public IReadOnlyList<ProjectNode> Branches => Inputs
        .SelectMany(input => input is SetOperationNode nested ? nested.Branches : [(ProjectNode)input]).ToList();

    /// <summary>True when every input is a branch: no nested set operation.</summary>
    public bool IsFlat => Inputs.All(input => input is ProjectNode);
}

/// <summary>
/// One window call, <c>name(arguments) [FILTER (WHERE …)] OVER (PARTITION BY … ORDER BY … frame)</c>, its frame kept as
/// the SQL text PostgreSQL reads (<c>ROWS BETWEEN 1 PRECEDING AND CURRENT ROW</c>); empty for the default frame.
/// </summary>
public sealed record WindowCall(
    SourceSpan Span,
    string Name,
    IReadOnlyList<BoundExpression> Arguments,
    bool Star,
    BoundExpression? Filter,
    IReadOnlyList<BoundExpression> PartitionBy,
    IReadOnlyList<AggregateOrder> OrderBy,
    string Frame,
    SqlType ResultType)
{
    /// <summary>The call as SQL, its columns printed by <paramref name="printer"/>.</summary>
    public string ToSql(Emit.SqlExpressionPrinter printer)
    {
        var arguments = Star ? "*" : string.Join(", ", Arguments.Select(printer.Print));
        var filter = Filter is null ? "" : $" FILTER (WHERE {printer.Print(Filter)})";
        var window = new List<string>();
        if (PartitionBy.Count > 0) window.Add("PARTITION BY " + string.Join(", ", PartitionBy.Select(printer.Print)));
        if (OrderBy.Count > 0) window.Add("ORDER BY " + string.Join(", ", OrderBy.Select(o => printer.Print(o.Expression) + o.Suffix)));
        if (Frame.Length > 0) window.Add(Frame);
        return $"{Name}({arguments}){filter} OVER ({string.Join(" ", window)})";
    }
}

/// <summary>
/// Computes <see cref="Calls"/> for every row of its input; above it, <c>BoundWindowRef</c> i reads call i's value. A
/// window call reads the other rows of its partition, so a change to one row can change the values of all rows of
/// the partitions it is in: the Delta phase recomputes those partitions, found by <see cref="CommonPartition"/>.
/// </summary>
public sealed record WindowNode(RelNode Input, IReadOnlyList<WindowCall> Calls) : RelNode
{
    /// <summary>
    /// The PARTITION BY expressions every call shares: rows that differ in one of them are never in one partition of
    /// any call, so a change touches only the rows that agree with it on these. Empty: a change may touch every row.
    /// </summary>
    public IReadOnlyList<BoundExpression> CommonPartition => Calls
        .Select(c => c.PartitionBy.Select(Emit.SqlExpressionPrinter.Canonical).ToHashSet())
        .Aggregate((a, b) => a.Intersect(b).ToHashSet()) is var shared
        ? Calls[0].PartitionBy.Where(p => shared.Contains(Emit.SqlExpressionPrinter.Canonical(p)))
            .DistinctBy(Emit.SqlExpressionPrinter.Canonical).ToList()
        : [];
}

/// <summary>
/// <c>ORDER BY … LIMIT n OFFSET m</c> (<see cref="Limit"/> null: no limit) over its input's rows, or with
/// <see cref="WithTies"/> <c>FETCH FIRST n ROWS WITH TIES</c>. The binder has checked that the rows kept do not depend
/// on how PostgreSQL breaks ties.
/// </summary>
public sealed record TopKNode(RelNode Input, IReadOnlyList<AggregateOrder> Order, long? Limit, long Offset, bool WithTies) : RelNode
{
    /// <summary>The clause as SQL after ORDER BY's items: <c>LIMIT 10 OFFSET 5</c>, <c>FETCH FIRST 3 ROWS WITH TIES</c>.</summary>
    public string LimitSql => (Limit, WithTies) switch
    {
        (null, _) => $"OFFSET {Offset}",
        (_, true) => (Offset > 0 ? $"OFFSET {Offset} ROWS " : "") + $"FETCH FIRST {Limit} ROWS WITH TIES",
        _ => $"LIMIT {Limit}" + (Offset > 0 ? $" OFFSET {Offset}" : ""),
    };
}

/// <summary>
/// A set-returning function in FROM over one table's row (<c>unnest(o.tags) AS t(tag)</c>): each row of the scan it
/// belongs to expands into the function's rows. Its columns are virtual columns of the scan, named
/// <see cref="ColumnName"/>; the call reads only that row, so a change row expands exactly as the row it stands for.
/// </summary>
public sealed record SetReturningExpansion(string Name, BoundFunctionCall Call, IReadOnlyList<string> Columns, bool WithOrdinality)
{
    /// <summary>
    /// <c>LEFT JOIN LATERAL f(…) ON TRUE</c>: a row for which the function returns no rows (an empty or NULL array)
    /// stays, once, with NULL function columns.
    /// </summary>
    public bool Padded { get; init; }

    /// <summary>The virtual column of the expanded scan that holds one of the function's columns: <c>t.tag</c>.</summary>
    public static string ColumnName(string expansion, string column) => expansion + "." + column;
}
