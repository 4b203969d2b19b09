using System.Text;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Emit;

namespace Trickle.Compiler.Delta;

/// <summary>
/// Maintenance step <c>recursive-delta</c>: the SQL terms that maintain a linear recursive CTE's storage. Each term is
/// the user's base or step query with every table name replaced by the relation the term reads in its place (the table
/// now, its change rows, the table as it was, r as stored, a CTE of the statement…) and a row weight added to its
/// select list: the product of the weights of the relations it joins, so that a change row's sign carries through.
/// </summary>
internal static class RecursionModelBuilder
{
    /// <summary>How a term reads one table occurrence.</summary>
    private enum Role { Now, Delta, Inserted, Deleted, Before, NowAndDeleted }

    public static RecursionModel Build(BoundRecursion recursion, BoundStreamTable table)
    {
        var baseName = MaintenanceModelBuilder.BaseName(table);
        string Internal(string suffix) => SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, suffix));
        string RecursionTrigger(string suffix) => SqlQuoting.Identifier(SqlQuoting.InternalName("trickle~rec_" + baseName, suffix));
        var storage = SqlQuoting.Qualified(recursion.Storage.Schema, recursion.Storage.Name);
        var columns = recursion.Columns.Select(c => SqlQuoting.Identifier(c.Name)).ToList();
        var indexes = recursion.Sources.Select((s, i) => (s, i + 1)).ToDictionary(p => p.s, p => p.Item2);
        var builder = new TermBuilder(recursion, storage, indexes);

        var sources = recursion.Sources.Select((source, i) => new RecursionSourceModel(
            new SourceModel(i + 1,
                SqlQuoting.Qualified(source.Schema, source.Name),
                $"{source.Schema}.{source.Name}",
                source.Columns.Select(c => SqlQuoting.Identifier(c.Name)).ToList(),
                Internal($"rec_changes_{i + 1}"), Internal($"rec_capture_{i + 1}"), Internal($"rec_maintain_{i + 1}"),
                // PostgreSQL fires a table's triggers for one event in name order (byte order): when the stream table's query
                // also reads this table, its own trigger ("trickle_…") must run first, joining the change with r as it was,
                // before this one changes r, whose changes then join the table as it is now: the join delta, each pair counted
                // once. "trickle~" sorts after "trickle_" however long names are shortened.
                RecursionTrigger("insert"), RecursionTrigger("update"), RecursionTrigger("delete"), RecursionTrigger("truncate"),
                NetKeys: null, ImmediateTerms: []) 
                {
                    BeginTrigger = RecursionTrigger("statement"),
                    InsertTriggerLiteral = SqlQuoting.Literal(SqlQuoting.InternalName("trickle~rec_" + baseName, "insert")),
                },
            builder.Delta([i + 1]))).ToList();

        var population = $"WITH RECURSIVE {SqlQuoting.Identifier(recursion.Name)}({string.Join(", ", columns)}) AS (\n"
            + builder.Render(recursion.Base, _ => Role.Now, recursiveRelation: null, weighted: false)
            + (recursion.UnionAll ? "\nUNION ALL\n" : "\nUNION\n")
            + builder.Render(recursion.Step, _ => Role.Now, recursiveRelation: null, weighted: false)
            + $"\n)\nSELECT {string.Join(", ", columns)} FROM {SqlQuoting.Identifier(recursion.Name)}";

        return new RecursionModel(recursion.Name, storage, columns, recursion.UnionAll, population, sources,
            builder.Delta(Enumerable.Range(1, sources.Count).ToList()),
            Internal("rec_apply"), Internal("rec_recompute"), recursion.Base.Plan, recursion.Step.Plan);
    }

    /// <summary>The recursive CTE as <c>trickle explain</c> and the IR snapshots show it, above the outer query's plan.</summary>
    public static string PlanText(BoundRecursion recursion) =>
        $"RecursiveCte {recursion.Name}({string.Join(", ", recursion.Columns.Select(c => c.Name))}) {(recursion.UnionAll ? "UNION ALL" : "UNION")} -> {recursion.Storage.Schema}.{recursion.Storage.Name}\n"
        + "  base:\n" + Indent(recursion.Base.Plan, 4)
        + "  step:\n" + Indent(recursion.Step.Plan, 4);

    private static string Indent(string text, int spaces) =>
        string.Concat(text.TrimEnd().Split('\n').Select(l => new string(' ', spaces) + l + "\n"));

    private sealed class TermBuilder(BoundRecursion recursion, string storage, IReadOnlyDictionary<CatalogTable, int> indexes)
    {
        private static readonly string Weight = SqlQuoting.Identifier("__weight");

        public RecursionDelta Delta(IReadOnlyList<int> changed)
        {
            bool Changed(RecursiveOccurrence o) => changed.Contains(indexes[o.Table!]);
            var stored = $"(SELECT 1::bigint AS {Weight}, s.* FROM {storage} AS s)";
            var remaining = $"(SELECT 1::bigint AS {Weight}, s.* FROM {storage} AS s WHERE {RecursionSql.NotOverdeleted(Columns)})";
            var parts = new[] { recursion.Base, recursion.Step };

            // Σi over changed occurrences: those before i as they were, i's change rows, those after as they are now.
            List<string> JoinDelta(RecursivePart part, Role changedRole, Func<RecursiveOccurrence, Role> others, string recursive)
            {
                var sourceOccurrences = part.Occurrences.Where(o => !o.IsRecursive).ToList();
                return sourceOccurrences.Select((o, i) => (o, i)).Where(p => Changed(p.o))
                    .Select(p => Render(part, x => ReferenceEquals(x, p.o) ? changedRole
                        : sourceOccurrences.IndexOf(x) < p.i && changedRole == Role.Delta && Changed(x) ? Role.Before
                        : others(x), recursive, weighted: true))
                    .ToList();
            }

            Role NowOrWithDeleted(RecursiveOccurrence o) => Changed(o) ? Role.NowAndDeleted : Role.Now;
            return new RecursionDelta(
                changed,
                [.. JoinDelta(recursion.Base, Role.Delta, _ => Role.Now, stored), .. JoinDelta(recursion.Step, Role.Delta, _ => Role.Now, stored)],
                Render(recursion.Step, _ => Role.Now, "\"closure\"", weighted: true),
                parts.SelectMany(p => JoinDelta(p, Role.Deleted, NowOrWithDeleted, stored)).ToList(),
                Render(recursion.Step, NowOrWithDeleted, "\"overdeleted\"", weighted: true),
                parts.Select(p => Render(p, _ => Role.Now, remaining, weighted: true)).ToList(),
                parts.SelectMany(p => JoinDelta(p, Role.Inserted, _ => Role.Now, remaining)).ToList(),
                Render(recursion.Step, _ => Role.Now, "\"derived\"", weighted: true));
        }

        /// <summary>
        /// The part's text with each table name replaced by the relation its role reads (the recursive reference by
        /// <paramref name="recursiveRelation"/>, or left as written when null) and, when weighted, the product of the
        /// relations' weights added as the last output column.
        /// </summary>
        public string Render(RecursivePart part, Func<RecursiveOccurrence, Role> role, string? recursiveRelation, bool weighted)
        {
            var edits = new List<(int Start, int Length, string Text)>();
            foreach (var occurrence in part.Occurrences)
            {
                if (occurrence.IsRecursive && recursiveRelation is null) continue;
                var relation = occurrence.IsRecursive ? recursiveRelation! : Relation(occurrence.Table!, role(occurrence), weighted);
                edits.Add((occurrence.NameSpan.Start - part.Start, occurrence.NameSpan.Length,
                    relation + (occurrence.Aliased ? "" : " AS " + SqlQuoting.Identifier(occurrence.Alias))));
            }
            if (weighted)
            {
                var product = part.Occurrences.Count == 0 ? "1::bigint"
                    : string.Join(" * ", part.Occurrences.Select(o => SqlQuoting.Identifier(o.Alias) + "." + Weight));
                edits.Add((part.SelectListEnd - part.Start, 0, $", {product} AS {Weight}"));
            }
            var text = new StringBuilder();
            var position = 0;
            foreach (var (start, length, replacement) in edits.OrderBy(e => e.Start))
            {
                text.Append(part.Text, position, start - position).Append(replacement);
                position = start + length;
            }
            return text.Append(part.Text, position, part.Text.Length - position).ToString();
        }

        /// <summary>A source table as one role reads it; weighted relations carry <c>"__weight"</c> first.</summary>
        private string Relation(CatalogTable table, Role role, bool weighted)
        {
            var qualified = SqlQuoting.Qualified(table.Schema, table.Name);
            if (!weighted) return qualified;
            var changes = $"rec_changes_{indexes[table]}";
            var changeColumns = string.Join(", ", table.Columns.Select(c => "c." + SqlQuoting.Identifier(c.Name)));
            var now = $"SELECT 1::bigint AS {Weight}, x.* FROM {qualified} AS x";
            return role switch
            {
                Role.Now => $"({now})",
                Role.Delta => $"(SELECT c.{Weight}::bigint AS {Weight}, {changeColumns} FROM {changes} AS c)",
                // Rows present now that were not before: the net of the change rows, so that a row inserted and deleted
                // again in the same batch derives nothing. Rows are told apart by their text image: the images of one
                // stored row's insertion and deletion are identical, and text has equality whatever the column types.
                Role.Inserted => $"(SELECT 1::bigint AS {Weight}, {changeColumns} FROM (SELECT c.*, "
                    + $"sum(c.{Weight}) OVER (PARTITION BY ROW({changeColumns})::text) AS \"__net\", "
                    + $"row_number() OVER (PARTITION BY ROW({changeColumns})::text ORDER BY c.{Weight} DESC) AS \"__copy\" "
                    + $"FROM {changes} AS c) AS c WHERE c.{Weight} > 0 AND c.\"__copy\" <= c.\"__net\")",
                Role.Deleted => $"(SELECT 1::bigint AS {Weight}, {changeColumns} FROM {changes} AS c WHERE c.{Weight} < 0)",
                Role.Before => $"({now} UNION ALL SELECT -c.{Weight}::bigint, {changeColumns} FROM {changes} AS c)",
                Role.NowAndDeleted => $"({now} UNION ALL SELECT 1::bigint, {changeColumns} FROM {changes} AS c WHERE c.{Weight} < 0)",
                _ => throw new ArgumentOutOfRangeException(nameof(role)),
            };
        }

        private IEnumerable<string> Columns => recursion.Columns.Select(c => SqlQuoting.Identifier(c.Name));
    }
}

/// <summary>Tiny SQL fragments over r's rows shared by the builder and the templates.</summary>
public static class RecursionSql
{
    /// <summary>
    /// Column by column, equal or both NULL, written so an index on the column serves it (a BitmapOr of the value and
    /// the NULLs), where IS NOT DISTINCT FROM would scan.
    /// </summary>
    public static string RowMatch(IEnumerable<string> columns, string left, string right) =>
        string.Join(" AND ", columns.Select(c => $"({left}.{c} = {right}.{c} OR ({left}.{c} IS NULL AND {right}.{c} IS NULL))"));

    /// <summary>
    /// Stored row <c>s</c> is not among the rows of CTE <c>"overdeleted"</c>. Plain equality first, which PostgreSQL runs
    /// as a hashed anti-join whatever its estimate of the CTE (an IN list is hashed only when the estimate fits in
    /// work_mem, and a recursive CTE's estimate rarely does); rows holding a NULL, which equality cannot match, are then
    /// compared column by column.
    /// </summary>
    public static string NotOverdeleted(IEnumerable<string> columns)
    {
        var list = columns.ToList();
        return $"NOT EXISTS (SELECT 1 FROM \"overdeleted\" AS d WHERE {string.Join(" AND ", list.Select(c => $"d.{c} = s.{c}"))})"
            + $" AND NOT (({string.Join(" OR ", list.Select(c => $"s.{c} IS NULL"))}) AND EXISTS (SELECT 1 FROM \"overdeleted\" AS d WHERE {RowMatch(list, "s", "d")}))";
    }
}
