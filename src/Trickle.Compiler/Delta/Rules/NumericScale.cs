using System.Globalization;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;

namespace Trickle.Compiler.Delta.Rules;

/// <summary>
/// The display scale every value of a numeric expression has, when the types alone decide it, or null. A numeric's
/// scale travels with each value (1.0 and 1.00 are equal but print differently), so SUM and the statistics track the
/// largest scale among the values and rescan a group when a deletion may have removed its last value of that scale.
/// When the scale is known here no value can differ, and that tracking (and the delete-only batches' rescans) is
/// skipped. PostgreSQL's rules: a column or cast of numeric(p, s) has scale s (numeric(p): 0); an integer, 0; a
/// literal, its digits after the point; + and − the larger of their operands' scales, × their sum; unary minus and
/// CASE WHEN … THEN x END (NULL otherwise), x's. Division, functions and floats decide their scale from the values.
/// </summary>
public static class NumericScale
{
    public static int? Of(BoundExpression expression) => expression switch
    {
        _ when expression.Type.Category == TypeCategory.Integer => 0,
        _ when expression.Type.Category != TypeCategory.Numeric => null,
        BoundColumn or BoundCast when expression.Type.Modifiers is { } modifiers =>
            modifiers.Split(',') is [_, var scale] ? int.Parse(scale, CultureInfo.InvariantCulture) : 0,
        BoundCast cast => Of(cast.Operand),
        BoundLiteral literal => LiteralScale(literal.SqlText),
        BoundUnary { Operator: "-" or "+" } unary => Of(unary.Operand),
        BoundBinary { Operator: "+" or "-" } binary when (Of(binary.Left), Of(binary.Right)) is ({ } left, { } right) => Math.Max(left, right),
        BoundBinary { Operator: "*" } binary when (Of(binary.Left), Of(binary.Right)) is ({ } left, { } right) => left + right,
        BoundSyntaxForm { Kind: "case", Operands: [_, var value] } => Of(value),
        _ => null,
    };

    /// <summary>Plain decimal literals only (12, 0.05): an exponent's scale depends on its value.</summary>
    private static int? LiteralScale(string text)
    {
        var point = text.IndexOf('.');
        var digits = point < 0 ? text : text.Remove(point, 1);
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
        return point < 0 ? 0 : text.Length - point - 1;
    }
}
