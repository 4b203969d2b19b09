using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli;

/// <summary>
/// The compiler as the CLI calls it. Tests substitute their own to exercise the CLI's contract (output files, exit codes,
/// fault handling) independently of what the compiler can compile today.
/// </summary>
internal sealed record CompilerEntryPoints(
    Func<IEnumerable<SourceText>, DiagnosticBag, SourceCatalog> ReadSchema,
    Func<SourceText, SourceCatalog, CompilationOptions, CompilationResult> Compile,
    Func<string, CancellationToken, Task<SourceCatalog>> ReadLiveCatalogAsync)
{
    public static readonly CompilerEntryPoints Default = new(Compilation.ReadSchema, Compilation.Compile, LiveCatalogReader.ReadAsync)
    {
        Explain = Compilation.Explain,
    };

    public Func<SourceText, SourceCatalog, CompilationOptions, CompilationResult> Explain { get; init; } = Compilation.Explain;
}
