using System.Diagnostics;

namespace Trickle.Cli.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for the live-catalog tests: its own data directory, socket-only, deleted afterwards.
/// PostgreSQL refuses to run as root, so as root the server binaries run as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _root = "";
    private string _binDirectory = "";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        _root = Path.Combine(Path.GetTempPath(), "trickle-cli-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        if (Environment.UserName == "root")
            await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);

        var data = Path.Combine(_root, "data");
        // The socket alone identifies this cluster; a random port keeps PostgreSQL's shared-memory key away from
        // other clusters the database tests start on this machine at the same time.
        var port = Random.Shared.Next(20000, 60000);
        await RunAsync(Path.Combine(_binDirectory, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
            ["-w", "-D", data, "-l", Path.Combine(_root, "server.log"), "-o", $"-p {port} -k {_root} -c listen_addresses='' -c fsync=off -c wal_level=logical", "start"]);
        ConnectionString = $"Host={_root};Port={port};Username=postgres;Database=postgres;Pooling=false";
    }

    public async Task DisposeAsync()
    {
        if (_root.Length == 0)
            return;
        try
        {
            if (Directory.Exists(Path.Combine(_root, "data")))
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
                .Where(c => c.Version >= 15 && File.Exists(Path.Combine(c.Bin, "initdb")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        if (candidates.Count == 0)
            throw new InvalidOperationException(
                "PostgreSQL 15+ server binaries not found under /usr/lib/postgresql/*/bin: apt-get install postgresql (.ci/run does this)");
        return candidates[0].Bin;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && Environment.UserName == "root")
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", "postgres", "--", program })
                start.ArgumentList.Add(argument);
        }
        else
        {
            start.FileName = program;
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
