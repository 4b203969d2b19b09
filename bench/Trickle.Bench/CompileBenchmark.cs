using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using System.Globalization;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Postgres;
using BenchmarkDotNet.Attributes;

namespace Trickle.Bench;

/// <summary>
/// Compile speed: warm in-process compiles measured by BenchmarkDotNet (in-process toolchain: the benchmark already runs
/// in Release, and a child process per query would triple the run for no better figure), and cold
/// <c>trickle compile</c> runs of the Release CLI.
/// </summary>
public sealed class CompileBenchmark(string repositoryRoot, BenchProfile profile, Action<string> log)
{
    // Issue 20's targets: 5 ms per warm compile, half a second for a cold `trickle compile`.
    private const double WarmTargetMs = 5;
    private const double ColdTargetMs = 500;
    private const string ColdExample = "examples/order_totals.sql";
    private const string ExampleSchema = "examples/schema.sql";
    private const string UpstreamExample = "examples/order_totals.sql";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var warm = MeasureWarm();
        var cold = await MeasureColdAsync(cancellationToken);
        return $"""
            #### Warm, in-process (BenchmarkDotNet: median of {profile.WarmCompileRepetitions} iterations after warm-up)

            {warm}
            #### Cold `trickle compile` (Release CLI, {profile.ColdCompileRuns} runs)

            {cold}
            """;
    }

    /// <summary>
    /// The queries measured: every query class and every example, the examples over examples/schema.sql and the stream
    /// table examples/order_totals.sql, which another example reads.
    /// </summary>
    private List<CompileCase> Cases()
    {
        var benchCatalog = StreamTableInstaller.ReadSchema(OrdersWorkload.SchemaDdl);
        var cases = QueryClass.All
            .Select(queryClass => new CompileCase(queryClass.Title, benchCatalog, queryClass.Query, new CompilationOptions(Name: queryClass.Key)))
            .ToList();
        var examplesCatalog = StreamTableInstaller.ReadSchema(
            new SourceText(ExampleSchema, File.ReadAllText(Path.Combine(repositoryRoot, ExampleSchema))),
            new SourceText(UpstreamExample, File.ReadAllText(Path.Combine(repositoryRoot, UpstreamExample))));
        foreach (var example in Directory.GetFiles(Path.Combine(repositoryRoot, "examples"), "*.sql").Order())
        {
            if (Path.GetFileName(example) == Path.GetFileName(ExampleSchema))
                continue;
            // Examples are CREATE STREAM TABLE statements that name themselves.
            cases.Add(new CompileCase($"examples/{Path.GetFileName(example)}", examplesCatalog, File.ReadAllText(example), new CompilationOptions()));
        }
        return cases;
    }

    /// <summary>Compiles every case once, so that a case that does not compile fails the run at its start, not after the rest of it.</summary>
    public void CheckCasesCompile()
    {
        foreach (var compileCase in Cases())
            try
            {
                StreamTableInstaller.Compile(compileCase.Catalog, "query.sql", compileCase.Definition, compileCase.Options);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"compile benchmark case {compileCase} does not compile: {e.Message}", e);
            }
    }

    private MarkdownTable MeasureWarm()
    {
        var cases = Cases();

        log($"compile: BenchmarkDotNet over {cases.Count} queries");
        CompileBenchmarks.Cases = cases;
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(profile.WarmCompileRepetitions)
            .WithIterationTime(TimeInterval.FromMilliseconds(200));
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            // stdout carries the report; BenchmarkDotNet's own log would interleave with it.
            .AddLogger(NullLogger.Instance)
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<CompileBenchmarks>(config);

        var table = new MarkdownTable("query", "ms per compile, median (min–max of iterations)", $"target ≤ {WarmTargetMs} ms");
        foreach (var compileCase in cases)
        {
            var report = summary.Reports.Single(r => Equals(r.BenchmarkCase.Parameters["Case"], compileCase));
            var statistics = report.ResultStatistics
                ?? throw new InvalidOperationException($"BenchmarkDotNet measured nothing for {compileCase}: {string.Join("; ", summary.ValidationErrors)}");
            // BenchmarkDotNet reports nanoseconds per operation.
            var sample = new Sample([statistics.Median / 1e6]);
            table.Add(compileCase.Title, $"{sample.Milliseconds()} ({Sample.FormatMilliseconds(statistics.Min / 1e6)}–{Sample.FormatMilliseconds(statistics.Max / 1e6)})",
                new Target($"≤ {WarmTargetMs} ms", sample.Median <= WarmTargetMs).ToString());
        }
        return table;
    }

    private async Task<MarkdownTable> MeasureColdAsync(CancellationToken cancellationToken)
    {
        log("compile: building the CLI in Release");
        var build = await ProcessRunner.RunAsync("dotnet",
            ["build", Path.Combine(repositoryRoot, "src", "Trickle.Cli"), "-c", "Release", "--nologo", "-v", "quiet"], null, cancellationToken);
        if (!build.Succeeded)
            throw new InvalidOperationException($"dotnet build of the CLI failed: {build.Describe()}");

        var cli = Path.Combine(repositoryRoot, "src", "Trickle.Cli", "bin", "Release", "net10.0", "trickle.dll");
        string[] arguments = [cli, "compile", Path.Combine(repositoryRoot, ColdExample), "--schema", Path.Combine(repositoryRoot, ExampleSchema)];
        var timings = new List<double>();
        for (var run = 0; run < profile.ColdCompileRuns; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            var result = await ProcessRunner.RunAsync("dotnet", arguments, null, cancellationToken);
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
            if (!result.Succeeded)
                throw new InvalidOperationException($"trickle compile failed: {result.Describe()}");
        }
        var sample = new Sample(timings);
        return new MarkdownTable("command", "wall time, ms", $"target ≤ {ColdTargetMs} ms")
            .Add($"`dotnet trickle.dll compile {ColdExample} --schema {ExampleSchema}`", sample.Milliseconds(),
                new Target($"≤ {ColdTargetMs} ms", sample.Median <= ColdTargetMs).ToString());
    }
}

/// <summary>One query compiled by <see cref="CompileBenchmarks"/>; its title names it in BenchmarkDotNet's output.</summary>
public sealed record CompileCase(string Title, SourceCatalog Catalog, string Definition, CompilationOptions Options)
{
    public override string ToString() => Title;
}

/// <summary>The BenchmarkDotNet benchmark: one compile of one query per operation.</summary>
public class CompileBenchmarks
{
    /// <summary>Set before the run: BenchmarkDotNet builds its parameter values from this source.</summary>
    public static IReadOnlyList<CompileCase> Cases { get; set; } = [];

    [ParamsSource(nameof(AllCases))]
    public CompileCase Case { get; set; } = null!;

    public static IEnumerable<CompileCase> AllCases() => Cases;

    [Benchmark]
    public string Compile() => StreamTableInstaller.Compile(Case.Catalog, "query.sql", Case.Definition, Case.Options);
}
