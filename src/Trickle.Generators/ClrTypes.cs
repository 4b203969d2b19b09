using Trickle.Compiler.Catalog;

namespace Trickle.Generators;

/// <summary>A column's C# type and how the reader gets it from Npgsql.</summary>
internal sealed record ClrType(string Name, bool IsValueType)
{
    /// <summary>The type a property declares: nullable unless the query proves the column NOT NULL.</summary>
    public string Declared(bool notNull) => notNull ? Name : Name + "?";

    /// <summary>
    /// The type Npgsql reads by default for a PostgreSQL type (its documented mapping), so no conversion is needed.
    /// Types without a natural CLR type are read as <c>object</c>, whatever Npgsql returns for them.
    /// </summary>
    public static ClrType For(SqlType type)
    {
        if (type.IsArray)
        {
            var element = For(type with { ArrayDimensions = 0 });
            if (element.Name == "object") return Object;
            // Elements of a PostgreSQL array may be NULL, and only a one-dimensional array maps to T[].
            return type.ArrayDimensions == 1 ? new ClrType(element.Declared(notNull: false) + "[]", false) : Object;
        }
        return type.Name switch
        {
            "boolean" => new ClrType("bool", true),
            "smallint" => new ClrType("short", true),
            "integer" => new ClrType("int", true),
            "bigint" => new ClrType("long", true),
            "numeric" or "money" => new ClrType("decimal", true),
            "real" => new ClrType("float", true),
            "double precision" => new ClrType("double", true),
            "text" or "character varying" or "character" or "name" or "citext" or "json" or "jsonb" or "xml" => new ClrType("string", false),
            "uuid" => new ClrType("global::System.Guid", true),
            "bytea" => new ClrType("byte[]", false),
            "date" => new ClrType("global::System.DateOnly", true),
            "time without time zone" => new ClrType("global::System.TimeOnly", true),
            "timestamp without time zone" or "timestamp with time zone" => new ClrType("global::System.DateTime", true),
            "interval" => new ClrType("global::System.TimeSpan", true),
            _ => Object,
        };
    }

    public static readonly ClrType Object = new("object", false);
}
