using Npgsql;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>One fresh database of the test cluster. Disposing drops it.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly PostgresCluster _cluster;

    internal TestDatabase(PostgresCluster cluster, string name, string connectionString)
    {
        _cluster = cluster;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        PostgresCluster.OpenConnectionAsync(ConnectionString, cancellationToken);

    /// <summary>Runs <paramref name="script"/> with <c>psql -X -v ON_ERROR_STOP=1 -q -f</c>.</summary>
    public Task<ProcessResult> RunPsqlScriptAsync(string script, CancellationToken cancellationToken = default) =>
        _cluster.RunPsqlScriptAsync(ConnectionString, script, cancellationToken);

    /// <summary>Runs a psql script and throws with psql's output when it fails.</summary>
    public async Task ExecutePsqlScriptAsync(string script, string what, CancellationToken cancellationToken = default)
    {
        var result = await RunPsqlScriptAsync(script, cancellationToken);
        if (!result.Succeeded)
            throw new InvalidOperationException(
                $"psql failed while running {what} in database {Name}: {result.Describe()}\n--- script ---\n{Excerpt(script)}");
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString));
        try
        {
            await _cluster.DropDatabaseAsync(Name);
        }
        catch (NpgsqlException)
        {
            // Dropping is a courtesy: the cluster directory is deleted at the end of the run anyway.
        }
    }

    internal static string Excerpt(string text, int maxChars = 20_000) =>
        text.Length <= maxChars ? text : text[..maxChars] + $"\n… ({text.Length - maxChars} more characters)";
}
