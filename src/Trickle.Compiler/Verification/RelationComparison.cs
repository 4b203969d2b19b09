using Trickle.Compiler.Emit;

namespace Trickle.Compiler.Verification;

/// <summary>One compared column: its name as shown, and the expression read from row <c>t</c> of each side.</summary>
public sealed record ComparedColumn(string Name, string LeftSql, string RightSql);

/// <summary>
/// The SQL of <c>trickle verify</c>: two relations (a stream table, its defining query, an IMMV, any table) compared
/// as multisets in the database, NULL-safe. The statement returns one row per differing row (first <c>limit</c>,
/// ordered) with its difference in copies (positive: more copies on the left), the count of differing rows and copies,
/// and both sides' row counts; no row at all when they are equal.
/// </summary>
public static class RelationComparison
{
    /// <param name="leftFrom">a FROM item: a quoted relation name, or a parenthesised query</param>
    /// <param name="rightFrom">likewise</param>
    public static string Sql(string leftFrom, string rightFrom, IReadOnlyList<ComparedColumn> columns, int limit) =>
        ToolTemplates.Render("verify_compare.sql.sbn", new { LeftFrom = leftFrom, RightFrom = rightFrom, Columns = columns, Limit = limit });

    /// <summary>The statement that fails (SQLSTATE 42883) when values of <paramref name="typeSql"/> cannot be compared.</summary>
    public static string EqualityProbeSql(string typeSql) =>
        ToolTemplates.Render("verify_equality_probe.sql.sbn", new { Type = typeSql });

    /// <summary>Row <c>t</c>'s column, as is or cast to text.</summary>
    public static string ColumnOfRow(string name, bool asText) =>
        "\"t\"." + SqlQuoting.Identifier(name) + (asText ? "::text" : "");

    /// <summary>A query as a FROM item; a trailing semicolon and a last-line comment cannot swallow the closing parenthesis.</summary>
    public static string QueryAsFromItem(string query) => "(\n" + query.Trim().TrimEnd(';').TrimEnd() + "\n)";
}
