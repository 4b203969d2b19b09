using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Trickle.Generators;

namespace Trickle.Integrations.Tests;

/// <summary>An additional file with the metadata a project gives it (TrickleKind, TrickleName, …).</summary>
internal sealed class TestAdditionalFile(string path, string text, IReadOnlyDictionary<string, string> metadata) : AdditionalText
{
    public override string Path { get; } = path;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}

/// <summary>What the build's .editorconfig-derived options say: per-file metadata and global properties.</summary>
internal sealed class TestOptionsProvider(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(textFile is TestAdditionalFile file
        ? file.Metadata.ToDictionary(m => "build_metadata.AdditionalFiles." + m.Key, m => m.Value)
        : new Dictionary<string, string>());

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

/// <summary>Runs <see cref="StreamTableGenerator"/> through <see cref="CSharpGeneratorDriver"/> with step tracking on.</summary>
internal static class GeneratorHarness
{
    public static TestAdditionalFile Schema(string path, string text) => new(path, text, new Dictionary<string, string> { ["TrickleKind"] = "Schema" });

    public static TestAdditionalFile StreamTable(string path, string text, Dictionary<string, string>? metadata = null)
    {
        var all = new Dictionary<string, string>(metadata ?? []) { ["TrickleKind"] = "StreamTable" };
        return new TestAdditionalFile(path, text, all);
    }

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> files) =>
        CSharpGeneratorDriver.Create(
            [new StreamTableGenerator().AsSourceGenerator()],
            files,
            CSharpParseOptions.Default,
            new TestOptionsProvider(new Dictionary<string, string> { ["RootNamespace"] = "Shop.Data" }),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>A compilation that can compile the generated code: the running framework's assemblies plus Npgsql.</summary>
    public static CSharpCompilation Compilation(params string[] sources)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = platform.Append(typeof(Npgsql.NpgsqlConnection).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        return CSharpCompilation.Create("Consumer", sources.Select(s => CSharpSyntaxTree.ParseText(s)), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>Every output reason of a tracked step in a run, over all its outputs.</summary>
    public static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var runs)
            ? runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToList()
            : [];

    public static ImmutableArray<Diagnostic> Diagnostics(GeneratorDriver driver) => driver.GetRunResult().Diagnostics;
}
