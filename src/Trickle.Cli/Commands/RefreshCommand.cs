using System.CommandLine;
using Npgsql;

namespace Trickle.Cli.Commands;

/// <summary><c>trickle refresh NAME --connection CONNSTR</c>: one refresh through <c>trickle.refresh</c>, now.</summary>
internal sealed class RefreshCommand
{
    private readonly Argument<string> _name = new("NAME") { Description = "The stream table: name or schema.name." };
    private readonly Option<string> _connection = DatabaseConnection.Option();

    public RefreshCommand()
    {
        Command = new Command("refresh", "Refresh one stream table now (suspended ones included).") { _name, _connection };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        DatabaseConnection.RunAsync(parseResult, _connection, cancellationToken, async (connection, stdout, token) =>
        {
            var name = parseResult.GetRequiredValue(_name);
            await using var command = new NpgsqlCommand("SELECT trickle.refresh($1)", connection) { CommandTimeout = 0 };
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            var started = System.Diagnostics.Stopwatch.StartNew();
            var rows = await command.ExecuteScalarAsync(token);
            stdout.WriteLine($"refreshed {name}: {rows} rows changed in {started.Elapsed.TotalMilliseconds:0.0} ms");
            return CliApp.ExitSuccess;
        });
}
