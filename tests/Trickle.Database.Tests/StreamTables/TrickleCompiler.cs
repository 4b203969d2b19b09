using Trickle.Compiler;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>Plugs the real compiler into the differential checker: a bare query plus flags, as the CLI would compile it.</summary>
internal static class TrickleCompiler
{
    public static string CompileScript(string schemaDdl, string query, string name, string mode) => Compile(schemaDdl, query, name, mode).Script!;

    /// <summary>The compilation: its script and the effective query a recomputation must run (see CompilationResult.EffectiveQuery).</summary>
    public static CompilationResult Compile(string schemaDdl, string query, string name, string mode)
    {
        var result = Compile(schemaDdl, query, name, ParseMode(mode), mode == ImmediateAtCommit ? ImmediateApply.Commit : null);
        if (!result.Success)
            throw new InvalidOperationException("query did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result;
    }

    /// <summary>The compiler's verdict on a query, whether or not it compiles (the schema must).</summary>
    public static CompilationResult Compile(string schemaDdl, string query, string name, RefreshMode mode, ImmediateApply? immediateApply = null)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schemaDdl)], diagnostics);
        if (diagnostics.HasErrors)
            throw new InvalidOperationException("schema did not compile:\n" + string.Join("\n", diagnostics.Items));
        return Compilation.Compile(new SourceText("query.sql", query), catalog, new CompilationOptions(Name: name, Mode: mode) { ImmediateApply = immediateApply });
    }

    /// <summary>The mode name tests use for IMMEDIATE applied at COMMIT (<c>immediate_apply = 'commit'</c>).</summary>
    public const string ImmediateAtCommit = "immediate-commit";

    /// <summary>A mode name as tests write it: a refresh mode, or <see cref="ImmediateAtCommit"/> (IMMEDIATE).</summary>
    public static RefreshMode ParseMode(string mode) =>
        mode == ImmediateAtCommit ? RefreshMode.Immediate : Enum.Parse<RefreshMode>(mode, ignoreCase: true);

    /// <summary>A <see cref="Infrastructure.DifferentialScenario.CompileScript"/> that compiles IMMEDIATE applied at COMMIT
    /// whatever mode the checker names (run it with <c>Modes = [Immediate]</c>).</summary>
    public static string CompileAtCommit(string schemaDdl, string query, string name, string mode) =>
        CompileScript(schemaDdl, query, name, ImmediateAtCommit);
}

/// <summary>
/// The effective query each mode's compilation reports, kept for <see cref="Infrastructure.DifferentialScenario.RecomputedQuery"/>:
/// <c>CompileScript = queries.CompileScript(name), RecomputedQuery = queries.For</c> makes the checker recompute exactly
/// the query the stream table's recomputations run (a top-k's tie-breakers appended, a create_immv column list applied).
/// </summary>
internal sealed class EffectiveQueries
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _byMode = new();

    public Func<string, string, string, string, string> CompileScript(string name) => (schemaDdl, query, _, mode) =>
    {
        var compiled = TrickleCompiler.Compile(schemaDdl, query, name, mode);
        _byMode[mode] = compiled.EffectiveQuery!;
        return compiled.Script!;
    };

    /// <summary>The effective query of the mode compiled last under that name; asked after the mode's script was compiled.</summary>
    public string For(string mode) => _byMode[mode];
}
