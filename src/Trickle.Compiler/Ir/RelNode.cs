using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Ir;

/// <summary>
/// A node of the relational IR. The binder produces a tree of these; rewrite passes transform it into the
/// differentiable shapes the Delta phase knows; <see cref="IrPrinter"/> prints it for snapshot tests and <c>explain</c>.
/// </summary>
public abstract record RelNode;

/// <summary>One occurrence of a table; <see cref="Name"/> is unique in the query (its alias, else the table name).</summary>
public sealed record ScanNode(CatalogTable Table, string Name) : RelNode;

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

public enum AggregateFunction { CountStar, Count, Sum, Avg, Min, Max, Other }

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
        return $"{Name}({(Distinct ? "DISTINCT " : "")}{arguments}{order}){filter}";
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
    bool Multiplicity) : RelNode;

/// <summary>SELECT DISTINCT: removes duplicate rows of its input.</summary>
public sealed record DistinctNode(RelNode Input) : RelNode;

public enum SetOperationKind { UnionAll, Union, IntersectAll, Intersect, ExceptAll, Except }

/// <summary>
/// UNION/INTERSECT/EXCEPT [ALL] over branches that each project rows of one table; output columns are named by the
/// first branch. Maintained as counted groups with one row count per branch.
/// </summary>
public sealed record SetOperationNode(SetOperationKind Kind, IReadOnlyList<ProjectNode> Branches) : RelNode;
