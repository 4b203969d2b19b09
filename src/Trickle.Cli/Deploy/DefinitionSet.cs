using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Parsing;

namespace Trickle.Cli.Deploy;

/// <summary>One definition of a set, and the options it is compiled with (its name, mode, schedule, deploy form).</summary>
internal sealed record DefinitionInput(SourceText Source, CompilationOptions Options);

/// <summary>A definition compiled into its deploy script, and the catalog it compiled against (to compile it again).</summary>
internal sealed record CompiledDefinition(DefinitionInput Input, CompilationResult Result, SourceCatalog Catalog)
{
    public DeployedDefinition Deployed => Result.Deployed!;
}

/// <summary>
/// Compiles a set of stream-table definitions that may read each other (trickle migrations, trickle dbt compile): each
/// after the stream tables it reads, so that scripts applied in this order install upstreams first. Which it reads is
/// learned the way the compiler learns it: a definition compiles once every stream table it reads is in the catalog,
/// so the set is compiled in rounds, each adding what compiled to the catalog (as a declared stream table, as a schema
/// file's <c>CREATE STREAM TABLE</c> would). Within a round, definitions are taken in the order given.
/// </summary>
internal static class DefinitionSet
{
    /// <summary>The definitions in dependency order, or null with diagnostics when some do not compile.</summary>
    public static IReadOnlyList<CompiledDefinition>? Compile(
        IReadOnlyList<DefinitionInput> inputs, SourceCatalog catalog, CompilerEntryPoints compiler, DiagnosticBag diagnostics)
    {
        var remaining = inputs.ToList();
        var ordered = new List<CompiledDefinition>();
        var progress = true;
        while (remaining.Count > 0 && progress)
        {
            progress = false;
            foreach (var input in remaining.ToList())
            {
                var result = compiler.Compile(input.Source, catalog, input.Options);
                if (!result.Success || result.Deployed is null)
                    continue;
                ordered.Add(new CompiledDefinition(input, result, catalog));
                remaining.Remove(input);
                progress = true;
                catalog = Declare(catalog, input.Source, result.Deployed);
            }
        }

        // What never compiled is reported as it compiles against everything that did.
        foreach (var input in remaining)
            diagnostics.AddRange(compiler.Compile(input.Source, catalog, input.Options).Diagnostics);
        foreach (var compiled in ordered)
            diagnostics.AddRange(compiled.Result.Diagnostics);

        foreach (var duplicate in ordered.GroupBy(c => c.Deployed.DisplayName).Where(g => g.Count() > 1))
            foreach (var compiled in duplicate.Skip(1))
                diagnostics.Error(DiagnosticCode.DuplicateStreamTable, compiled.Input.Source.Path, SourceSpan.None,
                    $"stream table {duplicate.Key} is also defined by {duplicate.First().Input.Source.Path}: give each definition its own name");
        return remaining.Count > 0 || diagnostics.HasErrors ? null : ordered;
    }

    /// <summary>
    /// The catalog with the compiled stream table declared in it. A query whose columns cannot be learned offline (one
    /// recomputed as written) is not declared: a definition reading it then reports that, compiled against the rest.
    /// </summary>
    private static SourceCatalog Declare(SourceCatalog catalog, SourceText source, DeployedDefinition deployed)
    {
        var quiet = new DiagnosticBag();
        if (SqlParser.ParseDefinition(source, quiet) is not { } parsed)
            return catalog;
        var declaration = $"CREATE STREAM TABLE {SqlQuoting.Qualified(deployed.Schema, deployed.Name)} AS\n{parsed.QueryText.Trim().TrimEnd(';')}\n;";
        var declared = DdlCatalogReader.DeclareStreamTables(catalog, [new SourceText(source.Path, declaration)], quiet);
        return quiet.HasErrors ? catalog : declared;
    }

    /// <summary>The catalog from DDL files or a database, as <c>trickle compile</c> reads it; null with a diagnostic.</summary>
    public static async Task<SourceCatalog?> ReadCatalogAsync(CompilerEntryPoints compiler, IReadOnlyList<string> schemaFiles, string? connection,
        string origin, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            try
            {
                return await compiler.ReadLiveCatalogAsync(connection, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                diagnostics.Error(DiagnosticCode.CatalogUnavailable, origin, SourceSpan.None,
                    $"could not read the catalog: {DiagnosticPrinter.OneLine(exception.Message)}");
                return null;
            }
        }
        var schemas = new List<SourceText>();
        foreach (var schemaFile in schemaFiles)
            if (await SourceFiles.ReadAsync(schemaFile, diagnostics, cancellationToken) is { } schema)
                schemas.Add(schema);
        if (diagnostics.HasErrors)
            return null;
        var catalog = compiler.ReadSchema(schemas, diagnostics);
        return diagnostics.HasErrors ? null : catalog;
    }
}
