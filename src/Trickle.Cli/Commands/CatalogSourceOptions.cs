using System.CommandLine;
using Trickle.Cli.Deploy;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli.Commands;

/// <summary>
/// Where a command that compiles several definitions learns the source tables: DDL files (<c>--schema</c>, offline) or
/// a live database (<c>--connection</c>), exactly one of them.
/// </summary>
internal sealed class CatalogSourceOptions
{
    private readonly Option<string[]> _schema = new("--schema")
    {
        Description = "A DDL file with the source tables (repeatable). Offline and deterministic.",
        HelpName = "DDL.sql",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string?> _connection = new("--connection")
    {
        Description = "Read the source tables from a live PostgreSQL database (Npgsql connection string) instead of DDL files.",
        HelpName = "CONNSTR",
    };

    /// <summary>Adds both options to <paramref name="command"/>, and its check that exactly one is given.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_schema);
        command.Options.Add(_connection);
        command.Validators.Add(result =>
        {
            var hasSchema = result.GetResult(_schema) is { Implicit: false };
            var hasConnection = result.GetResult(_connection) is { Implicit: false };
            if (hasSchema == hasConnection)
                result.AddError("give one of --schema DDL.sql or --connection CONNSTR to know the source tables");
        });
    }

    /// <summary>The catalog the options name; null after reporting why it could not be read.</summary>
    public Task<SourceCatalog?> ReadAsync(CompilerEntryPoints compiler, ParseResult parseResult, string origin, DiagnosticBag diagnostics,
        CancellationToken cancellationToken) =>
        DefinitionSet.ReadCatalogAsync(compiler, parseResult.GetValue(_schema) ?? [], parseResult.GetValue(_connection), origin, diagnostics, cancellationToken);
}
