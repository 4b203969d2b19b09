using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Delta;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Rewrites;
using Trickle.Compiler.Schedules;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler;

/// <summary>
/// The single entry point of the compiler: a stream table definition and a catalog in, an install script or
/// diagnostics out. Phases run in order and stop at the first phase that reports errors.
/// </summary>
public static class Compilation
{
    /// <summary>Reads DDL files into a catalog; problems go to diagnostics (TRK2xxx).</summary>
    public static SourceCatalog ReadSchema(IEnumerable<SourceText> ddlFiles, DiagnosticBag diagnostics)
    {
        var files = ddlFiles.ToList();
        try
        {
            return LargeStack.Run(() => DdlCatalogReader.Read(files, diagnostics));
        }
        catch (InsufficientExecutionStackException)
        {
            var path = files.Count > 0 ? files[0].Path : "schema";
            diagnostics.Error(DiagnosticCode.NestedTooDeeply, path, SourceSpan.None, TooComplex);
            return DdlCatalogReader.Read([], diagnostics);
        }
    }

    /// <summary>Compiles one stream-table definition file against a catalog. Never throws for bad input.</summary>
    public static CompilationResult Compile(SourceText definition, SourceCatalog catalog, CompilationOptions options) =>
        Guarded(definition, () => options.Deploy is { } deploy
            ? CompileDeploy(definition, catalog, options, deploy)
            : Render(definition, catalog, options, (model, _) => options.Upgrade ? ScriptEmitter.EmitUpgrade(model) : ScriptEmitter.Emit(model)));

    /// <summary>
    /// Runs a compilation on a stack sized for the nesting limit. The limit is checked where the tree is built; should a
    /// later phase still run short of stack (a rewrite that nests deeper than its input), the compilation fails with a
    /// diagnostic instead of overflowing, which no handler could catch.
    /// </summary>
    private static CompilationResult Guarded(SourceText definition, Func<CompilationResult> compile)
    {
        try
        {
            return LargeStack.Run(compile);
        }
        catch (InsufficientExecutionStackException)
        {
            return new CompilationResult(null,
                [new Diagnostic(DiagnosticSeverity.Error, DiagnosticCode.NestedTooDeeply.Id, TooComplex, definition.Path, SourceSpan.None)]);
        }
    }

    private const string TooComplex = "the query is too deeply nested for the compiler's stack: simplify its nesting (fewer levels of parentheses, subqueries or chained operators)";

    /// <summary>
    /// The deploy script: the definition compiled as an install (whose text the hash is taken of) and, named after that
    /// hash, as an upgrade. A query recomputed as written has no online upgrade; its deploy script installs or keeps it.
    /// </summary>
    private static CompilationResult CompileDeploy(SourceText definition, SourceCatalog catalog, CompilationOptions options, DeployOptions deploy)
    {
        if (options.Upgrade)
            throw new ArgumentException("a deploy script already upgrades: do not ask for both", nameof(options));
        object? installModel = null;
        var install = Render(definition, catalog, options with { Deploy = null },
            (model, _) => { installModel = model; return ""; },
            verbatim: model => { installModel = model; return ""; });
        if (!install.Success || installModel is null)
            return install with { Script = null };

        MaintenanceModel? upgradeModel = null;
        if (installModel is MaintenanceModel)
        {
            var generation = "g" + ScriptEmitter.DefinitionHash(installModel)[..8];
            var upgrade = Render(definition, catalog, options with { Deploy = null, Upgrade = true, Generation = generation },
                (model, _) => { upgradeModel = model; return ""; });
            if (!upgrade.Success || upgradeModel is null)
                return upgrade with { Script = null };
        }
        var deployed = ScriptEmitter.EmitDeploy(installModel, upgradeModel, deploy.Revision, deploy.IncludeRuntime);
        return new CompilationResult(deployed.Script, install.Diagnostics, install.IrText) { Deployed = deployed.Definition, EffectiveQuery = install.EffectiveQuery };
    }

    /// <summary>
    /// What <c>trickle explain</c> shows: the bound plan, the plan after each rewrite pass, and the maintenance plan —
    /// the tool for "why is this stream table slow, or rejected?". Rejections come back as diagnostics, as for Compile.
    /// </summary>
    public static CompilationResult Explain(SourceText definition, SourceCatalog catalog, CompilationOptions options) =>
        Guarded(definition, () => Render(definition, catalog, options, (model, analysis) =>
            ScriptEmitter.Explain(model, IrPrinter.Print(analysis.Bound.Plan), analysis.BinderRewrites, analysis.Passes, analysis.Rewritten.Schedule,
                IndexAdvice.For(analysis.Rewritten.Plan, model.AnyRescan)), explain: true));

    /// <summary>Runs every phase up to the maintenance model, then renders it; stops at the first phase with errors.</summary>
    private static CompilationResult Render(SourceText definition, SourceCatalog catalog, CompilationOptions options,
        Func<MaintenanceModel, Analysis, string> render, bool explain = false, Func<VerbatimModel, string>? verbatim = null)
    {
        var diagnostics = new DiagnosticBag();
        var additions = new List<QueryTextAddition>();
        var analysis = AnalyzeOnThisStack(definition, catalog, options, diagnostics, additions);
        if (analysis is null || diagnostics.HasErrors)
            return RecomputeVerbatim(definition, options, diagnostics, explain, verbatim, additions) ?? new CompilationResult(null, diagnostics.Items);
        var model = MaintenanceModelBuilder.Build(analysis.Rewritten, definition.Path, analysis.QuerySpan, diagnostics);
        if (model is null || diagnostics.HasErrors)
            return RecomputeVerbatim(definition, options, diagnostics, explain, verbatim, additions) ?? new CompilationResult(null, diagnostics.Items, analysis.IrText);
        if (analysis.Recursion is { } recursion)
            model = model with { Recursion = RecursionModelBuilder.Build(recursion, analysis.Rewritten) };
        if (analysis.ColumnNames.Count > 0)
        {
            if (RenameColumns(model.ViewColumns, analysis.ColumnNames, definition.Path, diagnostics) is not { } renamed)
                return new CompilationResult(null, diagnostics.Items, analysis.IrText);
            model = model with { ViewColumns = renamed };
        }
        model = model with
        {
            SourceGuard = SourceGuardModel.For(analysis.Rewritten.Schema, analysis.Rewritten.Name, analysis.Rewritten.Generation, analysis.Rewritten.QueryText, catalog.SearchPath)
                with
                {
                    ViewQueriesSql = analysis.ExpandedViews.Select(v => v.View!.QueryText.Trim().TrimEnd(';').TrimEnd()).ToList(),
                    ExpandedViews = analysis.ExpandedViews.Select(v => SqlQuoting.Qualified(v.Schema, v.Name)).ToList(),
                },
        };
        model = model with { UnavailableModes = UnavailableModes(definition, catalog, options, analysis.Rewritten.Mode) };
        if (analysis.CreateIndexes)
            model = model with { SourceIndexes = SourceIndexModel.From(IndexAdvice.For(analysis.Rewritten.Plan, model.AnyRescan)) };
        return new CompilationResult(render(model, analysis), diagnostics.Items, analysis.IrText) { EffectiveQuery = analysis.Rewritten.QueryText };
    }

    /// <summary>
    /// The modes this stream table cannot be switched to at run time, each with its reason. The maintenance model is the
    /// same in every mode; what differs is what binding accepts: only FULL takes functions whose result changes without
    /// a write (now(), random()). So a query compiled in an incremental mode can run in all four, and one compiled in
    /// FULL is bound again as DIFFERENTIAL to learn whether the incremental modes are open to it.
    /// </summary>
    private static IReadOnlyList<UnavailableMode> UnavailableModes(SourceText definition, SourceCatalog catalog, CompilationOptions options, RefreshMode compiled)
    {
        if (compiled != RefreshMode.Full) return [];
        var probe = new DiagnosticBag();
        var analysis = AnalyzeOnThisStack(definition, catalog, options with { Mode = RefreshMode.Differential }, probe);
        if (analysis is not null && !probe.HasErrors)
            MaintenanceModelBuilder.Build(analysis.Rewritten, definition.Path, analysis.QuerySpan, probe);
        if (probe.Items.FirstOrDefault(d => d.IsError) is not { } first) return [];
        var reason = Reason(first);
        return new[] { "auto", "differential", "immediate" }.Select(mode => new UnavailableMode(mode, reason)).ToList();
    }

    /// <summary>
    /// The stream table's columns renamed by pg_ivm's column list, as CREATE TABLE AS renames them: the first columns
    /// take the listed names, the rest keep theirs. More names than columns, or a name that a kept column already has,
    /// is an error at the name in the list (PostgreSQL would refuse both at install).
    /// </summary>
    private static IReadOnlyList<ViewColumn>? RenameColumns(IReadOnlyList<ViewColumn> columns, IReadOnlyList<Identifier> names, string path, DiagnosticBag diagnostics)
    {
        if (names.Count > columns.Count)
        {
            diagnostics.Error(DiagnosticCode.TooManyColumnNames, path, names[columns.Count].Span,
                $"the column list names {names.Count} columns but the query has only {columns.Count}");
            return null;
        }
        var renamed = columns.Select((c, i) => i < names.Count ? c with { Name = SqlQuoting.Identifier(names[i].Value) } : c).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            if (renamed.Skip(names.Count).FirstOrDefault(c => c.Name == renamed[i].Name) is null) continue;
            diagnostics.Error(DiagnosticCode.DuplicateOutputColumn, path, names[i].Span,
                $"column \"{names[i].Value}\" is also the name of an output column the column list does not rename");
            return null;
        }
        return renamed;
    }

    /// <summary>
    /// A query recomputed as written is not bound, so its column count is only known from its select list (the first
    /// arm's, for a set operation): a column list longer than a list without <c>*</c> is an error here rather than at
    /// install. With a <c>*</c>, PostgreSQL checks the count when the script is installed.
    /// </summary>
    private static Diagnostic? ColumnListTooLong(StreamTableDefinition parsed, string path)
    {
        if (parsed.ColumnNames.Count == 0) return null;
        var body = parsed.Query.Body;
        while (body is SetOperation operation) body = operation.Left;
        if (body is not SelectCore select || select.Items.Any(i => i is StarItem) || select.Items.Count >= parsed.ColumnNames.Count)
            return null;
        var diagnostics = new DiagnosticBag();
        diagnostics.Error(DiagnosticCode.TooManyColumnNames, path, parsed.ColumnNames[select.Items.Count].Span,
            $"the column list names {parsed.ColumnNames.Count} columns but the query has only {select.Items.Count}");
        return diagnostics.Items[0];
    }

    private static string Reason(Diagnostic first) => $"{first.Message} ({first.Code} at {first.Span.Line}:{first.Span.Column})";

    /// <summary>
    /// Under FULL and AUTO, a query that is valid but cannot be maintained incrementally (every error is TRK4001,
    /// TRK4002 or TRK4004) is still a stream table: its defining query, as written, recomputed on every refresh, as a
    /// materialized view is (a volatile function such as now() included: recomputing on refresh is what it needs). The
    /// compile succeeds with warning TRK4101, positioned where the first obstacle is. Null when that does not apply.
    /// </summary>
    private static CompilationResult? RecomputeVerbatim(SourceText definition, CompilationOptions options, DiagnosticBag diagnostics, bool explain,
        Func<VerbatimModel, string>? render, IReadOnlyList<QueryTextAddition> additions)
    {
        var errors = diagnostics.Items.Where(d => d.IsError).ToList();
        string[] onlyIncremental = [DiagnosticCode.UnsupportedConstruct.Id, DiagnosticCode.VolatileFunction.Id, DiagnosticCode.AmbiguousTies.Id];
        if (errors.Count == 0 || errors.Any(e => !onlyIncremental.Contains(e.Code)))
            return null;
        var quiet = new DiagnosticBag();
        var parsed = SqlParser.ParseDefinition(definition, quiet);
        if (parsed is null) return null;
        var mode = ResolveMode(parsed, definition.Path, options, quiet);
        if (mode is not (RefreshMode.Full or RefreshMode.Auto)) return null;
        var (schema, name) = ResolveName(parsed, definition, options, quiet);
        var schedule = ResolveSchedule(parsed, definition, options, mode, quiet);
        var rowSecurity = ResolveRowSecurity(parsed, definition.Path, quiet);
        var outbox = ResolveOutbox(parsed, definition.Path, quiet);
        var publish = ResolvePublish(parsed, definition.Path, quiet);
        if (quiet.HasErrors) return null;
        if (ColumnListTooLong(parsed, definition.Path) is { } tooMany)
            return new CompilationResult(null, [tooMany]);

        var first = errors[0];
        var reason = Reason(first);
        var warnings = diagnostics.Items.Where(d => !d.IsError).ToList();
        warnings.Add(new Diagnostic(DiagnosticSeverity.Warning, "TRK4101",
            $"this query cannot be maintained incrementally ({first.Message}); compiled as FULL: every refresh recomputes it",
            first.FilePath, first.Span));
        if (options.Upgrade && !explain)
        {
            var upgrade = new DiagnosticBag();
            upgrade.Error(DiagnosticCode.UpgradeNotOnline, first.FilePath, first.Span,
                $"--upgrade cannot build a stream table recomputed from its query as written online yet ({first.Message}): drop the stream table and install it");
            return new CompilationResult(null, upgrade.Items);
        }
        // Tie-breakers binding appended to a top-k's ORDER BY before it met the obstacle still apply: the recomputation
        // keeps the same rows on every refresh, as the warning that names them says.
        var queryText = EffectiveQueryText(parsed, additions);
        var model = MaintenanceModelBuilder.Verbatim(schema, name, schedule, queryText, reason, rowSecurity, outbox, publish);
        var script = render is not null ? render(model) : explain ? ScriptEmitter.ExplainVerbatim(model) : ScriptEmitter.EmitVerbatim(model);
        return new CompilationResult(script, warnings) { EffectiveQuery = queryText };
    }

    /// <summary>The front and middle end without emitting: what <c>trickle explain</c> and the IR snapshot tests show.</summary>
    public static Analysis? Analyze(SourceText definition, SourceCatalog catalog, CompilationOptions options, DiagnosticBag diagnostics)
    {
        try
        {
            return LargeStack.Run(() => AnalyzeOnThisStack(definition, catalog, options, diagnostics));
        }
        catch (InsufficientExecutionStackException)
        {
            diagnostics.Error(DiagnosticCode.NestedTooDeeply, definition.Path, SourceSpan.None, TooComplex);
            return null;
        }
    }

    private static Analysis? AnalyzeOnThisStack(SourceText definition, SourceCatalog catalog, CompilationOptions options, DiagnosticBag diagnostics,
        List<QueryTextAddition>? additions = null)
    {
        var parsed = SqlParser.ParseDefinition(definition, diagnostics);
        if (parsed is null || diagnostics.HasErrors) return null;

        var (schema, name) = ResolveName(parsed, definition, options, diagnostics);
        var mode = ResolveMode(parsed, definition.Path, options, diagnostics);
        var schedule = ResolveSchedule(parsed, definition, options, mode, diagnostics);
        var rowSecurity = ResolveRowSecurity(parsed, definition.Path, diagnostics);
        var immediateApply = ResolveImmediateApply(parsed, definition.Path, options, diagnostics);
        var outbox = ResolveOutbox(parsed, definition.Path, diagnostics);
        var publish = ResolvePublish(parsed, definition.Path, diagnostics);
        var createIndexes = ResolveCreateIndexes(parsed, definition.Path, options, diagnostics);
        foreach (var option in parsed.Options.Where(o => !KnownOptions.Contains(o.Name.Value)))
            diagnostics.Error(DiagnosticCode.InvalidOption, definition.Path, option.Name.Span,
                $"unknown option \"{option.Name.Value}\" (known: {string.Join(", ", KnownOptions)})");
        if (diagnostics.HasErrors) return null;

        // SELECT FROM t is a valid query, but its rows cannot be told apart or stored as a stream table's rows.
        if (FirstSelect(parsed.Query.Body) is { Items.Count: 0 } empty)
        {
            diagnostics.Error(DiagnosticCode.NoOutputColumns, definition.Path, empty.Span,
                "a stream table needs at least one column: this query selects none");
            return null;
        }

        KnownOperators.Check(parsed.Operators, catalog, definition.Path, diagnostics);
        if (diagnostics.HasErrors) return null;

        // A query may read other stream tables, but not itself.
        catalog = catalog.For(schema, name);
        var generation = options.Upgrade ? options.Generation ?? Generation(mode, schedule, parsed.QueryText, rowSecurity, immediateApply) : null;
        var query = NameDuplicateColumnsByList(parsed.Query, parsed.ColumnNames);
        BoundRecursion? recursion = null;
        if (query.With is { Recursive: true })
        {
            // r's own maintenance runs in the writing statement, feeding this stream table through triggers on r's
            // storage: a commit-time apply would have to order two stream tables' passes, which it does not do yet.
            if (immediateApply == ImmediateApply.Commit)
            {
                // Not TRK4001: AUTO and FULL would then fall back to recomputing the query, which is not what was asked.
                diagnostics.Error(DiagnosticCode.InvalidOption, definition.Path, query.With.Span,
                    "a recursive CTE cannot be maintained with immediate_apply = 'commit' yet: use immediate_apply = 'statement' or refresh_mode = 'differential'");
                return null;
            }
            var storageName = SqlQuoting.InternalName(MaintenanceModelBuilder.WithGeneration(MaintenanceModelBuilder.BaseName(schema, name), generation), "rec");
            var resolved = RecursiveCteBinder.Bind(query, definition.Text, catalog, storageName, definition.Path, diagnostics, mode);
            if (resolved is null || diagnostics.HasErrors) return null;
            (query, catalog, recursion) = (resolved.Outer, resolved.Catalog, resolved.Recursion);
        }
        var binder = new QueryBinder(catalog, definition.Path, diagnostics, mode) { TextAdditions = additions ?? [] };
        var bound = binder.Bind(query);
        if (bound is null || diagnostics.HasErrors) return null;
        var (plan, sources) = bound.Value;
        var queryText = EffectiveQueryText(parsed, binder.TextAdditions);

        // A recursive CTE was rewritten before binding: that pass comes first, and every plan after it shows the CTE.
        var recursionPlan = recursion is null ? "" : RecursionModelBuilder.PlanText(recursion);
        var passes = new List<(string Pass, string Plan)>();
        if (recursion is not null)
            passes.Add((RecursiveCteBinder.PassName, recursionPlan + IrPrinter.Print(plan)));
        var rewritten = RewritePipeline.Run(plan, options.DisabledPasses, afterPass: (pass, result) => passes.Add((pass.Name, recursionPlan + IrPrinter.Print(result))));
        var table = new BoundStreamTable(schema, name, mode, schedule, queryText, sources, rewritten) { Generation = generation, RowSecurity = rowSecurity, ImmediateApply = immediateApply, Outbox = outbox, Publish = publish };
        return new Analysis(new BoundStreamTable(schema, name, mode, schedule, queryText, sources, plan) { Generation = generation, RowSecurity = rowSecurity, ImmediateApply = immediateApply, Outbox = outbox, Publish = publish }, table, passes, parsed.Query.Span)
        {
            ColumnNames = parsed.ColumnNames,
            CreateIndexes = createIndexes,
            Recursion = recursion,
            BinderRewrites = binder.Rewrites,
            ExpandedViews = binder.ExpandedViews,
        };
    }

    /// <summary>
    /// pg_ivm's column list names the stream table's columns, as CREATE TABLE AS's does, so two selected columns of one
    /// name (<c>create_immv('mv(v1, v2)', 'SELECT t1.v, t2.v FROM …')</c>) are not a duplicate: the listed names are
    /// given to the select list as aliases before binding, which would otherwise refuse the second <c>v</c> (TRK3008).
    /// Only where that is needed and exact: a plain SELECT without ORDER BY or LIMIT (whose clauses could name the
    /// aliases being replaced), whose listed positions are all expressions (a <c>*</c> stands for an unknown number of
    /// columns until bound), and whose names the list leaves duplicated otherwise.
    /// </summary>
    private static Query NameDuplicateColumnsByList(Query query, IReadOnlyList<Identifier> names)
    {
        if (names.Count == 0 || query.Body is not SelectCore select || query.OrderBy.Count > 0 || query.Limit is not null || query.Offset is not null
            || select.Items.Count < names.Count || select.Items.Take(names.Count).Any(i => i is not ExpressionItem))
            return query;
        var written = select.Items.Select(i => i is ExpressionItem e ? e.Alias?.Value ?? OutputColumnNamer.Name(e.Expression) : null).ToList();
        if (written.Where(n => n is not null).GroupBy(n => n).All(g => g.Count() == 1))
            return query;
        var items = select.Items.Select((item, i) => i < names.Count
            ? ((ExpressionItem)item) with { Alias = names[i] with { Quoted = true } }
            : item).ToList();
        return query with { Body = select with { Items = items } };
    }

    /// <summary>
    /// The query as every recomputation runs it — the catalog's defining query, the source guard, a query recomputed as
    /// written, <c>trickle verify</c>: the text as written with binding's additions (a top-k's tie-breakers), renamed by
    /// pg_ivm's column list if there is one.
    /// </summary>
    private static string EffectiveQueryText(StreamTableDefinition parsed, IReadOnlyList<QueryTextAddition> additions)
    {
        if (additions.Count == 0 || parsed.Written is null) return parsed.QueryText;
        var text = parsed.Written.With(additions);
        return parsed.ColumnNames.Count == 0 ? text : DefinitionBuilder.RenamedQueryText(text, parsed.ColumnNames);
    }

    /// <summary>The SELECT whose select list names a query's columns: the first branch of a set operation.</summary>
    private static SelectCore? FirstSelect(QueryBody body) => body switch
    {
        SelectCore select => select,
        SetOperation operation => FirstSelect(operation.Left),
        NestedQuery nested => FirstSelect(nested.Query.Body),
        _ => null,
    };

    /// <summary>
    /// The generation an upgrade builds: a short stable hash of everything that decides what the script creates (the
    /// compiler's version, the mode, the schedule and the query), so two different definitions never share object names
    /// and the same definition compiled twice names its objects the same way.
    /// </summary>
    private static string Generation(RefreshMode mode, string? schedule, string queryText, bool rowSecurity, ImmediateApply immediateApply) =>
        "g" + SqlQuoting.StableHash(string.Join("\0", ScriptEmitter.RuntimeVersion, mode.ToString(), schedule ?? "", queryText.Trim())
            + (rowSecurity ? "\0row_security" : "") + (immediateApply == ImmediateApply.Commit ? "\0immediate_apply=commit" : "")).ToString("x8");

    private static (string Schema, string Name) ResolveName(StreamTableDefinition parsed, SourceText definition, CompilationOptions options, DiagnosticBag diagnostics)
    {
        var (schema, name) = ResolveWrittenName(parsed, definition, options, diagnostics);
        return (Truncated(schema), Truncated(name));

        // A name from --name, a string argument or the file name is truncated as PostgreSQL truncates identifiers.
        string Truncated(string part)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(part) <= NameBuilder.MaxIdentifierBytes)
                return part;
            var truncated = SqlQuoting.TruncateUtf8(part, NameBuilder.MaxIdentifierBytes);
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, DiagnosticCode.IdentifierTruncated.Id,
                $"stream table name part of {System.Text.Encoding.UTF8.GetByteCount(part)} bytes is truncated to its first {NameBuilder.MaxIdentifierBytes}, as PostgreSQL truncates it: \"{truncated}\"",
                definition.Path, parsed.Span with { Length = 0 }));
            return truncated;
        }
    }

    private static (string Schema, string Name) ResolveWrittenName(StreamTableDefinition parsed, SourceText definition, CompilationOptions options, DiagnosticBag diagnostics)
    {
        if (options.Name is { } flag)
        {
            var dot = flag.LastIndexOf('.');
            var (schema, name) = dot > 0 ? (flag[..dot], flag[(dot + 1)..]) : ("public", flag);
            if (string.IsNullOrWhiteSpace(schema) || string.IsNullOrWhiteSpace(name))
                diagnostics.Error(DiagnosticCode.InvalidStreamTableName, definition.Path, parsed.Span,
                    $"--name '{flag}' is not a usable stream table name: give name or schema.name, both non-empty");
            return (schema, name);
        }
        if (parsed.Name is { } written)
            return (written.Parts.Count >= 2 ? written.Parts[^2].Value : "public", written.Last.Value);
        var fromFile = Path.GetFileNameWithoutExtension(definition.Path);
        if (string.IsNullOrWhiteSpace(fromFile))
            diagnostics.Error(DiagnosticCode.InvalidStreamTableName, definition.Path, parsed.Span, "the stream table needs a name: use --name");
        return ("public", fromFile);
    }

    private static RefreshMode ResolveMode(StreamTableDefinition parsed, string path, CompilationOptions options, DiagnosticBag diagnostics)
    {
        if (options.Mode is { } flag) return flag;
        var option = parsed.Options.FirstOrDefault(o => o.Name.Value == "refresh_mode");
        if (option is not null)
        {
            if (Enum.TryParse<RefreshMode>(option.Value, ignoreCase: true, out var mode) && option.Value.All(char.IsLetter))
                return mode;
            diagnostics.Error(DiagnosticCode.InvalidOption, path, option.ValueSpan,
                $"refresh_mode '{option.Value}' is not supported (use auto, differential, immediate or full)");
        }
        return parsed.Form == DefinitionForm.CreateImmvCall ? RefreshMode.Immediate : RefreshMode.Auto;
    }

    /// <summary>The options of <c>CREATE STREAM TABLE … WITH (…)</c>, in the order the unknown-option error lists them.</summary>
    private static readonly string[] KnownOptions = ["schedule", "refresh_mode", "row_security", "immediate_apply", "outbox", "publish", "create_indexes"];

    /// <summary>
    /// <c>row_security = on</c>: the stream table's view reads its storage with the reader's rights (<c>security_invoker</c>)
    /// and the storage has row-level security enabled, so the owner's policies on the storage filter what each reader sees.
    /// </summary>
    private static bool ResolveRowSecurity(StreamTableDefinition parsed, string path, DiagnosticBag diagnostics) =>
        ResolveOnOff(parsed, "row_security", path, diagnostics);

    /// <summary>An option that is on or off (<c>on</c>/<c>true</c>, <c>off</c>/<c>false</c>), off when absent; another value is TRK5001 at it.</summary>
    private static bool ResolveOnOff(StreamTableDefinition parsed, string name, string path, DiagnosticBag diagnostics)
    {
        var option = parsed.Options.FirstOrDefault(o => o.Name.Value == name);
        if (option is null) return false;
        switch (option.Value.Trim().ToLowerInvariant())
        {
            case "on" or "true": return true;
            case "off" or "false": return false;
            default:
                diagnostics.Error(DiagnosticCode.InvalidOption, path, option.ValueSpan,
                    $"{name} '{option.Value}' is not supported (use on or off)");
                return false;
        }
    }

    /// <summary>
    /// <c>immediate_apply = 'statement' | 'commit'</c> (or <c>--immediate-apply</c>): when IMMEDIATE writers apply their
    /// changes. Compiled into the IMMEDIATE triggers whatever the mode installed, so a later switch to IMMEDIATE with
    /// <c>trickle.alter_stream_table</c> applies the same way.
    /// </summary>
    private static ImmediateApply ResolveImmediateApply(StreamTableDefinition parsed, string path, CompilationOptions options, DiagnosticBag diagnostics)
    {
        if (options.ImmediateApply is { } flag) return flag;
        var option = parsed.Options.FirstOrDefault(o => o.Name.Value == "immediate_apply");
        if (option is null) return ImmediateApply.Statement;
        switch (option.Value.Trim().ToLowerInvariant())
        {
            case "statement": return ImmediateApply.Statement;
            case "commit": return ImmediateApply.Commit;
            default:
                diagnostics.Error(DiagnosticCode.InvalidOption, path, option.ValueSpan,
                    $"immediate_apply '{option.Value}' is not supported (use statement or commit)");
                return ImmediateApply.Statement;
        }
    }

    /// <summary>
    /// <c>create_indexes = on | off</c> (or <c>--create-indexes</c>): whether the install script creates, on the sources,
    /// the indexes <c>trickle explain</c> lists that the delta queries look rows up by.
    /// </summary>
    private static bool ResolveCreateIndexes(StreamTableDefinition parsed, string path, CompilationOptions options, DiagnosticBag diagnostics) =>
        options.CreateIndexes ?? ResolveOnOff(parsed, "create_indexes", path, diagnostics);

    /// <summary>
    /// <c>outbox = on | debezium | off</c>: whether the stream table feeds its changes (docs/runtime.md, "Change feed"),
    /// and in which layout; null for off.
    /// </summary>
    private static string? ResolveOutbox(StreamTableDefinition parsed, string path, DiagnosticBag diagnostics)
    {
        var option = parsed.Options.FirstOrDefault(o => o.Name.Value == "outbox");
        if (option is null) return null;
        switch (option.Value.Trim().ToLowerInvariant())
        {
            case "on" or "true": return "trickle";
            case "debezium": return "debezium";
            case "off" or "false": return null;
            default:
                diagnostics.Error(DiagnosticCode.InvalidOption, path, option.ValueSpan,
                    $"outbox '{option.Value}' is not supported (use on, debezium or off)");
                return null;
        }
    }

    /// <summary>
    /// <c>publish = on | off</c>: whether the install keeps a mirror table of the stream table's rows for logical
    /// replication (docs/runtime.md, "Publishing a stream table").
    /// </summary>
    private static bool ResolvePublish(StreamTableDefinition parsed, string path, DiagnosticBag diagnostics) =>
        ResolveOnOff(parsed, "publish", path, diagnostics);

    /// <summary>
    /// The schedule normalised (<see cref="Schedule"/>); a bad one is reported at the offending part of the option's
    /// value, or at the definition when it came from <c>--schedule</c>.
    /// </summary>
    private static string? ResolveSchedule(StreamTableDefinition parsed, SourceText definition, CompilationOptions options, RefreshMode mode, DiagnosticBag diagnostics)
    {
        var option = parsed.Options.FirstOrDefault(o => o.Name.Value == "schedule");
        var text = options.Schedule ?? option?.Value;
        if (text is null) return null;
        var schedule = Schedule.Parse(text, out var error);
        var fromFile = options.Schedule is null;
        if (error is not null)
        {
            diagnostics.Error(error.Code, definition.Path, fromFile ? WithinValue(option!, definition.Text, error) : parsed.Span, error.Message);
            return text;
        }
        if (mode == RefreshMode.Immediate)
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, DiagnosticCode.ScheduleIgnored.Id,
                $"schedule '{text.Trim()}' has no effect: an IMMEDIATE stream table is maintained by its writers, never by the scheduler",
                definition.Path, fromFile ? option!.ValueSpan : parsed.Span));
        return schedule!.Text;
    }

    /// <summary>The span of a schedule error inside the option's value, skipping the opening quote of a literal.</summary>
    private static SourceSpan WithinValue(DefinitionOption option, string source, ScheduleError error)
    {
        var span = option.ValueSpan;
        var quote = span.Length > 0 && span.Start < source.Length && source[span.Start] is '\'' or '"' ? 1 : 0;
        var shift = Math.Min(quote + error.Offset, Math.Max(span.Length - 1, 0));
        return new SourceSpan(span.Start + shift, Math.Max(Math.Min(error.Length, span.Length - shift), 1), span.Line, span.Column + shift);
    }

    /// <summary>The bound plan, the plan after every rewrite pass, and each pass's output, in order.</summary>
    public sealed record Analysis(BoundStreamTable Bound, BoundStreamTable Rewritten, IReadOnlyList<(string Pass, string Plan)> Passes, SourceSpan QuerySpan)
    {
        /// <summary>Set when the query has a linear recursive CTE, read by the plan as a derived source table.</summary>
        public BoundRecursion? Recursion { get; init; }

        /// <summary>pg_ivm's column list: new names for the first output columns (see <see cref="StreamTableDefinition.ColumnNames"/>).</summary>
        public IReadOnlyList<Identifier> ColumnNames { get; init; } = [];

        /// <summary><c>create_indexes = on</c> (or <c>--create-indexes</c>): the script creates the indexes the delta queries need.</summary>
        public bool CreateIndexes { get; init; }

        /// <summary>What binding rewrote before the passes ran (a LATERAL subquery into a join, …), one line each.</summary>
        public IReadOnlyList<string> BinderRewrites { get; init; } = [];

        /// <summary>The views the query reads, each expanded into its definition.</summary>
        public IReadOnlyList<CatalogTable> ExpandedViews { get; init; } = [];

        public string IrText => Recursion is null ? IrPrinter.Print(Rewritten.Plan) : RecursionModelBuilder.PlanText(Recursion) + IrPrinter.Print(Rewritten.Plan);
    }
}
