using System.Globalization;
using System.Text.RegularExpressions;
using Trickle.Compiler;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// What stream tables cost the writers of their sources: pgbench throughput on a copy of orders with no stream table,
/// and on copies with DIFFERENTIAL and IMMEDIATE ones installed, the configurations run in turn within each repetition.
/// </summary>
public sealed partial class WritePathBenchmark(PostgresServer server, OrdersWorkload workload, StreamTableInstaller installer, Action<string> log,
    string? only = null)
{
    /// <param name="WalCapture">The copy is switched to WAL capture after the install (trickle.set_capture): no
    /// capture trigger runs; the writer pays for REPLICA IDENTITY FULL's old rows in the WAL instead.</param>
    private sealed record Configuration(string Title, RefreshMode Mode, IReadOnlyList<QueryClass> Classes, bool WalCapture = false);

    /// <summary>pgbench scripts, weight after the '@'; each script execution is one transaction.</summary>
    private sealed record Workload(string Title, IReadOnlyList<(string Name, string Script)> Scripts, double TargetRatio);

    private static readonly Configuration Baseline = new("no stream table", RefreshMode.Differential, []);

    private static readonly Configuration[] AllConfigurations =
    [
        Baseline,
        new("1 DIFFERENTIAL (aggregate)", RefreshMode.Differential, [QueryClass.Aggregate]),
        new("1 DIFFERENTIAL (aggregate), WAL capture", RefreshMode.Differential, [QueryClass.Aggregate], WalCapture: true),
        new("1 IMMEDIATE (aggregate)", RefreshMode.Immediate, [QueryClass.Aggregate]),
        new("5 DIFFERENTIAL (aggregate, join, join + aggregate, scan/filter, outer join)", RefreshMode.Differential,
            [QueryClass.Aggregate, QueryClass.Join, QueryClass.JoinAggregate, QueryClass.ScanFilter, QueryClass.OuterJoin]),
    ];

    // ORDERS_TABLE stands for the configuration's copy of orders. Inserted ids come from the shared sequence, so clients and runs never collide; updated and deleted ids are
    // drawn from the loaded range (a delete of an id already deleted simply changes nothing).
    private static readonly Workload[] Workloads =
    [
        new("single-row (1/3 UPDATE amount, 1/3 INSERT, 1/3 DELETE, one statement per transaction)",
        [
            ("update", """
                \set id random(1, :orders)
                UPDATE ORDERS_TABLE SET amount = amount + 1 WHERE id = :id;
                """),
            ("insert", $"""
                \set customer random(1, :customers)
                INSERT INTO ORDERS_TABLE (id, customer_id, status, amount, quantity) VALUES (nextval('{OrdersWorkload.OrderIdSequence}'), :customer, 'open', 10.00, 1);
                """),
            ("delete", """
                \set id random(1, :orders)
                DELETE FROM ORDERS_TABLE WHERE id = :id;
                """),
        ], TargetRatio: 0.77),
        new("1,000-row INSERT … SELECT per transaction",
        [
            ("batch", $"""
                INSERT INTO ORDERS_TABLE (id, customer_id, status, amount, quantity)
                SELECT nextval('{OrdersWorkload.OrderIdSequence}'), 1 + floor(random() * :customers)::integer, 'open', round((random() * 1000)::numeric, 2), 1
                FROM generate_series(1, 1000);
                """),
        ], TargetRatio: 0.67),
    ];

    /// <summary>The configurations run: all, or the baseline, trigger capture and those whose title contains <c>only</c>.</summary>
    private Configuration[] Configurations => only is null
        ? AllConfigurations
        : AllConfigurations.Where(c => c == Baseline || c == AllConfigurations[1] || c.Title.Contains(only, StringComparison.OrdinalIgnoreCase)).ToArray();

    private static readonly (int Clients, int Threads)[] ClientCounts = [(1, 1), (4, 2)];

    private BenchProfile Profile => workload.Profile;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var scriptDirectory = Directory.CreateTempSubdirectory("trickle-pgbench-").FullName;
        try
        {
            var installed = await InstallConfigurationsAsync(cancellationToken);
            var throughput = new Dictionary<(Configuration, Workload, int Clients), List<double>>();
            // Interleaved: every repetition runs each configuration once, back to back, so that a change of load on a
            // shared machine slows them all rather than whichever configuration happened to run during it.
            foreach (var pgbenchWorkload in Workloads)
                foreach (var (clients, threads) in ClientCounts)
                    for (var repetition = 0; repetition < Profile.PgBenchRepetitions; repetition++)
                        foreach (var configuration in Configurations)
                        {
                            log($"write path: {pgbenchWorkload.Title}, {clients} client(s), run {repetition + 1}/{Profile.PgBenchRepetitions}: {configuration.Title}");
                            var tps = await RunPgBenchAsync(pgbenchWorkload, TableOf(configuration), clients, threads, scriptDirectory, cancellationToken);
                            if (!throughput.TryGetValue((configuration, pgbenchWorkload, clients), out var runs))
                                throughput[(configuration, pgbenchWorkload, clients)] = runs = [];
                            runs.Add(tps);
                        }
            foreach (var name in installed)
                await installer.DropStreamTableAsync(name, cancellationToken);
            foreach (var configuration in Configurations)
                await workload.ExecuteAsync($"DROP TABLE {SqlText.Identifier(TableOf(configuration))}", cancellationToken);
            return Report(throughput.ToDictionary(entry => entry.Key, entry => new Sample(entry.Value)));
        }
        finally
        {
            Directory.Delete(scriptDirectory, recursive: true);
        }
    }

    /// <summary>Each configuration writes to its own copy of orders, with its stream tables installed on that copy.</summary>
    private static string TableOf(Configuration configuration) => $"orders_w{Array.IndexOf(AllConfigurations, configuration)}";

    private async Task<List<string>> InstallConfigurationsAsync(CancellationToken cancellationToken)
    {
        // The compiler sees each copy as a table of its own, declared like orders.
        var ordersDdl = OrdersWorkload.SchemaDdl.Split('\n').Single(line => line.Contains("CREATE TABLE orders "));
        var catalog = StreamTableInstaller.ReadSchema(OrdersWorkload.SchemaDdl + string.Concat(
            Configurations.Select(configuration => "\n" + OrdersTable().Replace(ordersDdl, TableOf(configuration)))));
        var installed = new List<string>();
        foreach (var configuration in Configurations)
        {
            var table = TableOf(configuration);
            log($"write path: copying orders to {table} for {configuration.Title}");
            await workload.ExecuteAsync($"""
                CREATE TABLE {SqlText.Identifier(table)} (LIKE orders INCLUDING ALL);
                INSERT INTO {SqlText.Identifier(table)} SELECT * FROM orders;
                """, cancellationToken);
            foreach (var queryClass in configuration.Classes)
            {
                var name = $"{queryClass.Key}_{configuration.Mode.ToString().ToLowerInvariant()}_{table}";
                await installer.InstallStreamTableAsync(name, OrdersTable().Replace(queryClass.Query, table), configuration.Mode, catalog, cancellationToken);
                installed.Add(name);
            }
            if (configuration.WalCapture)
            {
                // Two transactions: the first switch creates the replication slot, which must come before any write.
                await workload.ExecuteAsync($"ALTER TABLE {SqlText.Identifier(table)} REPLICA IDENTITY FULL", cancellationToken);
                await workload.ExecuteAsync($"SELECT trickle.set_capture({SqlText.Literal(table)}, 'wal')", cancellationToken);
            }
        }
        await workload.VacuumAnalyzeAsync(cancellationToken);
        return installed;
    }

    private async Task<double> RunPgBenchAsync(Workload pgbenchWorkload, string table, int clients, int threads, string scriptDirectory, CancellationToken cancellationToken)
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
            await File.WriteAllTextAsync(path, script.Replace("ORDERS_TABLE", SqlText.Identifier(table)) + "\n", cancellationToken);
            arguments.AddRange(["-f", $"{path}@1"]);
        }
        var result = await server.RunPgBenchAsync(workload.ConnectionString, arguments, cancellationToken);
        var match = TransactionsPerSecond().Match(result.StandardOutput);
        if (!result.Succeeded || !match.Success)
            throw new InvalidOperationException($"pgbench failed: {result.Describe()}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private string Report(Dictionary<(Configuration, Workload, int Clients), Sample> throughput)
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
        configuration == AllConfigurations[1]
            ? new Target($"≥ {pgbenchWorkload.TargetRatio:0.00}×", ratio.Median >= pgbenchWorkload.TargetRatio).ToString()
            : "–";

    [GeneratedRegex(@"\borders\b")]
    private static partial Regex OrdersTable();

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TransactionsPerSecond();
}
