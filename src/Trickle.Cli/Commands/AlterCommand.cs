using System.CommandLine;
using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle alter NAME [--mode …] [--schedule …] --connection CONNSTR</c>: switches an installed stream table's refresh
/// mode and/or schedule through <c>trickle.alter_stream_table</c>, which checks both and changes nothing on a problem.
/// </summary>
internal sealed class AlterCommand
{
    private readonly Argument<string> _name = new("NAME") { Description = "The stream table: name or schema.name." };
    private readonly Option<string?> _mode = new("--mode")
    {
        Description = "The new refresh mode; the stream table is brought up to date under the old one first.",
        HelpName = "auto|differential|immediate|full",
    };
    private readonly Option<string?> _schedule = new("--schedule")
    {
        Description = "The new schedule: a duration (500ms, 3s, 1m30s, 1h), a cron expression ('*/5 * * * *', @hourly), calculated, or none (refreshed only when asked).",
        HelpName = "SCHEDULE",
    };
    private readonly Option<string> _connection = DatabaseConnection.Option();

    public AlterCommand()
    {
        Command = new Command("alter", "Switch an installed stream table's refresh mode and/or schedule, without reinstalling it.")
        {
            _name, _mode, _schedule, _connection,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        DatabaseConnection.RunAsync(parseResult, _connection, cancellationToken, async (connection, stdout, token) =>
        {
            var name = parseResult.GetRequiredValue(_name);
            await using (var command = new NpgsqlCommand("SELECT trickle.alter_stream_table($1, refresh_mode => $2, schedule => $3)", connection) { CommandTimeout = 0 })
            {
                command.Parameters.Add(new NpgsqlParameter { Value = name });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parseResult.GetValue(_mode) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)parseResult.GetValue(_schedule) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                await command.ExecuteNonQueryAsync(token);
            }
            await using var state = new NpgsqlCommand(
                "SELECT c.refresh_mode, COALESCE(c.schedule, '-') FROM trickle.stream_table_catalog AS c, trickle.find_stream_table($1) AS f WHERE c.schema_name = f.schema_name AND c.table_name = f.table_name",
                connection);
            state.Parameters.Add(new NpgsqlParameter { Value = name });
            await using var reader = await state.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            stdout.WriteLine($"altered {name}: mode {reader.GetString(0)}, schedule {reader.GetString(1)}");
            return CliApp.ExitSuccess;
        });
}
