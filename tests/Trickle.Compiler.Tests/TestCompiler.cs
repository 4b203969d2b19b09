using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests;

/// <summary>Compiles definitions held in strings: the shortest path from a test's SQL to a script, a plan or diagnostics.</summary>
internal static class TestCompiler
{
    public const string DefinitionPath = "query.sql";

    /// <summary>Reads DDL that the test expects to be valid; a schema problem fails the test at its cause.</summary>
    public static SourceCatalog Catalog(string ddl)
    {
        var diagnostics = new DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", ddl)], diagnostics);
        Assert.Empty(diagnostics.Items);
        return catalog;
    }

    public static CompilationResult Compile(string definition, SourceCatalog catalog, CompilationOptions? options = null, string path = DefinitionPath) =>
        Compilation.Compile(new SourceText(path, definition), catalog, options ?? new CompilationOptions());

    /// <summary>Compiles a definition that must succeed, and returns its script.</summary>
    public static string Script(string definition, SourceCatalog catalog, CompilationOptions? options = null, string path = DefinitionPath)
    {
        var result = Compile(definition, catalog, options, path);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }

    /// <summary>Runs the front and middle end on a definition that must bind without errors.</summary>
    public static Compilation.Analysis Analyze(string definition, SourceCatalog catalog, CompilationOptions? options = null)
    {
        var diagnostics = new DiagnosticBag();
        var analysis = Compilation.Analyze(new SourceText(DefinitionPath, definition), catalog, options ?? new CompilationOptions(), diagnostics);
        Assert.False(diagnostics.HasErrors, string.Join(Environment.NewLine, diagnostics.Items));
        Assert.NotNull(analysis);
        return analysis;
    }
}

/// <summary>The checked-out repository, found from the test binaries by walking up to the folder holding Trickle.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "examples");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Trickle.sln")))
                return folder.FullName;
        throw new InvalidOperationException($"no Trickle.sln above {AppContext.BaseDirectory}");
    }
}
