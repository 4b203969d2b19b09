using Npgsql;
using Trickle.Postgres;
using Xunit;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>
/// The throwaway <see cref="PostgresServer"/> shared by every test class in the "postgres" collection: started once
/// per run, deleted on dispose (or on process exit). With TRICKLE_TEST_CONNECTION set, that server is used instead.
/// </summary>
public class PostgresCluster : IAsyncLifetime
{
    public const string ConnectionVariable = PostgresServer.ConnectionVariable;

    private PostgresServer _server = null!;
    private int _databaseCounter;

    /// <summary>Connection string of the maintenance database (<c>postgres</c>).</summary>
    public string ServerConnectionString => _server.ServerConnectionString;

    public string PsqlPath => _server.PsqlPath;

    /// <summary>The server log of the throwaway cluster, or null for an external server.</summary>
    public string? ServerLogPath => _server.ServerLogPath;

    /// <summary>Server settings beyond the defaults (<see cref="PostgresServer.StartAsync"/>); none here.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>>? Settings => null;

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(Settings);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Creates an empty database with a unique name; dispose it to drop it.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var name = $"{Sanitize(prefix ?? "test")}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        var connectionString = await _server.CreateDatabaseAsync(name, cancellationToken);
        return new TestDatabase(this, name, connectionString);
    }

    /// <summary>Opens a new connection; tests needing two sessions simply call this twice.</summary>
    public static Task<NpgsqlConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken = default) =>
        PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);

    /// <summary>Runs a script the way users install generated SQL: <c>psql -X -v ON_ERROR_STOP=1 -q -f script</c>.</summary>
    public Task<ProcessResult> RunPsqlScriptAsync(string connectionString, string script, CancellationToken cancellationToken = default) =>
        _server.RunPsqlScriptAsync(connectionString, script, cancellationToken);

    /// <summary>Runs psql with the connection arguments of <paramref name="connectionString"/> plus <paramref name="arguments"/>.</summary>
    public Task<ProcessResult> RunPsqlAsync(string connectionString, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        _server.RunPsqlAsync(connectionString, arguments, cancellationToken);

    internal Task DropDatabaseAsync(string name) => _server.DropDatabaseAsync(name);

    private static string Sanitize(string prefix)
    {
        var cleaned = new string(prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return cleaned.Length > 30 ? cleaned[..30] : cleaned;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}

/// <summary>
/// A cluster with <c>wal_level = logical</c> (and room for replication slots), for WAL capture: a server of its own,
/// since wal_level needs a restart. With TRICKLE_TEST_CONNECTION set, that server must have it.
/// </summary>
public sealed class LogicalPostgresCluster : PostgresCluster
{
    protected override IEnumerable<KeyValuePair<string, string>>? Settings =>
    [
        new("wal_level", "logical"),
        new("max_replication_slots", "20"),
        new("max_wal_senders", "20"),
        // The tests' clusters commit asynchronously; on PostgreSQL before 17 a refresh over a WAL-captured source waits
        // for the WAL writer's flush, bounded by three times this delay (200 ms by default, 0.6 s per refresh).
        new("wal_writer_delay", "10ms"),
    ];
}

[CollectionDefinition(Name)]
public sealed class LogicalPostgresCollection : ICollectionFixture<LogicalPostgresCluster>
{
    public const string Name = "postgres with wal_level = logical";
}
