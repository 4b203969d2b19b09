using System.Runtime.CompilerServices;
using System.Text;
using Trickle.Compiler.Binding;

namespace Trickle.Compiler.Emit;

/// <summary>
/// Prints bound expressions as SQL. Where a column or a post-aggregation reference lives differs per generated
/// statement (a change buffer, the source table, the storage table), so the caller says how to print those leaves.
/// Every compound expression is parenthesised: generated SQL must never depend on operator precedence.
/// </summary>
public sealed class SqlExpressionPrinter(
    Func<BoundColumn, string> column,
    Func<BoundGroupKeyRef, string>? groupKey = null,
    Func<BoundAggregateRef, string>? aggregate = null,
    Func<BoundWindowRef, string>? window = null)
{
    /// <summary>Prints columns qualified by a relation alias: <c>"c"."amount"</c>.</summary>
    public static SqlExpressionPrinter ForAlias(string alias) =>
        new(c => SqlQuoting.Identifier(alias) + "." + SqlQuoting.Identifier(c.ColumnName));

    /// <summary>
    /// A span-free canonical text, used to decide whether two expressions are the same expression. Columns carry their
    /// relation: in a join, <c>o.id</c> and <c>c.id</c> are different columns.
    /// </summary>
    public static string Canonical(BoundExpression expression) =>
        new SqlExpressionPrinter(c => SqlQuoting.Identifier(c.Relation) + "." + SqlQuoting.Identifier(c.ColumnName),
            g => $"$key{g.Index}", a => $"$agg{a.Index}", w => $"$window{w.Index}").Print(expression);

    public string Print(BoundExpression expression)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return PrintNode(expression);
    }

    private string PrintNode(BoundExpression expression) => expression switch
    {
        BoundColumn c => column(c),
        BoundLiteral l => l.SqlText,
        BoundUnary u => u.Operator.All(char.IsLetter) ? $"({u.Operator} {Print(u.Operand)})" : $"({u.Operator}{Print(u.Operand)})",
        BoundBinary b => $"({Print(b.Left)} {OperatorOf(b)} {Print(b.Right)})",
        BoundCast c => $"CAST({Print(c.Operand)} AS {c.Type.ToSql()})",
        BoundFunctionCall f => $"{f.Name}({string.Join(", ", f.Arguments.Select(Print))})",
        BoundSyntaxForm s => PrintForm(s),
        BoundGroupKeyRef g => groupKey?.Invoke(g) ?? throw new InvalidOperationException("group key outside an aggregate context"),
        BoundAggregateRef a => aggregate?.Invoke(a) ?? throw new InvalidOperationException("aggregate outside an aggregate context"),
        BoundWindowRef w => window?.Invoke(w) ?? throw new InvalidOperationException("window call outside a window context"),
        // Printed only before pass grouping-sets-to-union has replaced it by constants (IR listings).
        BoundGroupingMask m => "GROUPING(" + string.Join(", ", m.KeyIndexes.Select(i => groupKey?.Invoke(new BoundGroupKeyRef(m.Span, Catalog.SqlType.Unknown, i)) ?? $"$key{i}")) + ")",
        _ => throw new InvalidOperationException($"no SQL form for {expression.GetType().Name}"),
    };

    /// <summary>
    /// A comparison of values of a type whose operators live outside pg_catalog (citext, a user's base type) is printed
    /// OPERATOR(schema.op): generated functions pin search_path, which would hide the operator the user's query meant.
    /// </summary>
    private static string OperatorOf(BoundBinary binary)
    {
        if (binary.Operator is not ("=" or "<>" or "!=" or "<" or "<=" or ">" or ">="))
            return binary.Operator;
        var schemaType = binary.Left.Type.OperatorSchema is not null ? binary.Left.Type
            : binary.Right.Type.OperatorSchema is not null ? binary.Right.Type
            : null;
        return schemaType?.Operator(binary.Operator == "!=" ? "<>" : binary.Operator) ?? binary.Operator;
    }

    /// <summary>
    /// IS [NOT] DISTINCT FROM, IN (…) and BETWEEN look their operators up by name; over a type whose operators the
    /// pinned search_path hides they are spelled out with OPERATOR(schema.op), with the same NULL semantics.
    /// </summary>
    private string? PrintWithQualifiedOperators(BoundSyntaxForm form)
    {
        if (form.Operands.FirstOrDefault(o => o.Type.OperatorSchema is not null)?.Type is not { } type)
            return null;
        var operands = form.Operands.Select(Print).ToList();
        switch (form.Kind)
        {
            case "is distinct":
            {
                var (left, right) = (operands[0], operands[1]);
                var notDistinct = $"(({left} {type.Operator("=")} {right}) IS TRUE OR ({left} IS NULL AND {right} IS NULL))";
                return form.TextParts[1].Contains("NOT", StringComparison.Ordinal) ? notDistinct : $"(NOT {notDistinct})";
            }
            case "in list":
            {
                var any = "(" + string.Join(" OR ", operands.Skip(1).Select(value => $"{operands[0]} {type.Operator("=")} {value}")) + ")";
                return form.TextParts[1].Contains("NOT", StringComparison.Ordinal) ? $"(NOT {any})" : any;
            }
            case "between" when !form.TextParts[1].Contains("SYMMETRIC", StringComparison.Ordinal):
            {
                var within = $"({operands[0]} {type.Operator(">=")} {operands[1]} AND {operands[0]} {type.Operator("<=")} {operands[2]})";
                return form.TextParts[1].Contains("NOT", StringComparison.Ordinal) ? $"(NOT {within})" : within;
            }
            default:
                return null;
        }
    }

    private string PrintForm(BoundSyntaxForm form)
    {
        if (PrintWithQualifiedOperators(form) is { } qualified)
            return qualified;
        // TextParts interleave with operands: part0 op0 part1 op1 … partN.
        var builder = new StringBuilder("(");
        for (var i = 0; i < form.TextParts.Count; i++)
        {
            builder.Append(form.TextParts[i]);
            if (i < form.Operands.Count)
                builder.Append(Print(form.Operands[i]));
        }
        return builder.Append(')').ToString();
    }
}
