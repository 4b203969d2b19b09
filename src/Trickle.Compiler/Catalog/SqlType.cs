using System.Collections.Frozen;

namespace Trickle.Compiler.Catalog;

/// <summary>What the compiler needs to know about a type to choose a maintenance strategy.</summary>
public enum TypeCategory { Unknown, Boolean, Integer, Numeric, Float, String, DateTime, Interval, Money, Json, Other }

/// <summary>
/// A PostgreSQL type by its canonical name (as <c>format_type</c> spells it, without modifiers), plus modifiers and
/// array dimensions. Aliases (int4, varchar, timestamptz …) are normalised on construction through <see cref="Of"/>.
/// </summary>
public sealed record SqlType(string Name, string? Modifiers = null, int ArrayDimensions = 0)
{
    public static readonly SqlType Unknown = new("unknown");
    public static readonly SqlType Boolean = new("boolean");
    public static readonly SqlType SmallInt = new("smallint");
    public static readonly SqlType Integer = new("integer");
    public static readonly SqlType BigInt = new("bigint");
    public static readonly SqlType NumericType = new("numeric");
    public static readonly SqlType Real = new("real");
    public static readonly SqlType DoublePrecision = new("double precision");
    public static readonly SqlType Text = new("text");
    public static readonly SqlType Interval = new("interval");
    public static readonly SqlType Money = new("money");
    public static readonly SqlType Date = new("date");
    public static readonly SqlType Timestamp = new("timestamp without time zone");
    public static readonly SqlType TimestampTz = new("timestamp with time zone");

    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["int"] = "integer", ["int4"] = "integer", ["serial"] = "integer", ["serial4"] = "integer",
        ["int8"] = "bigint", ["bigserial"] = "bigint", ["serial8"] = "bigint",
        ["int2"] = "smallint", ["smallserial"] = "smallint", ["serial2"] = "smallint",
        ["float8"] = "double precision", ["float"] = "double precision", ["float4"] = "real",
        ["decimal"] = "numeric", ["bool"] = "boolean",
        ["varchar"] = "character varying", ["char"] = "character", ["bpchar"] = "character",
        ["timestamptz"] = "timestamp with time zone", ["timestamp"] = "timestamp without time zone",
        ["timetz"] = "time with time zone", ["time"] = "time without time zone",
        ["varbit"] = "bit varying",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, TypeCategory> Categories = new Dictionary<string, TypeCategory>
    {
        ["boolean"] = TypeCategory.Boolean,
        ["smallint"] = TypeCategory.Integer, ["integer"] = TypeCategory.Integer, ["bigint"] = TypeCategory.Integer,
        ["numeric"] = TypeCategory.Numeric,
        ["real"] = TypeCategory.Float, ["double precision"] = TypeCategory.Float,
        ["text"] = TypeCategory.String, ["character varying"] = TypeCategory.String, ["character"] = TypeCategory.String,
        ["name"] = TypeCategory.String, ["citext"] = TypeCategory.String,
        ["date"] = TypeCategory.DateTime, ["timestamp without time zone"] = TypeCategory.DateTime,
        ["timestamp with time zone"] = TypeCategory.DateTime, ["time without time zone"] = TypeCategory.DateTime,
        ["time with time zone"] = TypeCategory.DateTime,
        ["interval"] = TypeCategory.Interval, ["money"] = TypeCategory.Money,
        ["json"] = TypeCategory.Json, ["jsonb"] = TypeCategory.Json,
    }.ToFrozenDictionary();

    /// <summary>
    /// The schema of the type's <c>=</c> operator when it is not pg_catalog's (a base type or extension type such as
    /// citext, or a domain over one). Generated functions pin <c>search_path</c> to pg_catalog, which hides such
    /// operators, so comparisons of these values are printed <c>OPERATOR(schema.=)</c>.
    /// </summary>
    public string? OperatorSchema { get; init; }

    /// <summary>
    /// False for a user-defined type without an extended hash function consistent with its equality (a base type with
    /// only a btree operator class; a domain, array or composite over such a type). Its values are left out of the key
    /// hash (only whether they are NULL is hashed); equality rechecks the key columns themselves.
    /// </summary>
    public bool Hashable { get; init; } = true;

    /// <summary>The comparison operator <paramref name="symbol"/> as generated SQL must spell it for values of this type.</summary>
    public string Operator(string symbol) => OperatorSchema is null ? symbol : $"OPERATOR({Emit.SqlQuoting.Identifier(OperatorSchema)}.{symbol})";

    /// <summary>
    /// <c>left IS NOT DISTINCT FROM right</c> for values of this type. That form looks "=" up by name, so for a type whose
    /// operators the pinned search_path hides it is spelled out with the qualified operator, with the same NULL semantics.
    /// </summary>
    public string IsNotDistinctFrom(string left, string right) => OperatorSchema is null
        ? $"{left} IS NOT DISTINCT FROM {right}"
        : $"(({left} {Operator("=")} {right}) IS TRUE OR ({left} IS NULL AND {right} IS NULL))";

    /// <summary><c>left IS DISTINCT FROM right</c>, spelled out like <see cref="IsNotDistinctFrom"/> where it must be.</summary>
    public string IsDistinctFrom(string left, string right) => OperatorSchema is null
        ? $"{left} IS DISTINCT FROM {right}"
        : $"NOT {IsNotDistinctFrom(left, right)}";

    /// <summary>Normalises a written type name (any case, any alias) to its canonical form.</summary>
    public static SqlType Of(string name, string? modifiers = null, int arrayDimensions = 0)
    {
        var lower = name.Trim().ToLowerInvariant();
        // float(p) means real for p <= 24 and double precision above, as PostgreSQL decides.
        if (lower == "float" && modifiers is not null && int.TryParse(modifiers, out var precision))
            return new SqlType(precision <= 24 ? "real" : "double precision", null, arrayDimensions);
        return new SqlType(Aliases.GetValueOrDefault(lower, lower), modifiers, arrayDimensions);
    }

    public bool IsArray => ArrayDimensions > 0;

    public TypeCategory Category => IsArray ? TypeCategory.Other : Categories.GetValueOrDefault(Name, TypeCategory.Other);

    /// <summary>Types without a default equality operator: they cannot be grouped, compared or hashed.</summary>
    public bool LacksEquality => !IsArray && Name is "json" or "xml" or "point" or "line" or "lseg" or "box" or "path" or "polygon" or "circle";

    /// <summary>
    /// Types without a default btree operator class: ORDER BY cannot sort their values, so they cannot break ties. An
    /// array sorts by its elements, so an array of such a type cannot either.
    /// </summary>
    public bool LacksOrdering => Name is "json" or "xml" or "point" or "line" or "lseg" or "box" or "path" or "polygon" or "circle"
        or "xid" or "cid" or "aclitem";

    /// <summary>The type as SQL accepts it in DDL and casts.</summary>
    public string ToSql()
    {
        var baseName = Modifiers is null ? Name : Name switch
        {
            // Modifiers go before the time zone words: timestamp(3) with time zone.
            "timestamp with time zone" => $"timestamp({Modifiers}) with time zone",
            "timestamp without time zone" => $"timestamp({Modifiers}) without time zone",
            "time with time zone" => $"time({Modifiers}) with time zone",
            "time without time zone" => $"time({Modifiers}) without time zone",
            _ => $"{Name}({Modifiers})",
        };
        return baseName + string.Concat(Enumerable.Repeat("[]", ArrayDimensions));
    }

    public override string ToString() => ToSql();
}
