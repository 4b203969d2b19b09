using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster shared by every test class in the "postgres" collection: initialised once per run in a
/// temp directory, reachable only through a unix socket there, and deleted on dispose (or on process exit).
/// With TRICKLE_TEST_CONNECTION set, that server is used instead and nothing is started.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string ConnectionVariable = "TRICKLE_TEST_CONNECTION";

    private NpgsqlConnectionStringBuilder _server = new();
    private PostgresBinaries _binaries = null!;
    private string? _clusterDirectory;
    private bool _runAsPostgresUser;
    private bool _stopped;
    private int _databaseCounter;

    /// <summary>Connection string of the maintenance database (<c>postgres</c>).</summary>
    public string ServerConnectionString => _server.ConnectionString;

    public string PsqlPath => _binaries.Psql;

    /// <summary>The server log of the throwaway cluster, or null for an external server.</summary>
    public string? ServerLogPath => _clusterDirectory is null ? null : Path.Combine(_clusterDirectory, "server.log");

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            _binaries = PostgresBinaries.LocateClient();
            _server = new NpgsqlConnectionStringBuilder(external) { Database = "postgres" };
            return;
        }

        _binaries = PostgresBinaries.LocateServer();
        await StartClusterAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        StopCluster();
        return Task.CompletedTask;
    }

    /// <summary>Creates an empty database with a unique name; dispose it to drop it.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var name = $"{Sanitize(prefix ?? "test")}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                $"CREATE DATABASE {SqlText.Identifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Pinning the session time zone keeps timestamptz text stable on external servers too.
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Timezone = "UTC" };
        return new TestDatabase(this, name, builder.ConnectionString);
    }

    /// <summary>Opens a new connection; tests needing two sessions simply call this twice.</summary>
    public static async Task<NpgsqlConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(connectionString);
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

    /// <summary>Runs a script the way users install generated SQL: <c>psql -X -v ON_ERROR_STOP=1 -q -f script</c>.</summary>
    public async Task<ProcessResult> RunPsqlScriptAsync(string connectionString, string script, CancellationToken cancellationToken = default)
    {
        var scriptPath = Path.Combine(Path.GetTempPath(), $"trickle-test-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(scriptPath, script, cancellationToken);
        try
        {
            return await RunPsqlAsync(connectionString, ["-X", "-v", "ON_ERROR_STOP=1", "-q", "-f", scriptPath], cancellationToken);
        }
        finally
        {
            File.Delete(scriptPath);
        }
    }

    /// <summary>Runs psql with the connection arguments of <paramref name="connectionString"/> plus <paramref name="arguments"/>.</summary>
    public Task<ProcessResult> RunPsqlAsync(string connectionString, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var connectionArguments = new List<string>
        {
            "-h", builder.Host ?? "localhost",
            "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", builder.Username ?? "postgres",
            "-d", builder.Database ?? "postgres",
        };
        var environment = new Dictionary<string, string>
        {
            // A developer's ~/.psqlrc or PGOPTIONS must not change how scripts behave in tests.
            ["PGOPTIONS"] = "",
            ["PSQLRC"] = "/dev/null",
            ["PGTZ"] = builder.Timezone ?? "UTC",
        };
        if (!string.IsNullOrEmpty(builder.Password))
            environment["PGPASSWORD"] = builder.Password;
        return ProcessRunner.RunAsync(_binaries.Psql, connectionArguments.Concat(arguments), environment, cancellationToken);
    }

    private async Task StartClusterAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("trickle-pg-").FullName;
        _clusterDirectory = directory;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        var dataDirectory = Path.Combine(directory, "data");
        var port = FindFreePort();

        // PostgreSQL refuses to run as root, so as root the server runs as the postgres user and owns the directory.
        _runAsPostgresUser = Environment.IsPrivilegedProcess;
        if (_runAsPostgresUser)
            await RequireSuccess("chown", await ProcessRunner.RunAsync("chown", ["-R", "postgres", directory], null, cancellationToken));

        await RequireSuccess("initdb", await RunServerToolAsync(_binaries.InitDb!,
            ["-D", dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], cancellationToken));

        // jit=off: the checker recomputes queries over freshly written, never-analyzed tables; their default row
        // estimates make PostgreSQL JIT-compile millisecond queries for ~300 ms each, which only slows the run.
        var options = $"-p {port} -k {directory} -c listen_addresses='' -c fsync=off -c synchronous_commit=off " +
                      "-c full_page_writes=off -c max_connections=200 -c TimeZone=UTC -c jit=off";
        var start = await RunServerToolAsync(_binaries.PgCtl!,
            ["start", "-w", "-t", "60", "-D", dataDirectory, "-l", ServerLogPath!, "-o", options], cancellationToken);
        if (!start.Succeeded)
        {
            var log = File.Exists(ServerLogPath) ? await File.ReadAllTextAsync(ServerLogPath!, cancellationToken) : "";
            StopCluster();
            throw new InvalidOperationException($"pg_ctl start failed: {start.Describe()}\n--- server log ---\n{log}");
        }

        _server = new NpgsqlConnectionStringBuilder
        {
            Host = directory,
            Port = port,
            Username = "postgres",
            Database = "postgres",
            // Every test database gets its own pool; keep idle sessions from piling up against max_connections.
            MaxPoolSize = 20,
            ConnectionIdleLifetime = 10,
        };
    }

    private Task<ProcessResult> RunServerToolAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        _runAsPostgresUser
            ? ProcessRunner.RunAsync("runuser", new[] { "-u", "postgres", "--", tool }.Concat(arguments), null, cancellationToken)
            : ProcessRunner.RunAsync(tool, arguments, null, cancellationToken);

    private Task RequireSuccess(string what, ProcessResult result)
    {
        if (result.Succeeded)
            return Task.CompletedTask;
        StopCluster();
        throw new InvalidOperationException($"{what} failed: {result.Describe()}\n{PostgresBinaries.InstallHint}");
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopCluster();

    private void StopCluster()
    {
        if (_stopped || _clusterDirectory is null)
            return;
        _stopped = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        NpgsqlConnection.ClearAllPools();
        var dataDirectory = Path.Combine(_clusterDirectory, "data");
        if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            string[] stop = ["stop", "-m", "immediate", "-w", "-D", dataDirectory];
            if (_runAsPostgresUser)
                ProcessRunner.Run("runuser", new[] { "-u", "postgres", "--", _binaries.PgCtl! }.Concat(stop), TimeSpan.FromSeconds(30));
            else
                ProcessRunner.Run(_binaries.PgCtl!, stop, TimeSpan.FromSeconds(30));
        }
        try
        {
            Directory.Delete(_clusterDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server that would not stop keeps files open; the OS temp cleaner gets them later.
        }
    }

    private static int FindFreePort()
    {
        // The server only listens on a socket in its own directory, but a free TCP port keeps the socket name
        // unambiguous if someone later enables TCP for debugging.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
