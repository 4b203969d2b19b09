// src/Trickle.Compiler/Compilation.cs
namespace Trickle.Compiler;
public static class Compilation
{
    /// Reads DDL files into a catalog; problems go to diagnostics (TRK2xxx).
    public static Catalog.SourceCatalog ReadSchema(IEnumerable<SourceText> ddlFiles, Diagnostics.DiagnosticBag diagnostics) => throw new NotImplementedException();
    /// Compiles one stream-table definition file against a catalog. Never throws for bad input: errors come back as diagnostics.
    public static CompilationResult Compile(SourceText definition, Catalog.SourceCatalog catalog, CompilationOptions options) => throw new NotImplementedException();
}
