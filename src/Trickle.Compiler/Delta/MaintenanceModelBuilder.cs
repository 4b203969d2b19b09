using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Delta.Rules;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta;

/// <summary>
/// Turns a rewritten plan into the maintenance model: which storage columns exist, how each is populated, how a
/// batch of change rows updates it, and how the stream table's columns are read back. The one plan shape it accepts
/// is the one every rewrite aims at: <c>Project(Filter?(Aggregate(Filter?(Scan))))</c>.
/// </summary>
public static class MaintenanceModelBuilder
{
    private static readonly IAggregateRule[] Rules = [new CountStarRule(), new CountRule(), new ExactSumRule(), new ExtremumRule(), new RecomputeGroupRule()];

    public static MaintenanceModel? Build(BoundStreamTable table, string filePath, SourceSpan querySpan, DiagnosticBag diagnostics)
    {
        if (!TryMatch(table.Plan, out var project, out var having, out var aggregate, out var where, out var scan))
        {
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                "this query's shape cannot be maintained incrementally yet:" + Environment.NewLine + IrPrinter.Print(table.Plan));
            return null;
        }

        var overSource = SqlExpressionPrinter.ForAlias("src");
        var overChanges = SqlExpressionPrinter.ForAlias("c");
        foreach (var key in aggregate.GroupKeys.Where(k => k.Type.LacksEquality))
            diagnostics.Error(DiagnosticCode.UnsupportedType, filePath, key.Span,
                $"values of type {key.Type} have no equality operator, so rows cannot be matched to their changes; cast to jsonb or text");
        // The change buffer stores the source's columns beside its own weight column, under their own names.
        if (scan.Table.FindColumn("__weight") is not null && ReferencedColumns(table.Plan, scan.Table).Contains("__weight"))
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                "a source column named \"__weight\" collides with the weight column of Trickle's change buffer");
        if (diagnostics.HasErrors) return null;

        var keys = aggregate.GroupKeys.Select((k, i) => new KeyColumn(
            SqlQuoting.Identifier($"k{i + 1}"), SqlExpressionPrinter.Canonical(k), overSource.Print(k), overChanges.Print(k),
            Nullable: k is not BoundColumn column || !(scan.Table.FindColumn(column.ColumnName)?.NotNull ?? false),
            HashCast: k.Type.IsArray ? "" : k.Type.Name switch
            {
                "money" => "::numeric",
                "bit varying" or "bit" or "tsvector" => "::text",
                _ => "",
            })).ToList();

        var netKeys = NetKeys(ReferencedColumns(table.Plan, scan.Table).Select(c => scan.Table.FindColumn(c)!).ToList());
        var states = new List<StateColumn>();
        var finals = new List<string>();
        for (var i = 0; i < aggregate.Aggregates.Count; i++)
        {
            var call = aggregate.Aggregates[i];
            var context = new AggregateContext(call, i,
                call.Argument is null ? null! : overSource.Print(call.Argument),
                call.Argument is null ? null! : overChanges.Print(call.Argument),
                ChangesAreNetted: netKeys is not null);
            var rule = Rules.First(r => r.Applies(call));
            foreach (var state in rule.States(context))
                if (states.All(s => s.Column != state.Column))
                    states.Add(state);
            finals.Add(rule.Final(context));
        }

        var overStorage = new SqlExpressionPrinter(
            _ => throw new InvalidOperationException("source columns are not visible above the aggregate"),
            key => "s." + keys[key.Index].Column,
            reference => finals[reference.Index]);

        // Internal objects live in schema trickle, so the stream table's schema must be part of their names. A dot alone
        // would be ambiguous (analytics.x vs public."analytics.x"): such names also carry a hash of the exact pair.
        var baseName = table.Schema == "public" && !table.Name.Contains('.')
            ? table.Name
            : $"{table.Schema}.{table.Name}_{SqlQuoting.StableHash(table.Schema + "\0" + table.Name):x8}";
        string Internal(string suffix) => SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, suffix));
        string Trigger(string suffix) => SqlQuoting.Identifier(SqlQuoting.InternalName("trickle_" + baseName, suffix));
        var qualifiedDisplay = $"{table.Schema}.{table.Name}";
        var lockSeed = SqlQuoting.StableHash("trickle:" + qualifiedDisplay);

        return new MaintenanceModel
        {
            DisplayName = qualifiedDisplay,
            SchemaLiteral = SqlQuoting.Literal(table.Schema),
            NameLiteral = SqlQuoting.Literal(table.Name),
            StreamTable = SqlQuoting.Qualified(table.Schema, table.Name),
            ViewSchema = SqlQuoting.Identifier(table.Schema),
            Mode = table.Mode.ToString().ToLowerInvariant(),
            ScheduleLiteral = table.Schedule is null ? "NULL" : SqlQuoting.Literal(table.Schedule),
            QueryLiteral = DollarQuote(table.QueryText),
            QueryComment = string.Join(Environment.NewLine, table.QueryText.Trim().Split('\n').Select(l => "--   " + l.TrimEnd('\r'))),
            Storage = Internal("storage"),
            StorageName = SqlQuoting.InternalName(baseName, "storage"),
            RefreshFunction = Internal("refresh"),
            RecomputeFunction = Internal("recompute"),
            TruncateFunction = Internal("on_truncate"),
            DropFunction = Internal("drop"),
            // Two lock spaces: the bigint form serialises refreshes of this stream table; the (int, int) form with this
            // class locks single groups during IMMEDIATE maintenance. PostgreSQL keeps the two forms apart.
            RefreshLockKey = ((long)lockSeed).ToString(),
            GroupLockClass = unchecked((int)lockSeed).ToString(),
            Grouped = aggregate.Grouped,
            Multiplicity = aggregate.Multiplicity,
            Keys = keys,
            States = states,
            WhereOverSource = where is null ? null : overSource.Print(where),
            WhereOverChanges = where is null ? null : overChanges.Print(where),
            ViewColumns = project.Columns.Select(c => new ViewColumn(SqlQuoting.Identifier(c.Name), overStorage.Print(c.Expression))).ToList(),
            HavingOverStorage = having is null ? null : overStorage.Print(having),
            Source = new SourceModel(
                SqlQuoting.Qualified(scan.Table.Schema, scan.Table.Name),
                $"{scan.Table.Schema}.{scan.Table.Name}",
                ReferencedColumns(table.Plan, scan.Table).Select(SqlQuoting.Identifier).ToList(),
                Internal("changes_1"),
                Internal("capture_1"),
                Internal("maintain_1"),
                Trigger("insert"), Trigger("update"), Trigger("delete"), Trigger("truncate")),
            IrText = IrPrinter.Print(table.Plan),
            NetKeys = netKeys,
        };
    }

    private static bool TryMatch(RelNode plan, out ProjectNode project, out BoundExpression? having, out AggregateNode aggregate, out BoundExpression? where, out ScanNode scan)
    {
        project = null!; having = null; aggregate = null!; where = null; scan = null!;
        if (plan is not ProjectNode p) return false;
        project = p;
        var node = p.Input;
        if (node is FilterNode { Input: AggregateNode } h) { having = h.Predicate; node = h.Input; }
        if (node is not AggregateNode a) return false;
        aggregate = a;
        node = a.Input;
        if (node is FilterNode f) { where = f.Predicate; node = f.Input; }
        if (node is not ScanNode s) return false;
        scan = s;
        return true;
    }

    /// <summary>Source columns the query reads, in table order: change buffers capture only these.</summary>
    private static IEnumerable<string> ReferencedColumns(RelNode plan, CatalogTable table)
    {
        var used = new HashSet<string>();
        var collector = new LeafRewriter(e => { if (e is BoundColumn c) used.Add(c.ColumnName); return e; });
        void Visit(RelNode node)
        {
            switch (node)
            {
                case FilterNode f: collector.Rewrite(f.Predicate); Visit(f.Input); break;
                case ProjectNode p: foreach (var c in p.Columns) collector.Rewrite(c.Expression); Visit(p.Input); break;
                case AggregateNode a:
                    foreach (var k in a.GroupKeys) collector.Rewrite(k);
                    foreach (var call in a.Aggregates.Where(c => c.Argument is not null)) collector.Rewrite(call.Argument!);
                    Visit(a.Input);
                    break;
                case DistinctNode d: Visit(d.Input); break;
            }
        }
        Visit(plan);
        return table.Columns.Select(c => c.Name).Where(used.Contains);
    }

    /// <summary>
    /// Rows are netted on every column the query reads. Equality is not identity for numerics (1.0 = 1.00), so their
    /// scale is part of the key: an update from 1.0 to 1.00 must still reach the numeric SUM scale tracking.
    /// </summary>
    private static IReadOnlyList<string>? NetKeys(IReadOnlyList<CatalogColumn> columns)
    {
        if (columns.Any(c => c.Type.LacksEquality)) return null;
        var keys = new List<string>();
        foreach (var column in columns)
        {
            var reference = "c." + SqlQuoting.Identifier(column.Name);
            keys.Add(reference);
            if (column.Type.Category == TypeCategory.Numeric && column.Type.Modifiers is null)
                keys.Add($"scale({reference})");
        }
        return keys;
    }

    /// <summary>Dollar-quotes text with a tag that cannot occur in it, so the query is stored byte for byte.</summary>
    private static string DollarQuote(string text)
    {
        var tag = "$query$";
        for (var n = 1; text.Contains(tag); n++) tag = $"$query{n}$";
        return tag + text + tag;
    }
}
