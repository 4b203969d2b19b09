using System.CommandLine;
using System.Globalization;
using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary><c>trickle status --connection CONNSTR</c>: <c>trickle.stream_tables</c> as a table, then <c>trickle.health()</c>.</summary>
internal sealed class StatusCommand
{
    private readonly Option<string> _connection = DatabaseConnection.Option();

    private const string Query = """
        SELECT format('%I.%I', schema_name, name), refresh_mode, COALESCE(schedule, '-'), status,
               COALESCE(to_char(last_refresh_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'),
               COALESCE(round(extract(epoch FROM staleness)::numeric, 1)::text || ' s', '-'),
               COALESCE(stored_rows_estimate::text, '-'), COALESCE(pending_changes::text, '-'),
               consecutive_failures::text, COALESCE(last_error, '')
        FROM trickle.stream_tables
        ORDER BY schema_name, name
        """;

    private static readonly string[] Headers =
        ["stream table", "mode", "schedule", "status", "last refresh (UTC)", "staleness", "rows (est.)", "pending", "failures", "last error"];

    public StatusCommand()
    {
        Command = new Command("status", "Show every stream table: mode, schedule, status, freshness, pending changes, last error; then any health problems.")
        {
            _connection,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        DatabaseConnection.RunAsync(parseResult, _connection, cancellationToken, async (connection, stdout, token) =>
        {
            if (!await HasRuntimeAsync(connection, token))
            {
                parseResult.InvocationConfiguration.Error.WriteLine(
                    $"trickle: error: database \"{connection.Database}\" has no trickle runtime (schema trickle with trickle.stream_tables): install a stream table's script there first");
                return CliApp.ExitFailure;
            }
            WriteTable(stdout, Headers, await ReadAsync(connection, Query, token));
            var problems = await ReadAsync(connection,
                "SELECT CASE WHEN name IS NULL THEN '(database)' ELSE format('%I.%I', schema_name, name) END, problem, detail FROM trickle.health()", token);
            stdout.WriteLine();
            if (problems.Count == 0)
                stdout.WriteLine("health: no problems");
            foreach (var problem in problems)
                stdout.WriteLine($"health: {problem[0]}: {problem[1]}: {problem[2]}");
            // A probe or script needs no parsing: 0 healthy, 3 problems reported, 1 could not tell.
            return problems.Count == 0 ? CliApp.ExitSuccess : ExitUnhealthy;
        });

    /// <summary>The exit code when <c>trickle.health()</c> reports a problem; distinct from 1 (could not check at all).</summary>
    public const int ExitUnhealthy = 3;

    private static async Task<bool> HasRuntimeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT to_regclass('trickle.stream_tables') IS NOT NULL AND to_regprocedure('trickle.health(bigint)') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<List<string[]>> ReadAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string[]>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(Enumerable.Range(0, reader.FieldCount)
                .Select(i => reader.IsDBNull(i) ? "" : DiagnosticPrinter.OneLine(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? ""))
                .ToArray());
        return rows;
    }

    /// <summary>Columns padded to their widest cell; the last column (the error) is not padded.</summary>
    private static void WriteTable(TextWriter output, string[] headers, List<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(headers));
        output.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in rows)
            output.WriteLine(Line(row));
    }
}
