using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Trickle.Compiler;
using Trickle.Compiler.Diagnostics;

namespace Trickle.MSBuild;

/// <summary>
/// Compiles stream-table definitions against schema DDL into install scripts, one per definition, as
/// <c>trickle compile</c> does. Problems are logged as MSBuild errors and warnings with their TRK code and position,
/// so the console prints <c>file(line,col): error TRKnnnn: …</c> and IDEs show them in the file.
/// </summary>
public sealed class TrickleCompile : Microsoft.Build.Utilities.Task
{
    /// <summary>Definition files; metadata OutputFile (required), and optional Name, Mode, Schedule overrides.</summary>
    [Required]
    public ITaskItem[] StreamTables { get; set; } = [];

    /// <summary>DDL files the definitions read their source tables from.</summary>
    public ITaskItem[] Schemas { get; set; } = [];

    /// <summary>The scripts written by this run.</summary>
    [Output]
    public ITaskItem[] Scripts { get; private set; } = [];

    public override bool Execute()
    {
        var schemaDiagnostics = new DiagnosticBag();
        var schemaTexts = Schemas.Select(Read).ToList();
        if (Log.HasLoggedErrors) return false;
        var catalog = Compilation.ReadSchema(schemaTexts!, schemaDiagnostics);
        Report(schemaDiagnostics.Items);
        if (schemaDiagnostics.HasErrors) return false;

        var written = new List<ITaskItem>();
        foreach (var item in StreamTables)
        {
            var definition = Read(item);
            if (definition is null) continue;
            var options = Options(item, definition.Path);
            if (options is null) continue;
            CompilationResult result;
            try
            {
                result = Compilation.Compile(definition, catalog, options);
            }
            catch (Exception exception)
            {
                // The compiler must never crash; if it does, the build says where, and the build host survives.
                Log.LogError(null, DiagnosticCode.InternalError.Id, null, definition.Path, 1, 1, 0, 0,
                    "internal compiler error: {0}: {1}", exception.GetType().Name, OneLine(exception.Message));
                continue;
            }
            Report(result.Diagnostics);
            if (!result.Success) continue;

            var output = Path.GetFullPath(item.GetMetadata("OutputFile"));
            if (Write(output, result.Script!, definition.Path))
            {
                Log.LogMessage(MessageImportance.High, "Trickle: {0} -> {1}", item.ItemSpec, output);
                written.Add(new TaskItem(output, new Dictionary<string, string> { ["Definition"] = item.ItemSpec }));
            }
        }
        Scripts = written.ToArray();
        return !Log.HasLoggedErrors;
    }

    private SourceText? Read(ITaskItem item)
    {
        var path = item.GetMetadata("FullPath");
        try
        {
            // Strict UTF-8: a definition in another encoding is an error, never a silently different query.
            return new SourceText(path, File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            var code = exception is FileNotFoundException or DirectoryNotFoundException ? DiagnosticCode.FileNotFound : DiagnosticCode.SyntaxError;
            Log.LogError(null, code.Id, null, path, 0, 0, 0, 0, "cannot read {0}: {1}", item.ItemSpec, OneLine(exception.Message));
            return null;
        }
    }

    private CompilationOptions? Options(ITaskItem item, string path)
    {
        RefreshMode? mode = null;
        var modeText = item.GetMetadata("Mode").Trim();
        if (modeText.Length > 0)
        {
            if (modeText.All(char.IsLetter) && Enum.TryParse<RefreshMode>(modeText, ignoreCase: true, out var parsed))
                mode = parsed;
            else
            {
                Log.LogError(null, DiagnosticCode.InvalidOption.Id, null, path, 0, 0, 0, 0,
                    "Mode '{0}' of {1} is not a refresh mode (use auto, differential, immediate or full)", modeText, item.ItemSpec);
                return null;
            }
        }
        return new CompilationOptions(Blank(item.GetMetadata("Name")), mode, Blank(item.GetMetadata("Schedule")));
    }

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// Logs each diagnostic at its start only: MSBuild then prints the <c>file(line,col): error TRKnnnn: …</c> form
    /// (with an end position it would print <c>file(line,col,endLine,endCol)</c>), the same every editor parses.
    /// </summary>
    private void Report(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.IsError)
                Log.LogError(null, diagnostic.Code, null, diagnostic.FilePath, diagnostic.Span.Line, diagnostic.Span.Column, 0, 0, "{0}", OneLine(diagnostic.Message));
            else
                Log.LogWarning(null, diagnostic.Code, null, diagnostic.FilePath, diagnostic.Span.Line, diagnostic.Span.Column, 0, 0, "{0}", OneLine(diagnostic.Message));
        }
    }

    /// <summary>Writes through a temporary file and a rename, so a cancelled build never leaves half a script.</summary>
    private bool Write(string output, string script, string definitionPath)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            var temporary = output + ".tmp";
            File.WriteAllText(temporary, script, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, output, overwrite: true);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, DiagnosticCode.OutputNotWritten.Id, null, definitionPath, 0, 0, 0, 0,
                "could not write {0}: {1}", output, OneLine(exception.Message));
            return false;
        }
    }

    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
