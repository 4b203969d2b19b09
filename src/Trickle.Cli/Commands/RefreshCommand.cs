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
            var started = System.Diagnostics.Stopwatch.StartNew();
            var rows = await RefreshAsync(connection, name, token);
            stdout.WriteLine($"refreshed {name}: {rows} rows changed in {started.Elapsed.TotalMilliseconds:0.0} ms");
            return CliApp.ExitSuccess;
        });

    /// <summary>
    /// A stream table whose upstreams read a diamond is refreshed with them in one REPEATABLE READ transaction (the
    /// runtime refuses READ COMMITTED there, before doing anything); a concurrent refresh of one of them is a
    /// serialization failure, retried. The refusal itself says which: asking beforehand would need EXECUTE on more
    /// than trickle.refresh, which is all an operator role is granted (docs/runtime.md, "Roles and privileges").
    /// </summary>
    private static async Task<object?> RefreshAsync(NpgsqlConnection connection, string name, CancellationToken token)
    {
        var oneSnapshot = false;
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = oneSnapshot
                ? await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, token)
                : null;
            await using var command = new NpgsqlCommand("SELECT trickle.refresh($1)", connection, transaction) { CommandTimeout = 0 };
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            try
            {
                var rows = await command.ExecuteScalarAsync(token);
                if (transaction is not null)
                    await transaction.CommitAsync(token);
                return rows;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidTransactionState && !oneSnapshot)
            {
                oneSnapshot = true;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.SerializationFailure && attempt < 10)
            {
                await transaction!.RollbackAsync(token);
            }
        }
    }
}
