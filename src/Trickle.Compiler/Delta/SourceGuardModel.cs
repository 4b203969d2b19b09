using Trickle.Compiler.Emit;

namespace Trickle.Compiler.Delta;

/// <summary>
/// A view over the defining query that nothing reads: PostgreSQL records in pg_depend exactly which tables and columns
/// the query uses, so it refuses to drop them or change their type while the stream table exists, and the runtime learns
/// from those records what to watch for renames (see runtime.sql.sbn, "Source DDL").
/// </summary>
/// <param name="View">the guard view's qualified, quoted name</param>
/// <param name="QuerySql">the defining query as written, without a trailing semicolon</param>
/// <param name="SearchPath">the search_path under which the query's names resolve as the compiler resolved them</param>
public sealed record SourceGuardModel(string View, string QuerySql, string SearchPath)
{
    /// <summary>
    /// The definitions of the views the query reads, as the compiler expanded them: the guard reads them too, so that
    /// PostgreSQL protects (and the runtime records) the tables and columns the maintenance functions read in their
    /// place, not only the views.
    /// </summary>
    public IReadOnlyList<string> ViewQueriesSql { get; init; } = [];

    /// <summary>Those views, qualified and quoted: the install records their definitions, and replacing one is refused.</summary>
    public IReadOnlyList<string> ExpandedViews { get; init; } = [];

    /// <summary>
    /// The guard of one generation (null: as first installed). Each generation has its own, named with it, so that an
    /// upgrade's new generation is protected from the moment it captures changes, and dropping either generation (the
    /// swap retires the old one; a discarded upgrade drops the new one) drops only its own guard.
    /// </summary>
    public static SourceGuardModel For(string schema, string name, string? generation, string queryText, IEnumerable<string> searchPath) => new(
        SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(MaintenanceModelBuilder.WithGeneration(MaintenanceModelBuilder.BaseName(schema, name), generation), "defining_query")),
        queryText.Trim().TrimEnd(';').TrimEnd(),
        string.Join(", ", searchPath.Select(SqlQuoting.Identifier).Prepend("pg_catalog").Append("pg_temp").Distinct()));
}
