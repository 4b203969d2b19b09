using System.Reflection;
using Scriban;
using Scriban.Runtime;
using Trickle.Compiler.Delta;

namespace Trickle.Compiler.Emit;

/// <summary>Renders the maintenance model into the one installable script. Deterministic: same model, same bytes.</summary>
public static class ScriptEmitter
{
    public static string RuntimeVersion { get; } =
        typeof(ScriptEmitter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";

    public static string Emit(MaintenanceModel model) => Render(model, verbatim: false);

    /// <summary>
    /// The script that rebuilds an installed stream table to this definition online (<c>--upgrade</c>): the model's
    /// objects carry its generation; see upgrade.sql.sbn. Every mode's functions exist in every generation, so an
    /// IMMEDIATE one captures into its buffers until the swap switches it to its maintenance triggers.
    /// </summary>
    public static string EmitUpgrade(MaintenanceModel model) => Render(model, verbatim: false, upgrade: true);

    /// <summary>The script of a stream table recomputed from its query text (see <see cref="VerbatimModel"/>).</summary>
    public static string EmitVerbatim(VerbatimModel model) => Render(model, verbatim: true);

    /// <summary>What <c>trickle explain</c> prints for a stream table recomputed from its query text.</summary>
    public static string ExplainVerbatim(VerbatimModel model) => Normalize(
        $"Stream table {model.DisplayName} (FULL, recomputed from its query as written)\n\n"
        + $"It cannot be maintained incrementally: {model.Reason}.\n"
        + "Every refresh recomputes the whole query and replaces the stored rows; nothing is captured on writes.\n"
        + "Run-time switch (trickle.alter_stream_table): FULL only.\n");

    private static string Render(object model, bool verbatim, bool upgrade = false)
    {
        var globals = new ScriptObject();
        globals.Import(typeof(SqlFunctions), renamer: member => member.Name.ToLowerInvariant());
        globals.SetValue("model", model, readOnly: true);
        globals.SetValue("version", RuntimeVersion, readOnly: true);
        globals.SetValue("version_literal", SqlQuoting.Literal(RuntimeVersion), readOnly: true);
        globals.SetValue("install_lock_key", ((long)SqlQuoting.StableHash("trickle:install")).ToString(), readOnly: true);
        globals.SetValue("verbatim", verbatim, readOnly: true);
        if (model is MaintenanceModel maintained)
            globals.SetValue("plan_comment", string.Join("\n", maintained.IrText.TrimEnd().Split('\n').Select(l => "--   " + l)), readOnly: true);

        var context = new TemplateContext
        {
            TemplateLoader = TemplateLibrary.Instance,
            StrictVariables = true,
            MemberRenamer = StandardMemberRenamer.Default,
            LoopLimit = 0,
            RecursiveLimit = 50,
            // An include is a string value, which Scriban cuts at LimitToString (with "...") when it writes it: the
            // template parts (stream_maintenance holds every mode's functions) can be longer than its default.
            LimitToString = 0,
        };
        context.PushGlobal(globals);
        if (!verbatim) TemplateLibrary.Instance.Get("prelude.sql.sbn").Render(context);
        var text = TemplateLibrary.Instance.Get(upgrade ? "upgrade.sql.sbn" : "script.sql.sbn").Render(context);
        return Normalize(text);
    }

    /// <summary>
    /// What <c>trickle explain</c> prints: the bound plan, each rewrite pass's result, and how every storage column is
    /// maintained, from the same model the script is rendered from.
    /// </summary>
    public static string Explain(MaintenanceModel model, string boundPlan, IReadOnlyList<string> binderRewrites,
        IReadOnlyList<(string Pass, string Plan)> passes, string? schedule)
    {
        var globals = new ScriptObject();
        globals.SetValue("model", model, readOnly: true);
        var rewrites = new ScriptArray();
        foreach (var rewrite in binderRewrites) rewrites.Add(rewrite);
        globals.SetValue("binder_rewrites", rewrites, readOnly: true);
        globals.SetValue("schedule", schedule, readOnly: true);
        globals.SetValue("bound_plan", Indent(boundPlan), readOnly: true);
        var previous = boundPlan;
        var passList = new ScriptArray();
        foreach (var (pass, plan) in passes)
        {
            passList.Add(new ScriptObject { ["name"] = pass, ["plan"] = Indent(plan), ["changed"] = plan != previous });
            previous = plan;
        }
        globals.SetValue("passes", passList, readOnly: true);
        var context = new TemplateContext { TemplateLoader = TemplateLibrary.Instance, StrictVariables = true, MemberRenamer = StandardMemberRenamer.Default };
        context.PushGlobal(globals);
        return Normalize(TemplateLibrary.Instance.Get("explain.txt.sbn").Render(context));
    }

    private static string Indent(string plan) => string.Join("\n", plan.TrimEnd().Split('\n').Select(l => "  " + l));

    /// <summary>Unix newlines, no trailing spaces, at most one blank line in a row, one final newline.</summary>
    private static string Normalize(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        var result = new List<string>();
        foreach (var line in lines)
        {
            if (line.Length == 0 && (result.Count == 0 || result[^1].Length == 0)) continue;
            result.Add(line);
        }
        return string.Join("\n", result).TrimEnd('\n') + "\n";
    }

    /// <summary>Functions the templates call; quoting goes through <see cref="SqlQuoting"/> only.</summary>
    private static class SqlFunctions
    {
        public static string Literal(string text) => SqlQuoting.Literal(text);

        public static string Ident(string name) => SqlQuoting.Identifier(name);

        /// <summary>Rows <paramref name="left"/> and <paramref name="right"/> agree on every column (equal or both NULL).</summary>
        public static string RowMatch(System.Collections.IEnumerable columns, string left, string right) =>
            Delta.RecursionSql.RowMatch(Names(columns), left, right);

        /// <summary>Stored row <c>s</c> of r is not among the over-deleted rows (see <see cref="Delta.RecursionSql.NotOverdeleted"/>).</summary>
        public static string NotOverdeleted(System.Collections.IEnumerable columns) => Delta.RecursionSql.NotOverdeleted(Names(columns));

        /// <summary>Some column of row <paramref name="alias"/> is NULL.</summary>
        public static string AnyNull(System.Collections.IEnumerable columns, string alias) =>
            string.Join(" OR ", Names(columns).Select(c => $"{alias}.{c} IS NULL"));

        /// <summary>The columns of row <paramref name="alias"/>, comma-separated.</summary>
        public static string ColumnsOf(System.Collections.IEnumerable columns, string alias) =>
            string.Join(", ", Names(columns).Select(c => $"{alias}.{c}"));

        private static IEnumerable<string> Names(System.Collections.IEnumerable columns) => columns.Cast<object>().Select(c => c.ToString()!);

        /// <summary>Indents every line but the first, for text included at an indented position.</summary>
        public static string Indent(string text, int spaces) =>
            text.TrimEnd('\n').Replace("\n", "\n" + new string(' ', spaces));
    }
}
