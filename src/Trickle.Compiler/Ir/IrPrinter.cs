using System.Text;
using Trickle.Compiler.Emit;

namespace Trickle.Compiler.Ir;

/// <summary>Prints a plan as an indented tree, one operator a line: stable text for snapshots and <c>explain</c>.</summary>
public static class IrPrinter
{
    private static readonly SqlExpressionPrinter CanonicalPrinter =
        new(c => SqlQuoting.Identifier(c.Relation) + "." + SqlQuoting.Identifier(c.ColumnName));

    public static string Print(RelNode node)
    {
        var builder = new StringBuilder();
        Append(builder, node, 0);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, RelNode node, int depth)
    {
        builder.Append(' ', depth * 2);
        switch (node)
        {
            case ScanNode { Subplan: { } subplan } subquery:
                // A subquery still marked flattenable is one pass flatten-subqueries has not yet merged or kept whole.
                builder.Append(subquery.Flattenable ? "Subquery (to flatten) AS " : "Subquery AS ").AppendLine(SqlQuoting.Identifier(subquery.Name));
                Append(builder, subplan, depth + 1);
                return;
            case ScanNode scan:
                builder.Append("Scan ").Append(SqlQuoting.Qualified(scan.Table.Schema, scan.Table.Name));
                if (scan.Name != scan.Table.Name) builder.Append(" AS ").Append(SqlQuoting.Identifier(scan.Name));
                foreach (var expansion in scan.Expansions)
                    builder.Append(expansion.Padded ? " expand-or-pad " : " expand ").Append(SqlExpressionPrinter.Canonical(expansion.Call))
                        .Append(expansion.WithOrdinality ? " WITH ORDINALITY" : "")
                        .Append(" AS ").Append(SqlQuoting.Identifier(expansion.Name))
                        .Append('(').AppendJoin(", ", expansion.Columns.Select(SqlQuoting.Identifier)).Append(')');
                builder.AppendLine();
                return;
            case JoinNode join:
                builder.Append(join.Condition is null ? "CrossJoin" : $"{join.Type}Join " + SqlExpressionPrinter.Canonical(join.Condition)).AppendLine();
                Append(builder, join.Left, depth + 1);
                Append(builder, join.Right, depth + 1);
                return;
            case FilterNode filter:
                builder.Append("Filter ").Append(SqlExpressionPrinter.Canonical(filter.Predicate)).AppendLine();
                Append(builder, filter.Input, depth + 1);
                return;
            case ProjectNode project:
                builder.Append("Project ")
                    .AppendJoin(", ", project.Columns.Select(c => $"{SqlQuoting.Identifier(c.Name)} := {SqlExpressionPrinter.Canonical(c.Expression)}"))
                    .AppendLine();
                Append(builder, project.Input, depth + 1);
                return;
            case AggregateNode aggregate:
                builder.Append(aggregate.Grouped ? "Aggregate" : "Aggregate (no GROUP BY)");
                if (aggregate.Multiplicity) builder.Append(" (counted rows)");
                builder.Append(" keys=[").AppendJoin(", ", aggregate.GroupKeys.Select(SqlExpressionPrinter.Canonical)).Append(']');
                if (aggregate.GroupingSets is { } sets)
                    builder.Append(" sets=[").AppendJoin(", ", sets.Select(set => "(" + string.Join(", ", set.Select(i => $"$key{i}")) + ")")).Append(']');
                builder.Append(" aggs=[")
                    .AppendJoin(", ", aggregate.Aggregates.Select(a => a.Argument is null ? "count(*)" : $"{a.Name}({SqlExpressionPrinter.Canonical(a.Argument)})"))
                    .AppendLine("]");
                Append(builder, aggregate.Input, depth + 1);
                return;
            case SetOperationNode setOperation:
                builder.Append("SetOperation ").AppendLine(setOperation.Kind.ToString());
                foreach (var input in setOperation.Inputs)
                    Append(builder, input, depth + 1);
                return;
            case DistinctOnNode distinctOn:
                builder.Append("DistinctOn keys=[").AppendJoin(", ", distinctOn.Keys.Select(SqlExpressionPrinter.Canonical))
                    .Append("] order=[").AppendJoin(", ", distinctOn.TieBreakers.Select(o => SqlExpressionPrinter.Canonical(o.Expression) + o.Suffix))
                    .AppendLine("]");
                Append(builder, distinctOn.Input, depth + 1);
                return;
            case WindowNode window:
                builder.Append("Window partition=[").AppendJoin(", ", window.CommonPartition.Select(SqlExpressionPrinter.Canonical))
                    .Append("] calls=[").AppendJoin(", ", window.Calls.Select(c => c.ToSql(CanonicalPrinter))).AppendLine("]");
                Append(builder, window.Input, depth + 1);
                return;
            case TopKNode topK:
                builder.Append("TopK order=[").AppendJoin(", ", topK.Order.Select(o => SqlExpressionPrinter.Canonical(o.Expression) + o.Suffix))
                    .Append("] ").AppendLine(topK.LimitSql);
                Append(builder, topK.Input, depth + 1);
                return;
            case DistinctNode distinct:
                builder.AppendLine("Distinct");
                Append(builder, distinct.Input, depth + 1);
                return;
            default:
                throw new InvalidOperationException($"unknown IR node {node.GetType().Name}");
        }
    }
}
