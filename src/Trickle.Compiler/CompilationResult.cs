using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;

namespace Trickle.Compiler;

/// <summary>The install script, or the diagnostics that prevented it. A result with errors never carries a script.</summary>
public sealed record CompilationResult(string? Script, IReadOnlyList<Diagnostic> Diagnostics, string? IrText = null)
{
    public bool Success => Script is not null && !Diagnostics.Any(d => d.IsError);

    /// <summary>For a deploy script: what it deploys (name, hashes, revision).</summary>
    public DeployedDefinition? Deployed { get; init; }

    /// <summary>
    /// The defining query as the stream table's catalog records it and every recomputation runs it: as written, except
    /// for tie-breakers appended to a top-k's ORDER BY (warning TRK4102) and pg_ivm's column list applied as a renaming.
    /// Null without a script.
    /// </summary>
    public string? EffectiveQuery { get; init; }
}
