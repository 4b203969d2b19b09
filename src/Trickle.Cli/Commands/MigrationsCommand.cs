using System.CommandLine;
using System.Globalization;
using System.Text;
using Trickle.Cli.Deploy;
using Trickle.Compiler;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle migrations generate --definitions DIR… (--schema DDL.sql… | --connection CONNSTR) --out DIR [--flyway]</c>:
/// appends to a folder of numbered migrations what the definitions need since the folder's last scripts: the runtime
/// when it changed, then one deploy script per stream table that is new or changed, upstreams first. Scripts already
/// written are never touched; an unchanged definition yields nothing.
/// </summary>
internal sealed class MigrationsCommand
{
    private readonly CompilerEntryPoints _compiler;

    private readonly Option<string[]> _definitions = new("--definitions")
    {
        Description = "Stream table definition files, or folders of them (*.sql) (repeatable).",
        HelpName = "FILE|DIR",
        Arity = ArgumentArity.OneOrMore,
        Required = true,
    };

    private readonly CatalogSourceOptions _catalogSource = new();

    private readonly Option<string> _out = new("--out")
    {
        Description = "The migrations folder: read to learn what is already written, and where new scripts are added.",
        HelpName = "DIR",
        Required = true,
    };

    private readonly Option<bool> _flyway = new("--flyway")
    {
        Description = "Name scripts V<n>__<description>.sql, each with a .sql.conf that tells Flyway not to wrap it in a transaction.",
    };

    private readonly Option<bool> _check = new("--check")
    {
        Description = "Write nothing; list the scripts that would be written and exit 1 if there are any (for CI).",
    };

    public MigrationsCommand(CompilerEntryPoints compiler)
    {
        _compiler = compiler;
        var generate = new Command("generate", "Add the migrations the definitions need: the runtime when it changed, and a re-runnable deploy script for each new or changed stream table.")
        {
            _definitions, _out, _flyway, _check,
        };
        _catalogSource.AddTo(generate);
        generate.SetAction(RunAsync);
        Command = new Command("migrations", "Keep a folder of numbered, reviewable, re-runnable migration scripts for the stream tables.") { generate };
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        var folder = parseResult.GetRequiredValue(_out);
        return await DiagnosticRun.RunAsync(stderr, folder, bag => GenerateAsync(parseResult, folder, stdout, bag, cancellationToken), cancellationToken);
    }

    private async Task<int> GenerateAsync(ParseResult parseResult, string folder, TextWriter stdout, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var flyway = parseResult.GetValue(_flyway);
        var check = parseResult.GetValue(_check);
        var inputs = new List<DefinitionInput>();
        foreach (var path in DefinitionFiles(parseResult.GetRequiredValue(_definitions), diagnostics))
            if (await SourceFiles.ReadAsync(path, diagnostics, cancellationToken) is { } source)
                inputs.Add(new DefinitionInput(source, new CompilationOptions { Deploy = new DeployOptions(IncludeRuntime: false) }));
        if (diagnostics.HasErrors)
            return CliApp.ExitFailure;
        var catalog = await _catalogSource.ReadAsync(_compiler, parseResult, folder, diagnostics, cancellationToken);
        if (catalog is null)
            return CliApp.ExitFailure;
        var compiled = DefinitionSet.Compile(inputs, catalog, _compiler, diagnostics);
        if (compiled is null)
            return CliApp.ExitFailure;

        IReadOnlyList<MigrationFile> written;
        try
        {
            written = MigrationFolder.Read(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(DiagnosticCode.InvalidMigrationFolder, folder, SourceSpan.None, $"could not read the folder: {DiagnosticPrinter.OneLine(exception.Message)}");
            return CliApp.ExitFailure;
        }

        var planned = new List<(string Description, string Script)>();
        if (written.LastOrDefault(f => f.RuntimeHash is not null)?.RuntimeHash != ScriptEmitter.RuntimeHash())
            planned.Add(("trickle_runtime_" + MigrationFolder.Describe(ScriptEmitter.RuntimeVersion), ScriptEmitter.EmitRuntime()));
        foreach (var definition in compiled)
        {
            var last = written.LastOrDefault(f => f.StreamTable == definition.Deployed.DisplayName);
            if (last?.DefinitionHash == definition.Deployed.Hash)
                continue;
            // The revision is the stream table's own count in this folder: a script does nothing where a later one ran.
            var revision = (written.Where(f => f.StreamTable == definition.Deployed.DisplayName).Max(f => f.Revision) ?? 0) + 1;
            var options = definition.Input.Options with { Deploy = new DeployOptions(revision, IncludeRuntime: false) };
            var script = _compiler.Compile(definition.Input.Source, definition.Catalog, options);
            if (!script.Success)
            {
                diagnostics.AddRange(script.Diagnostics.Where(d => d.IsError));
                return CliApp.ExitFailure;
            }
            planned.Add(((last is null ? "add_" : "change_") + MigrationFolder.Describe(definition.Deployed.DisplayName), script.Script!));
        }

        var next = (written.Count == 0 ? 0 : written.Max(f => f.Number)) + 1;
        var files = planned.Select((p, i) => (Path: Path.Combine(folder, MigrationFolder.FileName(next + i, p.Description, flyway)), p.Script)).ToList();
        if (files.Count == 0)
        {
            stdout.WriteLine($"{folder}: up to date, nothing to add");
            return CliApp.ExitSuccess;
        }
        if (check)
        {
            foreach (var (path, _) in files)
                stdout.WriteLine($"would add {path}");
            return CliApp.ExitFailure;
        }

        try
        {
            Directory.CreateDirectory(folder);
            foreach (var (path, script) in files)
            {
                await WriteNewAsync(path, script, cancellationToken);
                if (flyway)
                    await WriteNewAsync(path + ".conf", "executeInTransaction=false\n", cancellationToken);
                stdout.WriteLine($"added {path}");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(DiagnosticCode.OutputNotWritten, folder, SourceSpan.None, $"could not write a migration: {DiagnosticPrinter.OneLine(exception.Message)}");
            return CliApp.ExitFailure;
        }
        return CliApp.ExitSuccess;
    }

    /// <summary>Creates the file, failing rather than replacing one that exists: a written migration is never rewritten.</summary>
    private static async Task WriteNewAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        await stream.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Files as given; folders contribute their *.sql files in name order.</summary>
    private static IEnumerable<string> DefinitionFiles(IEnumerable<string> paths, DiagnosticBag diagnostics)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*.sql").Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                    diagnostics.Error(DiagnosticCode.FileNotFound, path, SourceSpan.None, "the folder has no definition files (*.sql)");
                foreach (var file in files)
                    yield return file;
            }
            else
                yield return path;
        }
    }
}
