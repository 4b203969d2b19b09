using System.CommandLine;
using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary>The <c>--connection</c> option of the commands that talk to a database with the trickle runtime installed.</summary>
internal static class DatabaseConnection
{
    public static Option<string> Option() => new("--connection")
    {
        Description = "The database the stream tables are installed in: an Npgsql connection string (Host=…;Database=…) or a postgresql://user:password@host:port/database URI. Parts left out come from PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD, as in psql; without --connection, all of it does.",
        HelpName = "CONNSTR",
    };

    /// <summary>The connection string the user gave (or none), completed from the PG* environment variables.</summary>
    public static string Resolve(ParseResult parseResult, Option<string> connectionOption) =>
        ConnectionString.Resolve(parseResult.GetValue(connectionOption), Environment.GetEnvironmentVariable);

    /// <summary>An unpooled connection: closing it ends the session, and with it any session lock it held.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh connection; database and connection-string errors become one line on
    /// standard error and exit code 1, Ctrl+C exit code 130.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Option<string> connectionOption, CancellationToken cancellationToken,
        Func<NpgsqlConnection, TextWriter, CancellationToken, Task<int>> body)
    {
        var stderr = parseResult.InvocationConfiguration.Error;
        try
        {
            await using var connection = await OpenAsync(Resolve(parseResult, connectionOption), cancellationToken);
            return await body(connection, parseResult.InvocationConfiguration.Output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("trickle: canceled");
            return CliApp.ExitCanceled;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            return Fail(stderr, exception);
        }
    }

    /// <summary>Reports a database error the way the other commands report problems: one line, tool as origin.</summary>
    public static int Fail(TextWriter stderr, Exception exception)
    {
        var message = exception is PostgresException postgres ? $"{postgres.MessageText} (SQLSTATE {postgres.SqlState})" : exception.Message;
        stderr.WriteLine($"trickle: error: {DiagnosticPrinter.OneLine(message)}");
        return CliApp.ExitFailure;
    }
}
