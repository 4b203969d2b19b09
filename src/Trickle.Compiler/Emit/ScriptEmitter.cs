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

    /// <summary>
    /// The deploy script (<c>--deploy</c>, see deploy.sql.sbn): installs when absent, does nothing when this definition is
    /// installed, switches mode or schedule when only they differ, and upgrades online otherwise. The parts it runs
    /// conditionally are the install script's and the upgrade's own text, quoted. <paramref name="install"/> is the model
    /// as an install builds it (a <see cref="MaintenanceModel"/> or <see cref="VerbatimModel"/>); <paramref name="upgrade"/>
    /// the same definition with its generation, or null when it cannot be upgraded online.
    /// </summary>
    public static DeployedScript EmitDeploy(object install, MaintenanceModel? upgrade, int? revision, bool includeRuntime)
    {
        var verbatim = install is VerbatimModel;
        var installTemplate = verbatim ? "verbatim_full.sql.sbn" : "stream_table.sql.sbn";
        var installBody = RenderParts(install, verbatim, [installTemplate])[0];
        var hash = Sha256(installBody);
        var shapeHash = Sha256(RenderParts(WithoutModeAndSchedule(install), verbatim, [installTemplate])[0]);
        var phases = upgrade is null ? [] : RenderParts(upgrade, verbatim: false,
            ["upgrade_prepare.sql.sbn", "upgrade_populate.sql.sbn", "upgrade_catch_up.sql.sbn", "upgrade_swap.sql.sbn"]).ToList();
        IReadOnlyList<string> parts = [installBody, .. phases];
        var outerTag = FreeTag("deploy", parts);
        var bodyTag = FreeTag("deploy_body", [.. parts, outerTag]);
        string Quote(string body) => bodyTag + "\n" + body.TrimEnd('\n') + "\n" + bodyTag;

        var identity = install is MaintenanceModel m ? m.Identity : ((VerbatimModel)install).Identity;
        var extra = new ScriptObject
        {
            ["include_runtime"] = includeRuntime,
            ["upgradable"] = upgrade is not null,
            ["deploy_mode"] = identity.Mode,
            ["definition_hash"] = hash,
            ["shape_hash"] = shapeHash,
            ["revision_literal"] = revision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL",
            ["schedule_text"] = identity.ScheduleLiteral == "NULL" ? "none" : Unliteral(identity.ScheduleLiteral),
            ["outer_tag"] = outerTag,
            ["install_body"] = Quote(installBody),
        };
        if (upgrade is not null)
        {
            extra["prepare_body"] = Quote(phases[0]);
            extra["populate_body"] = Quote(phases[1]);
            extra["catch_up_body"] = Quote(phases[2]);
            extra["swap_body"] = Quote(phases[3]);
        }
        var script = RenderParts(upgrade ?? install, verbatim, ["deploy.sql.sbn"], extra)[0];
        var definition = new DeployedDefinition(Unliteral(identity.SchemaLiteral), Unliteral(identity.NameLiteral), identity.DisplayName,
            hash, shapeHash, identity.Mode, identity.ScheduleLiteral == "NULL" ? null : Unliteral(identity.ScheduleLiteral), revision);
        return new DeployedScript(script, definition);
    }

    /// <summary>
    /// The runtime alone, as a migration of its own: installs or upgrades schema <c>trickle</c> to this version, and does
    /// nothing where a newer runtime is installed (so that a migration folder can be run again from its start).
    /// </summary>
    public static string EmitRuntime()
    {
        var runtime = Normalize(RuntimeText.Value);
        var extra = new ScriptObject
        {
            ["runtime_hash"] = Sha256(runtime),
            ["outer_tag"] = FreeTag("runtime", [runtime]),
        };
        var bodyTag = FreeTag("runtime_body", [runtime]);
        extra["runtime_body"] = bodyTag + "\n" + runtime.TrimEnd('\n') + "\n" + bodyTag;
        return RenderParts(new object(), verbatim: true, ["runtime_deploy.sql.sbn"], extra)[0];
    }

    /// <summary>The hash the first line of <see cref="EmitRuntime"/>'s script names the runtime by.</summary>
    public static string RuntimeHash() => Sha256(Normalize(RuntimeText.Value));

    /// <summary>The sha256 a deploy script records for this model: of its install script without the runtime.</summary>
    public static string DefinitionHash(object install) =>
        Sha256(RenderParts(install, install is VerbatimModel, [install is VerbatimModel ? "verbatim_full.sql.sbn" : "stream_table.sql.sbn"])[0]);

    /// <summary>The model as if compiled with a fixed mode and no schedule: what a change of only those leaves alike.</summary>
    private static object WithoutModeAndSchedule(object model) => model switch
    {
        MaintenanceModel m => m with { Identity = m.Identity with { Mode = "differential", ScheduleLiteral = "NULL" } },
        VerbatimModel v => v with { Identity = v.Identity with { ScheduleLiteral = "NULL" } },
        _ => model,
    };

    /// <summary>A dollar-quote tag (<c>$name$</c>, else <c>$name1$</c>, …) that none of the texts contains.</summary>
    private static string FreeTag(string name, IReadOnlyList<string> texts)
    {
        var tag = $"${name}$";
        for (var n = 1; texts.Any(t => t.Contains(tag, StringComparison.Ordinal)); n++)
            tag = $"${name}{n}$";
        return tag;
    }

    /// <summary>The text of a literal <see cref="SqlQuoting.Literal"/> made.</summary>
    private static string Unliteral(string literal) => literal[1..^1].Replace("''", "'");

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    private static string Render(object model, bool verbatim, bool upgrade = false) =>
        RenderParts(model, verbatim, [upgrade ? "upgrade.sql.sbn" : "script.sql.sbn"])[0];

    /// <summary>
    /// The runtime's text (runtime.sql.sbn), rendered once per process: it depends on the version only, and it is two
    /// thirds of every script, so rendering it again took a fifth of a warm compile and made a large-object-heap string
    /// each time. Scripts write it where the template says <c>{{ runtime_text }}</c>.
    /// </summary>
    private static readonly Lazy<string> RuntimeText = new(() => RenderTemplate("runtime.sql.sbn"));

    private static string RenderTemplate(string name)
    {
        var globals = new ScriptObject();
        globals.SetValue("version", RuntimeVersion, readOnly: true);
        globals.SetValue("version_literal", SqlQuoting.Literal(RuntimeVersion), readOnly: true);
        var context = new RenderContext();
        context.PushGlobal(Functions.Value);
        context.PushGlobal(globals);
        return TemplateLibrary.Instance.Get(name).Render(context);
    }

    /// <summary>Renders templates in order in one context (variables one sets, the next sees), each to its own normalized text.</summary>
    private static IReadOnlyList<string> RenderParts(object model, bool verbatim, IReadOnlyList<string> templates, ScriptObject? extra = null)
    {
        var globals = new ScriptObject();
        globals.SetValue("model", model, readOnly: true);
        globals.SetValue("version", RuntimeVersion, readOnly: true);
        globals.SetValue("version_literal", SqlQuoting.Literal(RuntimeVersion), readOnly: true);
        globals.SetValue("install_lock_key", ((long)SqlQuoting.StableHash("trickle:install")).ToString(), readOnly: true);
        globals.SetValue("verbatim", verbatim, readOnly: true);
        globals.SetValue("runtime_text", RuntimeText.Value, readOnly: true);
        if (model is MaintenanceModel maintained)
            globals.SetValue("plan_comment", string.Join("\n", maintained.IrText.TrimEnd().Split('\n').Select(l => "--   " + l)), readOnly: true);

        var context = new RenderContext();
        context.PushGlobal(Functions.Value);
        context.PushGlobal(globals);
        if (extra is not null) context.PushGlobal(extra);
        if (!verbatim) TemplateLibrary.Instance.Get("prelude.sql.sbn").Render(context);
        return templates.Select(name =>
        {
            // Render returns the output's text, which this output gives normalized.
            context.PushOutput(new NormalizingOutput());
            try
            {
                return TemplateLibrary.Instance.Get(name).Render(context);
            }
            finally
            {
                context.PopOutput();
            }
        }).ToList();
    }

    /// <summary>
    /// What <c>trickle explain</c> prints: the bound plan, each rewrite pass's result, and how every storage column is
    /// maintained, from the same model the script is rendered from.
    /// </summary>
    public static string Explain(MaintenanceModel model, string boundPlan, IReadOnlyList<string> binderRewrites,
        IReadOnlyList<(string Pass, string Plan)> passes, string? schedule, IReadOnlyList<IndexSuggestion> indexes)
    {
        var globals = new ScriptObject();
        globals.SetValue("model", model, readOnly: true);
        globals.SetValue("indexes", indexes, readOnly: true);
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
        var context = new RenderContext();
        context.PushGlobal(globals);
        return Normalize(TemplateLibrary.Instance.Get("explain.txt.sbn").Render(context));
    }

    private static string Indent(string plan) => string.Join("\n", plan.TrimEnd().Split('\n').Select(l => "  " + l));

    /// <summary>Unix newlines, no trailing spaces, at most one blank line in a row, one final newline (see <see cref="NormalizingOutput"/>).</summary>
    private static string Normalize(string text) => new NormalizingOutput().Append(text.AsSpan()).ToString();

    /// <summary>
    /// The template functions, imported once: importing a type wraps each method for reflection calls, and doing it for
    /// every render made the runtime generate (and later finalize) invocation stubs over and over, a large share of a
    /// warm compile's time. Read only, so every render context can share it.
    /// </summary>
    private static readonly Lazy<ScriptObject> Functions = new(() =>
    {
        var functions = new ScriptObject();
        functions.Import(typeof(SqlFunctions), renamer: member => member.Name.ToLowerInvariant());
        functions.IsReadOnly = true;
        return functions;
    });

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

/// <summary>A deploy script and what it deploys.</summary>
public sealed record DeployedScript(string Script, DeployedDefinition Definition);

/// <summary>
/// What a deploy script records in the catalog when it runs: the sha256 of the compiled stream table (its install
/// script without the runtime) and of the same without mode and schedule, and the revision a migration folder gave it.
/// </summary>
public sealed record DeployedDefinition(string Schema, string Name, string DisplayName, string Hash, string ShapeHash, string Mode, string? Schedule, int? Revision);
