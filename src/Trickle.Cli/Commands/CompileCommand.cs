using System.CommandLine;
using System.CommandLine.Parsing;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle compile FILE (--schema DDL.sql… | --connection CONNSTR) [options]</c>, and <c>trickle explain</c> with the
/// same inputs, which prints the plans and how each storage column is maintained instead of the script.
/// </summary>
internal sealed class CompileCommand
{
    private readonly CompilerEntryPoints _compiler;
    private readonly bool _explain;

    private readonly Argument<string> _file = new("FILE")
    {
        Description = "The stream table definition: a SELECT, CREATE STREAM TABLE … AS SELECT, or a create_stream_table/create_immv call.",
    };

    private readonly Option<string[]> _schema = new("--schema")
    {
        Description = "A DDL file with the source tables (repeatable). Offline and deterministic.",
        HelpName = "DDL.sql",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string?> _connection = new("--connection")
    {
        Description = "Read the source tables from a live PostgreSQL database instead of DDL files: an Npgsql connection string or a postgresql:// URI; parts left out come from PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD.",
        HelpName = "CONNSTR",
    };

    private readonly Option<string?> _name = new("--name")
    {
        Description = "Stream table name; overrides the name in FILE.",
        HelpName = "NAME",
    };

    private readonly Option<RefreshMode?> _mode = new("--mode")
    {
        Description = "Refresh mode; overrides the mode in FILE.",
        HelpName = "auto|differential|immediate|full",
        CustomParser = ParseRefreshMode,
    };

    private readonly Option<string?> _schedule = new("--schedule")
    {
        Description = "Refresh schedule: a duration (500ms, 3s, 1m30s, 1h), a cron expression ('*/5 * * * *', @hourly) or calculated; overrides the schedule in FILE.",
        HelpName = "SCHEDULE",
    };

    private readonly Option<ImmediateApply?> _immediateApply = new("--immediate-apply")
    {
        Description = "When IMMEDIATE writers apply their changes: in each statement (the default), or at COMMIT (no deadlocks between writers that touch the same groups in different orders; a transaction sees its own changes in the stream table only after it commits); overrides immediate_apply in FILE.",
        HelpName = "statement|commit",
        CustomParser = ParseImmediateApply,
    };

    private readonly Option<bool> _createIndexes = new("--create-indexes")
    {
        Description = "Have the script create, on the source tables, the indexes the delta queries look rows up by (those trickle explain lists), where no index leads with those columns; needs the sources' owner. Overrides create_indexes in FILE.",
    };

    private readonly Option<bool> _upgrade = new("--upgrade")
    {
        Description = "Emit a script that upgrades the installed stream table of this name to this definition online (build beside, swap), instead of installing it.",
    };

    private readonly Option<bool> _deploy = new("--deploy")
    {
        Description = "Emit a script that is safe to run again: installs the stream table when absent, does nothing when this definition is installed, switches mode or schedule when only they changed, and upgrades online otherwise.",
    };

    private readonly Option<string?> _output = new("--output", "-o")
    {
        Description = "Write the script to OUT (replaced only when compilation succeeds) instead of standard output.",
        HelpName = "OUT",
    };

    public CompileCommand(CompilerEntryPoints compiler, bool explain = false)
    {
        _compiler = compiler;
        _explain = explain;
        Command = new Command(explain ? "explain" : "compile", explain
            ? "Show how a stream table would be maintained: the bound plan, each rewrite pass, the storage and delta plan."
            : "Compile a stream table definition into an installable SQL script.")
        {
            _file, _schema, _connection, _name, _mode, _schedule, _immediateApply, _output,
        };
        if (!explain)
        {
            Command.Options.Add(_createIndexes);
            Command.Options.Add(_upgrade);
            Command.Options.Add(_deploy);
        }
        Command.Validators.Add(ValidateCatalogSource);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>The FILE the user typed, to position usage errors on, when the parse got that far.</summary>
    public string? UsageErrorOrigin(ParseResult parseResult) =>
        parseResult.CommandResult.Command == Command ? parseResult.GetResult(_file)?.Tokens.FirstOrDefault()?.Value : null;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        var file = parseResult.GetRequiredValue(_file);
        return await DiagnosticRun.RunAsync(stderr, file, bag => CompileAsync(parseResult, file, stdout, bag, cancellationToken), cancellationToken);
    }

    private async Task<int> CompileAsync(
        ParseResult parseResult, string file, TextWriter stdout, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var schemaFiles = parseResult.GetValue(_schema) ?? [];
        var connection = parseResult.GetValue(_connection);
        var output = parseResult.GetValue(_output);

        // Read every input before stopping, so one run names every missing file.
        var definition = await SourceFiles.ReadAsync(file, diagnostics, cancellationToken);
        var schemas = new List<SourceText>();
        foreach (var schemaFile in schemaFiles)
            if (await SourceFiles.ReadAsync(schemaFile, diagnostics, cancellationToken) is { } schema)
                schemas.Add(schema);
        if (definition is null || diagnostics.HasErrors)
            return CliApp.ExitFailure;

        SourceCatalog catalog;
        if (connection is not null)
        {
            try
            {
                catalog = await _compiler.ReadLiveCatalogAsync(ConnectionString.Resolve(connection, Environment.GetEnvironmentVariable), cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                diagnostics.Error(DiagnosticCode.CatalogUnavailable, file, SourceSpan.None,
                    $"could not read the catalog: {DiagnosticPrinter.OneLine(exception.Message)}");
                return CliApp.ExitFailure;
            }
        }
        else
        {
            catalog = _compiler.ReadSchema(schemas, diagnostics);
            if (diagnostics.HasErrors)
                return CliApp.ExitFailure;
        }

        var options = new CompilationOptions(parseResult.GetValue(_name), parseResult.GetValue(_mode), parseResult.GetValue(_schedule),
            Upgrade: !_explain && parseResult.GetValue(_upgrade))
        {
            Deploy = !_explain && parseResult.GetValue(_deploy) ? new DeployOptions() : null,
            ImmediateApply = parseResult.GetValue(_immediateApply),
            // Only when given: without the flag, WITH (create_indexes = …) in FILE decides.
            CreateIndexes = !_explain && parseResult.GetValue(_createIndexes) ? true : null,
        };
        var result = _explain ? _compiler.Explain(definition, catalog, options) : _compiler.Compile(definition, catalog, options);
        diagnostics.AddRange(result.Diagnostics);
        if (!result.Success)
        {
            if (!diagnostics.HasErrors)
                diagnostics.Error(DiagnosticCode.InternalError, file, SourceSpan.None, "internal compiler error: no script and no error reported");
            return CliApp.ExitFailure;
        }

        // "-o -" is standard output, as for most Unix tools (it used to create a file named "-").
        if (output is null or "-")
        {
            await stdout.WriteAsync(result.Script!.AsMemory(), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            return CliApp.ExitSuccess;
        }

        try
        {
            await OutputFile.ReplaceAsync(output, result.Script!, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            diagnostics.Error(DiagnosticCode.OutputNotWritten, output, SourceSpan.None,
                $"could not write the output file: {DiagnosticPrinter.OneLine(exception.Message)}");
            return CliApp.ExitFailure;
        }
        return CliApp.ExitSuccess;
    }

    private void ValidateCatalogSource(CommandResult result)
    {
        // A missing FILE is the first thing to fix; System.CommandLine reports it only when validators stay quiet.
        if (result.GetResult(_file) is not { Tokens.Count: > 0 })
            return;
        var hasSchema = result.GetResult(_schema) is { Implicit: false };
        var hasConnection = result.GetResult(_connection) is { Implicit: false };
        if (!hasSchema && !hasConnection)
            result.AddError("one of --schema DDL.sql or --connection CONNSTR is required to know the source tables");
        else if (hasSchema && hasConnection)
            result.AddError("--schema and --connection cannot be combined: the catalog comes from DDL files or from a database, not both");
        if (result.GetResult(_upgrade) is { Implicit: false } && result.GetResult(_deploy) is { Implicit: false })
            result.AddError("--upgrade and --deploy cannot be combined: a deploy script upgrades when it needs to");
    }

    private static ImmediateApply? ParseImmediateApply(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        switch (text.ToLowerInvariant())
        {
            case "statement": return ImmediateApply.Statement;
            case "commit": return ImmediateApply.Commit;
            default:
                result.AddError($"invalid --immediate-apply '{text}': expected statement or commit");
                return null;
        }
    }

    private static RefreshMode? ParseRefreshMode(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        switch (text.ToLowerInvariant())
        {
            case "auto": return RefreshMode.Auto;
            case "differential": return RefreshMode.Differential;
            case "immediate": return RefreshMode.Immediate;
            case "full": return RefreshMode.Full;
            default:
                result.AddError($"invalid --mode '{text}': expected auto, differential, immediate or full");
                return null;
        }
    }
}
