using System.CommandLine;
using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary>
/// <c>trickle repair NAME --connection CONNSTR</c>: <c>trickle.repair_stream_table</c>, which puts back the triggers
/// and buffers the stream table's mode needs and recomputes it. Exit 0 when repaired; when something it cannot put
/// back is still wrong (a source column still renamed), the database's one-line refusal says what, and the exit is 1.
/// </summary>
internal sealed class RepairCommand
{
    private readonly Argument<string> _name = new("NAME") { Description = "The stream table: name or schema.name." };
    private readonly Option<string> _connection = DatabaseConnection.Option();

    public RepairCommand()
    {
        Command = new Command("repair", "Repair a stream table after drift (a capture trigger dropped or disabled, a buffer dropped, a source renamed back): put its triggers and buffers back and recompute it.")
        {
            _name, _connection,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        DatabaseConnection.RunAsync(parseResult, _connection, cancellationToken, async (connection, stdout, token) =>
        {
            var name = parseResult.GetRequiredValue(_name);
            var started = System.Diagnostics.Stopwatch.StartNew();
            await using var command = new NpgsqlCommand("SELECT trickle.repair_stream_table($1)", connection) { CommandTimeout = 0 };
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            var rows = await command.ExecuteScalarAsync(token);
            stdout.WriteLine($"repaired {name}: recomputed, {rows} rows changed in {started.Elapsed.TotalMilliseconds:0.0} ms");
            return CliApp.ExitSuccess;
        });
}
