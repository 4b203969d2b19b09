using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using Trickle.Bench;
using Trickle.Postgres;

var quick = new Option<bool>("--quick")
{
    Description = "100,000 orders, fewer repetitions and rates, 3 s pgbench runs: a smoke run in under 3 minutes.",
};
var output = new Option<FileInfo?>("--out")
{
    Description = "Also write the report (date, machine, method, tables) to this markdown file, e.g. docs/benchmarks.md.",
    HelpName = "FILE",
};
var samples = new Option<int>("--samples")
{
    Description = "Changes whose latency is measured.",
    DefaultValueFactory = _ => 60,
};
var scheduler = new Command("scheduler", "Measures scheduler latency (commit to visible in a 1s-schedule stream table) and the no-change refresh cost.")
{
    samples,
};
scheduler.SetAction((parseResult, cancellationToken) => SchedulerLatencyBenchmark.RunAsync(parseResult.GetValue(samples), cancellationToken));
var repetitions = new Option<int>("--repetitions")
{
    Description = "One-row changes measured per construct.",
    DefaultValueFactory = _ => 15,
};
var constructs = new Command("constructs", "Measures, per maintained construct over a 100,000-row table, the refresh of a one-row change and what IMMEDIATE adds to the write.")
{
    repetitions,
};
constructs.SetAction((parseResult, cancellationToken) => ConstructBenchmark.RunAsync(parseResult.GetValue(repetitions), cancellationToken));
var scaleFactor = new Option<double>("--scale")
{
    Description = "TPC-H scale factor of the generated data (1 is 1,500,000 orders).",
    DefaultValueFactory = _ => 0.01,
};
var tpchRepetitions = new Option<int>("--repetitions")
{
    Description = "RF1+RF2 transactions measured.",
    DefaultValueFactory = _ => 5,
};
var tpchIndexes = new Option<bool>("--create-indexes")
{
    Description = "Compile the stream tables with --create-indexes: the lookup indexes their delta queries need are created on the sources (in every configuration, the one without stream tables excepted).",
};
var tpch = new Command("tpch", "Measures the 22 TPC-H queries: each accepted one's refresh after RF1+RF2 against REFRESH MATERIALIZED VIEW, and what installing them adds to RF1 and RF2.")
{
    scaleFactor,
    tpchRepetitions,
    tpchIndexes,
};
tpch.SetAction((parseResult, cancellationToken) =>
    TpchBenchmark.RunAsync(parseResult.GetValue(scaleFactor), parseResult.GetValue(tpchRepetitions), parseResult.GetValue(tpchIndexes), cancellationToken));
var compileOnly = new Command("compile", "Measures compile speed alone (warm in-process with BenchmarkDotNet, cold `trickle compile`), without a PostgreSQL server.");
compileOnly.SetAction((parseResult, cancellationToken) => BenchmarkRun.CompileOnlyAsync(BenchProfile.Full, cancellationToken));
var only = new Option<string?>("--only")
{
    Description = "Run, besides the baseline and trigger capture, only the configurations whose title contains this text (e.g. 'WAL capture').",
    HelpName = "TEXT",
};
var writePath = new Command("write-path", "Measures only the write path (pgbench on copies of orders with and without stream tables), quick profile.")
{
    only,
};
writePath.SetAction((parseResult, cancellationToken) => BenchmarkRun.RunWritePathAsync(parseResult.GetValue(only), cancellationToken));
var root = new RootCommand("Measures Trickle's refresh cost, write-path overhead and compile speed on a throwaway PostgreSQL cluster.")
{
    quick,
    output,
    scheduler,
    constructs,
    tpch,
    compileOnly,
    writePath,
};
root.SetAction((parseResult, cancellationToken) =>
    BenchmarkRun.RunAsync(parseResult.GetValue(quick) ? BenchProfile.Quick : BenchProfile.Full, parseResult.GetValue(output), cancellationToken));
return await root.Parse(args).InvokeAsync();

namespace Trickle.Bench
{
    internal static class BenchmarkRun
    {
        /// <summary>Server settings on top of the tests' ones: room for a 1,000,000-row table and its sorts in memory.</summary>
        private static readonly KeyValuePair<string, string>[] ServerSettings =
        [
            new("shared_buffers", "256MB"),
            new("work_mem", "64MB"),
            new("maintenance_work_mem", "256MB"),
            new("max_wal_size", "4GB"),
            new("autovacuum", "off"),
            // The write path's WAL-capture configuration reads a logical replication slot.
            new("wal_level", "logical"),
        ];

        /// <summary>The write-path benchmark alone, on the quick profile: a check of one configuration's ratio.</summary>
        public static async Task<int> RunWritePathAsync(string? only, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");
            var profile = BenchProfile.Quick;
            await using var server = await PostgresServer.StartAsync(ServerSettings, cancellationToken);
            var databaseName = $"trickle_bench_{Environment.ProcessId}";
            var connectionString = await server.CreateDatabaseAsync(databaseName, cancellationToken);
            try
            {
                var workload = new OrdersWorkload(connectionString, profile);
                Log($"loading {profile.Orders:N0} orders, {profile.Customers:N0} customers");
                await workload.CreateSchemaAsync(cancellationToken);
                var installer = new StreamTableInstaller(server, workload);
                Console.WriteLine(await new WritePathBenchmark(server, workload, installer, Log, only).RunAsync(cancellationToken));
                return 0;
            }
            finally
            {
                await server.DropDatabaseAsync(databaseName, CancellationToken.None);
            }
        }

        public static async Task<int> RunAsync(BenchProfile profile, FileInfo? output, CancellationToken cancellationToken)
        {
            var started = DateTimeOffset.Now;
            var loadAtStart = BenchmarkReport.LoadAverage();
            var clock = Stopwatch.StartNew();
            void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

            var repositoryRoot = FindRepositoryRoot();
            var compileBenchmark = new CompileBenchmark(repositoryRoot, profile, Log);
            compileBenchmark.CheckCasesCompile();
            Log($"{profile.Name} run: starting PostgreSQL");
            await using var server = await PostgresServer.StartAsync(ServerSettings, cancellationToken);
            if (server.IsExternal)
                Log($"using the external server from {PostgresServer.ConnectionVariable}; its settings are not changed");
            var databaseName = $"trickle_bench_{Environment.ProcessId}";
            var connectionString = await server.CreateDatabaseAsync(databaseName, cancellationToken);
            try
            {
                var workload = new OrdersWorkload(connectionString, profile);
                Log($"loading {profile.Orders:N0} orders, {profile.Customers:N0} customers");
                await workload.CreateSchemaAsync(cancellationToken);
                var installer = new StreamTableInstaller(server, workload);

                var refresh = await new RefreshBenchmark(workload, installer, Log).RunAsync(cancellationToken);
                var writePath = await new WritePathBenchmark(server, workload, installer, Log).RunAsync(cancellationToken);
                var compile = await compileBenchmark.RunAsync(cancellationToken);

                var report = new BenchmarkReport(profile, started, clock.Elapsed, loadAtStart, await ServerVersionAsync(connectionString, cancellationToken),
                    server.IsExternal ? [] : ServerSettings, refresh, writePath, compile);
                Console.WriteLine(report.Results());
                if (output is not null)
                {
                    await File.WriteAllTextAsync(output.FullName, report.Document(), cancellationToken);
                    Log($"wrote {output.FullName}");
                }
                Log("done");
                return 0;
            }
            finally
            {
                if (server.IsExternal)
                    await server.DropDatabaseAsync(databaseName, CancellationToken.None);
            }
        }

        /// <summary>The compile section of the full run on its own: compile speed needs no server and no data.</summary>
        public static async Task<int> CompileOnlyAsync(BenchProfile profile, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");
            var compileBenchmark = new CompileBenchmark(FindRepositoryRoot(), profile, Log);
            compileBenchmark.CheckCasesCompile();
            Console.WriteLine($"load average at start: {BenchmarkReport.LoadAverage()}");
            Console.WriteLine(await compileBenchmark.RunAsync(cancellationToken));
            return 0;
        }

        private static async Task<string> ServerVersionAsync(string connectionString, CancellationToken cancellationToken)
        {
            await using var connection = await PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);
            await using var command = new NpgsqlCommand("SELECT version()", connection);
            return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        /// <summary>The examples and the CLI are found relative to the repository, wherever the command runs from.</summary>
        private static string FindRepositoryRoot()
        {
            foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
                for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                    if (File.Exists(Path.Combine(directory.FullName, "Trickle.sln")))
                        return directory.FullName;
            throw new InvalidOperationException("Trickle.sln not found above the current directory: run the benchmark from the repository.");
        }
    }
}
