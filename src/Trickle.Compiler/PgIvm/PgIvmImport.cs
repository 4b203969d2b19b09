using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.PgIvm;

/// <summary>
/// One IMMV as pg_ivm's catalog and PostgreSQL describe it: its name, its defining query, the IMMV's visible columns
/// (pg_ivm's hidden <c>__ivm_*</c> columns left out) and the query's own output column names.
/// </summary>
public sealed record ImportedImmv(string Schema, string Name, string Query, IReadOnlyList<string> ImmvColumns, IReadOnlyList<string> QueryColumns)
{
    public string DisplayName => $"{Schema}.{Name}";
}

/// <summary>What <c>trickle import-pg-ivm</c> writes: one definition file per IMMV and the migration plan script.</summary>
public static class PgIvmImport
{
    /// <summary>The suffix of the stream table installed beside an IMMV to verify it, and of the IMMV moved aside.</summary>
    public const string BesideSuffix = "__trickle";
    public const string AsideSuffix = "__pg_ivm";

    /// <summary>
    /// The definition file: <c>CREATE STREAM TABLE schema.name WITH (refresh_mode = 'immediate') AS query;</c> (IMMEDIATE,
    /// as pg_ivm maintains it). Where the IMMV's column names differ from the query's output names, the select list
    /// gets aliases; when that cannot be done in place (a <c>*</c> in the select list, a query that does not parse),
    /// the file uses create_immv's column-list form, which the compiler reads the same way.
    /// </summary>
    public static string DefinitionFile(ImportedImmv immv)
    {
        var query = immv.Query.Trim().TrimEnd(';').TrimEnd();
        var renamed = immv.ImmvColumns.SequenceEqual(immv.QueryColumns) ? query : WithAliases(query, immv.ImmvColumns, immv.QueryColumns);
        return ToolTemplates.Render("pg_ivm_definition.sql.sbn", new
        {
            Immv = CommentSafe(immv.DisplayName),
            StreamTable = SqlQuoting.Qualified(immv.Schema, immv.Name),
            Query = renamed ?? query,
            ColumnListName = renamed is null
                ? SqlQuoting.Literal($"{SqlQuoting.Qualified(immv.Schema, immv.Name)}({string.Join(", ", immv.ImmvColumns.Select(SqlQuoting.Identifier))})")
                : null,
            QueryQuote = DollarQuote(query),
        });
    }

    /// <summary>A file name for an IMMV's definition: its qualified name, with characters file systems dislike replaced.</summary>
    public static string FileNameFor(ImportedImmv immv) =>
        new string($"{immv.Schema}.{immv.Name}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray()) + ".sql";

    /// <summary>
    /// The migration plan, a bash script: per IMMV, compile the definition twice (beside and under the final name),
    /// install beside, verify, swap in one transaction, verify again, drop the IMMV and the beside copy; the extension last.
    /// </summary>
    /// <param name="catalogTable">pg_ivm's catalog table as found (pgivm.pg_ivm_immv, or pg_catalog.pg_ivm_immv before 1.11)</param>
    public static string MigrationPlan(IReadOnlyList<(ImportedImmv Immv, string File)> immvs, string catalogTable) =>
        ToolTemplates.Render("pg_ivm_migration_plan.bash.sbn", new
        {
            CatalogTable = catalogTable,
            Immvs = immvs.Select(i => new
            {
                // A name is the database user's text: in the script it is only ever a quoted word or a comment.
                DisplayComment = CommentSafe(i.Immv.DisplayName),
                DisplayShell = Shell(i.Immv.DisplayName),
                Definition = Shell(i.File),
                Final = SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name),
                FinalShell = Shell(SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name)),
                Beside = SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name + BesideSuffix),
                BesideShell = Shell(SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name + BesideSuffix)),
                // trickle compile --name takes schema.name unquoted, split at the last dot.
                BesideNameFlag = Shell($"{i.Immv.Schema}.{i.Immv.Name}{BesideSuffix}"),
                BesideLiteral = SqlQuoting.Literal(SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name + BesideSuffix)),
                Aside = SqlQuoting.Identifier(i.Immv.Name + AsideSuffix),
                AsideQualified = SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name + AsideSuffix),
                AsideShell = Shell(SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name + AsideSuffix)),
                FinalLiteral = SqlQuoting.Literal(SqlQuoting.Qualified(i.Immv.Schema, i.Immv.Name)),
                SchemaLiteral = SqlQuoting.Literal(i.Immv.Schema),
                BesideNameLiteral = SqlQuoting.Literal(i.Immv.Name + BesideSuffix),
                BesideScript = Shell("build/" + Path.GetFileNameWithoutExtension(i.File) + BesideSuffix + ".install.sql"),
                BesideScriptPsql = PsqlPath("build/" + Path.GetFileNameWithoutExtension(i.File) + BesideSuffix + ".install.sql"),
                FinalScript = Shell("build/" + Path.GetFileNameWithoutExtension(i.File) + ".install.sql"),
                FinalScriptPsql = PsqlPath("build/" + Path.GetFileNameWithoutExtension(i.File) + ".install.sql"),
            }).ToList(),
        });

    /// <summary>
    /// The query with the IMMV's names as aliases on the first select list (of the leftmost arm of a set operation: it
    /// names the columns). Null when the select list cannot be matched one item per column.
    /// </summary>
    private static string? WithAliases(string query, IReadOnlyList<string> immvColumns, IReadOnlyList<string> queryColumns)
    {
        if (immvColumns.Count != queryColumns.Count) return null;
        var definition = SqlParser.ParseDefinition(new SourceText("immv.sql", query), new DiagnosticBag());
        if (definition is not { Form: DefinitionForm.BareQuery }) return null;
        var body = definition.Query.Body;
        while (body is SetOperation operation) body = operation.Left;
        if (body is not SelectCore select || select.Items.Count != immvColumns.Count || select.Items.Any(i => i is not ExpressionItem))
            return null;
        var text = query;
        // From the last item back, so that earlier spans stay valid.
        for (var i = select.Items.Count - 1; i >= 0; i--)
        {
            if (immvColumns[i] == queryColumns[i]) continue;
            var item = (ExpressionItem)select.Items[i];
            var alias = SqlQuoting.Identifier(immvColumns[i]);
            text = item.Alias is { } existing
                ? text[..existing.Span.Start] + alias + text[(existing.Span.Start + existing.Span.Length)..]
                : text[..(item.Expression.Span.Start + item.Expression.Span.Length)] + " AS " + alias + text[(item.Expression.Span.Start + item.Expression.Span.Length)..];
        }
        return text;
    }

    private static string DollarQuote(string text)
    {
        var tag = "$immv$";
        for (var n = 1; text.Contains(tag); n++) tag = $"$immv{n}$";
        return tag;
    }

    /// <summary>A name inside a one-line comment: control characters (a newline would end the comment) become '?'.</summary>
    private static string CommentSafe(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>A bash word: single-quoted, with embedded single quotes closed, escaped and reopened.</summary>
    private static string Shell(string text) => "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>A file name as psql's \i reads it: single-quoted, quotes and backslashes escaped.</summary>
    private static string PsqlPath(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
