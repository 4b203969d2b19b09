using System.CommandLine;
using System.Data;
using Npgsql;
using Trickle.Compiler.PgIvm;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle import-pg-ivm --connection CONNSTR -o DIR</c>: reads every IMMV's name and defining query from pg_ivm's
/// catalog and writes one stream-table definition file each, plus the migration plan (<c>migrate.sh</c>). Exit code 0
/// when written, 1 when an IMMV's definition cannot be read, 2 for usage or connection errors or a database without
/// pg_ivm's catalog.
/// </summary>
internal sealed class ImportPgIvmCommand
{
    private readonly Option<string> _connection = DatabaseConnection.Option();
    private readonly Option<string> _output = new("--output", "-o")
    {
        Description = "The directory to write the definition files and migrate.sh into (created when missing).",
        HelpName = "DIR",
        Required = true,
    };

    public ImportPgIvmCommand()
    {
        Command = new Command("import-pg-ivm", "Write a stream-table definition file for every pg_ivm IMMV in the database, and a migration plan script (migrate.sh) that installs, verifies and swaps them.")
        {
            _connection, _output,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    /// <summary>pg_ivm 1.11 and later keep their catalog in schema pgivm with the query text; older ones in pg_catalog.</summary>
    private const string FindCatalogSql = """
        SELECT CASE WHEN pg_catalog.to_regclass('pgivm.pg_ivm_immv') IS NOT NULL THEN 'pgivm.pg_ivm_immv'
                    WHEN pg_catalog.to_regclass('pg_catalog.pg_ivm_immv') IS NOT NULL THEN 'pg_catalog.pg_ivm_immv' END,
               pg_catalog.to_regprocedure('pg_catalog.get_immv_def(regclass)') IS NOT NULL
        """;

    private const string CurrentImmvsSql = """
        SELECT n.nspname, c.relname, c.oid, i.querystring
        FROM pgivm.pg_ivm_immv AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.immvrelid
        JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>Before 1.11 the catalog holds a parse tree; get_immv_def deparses it where the version has it.</summary>
    private const string OlderImmvsSql = """
        SELECT n.nspname, c.relname, c.oid, pg_catalog.get_immv_def(i.immvrelid)
        FROM pg_catalog.pg_ivm_immv AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.immvrelid
        JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
        ORDER BY n.nspname, c.relname
        """;

    private const string ImmvColumnsSql = """
        SELECT a.attname FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\_\_ivm\_%'
        ORDER BY a.attnum
        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        var directory = parseResult.GetRequiredValue(_output);
        try
        {
            await using var connection = await DatabaseConnection.OpenAsync(parseResult.GetRequiredValue(_connection), cancellationToken);
            string? catalog;
            bool hasDeparser;
            await using (var command = new NpgsqlCommand(FindCatalogSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                (catalog, hasDeparser) = (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetBoolean(1));
            }
            if (catalog is null)
                return Usage(stderr, "pg_ivm's catalog (pgivm.pg_ivm_immv, or pg_catalog.pg_ivm_immv before pg_ivm 1.11) is not in this database: is pg_ivm installed here?");
            if (catalog == "pg_catalog.pg_ivm_immv" && !hasDeparser)
                return Usage(stderr, "this pg_ivm keeps only parse trees of its IMMVs' queries and has no get_immv_def: update the extension (ALTER EXTENSION pg_ivm UPDATE) and import again");

            var found = new List<(string Schema, string Name, uint Oid, string Query)>();
            await using (var command = new NpgsqlCommand(catalog == "pgivm.pg_ivm_immv" ? CurrentImmvsSql : OlderImmvsSql, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    found.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<uint>(2), reader.GetString(3)));

            var immvs = new List<(ImportedImmv Immv, string File)>();
            var failed = false;
            foreach (var (schema, name, oid, query) in found)
            {
                try
                {
                    var immv = new ImportedImmv(schema, name, query, await ImmvColumnsAsync(connection, oid, cancellationToken), await QueryColumnsAsync(connection, query, cancellationToken));
                    var file = PgIvmImport.FileNameFor(immv);
                    for (var n = 2; immvs.Any(i => i.File == file); n++)
                        file = Path.GetFileNameWithoutExtension(PgIvmImport.FileNameFor(immv)) + $"_{n}.sql";
                    immvs.Add((immv, file));
                }
                catch (PostgresException e)
                {
                    stderr.WriteLine($"trickle: error: the query of IMMV {schema}.{name} does not run as stored: {DiagnosticPrinter.OneLine(e.MessageText)} (SQLSTATE {e.SqlState})");
                    failed = true;
                }
            }
            if (failed)
                return CliApp.ExitFailure;

            Directory.CreateDirectory(directory);
            foreach (var (immv, file) in immvs)
                await File.WriteAllTextAsync(Path.Combine(directory, file), PgIvmImport.DefinitionFile(immv), cancellationToken);
            var plan = Path.Combine(directory, "migrate.sh");
            await File.WriteAllTextAsync(plan, PgIvmImport.MigrationPlan(immvs, catalog), cancellationToken);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(plan, File.GetUnixFileMode(plan) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

            stdout.WriteLine($"imported {immvs.Count} IMMV(s) from {catalog}:");
            foreach (var (immv, file) in immvs)
                stdout.WriteLine($"  {immv.DisplayName} -> {Path.Combine(directory, file)}");
            stdout.WriteLine($"migration plan: {plan}");
            return CliApp.ExitSuccess;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("trickle: canceled");
            return CliApp.ExitCanceled;
        }
        catch (IOException exception)
        {
            return Usage(stderr, $"could not write into {directory}: {exception.Message}");
        }
        catch (UnauthorizedAccessException exception)
        {
            return Usage(stderr, $"could not write into {directory}: {exception.Message}");
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            DatabaseConnection.Fail(stderr, exception);
            return CliApp.ExitUsage;
        }
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"trickle: error: {DiagnosticPrinter.OneLine(message)}");
        return CliApp.ExitUsage;
    }

    private static async Task<List<string>> ImmvColumnsAsync(NpgsqlConnection connection, uint immv, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(ImmvColumnsSql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = immv, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        await using var reader = await command.ExecuteReaderAsync(token);
        var columns = new List<string>();
        while (await reader.ReadAsync(token))
            columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>The query's output column names, from PostgreSQL's description of it (it is not run).</summary>
    private static async Task<List<string>> QueryColumnsAsync(NpgsqlConnection connection, string query, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(query.Trim().TrimEnd(';'), connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly, token);
        return reader.GetColumnSchema().Select(c => c.ColumnName).ToList();
    }
}
