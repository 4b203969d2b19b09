using System.Globalization;
using System.Text.RegularExpressions;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>
/// Small per-type value sets, written in PostgreSQL's own text output format so that generated values and values
/// read back from the database compare equal as text. Small domains make groups collide and duplicates occur.
/// </summary>
internal static class ValueDomain
{
    private static readonly string[] Numerics = ["1.5", "2", "2.50", "-0.25", "0", "3.125", "10", "-7.0", "0.1"];
    // Dyadic fractions of small magnitude: float sums of a few hundred of them are exact, so recomputation and
    // incremental maintenance agree bit for bit.
    private static readonly string[] Floats = ["0.5", "0.25", "1.75", "-2", "3", "0", "-0.75", "8"];
    private static readonly string[] Texts = ["a", "b", "B", "it's", "", "ünï ✓", "A b", "zz"];
    private static readonly string[] Dates = ["2024-01-01", "2024-02-29", "1999-12-31", "2024-01-02"];
    private static readonly string[] Timestamps = ["2024-01-01 00:00:00", "2024-01-01 12:30:00", "2023-12-31 23:59:59.5", "2024-02-29 08:00:00"];
    private static readonly string[] Intervals = ["1 day", "02:00:00", "-00:30:00", "1 mon", "00:00:00", "1 day 02:00:00"];

    private const double NullProbability = 0.15;
    private const double BigValueProbability = 0.04;

    public static string? Next(Random random, ColumnDefinition column, bool forKey = false)
    {
        if (column.Nullable && !forKey && random.NextDouble() < NullProbability)
            return null;
        var type = column.Type;
        var big = random.NextDouble() < BigValueProbability;
        return type.Kind switch
        {
            // "Big" values are near the type limit divided by ~250, so sums over a few hundred rows still fit the type.
            ColumnKind.SmallInt => big ? Pick(random, "130", "-130") : random.Next(-3, 13).ToString(CultureInfo.InvariantCulture),
            ColumnKind.Integer => big ? Pick(random, "8000000", "-8000000") : random.Next(-3, 13).ToString(CultureInfo.InvariantCulture),
            ColumnKind.BigInt => big ? Pick(random, "36000000000000000", "-36000000000000000") : random.Next(-3, 13).ToString(CultureInfo.InvariantCulture),
            ColumnKind.Numeric => NextNumeric(random, type, big, forKey),
            ColumnKind.Real => Pick(random, Floats),
            ColumnKind.DoublePrecision => big ? "1099511627776" : Pick(random, Floats),
            ColumnKind.Text => Pick(random, Texts),
            ColumnKind.VarChar => Pick(random, Texts.Where(text => type.Length is null || text.Length <= type.Length).ToArray()),
            ColumnKind.Boolean => Pick(random, "true", "false"),
            ColumnKind.Date => Pick(random, Dates),
            ColumnKind.Timestamp => Pick(random, Timestamps),
            // Sessions run with TimeZone=UTC, so these read back exactly as written.
            ColumnKind.TimestampTz => Pick(random, Timestamps) + "+00",
            ColumnKind.Interval => Pick(random, Intervals),
            ColumnKind.TextArray => Pick(random, "{a,b}", "{}", "{a,a}", "{b,NULL}", "{\"it's\",zz}", "{B}"),
            ColumnKind.IntegerArray => Pick(random, "{1,2}", "{}", "{3}", "{1,NULL,1}", "{-2,5,7}"),
            ColumnKind.JsonbArray => Pick(random, "[]", "[1, 2]", "[\"a\", \"b\", \"a\"]", "[{\"k\": 1}, null]", "[2.50]"),
            ColumnKind.Custom => Pick(random, column.Values!.ToArray()),
            _ => throw new NotSupportedException(type.Kind.ToString()),
        };
    }

    /// <summary>A value outside the small domain, distinct for each <paramref name="counter"/>; null if the type has none.</summary>
    public static string? Fresh(ColumnDefinition column, int counter)
    {
        var type = column.Type;
        var number = (20 + counter).ToString(CultureInfo.InvariantCulture);
        return type.Kind switch
        {
            ColumnKind.SmallInt or ColumnKind.Integer or ColumnKind.BigInt or ColumnKind.Real or ColumnKind.DoublePrecision => number,
            ColumnKind.Numeric => FitsNumeric(type, number) ? number : null,
            ColumnKind.Text => "k" + number,
            ColumnKind.VarChar => type.Length is null || type.Length >= ("k" + number).Length ? "k" + number : null,
            ColumnKind.Date => new DateOnly(2030, 1, 1).AddDays(counter).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ColumnKind.Timestamp => new DateOnly(2030, 1, 1).AddDays(counter).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 00:00:00",
            ColumnKind.TimestampTz => new DateOnly(2030, 1, 1).AddDays(counter).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 00:00:00+00",
            ColumnKind.Interval => $"{counter + 2} days",
            _ => null,
        };
    }

    /// <summary>
    /// A representation equal for equal values of the column's type, so that live keys read back from the database
    /// ("2.50" stored as numeric(5,2)) and generated keys ("2.5") are recognised as the same key.
    /// </summary>
    public static string Canonical(ColumnDefinition column, string? text)
    {
        if (text is null)
            return "\u2205";
        var invariant = CultureInfo.InvariantCulture;
        return column.Type.Kind switch
        {
            ColumnKind.SmallInt or ColumnKind.Integer or ColumnKind.BigInt => long.Parse(text, invariant).ToString(invariant),
            ColumnKind.Numeric => decimal.Parse(text, NumberStyles.Float, invariant).ToString("0.############################", invariant),
            ColumnKind.Real or ColumnKind.DoublePrecision => double.Parse(text, NumberStyles.Float, invariant).ToString("R", invariant),
            ColumnKind.Timestamp => DateTime.Parse(text, invariant).Ticks.ToString(invariant),
            // PostgreSQL prints whole-hour offsets as "+02", which .NET does not parse without the minutes.
            ColumnKind.TimestampTz => DateTimeOffset.Parse(Regex.IsMatch(text, @"[+-]\d\d$") ? text + ":00" : text, invariant).UtcTicks.ToString(invariant),
            _ => text,
        };
    }

    /// <summary>SQL literal for a value in text form, typed so that comparisons and assignments resolve unambiguously.</summary>
    public static string Literal(ColumnDefinition column, string? text)
    {
        if (text is null)
            return "NULL";
        if (column.Type.IsInteger || column.Type.Kind == ColumnKind.Boolean)
            return text;
        return $"{SqlText.Literal(text)}::{column.SqlType}";
    }

    private static string NextNumeric(Random random, ColumnType type, bool big, bool forKey)
    {
        if (big && type.Precision is null)
            return "123456789012.345678";
        var candidates = Numerics
            .Where(value => FitsNumeric(type, value))
            // Keys with more decimals than the scale would be rounded on insert and could collide unnoticed.
            .Where(value => !forKey || type.Scale is null || Decimals(value) <= type.Scale)
            .ToArray();
        return candidates.Length == 0 ? "0" : Pick(random, candidates);
    }

    private static bool FitsNumeric(ColumnType type, string value)
    {
        if (type.Precision is null)
            return true;
        var integerDigits = value.TrimStart('-').Split('.')[0].TrimStart('0').Length;
        return integerDigits <= type.Precision - (type.Scale ?? 0);
    }

    private static int Decimals(string value)
    {
        var dot = value.IndexOf('.');
        return dot < 0 ? 0 : value.Length - dot - 1;
    }

    private static string Pick(Random random, params string[] values) => values[random.Next(values.Length)];
}
