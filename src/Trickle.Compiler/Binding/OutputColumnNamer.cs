using Trickle.Compiler.Catalog;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Names unaliased select-list expressions the way PostgreSQL does, so <c>SELECT *</c> from the stream table shows
/// the same column names as the defining query: a column's name, a function's name, <c>?column?</c> otherwise.
/// </summary>
internal static class OutputColumnNamer
{
    public static string Name(Expression expression) => Figure(expression) ?? "?column?";

    private static string? Figure(Expression expression) => expression switch
    {
        ColumnReference column => column.Star ? null : column.Parts[^1].Value,
        FunctionCall call => call.Name.Last.Value,
        CastExpression cast => Figure(cast.Operand) ?? InternalTypeName(DdlTypeOf(cast.Type)),
        TypedLiteral literal => InternalTypeName(DdlTypeOf(literal.Type)),
        CaseExpression => "case",
        ArrayConstructor or ArraySubquery => "array",
        RowConstructor { ExplicitRow: true } => "row",
        ExistsExpression => "exists",
        GroupingOperation => "grouping",
        Subscript subscript => Figure(subscript.Operand),
        FieldSelection { Field: not null } selection => selection.Field.Value,
        CollateExpression collate => Figure(collate.Operand),
        ParenthesizedExpression parenthesized => Figure(parenthesized.Inner),
        BooleanLiteral => "bool",
        _ => null,
    };

    private static SqlType DdlTypeOf(TypeName type) => Catalog.DdlCatalogReader.ToSqlType(type);

    /// <summary>The name PostgreSQL shows for a cast's column: its internal type name (int4, float8, timestamptz …).</summary>
    private static string InternalTypeName(SqlType type) => type.IsArray ? "?column?" : type.Name switch
    {
        "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "real" => "float4",
        "double precision" => "float8",
        "boolean" => "bool",
        "character varying" => "varchar",
        "character" => "bpchar",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "time without time zone" => "time",
        "time with time zone" => "timetz",
        "bit varying" => "varbit",
        var other => other,
    };
}
