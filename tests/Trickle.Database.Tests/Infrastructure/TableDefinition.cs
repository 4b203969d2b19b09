using System.Text.RegularExpressions;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>A source table the DML generator writes to.</summary>
/// <param name="QualifiedName">Already quoted, e.g. <c>public."Orders"</c>.</param>
/// <param name="PrimaryKey">Unquoted primary key column names in key order; empty for a keyless table.</param>
public sealed record TableDefinition(string QualifiedName, IReadOnlyList<ColumnDefinition> Columns, IReadOnlyList<string> PrimaryKey)
{
    public bool HasPrimaryKey => PrimaryKey.Count > 0;

    public IEnumerable<ColumnDefinition> KeyColumns => PrimaryKey.Select(Column);

    public IEnumerable<ColumnDefinition> WritableColumns => Columns.Where(column => !column.IsGenerated);

    public ColumnDefinition Column(string name) =>
        Columns.FirstOrDefault(column => column.Name == name)
        ?? throw new ArgumentException($"{QualifiedName} has no column {name}.", nameof(name));

    public bool IsKeyColumn(ColumnDefinition column) => PrimaryKey.Contains(column.Name);
}

/// <param name="Name">Unquoted column name.</param>
/// <param name="SqlType">A PostgreSQL type name as written in DDL or printed by <c>format_type</c>.</param>
/// <param name="IsGenerated">Identity or generated column: never written by the generator.</param>
/// <param name="Values">
/// For a type the generator does not know (a user-defined or extension type): the text of the values to write, each
/// read back exactly as written. The column's type is then <see cref="ColumnKind.Custom"/>.
/// </param>
public sealed record ColumnDefinition(string Name, string SqlType, bool Nullable = true, bool IsGenerated = false, IReadOnlyList<string>? Values = null)
{
    public ColumnType Type { get; } = Values is null ? ColumnType.Parse(SqlType) : new ColumnType(ColumnKind.Custom);

    public string QuotedName => SqlText.Identifier(Name);
}

public enum ColumnKind
{
    SmallInt,
    Integer,
    BigInt,
    Numeric,
    Real,
    DoublePrecision,
    Text,
    VarChar,
    Boolean,
    Date,
    Timestamp,
    TimestampTz,
    Interval,
    TextArray,
    IntegerArray,
    /// <summary>jsonb holding arrays only, so that jsonb_array_elements applies to every value.</summary>
    JsonbArray,
    /// <summary>A type of the test's own: values from <see cref="ColumnDefinition.Values"/>.</summary>
    Custom,
}

/// <param name="Length">varchar length, if limited.</param>
/// <param name="Precision">numeric precision, if constrained.</param>
public sealed partial record ColumnType(ColumnKind Kind, int? Length = null, int? Precision = null, int? Scale = null)
{
    public static ColumnType Parse(string sqlType)
    {
        var text = Regex.Replace(sqlType.Trim().ToLowerInvariant(), @"\s+", " ");
        switch (text)
        {
            case "text[]": return new ColumnType(ColumnKind.TextArray);
            case "integer[]" or "int[]" or "int4[]": return new ColumnType(ColumnKind.IntegerArray);
            case "jsonb": return new ColumnType(ColumnKind.JsonbArray);
        }
        var match = TypeWithModifiers().Match(text);
        if (!match.Success)
            throw new NotSupportedException($"Unsupported column type '{sqlType}'.");
        var name = match.Groups["name"].Value.Trim();
        int? first = match.Groups["a"].Success ? int.Parse(match.Groups["a"].Value) : null;
        int? second = match.Groups["b"].Success ? int.Parse(match.Groups["b"].Value) : null;
        return name switch
        {
            "smallint" or "int2" => new ColumnType(ColumnKind.SmallInt),
            "integer" or "int" or "int4" => new ColumnType(ColumnKind.Integer),
            "bigint" or "int8" => new ColumnType(ColumnKind.BigInt),
            "numeric" or "decimal" => new ColumnType(ColumnKind.Numeric, null, first, first is null ? null : second ?? 0),
            "real" or "float4" => new ColumnType(ColumnKind.Real),
            "double precision" or "float8" => new ColumnType(ColumnKind.DoublePrecision),
            "text" => new ColumnType(ColumnKind.Text),
            "varchar" or "character varying" => new ColumnType(ColumnKind.VarChar, first),
            "boolean" or "bool" => new ColumnType(ColumnKind.Boolean),
            "date" => new ColumnType(ColumnKind.Date),
            "timestamp" or "timestamp without time zone" => new ColumnType(ColumnKind.Timestamp),
            "timestamptz" or "timestamp with time zone" => new ColumnType(ColumnKind.TimestampTz),
            "interval" => new ColumnType(ColumnKind.Interval),
            _ => throw new NotSupportedException($"Unsupported column type '{sqlType}'."),
        };
    }

    public bool IsInteger => Kind is ColumnKind.SmallInt or ColumnKind.Integer or ColumnKind.BigInt;

    [GeneratedRegex(@"^(?<name>[a-z0-9 ]+?)\s*(\(\s*(?<a>\d+)\s*(,\s*(?<b>\d+)\s*)?\))?$")]
    private static partial Regex TypeWithModifiers();
}
