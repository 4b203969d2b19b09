using Trickle.Database.Tests.Infrastructure;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Dag;

/// <summary>One stream table of a graph: its name, mode, defining query and schedule.</summary>
internal sealed record GraphNode(string Name, string Mode, string Query, string? Schedule = null);

/// <summary>
/// Installs stream tables that read each other, in the given order: each is compiled offline against the tables and
/// the stream tables declared before it (<c>CREATE STREAM TABLE … AS …</c> in the schema), as a user would.
/// </summary>
internal static class StreamTableGraph
{
    public static async Task InstallAsync(TestDatabase database, string tablesDdl, IReadOnlyList<GraphNode> nodes)
    {
        var schema = tablesDdl;
        foreach (var node in nodes)
        {
            await database.ExecutePsqlScriptAsync(Compile(schema, node.Query, node.Name, node.Mode, node.Schedule), $"install of {node.Name} ({node.Mode})");
            schema += $"\nCREATE STREAM TABLE {node.Name} AS {node.Query};";
        }
    }

    /// <summary>Runs <paramref name="sql"/> in a REPEATABLE READ transaction, retrying serialization failures.</summary>
    public static async Task<T> InOneSnapshotAsync<T>(Npgsql.NpgsqlConnection connection, Func<Npgsql.NpgsqlTransaction, Task<T>> action)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
            try
            {
                var result = await action(transaction);
                await transaction.CommitAsync();
                return result;
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.SerializationFailure && attempt < 50)
            {
                await transaction.RollbackAsync();
            }
        }
    }

    public static Task<long> RefreshInOneSnapshotAsync(Npgsql.NpgsqlConnection connection, string name) =>
        InOneSnapshotAsync(connection, async transaction =>
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT trickle.refresh(@name)", connection, transaction);
            command.Parameters.AddWithValue("name", name);
            return (long)(await command.ExecuteScalarAsync())!;
        });
}
