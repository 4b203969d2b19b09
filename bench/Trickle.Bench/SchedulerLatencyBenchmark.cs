using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Trickle.Compiler;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// How long a committed change takes to become visible in a stream table refreshed every second by
/// <c>CALL trickle.run_scheduler()</c>, and what a refresh costs when nothing changed. A writer commits one row with a
/// new key at a random moment, then polls the stream table every millisecond until the key is there; the pauses
/// between samples are random so samples do not lock onto the scheduler's phase.
/// </summary>
public static class SchedulerLatencyBenchmark
{
    private const string Schema = "CREATE TABLE events (id bigint PRIMARY KEY, kind integer NOT NULL, amount numeric NOT NULL);";
    private const string Query = "SELECT kind, count(*) AS n, sum(amount) AS total FROM events GROUP BY kind";

    public static async Task<int> RunAsync(int samples, CancellationToken cancellationToken)
    {
        await using var server = await PostgresServer.StartAsync(cancellationToken: cancellationToken);
        var connectionString = await server.CreateDatabaseAsync($"trickle_sched_{Environment.ProcessId}", cancellationToken);
        await using var setup = await PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);
        await ExecuteAsync(setup, Schema + "INSERT INTO events SELECT i, i % 1000, i FROM generate_series(1, 100000) AS i;", cancellationToken);
        var script = StreamTableInstaller.Compile(StreamTableInstaller.ReadSchema(Schema), "per_kind.sql", Query,
            new CompilationOptions(Name: "per_kind", Mode: RefreshMode.Differential, Schedule: "1s"));
        var installed = await server.RunPsqlScriptAsync(connectionString, script, cancellationToken);
        if (!installed.Succeeded)
            throw new InvalidOperationException(installed.Describe());

        var noChange = new List<double>();
        for (var i = 0; i < 200; i++)
            noChange.Add(await StreamTableInstaller.TimeAsync(setup, "SELECT trickle.refresh('per_kind')", cancellationToken));

        await using var schedulerConnection = await PostgresServer.OpenConnectionAsync(
            new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString, cancellationToken);
        var scheduler = StreamTableInstaller.ExecuteAsync(schedulerConnection, "CALL trickle.run_scheduler()", CancellationToken.None);

        var latencies = new List<double>();
        var random = new Random(7);
        for (var i = 0; i < samples; i++)
        {
            // A pause uniform over one period: the sample starts at any phase of the scheduler's 1 s cycle.
            await Task.Delay(random.Next(0, 1000), cancellationToken);
            var kind = 1_000_000 + i;
            await ExecuteAsync(setup, $"INSERT INTO events VALUES ({200_000 + i}, {kind}, 1)", cancellationToken);
            var committed = Stopwatch.StartNew();
            await using var probe = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM per_kind WHERE kind = {kind})", setup);
            while (!(bool)(await probe.ExecuteScalarAsync(cancellationToken))!)
                await Task.Delay(1, cancellationToken);
            latencies.Add(committed.Elapsed.TotalMilliseconds);
        }
        await ExecuteAsync(setup, "SELECT trickle.stop_scheduler()", cancellationToken);
        await scheduler;

        Console.WriteLine($"PostgreSQL: {await ScalarAsync(setup, "SELECT version()", cancellationToken)}");
        Console.WriteLine($"latency, commit to visible in a 1s-schedule stream table ({samples} samples): " +
            $"median {Percentile(latencies, 0.5):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.Max():0} ms");
        Console.WriteLine($"refresh with nothing pending, client round trip included (200 calls): " +
            $"median {Percentile(noChange, 0.5):0.00} ms, p99 {Percentile(noChange, 0.99):0.00} ms");
        return 0;
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken) =>
        await StreamTableInstaller.ExecuteAsync(connection, sql, cancellationToken);

    private static async Task<string> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }
}
