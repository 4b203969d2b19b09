using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;

namespace Trickle.Compiler;

/// <summary>The install script, or the diagnostics that prevented it. A result with errors never carries a script.</summary>
public sealed record CompilationResult(string? Script, IReadOnlyList<Diagnostic> Diagnostics, string? IrText = null)
{
    public bool Success => Script is not null && !Diagnostics.Any(d => d.IsError);

    /// <summary>For a deploy script: what it deploys (name, hashes, revision).</summary>
    public DeployedDefinition? Deployed { get; init; }
}
