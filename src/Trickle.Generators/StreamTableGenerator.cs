using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Trickle.Compiler;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Diagnostics;
using TrickleDiagnostic = Trickle.Compiler.Diagnostics.Diagnostic;
using TrickleSeverity = Trickle.Compiler.Diagnostics.DiagnosticSeverity;
using TrickleSourceText = Trickle.Compiler.SourceText;
using TrickleOptions = Trickle.Compiler.CompilationOptions;
using TrickleCompilation = Trickle.Compiler.Compilation;

namespace Trickle.Generators;

/// <summary>
/// Generates, for each AdditionalFiles item marked <c>TrickleKind="StreamTable"</c>, a record of the stream table's row,
/// its install script and a typed reader, compiled against every item marked <c>TrickleKind="Schema"</c>. The compiler's
/// TRK diagnostics are reported at their position in the additional file.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StreamTableGenerator : IIncrementalGenerator
{
    /// <summary>Step names, tracked so tests can assert what an edit made the pipeline redo.</summary>
    public static class Steps
    {
        public const string Files = "TrickleFiles";
        public const string Schemas = "TrickleSchemas";
        public const string Compiled = "TrickleCompiled";
        public const string SchemaDiagnostics = "TrickleSchemaDiagnostics";
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => Read(pair.Left, pair.Right.GetOptions(pair.Left), cancellationToken))
            .Where(static file => file is not null)
            .Select(static (file, _) => file!)
            .WithTrackingName(Steps.Files);

        var schemas = files.Where(static f => f.Kind == TrickleFileKind.Schema).Collect()
            .Select(static (all, _) => SchemaSet.Of(all))
            .WithTrackingName(Steps.Schemas);

        var settings = context.AnalyzerConfigOptionsProvider.Select(static (options, _) => new GeneratorSettings(
            Property(options.GlobalOptions, "TrickleNamespace") ?? Property(options.GlobalOptions, "RootNamespace") ?? "Trickle.Generated"));

        var compiled = files.Where(static f => f.Kind == TrickleFileKind.StreamTable)
            .Combine(schemas)
            .Combine(settings)
            .Select(static (input, cancellationToken) => CompileOne(input.Left.Left, input.Left.Right, input.Right, cancellationToken))
            .WithTrackingName(Steps.Compiled);

        var schemaDiagnostics = schemas.Select(static (set, _) => SchemaDiagnostics(set)).WithTrackingName(Steps.SchemaDiagnostics);

        context.RegisterSourceOutput(compiled, static (output, table) =>
        {
            foreach (var diagnostic in table.Diagnostics) output.ReportDiagnostic(ToRoslyn(diagnostic));
            if (table.Source is not null) output.AddSource(table.HintName, table.Source);
        });
        context.RegisterSourceOutput(schemaDiagnostics, static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics) output.ReportDiagnostic(ToRoslyn(diagnostic));
        });
    }

    private static TrickleFile? Read(AdditionalText file, AnalyzerConfigOptions options, System.Threading.CancellationToken cancellationToken)
    {
        var kindText = Metadata(options, "TrickleKind");
        if (kindText is null) return null;
        TrickleFileKind kind;
        if (string.Equals(kindText, "Schema", StringComparison.OrdinalIgnoreCase)) kind = TrickleFileKind.Schema;
        else if (string.Equals(kindText, "StreamTable", StringComparison.OrdinalIgnoreCase)) kind = TrickleFileKind.StreamTable;
        else return null;
        var text = file.GetText(cancellationToken)?.ToString() ?? "";
        return new TrickleFile(file.Path, kind, text, Metadata(options, "TrickleName"), Metadata(options, "TrickleMode"), Metadata(options, "TrickleSchedule"));
    }

    private static string? Metadata(AnalyzerConfigOptions options, string name) =>
        options.TryGetValue("build_metadata.AdditionalFiles." + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string? Property(AnalyzerConfigOptions options, string name) =>
        options.TryGetValue("build_property." + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static EquatableArray<DiagnosticInfo> SchemaDiagnostics(SchemaSet set)
    {
        var diagnostics = new DiagnosticBag();
        ReadCatalog(set, diagnostics);
        return new EquatableArray<DiagnosticInfo>(diagnostics.Items.Select(d => DiagnosticInfo.From(d, TextOf(set, d.FilePath))));
    }

    private static string TextOf(SchemaSet set, string path) => set.Files.FirstOrDefault(f => f.Path == path)?.Text ?? "";

    private static Trickle.Compiler.Catalog.SourceCatalog ReadCatalog(SchemaSet set, DiagnosticBag diagnostics) =>
        TrickleCompilation.ReadSchema(set.Files.Select(f => new TrickleSourceText(f.Path, f.Text)), diagnostics);

    /// <summary>
    /// Compiles one definition. The schema's own diagnostics are reported once, by the schema step; a compiler fault is
    /// reported as TRK9999 at the definition instead of taking the compiler process down.
    /// </summary>
    private static GeneratedStreamTable CompileOne(TrickleFile file, SchemaSet schemas, GeneratorSettings settings, System.Threading.CancellationToken cancellationToken)
    {
        var hintName = HintName(file.Path);
        var diagnostics = new List<TrickleDiagnostic>();
        try
        {
            var options = Options(file, diagnostics);
            if (options is null) return Failed(hintName, diagnostics, file);
            var catalog = ReadCatalog(schemas, new DiagnosticBag());
            cancellationToken.ThrowIfCancellationRequested();
            var definition = new TrickleSourceText(file.Path, file.Text);
            var result = TrickleCompilation.Compile(definition, catalog, options);
            diagnostics.AddRange(result.Diagnostics);
            if (!result.Success) return Failed(hintName, diagnostics, file);
            var shapeDiagnostics = new DiagnosticBag();
            var shape = OutputShape.Describe(definition, catalog, options, shapeDiagnostics);
            if (shape is null)
            {
                diagnostics.Add(new TrickleDiagnostic(TrickleSeverity.Error, DiagnosticCode.UnsupportedConstruct.Id,
                    "the columns of this stream table cannot be learned from its query, so no row type can be generated",
                    file.Path, shapeDiagnostics.Items.FirstOrDefault()?.Span ?? SourceSpan.None));
                return Failed(hintName, diagnostics, file);
            }
            var source = CSharpEmitter.Emit(settings.Namespace, file.Path, shape, result.Script!);
            return new GeneratedStreamTable(hintName, source, Infos(diagnostics, file));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(new TrickleDiagnostic(TrickleSeverity.Error, DiagnosticCode.InternalError.Id,
                "internal compiler error: " + exception.GetType().Name + ": " + exception.Message.Replace('\n', ' ').Replace('\r', ' '),
                file.Path, SourceSpan.None));
            return Failed(hintName, diagnostics, file);
        }
    }

    private static TrickleOptions? Options(TrickleFile file, List<TrickleDiagnostic> diagnostics)
    {
        RefreshMode? mode = null;
        if (file.Mode is { } text)
        {
            if (text.All(char.IsLetter) && Enum.TryParse<RefreshMode>(text, ignoreCase: true, out var parsed)) mode = parsed;
            else
            {
                diagnostics.Add(new TrickleDiagnostic(TrickleSeverity.Error, DiagnosticCode.InvalidOption.Id,
                    $"TrickleMode '{text}' is not a refresh mode (use auto, differential, immediate or full)", file.Path, SourceSpan.None));
                return null;
            }
        }
        return new TrickleOptions(file.Name, mode, file.Schedule);
    }

    private static GeneratedStreamTable Failed(string hintName, List<TrickleDiagnostic> diagnostics, TrickleFile file) =>
        new(hintName, null, Infos(diagnostics, file));

    private static EquatableArray<DiagnosticInfo> Infos(List<TrickleDiagnostic> diagnostics, TrickleFile file) =>
        new(diagnostics.Select(d => DiagnosticInfo.From(d, d.FilePath == file.Path ? file.Text : "")));

    /// <summary>Unique per file: the file name plus a short hash of the full path, so two folders' order_totals.sql coexist.</summary>
    private static string HintName(string path)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var safe = new string(name.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
        return $"Trickle.{safe}.{Trickle.Compiler.Emit.SqlQuoting.StableHash(path.Replace('\\', '/')):x8}.g.cs";
    }

    private static Microsoft.CodeAnalysis.Diagnostic ToRoslyn(DiagnosticInfo info)
    {
        var descriptor = new DiagnosticDescriptor(info.Code, info.Code, "{0}", "Trickle",
            info.IsError ? Microsoft.CodeAnalysis.DiagnosticSeverity.Error : Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, isEnabledByDefault: true);
        var location = Location.Create(info.Path, new TextSpan(info.Start, info.Length),
            new LinePositionSpan(new LinePosition(info.Line - 1, info.Column - 1), new LinePosition(info.EndLine - 1, info.EndColumn - 1)));
        return Microsoft.CodeAnalysis.Diagnostic.Create(descriptor, location, info.Message);
    }
}
