using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Trickle.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster: initialised in a temp directory, reachable only through a unix socket there, and
/// stopped and deleted on dispose (or on process exit). With TRICKLE_TEST_CONNECTION set, that server is used instead
/// and nothing is started.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ConnectionVariable = "TRICKLE_TEST_CONNECTION";

    // jit=off: the test checker recomputes queries over freshly written, never-analyzed tables; their default row
    // estimates make PostgreSQL JIT-compile millisecond queries for ~300 ms each, which only slows the run.
    private static readonly IReadOnlyList<KeyValuePair<string, string>> BaseSettings =
    [
        new("listen_addresses", "''"),
        new("fsync", "off"),
        new("synchronous_commit", "off"),
        new("full_page_writes", "off"),
        new("max_connections", "200"),
        new("TimeZone", "UTC"),
        new("jit", "off"),
    ];

    private readonly PostgresBinaries _binaries;
    private NpgsqlConnectionStringBuilder _server = new();
    private string? _clusterDirectory;
    private bool _runAsPostgresUser;
    private bool _stopped;

    private PostgresServer(PostgresBinaries binaries) => _binaries = binaries;

    /// <summary>Connection string of the maintenance database (<c>postgres</c>).</summary>
    public string ServerConnectionString => _server.ConnectionString;

    public string PsqlPath => _binaries.Psql;

    /// <summary>pgbench next to psql, or null when it is not installed.</summary>
    public string? PgBenchPath => _binaries.PgBench;

    /// <summary>True when TRICKLE_TEST_CONNECTION pointed at a server this process did not start.</summary>
    public bool IsExternal => _clusterDirectory is null;

    /// <summary>The server log of the throwaway cluster, or null for an external server.</summary>
    public string? ServerLogPath => _clusterDirectory is null ? null : Path.Combine(_clusterDirectory, "server.log");

    /// <summary>
    /// Starts a throwaway cluster, or connects to TRICKLE_TEST_CONNECTION. <paramref name="extraSettings"/> are passed
    /// to the server as <c>-c name=value</c> after the defaults; an external server ignores them.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(
        IEnumerable<KeyValuePair<string, string>>? extraSettings = null, CancellationToken cancellationToken = default)
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new PostgresServer(PostgresBinaries.LocateClient())
            {
                _server = new NpgsqlConnectionStringBuilder(external) { Database = "postgres" },
            };

        var server = new PostgresServer(PostgresBinaries.LocateServer());
        await server.StartClusterAsync(BaseSettings.Concat(extraSettings ?? []), cancellationToken);
        return server;
    }

    /// <summary>Creates an empty database named <paramref name="name"/>; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await using (var connection = await OpenConnectionAsync(ServerConnectionString, cancellationToken))
        {
            await using var command = new NpgsqlCommand(
                $"CREATE DATABASE {SqlText.Identifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Pinning the session time zone keeps timestamptz text stable on external servers too.
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Timezone = "UTC" }.ConnectionString;
    }

    /// <summary>Drops a database created here, closing its sessions first, and its replication slots (which would hold it).</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(ServerConnectionString, cancellationToken);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // A slot in use (a WAL read in progress) cannot be dropped: its session is ended first.
            await using var slots = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(active_pid)) + count(pg_drop_replication_slot(slot_name) IS NULL) FILTER (WHERE active_pid IS NULL) "
                + "FROM pg_replication_slots WHERE database = $1", connection);
            slots.Parameters.Add(new NpgsqlParameter { Value = name });
            try
            {
                if ((long)(await slots.ExecuteScalarAsync(cancellationToken))! == 0)
                    break;
            }
            catch (PostgresException e) when (e.SqlState == "55006")
            {
                // Became active between the read and the drop: try again.
            }
            await Task.Delay(100, cancellationToken);
        }
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {SqlText.Identifier(name)} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Opens a new connection; callers needing two sessions simply call this twice.</summary>
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
        var scriptPath = Path.Combine(Path.GetTempPath(), $"trickle-psql-{Guid.NewGuid():N}.sql");
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
    public Task<ProcessResult> RunPsqlAsync(string connectionString, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        RunClientAsync(_binaries.Psql, connectionString, arguments, cancellationToken);

    /// <summary>Runs pgbench against the database of <paramref name="connectionString"/>.</summary>
    public Task<ProcessResult> RunPgBenchAsync(string connectionString, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        RunClientAsync(
            _binaries.PgBench ?? throw new InvalidOperationException("pgbench was not found next to psql. " + PostgresBinaries.InstallHint),
            connectionString, arguments, cancellationToken);

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>libpq clients (psql, pgbench) take the same connection arguments; the database name goes last.</summary>
    private static Task<ProcessResult> RunClientAsync(
        string program, string connectionString, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var connectionArguments = new List<string>
        {
            "-h", builder.Host ?? "localhost",
            "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
            "-U", builder.Username ?? "postgres",
        };
        var environment = new Dictionary<string, string>
        {
            // A developer's ~/.psqlrc or PGOPTIONS must not change how scripts behave.
            ["PGOPTIONS"] = "",
            ["PSQLRC"] = "/dev/null",
            ["PGTZ"] = builder.Timezone ?? "UTC",
        };
        if (!string.IsNullOrEmpty(builder.Password))
            environment["PGPASSWORD"] = builder.Password;
        // pgbench takes the database name as its only positional argument, so it must follow every option.
        var database = new[] { builder.Database ?? "postgres" };
        return ProcessRunner.RunAsync(program, connectionArguments.Concat(arguments).Concat(database), environment, cancellationToken);
    }

    private async Task StartClusterAsync(IEnumerable<KeyValuePair<string, string>> settings, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("trickle-pg-").FullName;
        _clusterDirectory = directory;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        var dataDirectory = Path.Combine(directory, "data");
        var port = FindFreePort();

        // PostgreSQL refuses to run as root, so as root the server runs as the postgres user and owns the directory.
        _runAsPostgresUser = Environment.IsPrivilegedProcess;
        if (_runAsPostgresUser)
            RequireSuccess("chown", await ProcessRunner.RunAsync("chown", ["-R", "postgres", directory], null, cancellationToken));

        RequireSuccess("initdb", await RunServerToolAsync(_binaries.InitDb!,
            ["-D", dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], cancellationToken));

        var options = $"-p {port} -k {directory} " + string.Join(" ", settings.Select(setting => $"-c {setting.Key}={setting.Value}"));
        var start = await RunServerToolAsync(_binaries.PgCtl!,
            ["start", "-w", "-t", "60", "-D", dataDirectory, "-l", ServerLogPath!, "-o", options], cancellationToken);
        if (!start.Succeeded)
        {
            var log = File.Exists(ServerLogPath) ? await File.ReadAllTextAsync(ServerLogPath!, cancellationToken) : "";
            Stop();
            throw new InvalidOperationException($"pg_ctl start failed: {start.Describe()}\n--- server log ---\n{log}");
        }

        _server = new NpgsqlConnectionStringBuilder
        {
            Host = directory,
            Port = port,
            Username = "postgres",
            Database = "postgres",
            // Every database gets its own pool; keep idle sessions from piling up against max_connections.
            MaxPoolSize = 20,
            ConnectionIdleLifetime = 10,
        };
    }

    private Task<ProcessResult> RunServerToolAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        _runAsPostgresUser
            ? ProcessRunner.RunAsync("runuser", new[] { "-u", "postgres", "--", tool }.Concat(arguments), null, cancellationToken)
            : ProcessRunner.RunAsync(tool, arguments, null, cancellationToken);

    private void RequireSuccess(string what, ProcessResult result)
    {
        if (result.Succeeded)
            return;
        Stop();
        throw new InvalidOperationException($"{what} failed: {result.Describe()}\n{PostgresBinaries.InstallHint}");
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    private void Stop()
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
}
