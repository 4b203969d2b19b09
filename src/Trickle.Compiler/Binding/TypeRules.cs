using Trickle.Compiler.Catalog;

namespace Trickle.Compiler.Binding;

/// <summary>
/// The part of PostgreSQL's type resolution the compiler needs offline: enough to pick maintenance strategies.
/// Where a rule is not known the result is <see cref="SqlType.Unknown"/>, which strategies treat conservatively.
/// </summary>
internal static class TypeRules
{
    private static readonly string[] NumericLadder = ["smallint", "integer", "bigint", "numeric", "real", "double precision"];

    /// <summary>Result type of + - * / % on two numbers: the wider operand, as PostgreSQL's operator set resolves it.</summary>
    public static SqlType Arithmetic(SqlType left, SqlType right)
    {
        var l = Array.IndexOf(NumericLadder, left.Name);
        var r = Array.IndexOf(NumericLadder, right.Name);
        if (left.IsArray || right.IsArray) return SqlType.Unknown;
        if (l < 0 && right.Name == "unknown") return Plain(left);
        if (r < 0 && left.Name == "unknown") return Plain(right);
        if (l < 0 || r < 0) return DateTimeArithmetic(left, right);
        // numeric combined with a float type yields double precision (numeric is converted implicitly to float8).
        if ((left.Name == "numeric" && right.Category == TypeCategory.Float) || (right.Name == "numeric" && left.Category == TypeCategory.Float))
            return SqlType.DoublePrecision;
        return Plain(l >= r ? left : right);
    }

    private static SqlType DateTimeArithmetic(SqlType left, SqlType right) => (left.Name, right.Name) switch
    {
        ("interval", "interval") => SqlType.Interval,
        ("date", "integer") => SqlType.Date,
        ("date", "interval") => SqlType.Timestamp,
        ("timestamp without time zone", "interval") => SqlType.Timestamp,
        ("timestamp with time zone", "interval") => SqlType.TimestampTz,
        ("interval", "double precision") or ("interval", "integer") or ("interval", "numeric") => SqlType.Interval,
        ("money", _) => SqlType.Money,
        _ => SqlType.Unknown,
    };

    /// <summary>The type CASE, COALESCE, GREATEST … resolve to: the first known type, widened across numbers.</summary>
    public static SqlType Common(IEnumerable<SqlType> types)
    {
        SqlType? result = null;
        foreach (var type in types)
        {
            if (type.Name == "unknown") continue;
            if (result is null) { result = Plain(type); continue; }
            if (Array.IndexOf(NumericLadder, result.Name) >= 0 && Array.IndexOf(NumericLadder, type.Name) >= 0)
                result = Arithmetic(result, type);
            else if (result.Name != type.Name)
                return result.Category == type.Category && result.Category == TypeCategory.String ? SqlType.Text : SqlType.Unknown;
        }
        // All arguments untyped string literals: PostgreSQL resolves them as text.
        return result ?? SqlType.Text;
    }

    /// <summary>The type without its modifiers: the result of an expression does not keep varchar(20) or numeric(10,2).</summary>
    public static SqlType Plain(SqlType type) => type with { Modifiers = null };

    /// <summary>The type of an unsigned numeric literal, as PostgreSQL's scanner decides it.</summary>
    public static SqlType OfNumericLiteral(string text)
    {
        var digits = text.Replace("_", "");
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || digits.StartsWith("0o", StringComparison.OrdinalIgnoreCase) || digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            return SqlType.BigInt;
        if (digits.Contains('.') || digits.Contains('e') || digits.Contains('E')) return SqlType.NumericType;
        if (int.TryParse(digits, out _)) return SqlType.Integer;
        if (long.TryParse(digits, out _)) return SqlType.BigInt;
        return SqlType.NumericType;
    }
}
