using System.Globalization;
using System.Text.RegularExpressions;
using Trickle.Compiler;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// What stream tables cost the writers of their sources: pgbench throughput on orders with no stream table, then with
/// DIFFERENTIAL and IMMEDIATE ones installed. Every configuration starts from the same freshly loaded table.
/// </summary>
public sealed partial class WritePathBenchmark(PostgresServer server, OrdersWorkload workload, StreamTableInstaller installer, Action<string> log)
{
    private sealed record Configuration(string Title, RefreshMode Mode, IReadOnlyList<QueryClass> Classes);

    /// <summary>pgbench scripts, weight after the '@'; each script execution is one transaction.</summary>
    private sealed record Workload(string Title, IReadOnlyList<(string Name, string Script)> Scripts, double TargetRatio);

    private static readonly Configuration Baseline = new("no stream table", RefreshMode.Differential, []);

    private static readonly Configuration[] Configurations =
    [
        Baseline,
        new("1 DIFFERENTIAL (aggregate)", RefreshMode.Differential, [QueryClass.Aggregate]),
        new("1 IMMEDIATE (aggregate)", RefreshMode.Immediate, [QueryClass.Aggregate]),
        new("5 DIFFERENTIAL (aggregate, join, join + aggregate, scan/filter, outer join)", RefreshMode.Differential,
            [QueryClass.Aggregate, QueryClass.Join, QueryClass.JoinAggregate, QueryClass.ScanFilter, QueryClass.OuterJoin]),
    ];

    // Inserted ids come from the shared sequence, so clients and runs never collide; updated and deleted ids are
    // drawn from the loaded range (a delete of an id already deleted simply changes nothing).
    private static readonly Workload[] Workloads =
    [
        new("single-row (1/3 UPDATE amount, 1/3 INSERT, 1/3 DELETE, one statement per transaction)",
        [
            ("update", """
                \set id random(1, :orders)
                UPDATE orders SET amount = amount + 1 WHERE id = :id;
                """),
            ("insert", $"""
                \set customer random(1, :customers)
                INSERT INTO orders (id, customer_id, status, amount, quantity) VALUES (nextval('{OrdersWorkload.OrderIdSequence}'), :customer, 'open', 10.00, 1);
                """),
            ("delete", """
                \set id random(1, :orders)
                DELETE FROM orders WHERE id = :id;
                """),
        ], TargetRatio: 0.77),
        new("1,000-row INSERT … SELECT per transaction",
        [
            ("batch", $"""
                INSERT INTO orders (id, customer_id, status, amount, quantity)
                SELECT nextval('{OrdersWorkload.OrderIdSequence}'), 1 + floor(random() * :customers)::integer, 'open', round((random() * 1000)::numeric, 2), 1
                FROM generate_series(1, 1000);
                """),
        ], TargetRatio: 0.67),
    ];

    private static readonly (int Clients, int Threads)[] ClientCounts = [(1, 1), (4, 2)];

    private BenchProfile Profile => workload.Profile;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var scriptDirectory = Directory.CreateTempSubdirectory("trickle-pgbench-").FullName;
        try
        {
            var throughput = new Dictionary<(Configuration, Workload, int Clients), Sample>();
            foreach (var configuration in Configurations)
                await MeasureConfigurationAsync(configuration, scriptDirectory, throughput, cancellationToken);
            return Report(throughput);
        }
        finally
        {
            Directory.Delete(scriptDirectory, recursive: true);
        }
    }

    private async Task MeasureConfigurationAsync(Configuration configuration, string scriptDirectory,
        Dictionary<(Configuration, Workload, int Clients), Sample> throughput, CancellationToken cancellationToken)
    {
        log($"write path: {configuration.Title}: reloading orders");
        await workload.LoadAsync(cancellationToken);
        var names = configuration.Classes.Select(queryClass => $"{queryClass.Key}_{configuration.Mode.ToString().ToLowerInvariant()}").ToArray();
        foreach (var (queryClass, name) in configuration.Classes.Zip(names))
            await installer.InstallStreamTableAsync(name, queryClass.Query, configuration.Mode, cancellationToken);
        await workload.VacuumAnalyzeAsync(cancellationToken);

        foreach (var pgbenchWorkload in Workloads)
            foreach (var (clients, threads) in ClientCounts)
            {
                log($"write path: {configuration.Title}: {pgbenchWorkload.Title}, {clients} client(s) × {Profile.PgBenchRepetitions}");
                var runs = new List<double>();
                for (var repetition = 0; repetition < Profile.PgBenchRepetitions; repetition++)
                    runs.Add(await RunPgBenchAsync(pgbenchWorkload, clients, threads, scriptDirectory, cancellationToken));
                throughput[(configuration, pgbenchWorkload, clients)] = new Sample(runs);
            }

        foreach (var name in names)
            await installer.DropStreamTableAsync(name, cancellationToken);
    }

    private async Task<double> RunPgBenchAsync(Workload pgbenchWorkload, int clients, int threads, string scriptDirectory, CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "-n", "-M", "prepared",
            "-T", ((int)Profile.PgBenchDuration.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-c", clients.ToString(CultureInfo.InvariantCulture),
            "-j", threads.ToString(CultureInfo.InvariantCulture),
            "-D", $"orders={Profile.Orders}",
            "-D", $"customers={Profile.Customers}",
        };
        foreach (var (name, script) in pgbenchWorkload.Scripts)
        {
            var path = Path.Combine(scriptDirectory, $"{name}.sql");
            await File.WriteAllTextAsync(path, script + "\n", cancellationToken);
            arguments.AddRange(["-f", $"{path}@1"]);
        }
        var result = await server.RunPgBenchAsync(workload.ConnectionString, arguments, cancellationToken);
        var match = TransactionsPerSecond().Match(result.StandardOutput);
        if (!result.Succeeded || !match.Success)
            throw new InvalidOperationException($"pgbench failed: {result.Describe()}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Report(Dictionary<(Configuration, Workload, int Clients), Sample> throughput)
    {
        var sections = new List<string>();
        foreach (var pgbenchWorkload in Workloads)
        {
            var table = new MarkdownTable("stream tables on orders", "clients", "TPS", "ratio vs no stream table", "target");
            foreach (var configuration in Configurations)
                foreach (var (clients, _) in ClientCounts)
                {
                    var tps = throughput[(configuration, pgbenchWorkload, clients)];
                    var ratio = Sample.Ratio(tps, throughput[(Baseline, pgbenchWorkload, clients)]);
                    table.Add(configuration.Title, clients.ToString(CultureInfo.InvariantCulture), tps.Format(Sample.FormatNumber),
                        configuration == Baseline ? "1×" : ratio.Format(value => value.ToString("0.00", CultureInfo.InvariantCulture) + "×"),
                        WriteTarget(configuration, pgbenchWorkload, ratio));
                }
            sections.Add($"#### {pgbenchWorkload.Title}\n\n{table}");
        }
        return string.Join("\n", sections);
    }

    /// <summary>The promise covers one DIFFERENTIAL stream table; the other configurations are shown for scale.</summary>
    private static string WriteTarget(Configuration configuration, Workload pgbenchWorkload, Sample ratio) =>
        configuration == Configurations[1]
            ? new Target($"≥ {pgbenchWorkload.TargetRatio:0.00}×", ratio.Median >= pgbenchWorkload.TargetRatio).ToString()
            : "–";

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TransactionsPerSecond();
}
