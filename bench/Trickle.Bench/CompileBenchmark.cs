using System.Diagnostics;
using System.Globalization;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// Compile speed: warm in-process compiles (a Stopwatch loop after warm-up; BenchmarkDotNet's statistics are not
/// needed for a figure judged against 20 ms) and cold <c>trickle compile</c> runs of the Release CLI.
/// </summary>
public sealed class CompileBenchmark(string repositoryRoot, BenchProfile profile, Action<string> log)
{
    private const int WarmUpCompiles = 10;
    private const double WarmTargetMs = 20;
    private const double ColdTargetMs = 1000;
    private const string ColdExample = "examples/order_totals.sql";
    private const string ExampleSchema = "examples/schema.sql";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var warm = MeasureWarm();
        var cold = await MeasureColdAsync(cancellationToken);
        return $"""
            #### Warm, in-process (median of {profile.WarmCompileRepetitions} compiles after {WarmUpCompiles} warm-up compiles)

            {warm}
            #### Cold `trickle compile` (Release CLI, {profile.ColdCompileRuns} runs)

            {cold}
            """;
    }

    private MarkdownTable MeasureWarm()
    {
        var table = new MarkdownTable("query", "ms per compile", "target ≤ 20 ms");
        var benchCatalog = StreamTableInstaller.ReadSchema(OrdersWorkload.SchemaDdl);
        foreach (var queryClass in QueryClass.All)
            AddWarmRow(table, queryClass.Title, benchCatalog, queryClass.Query, new CompilationOptions(Name: queryClass.Key));

        var examplesCatalog = StreamTableInstaller.ReadSchema(File.ReadAllText(Path.Combine(repositoryRoot, ExampleSchema)));
        foreach (var example in Directory.GetFiles(Path.Combine(repositoryRoot, "examples"), "*.sql").Order())
        {
            if (Path.GetFileName(example) == Path.GetFileName(ExampleSchema))
                continue;
            // Examples are CREATE STREAM TABLE statements that name themselves.
            AddWarmRow(table, $"examples/{Path.GetFileName(example)}", examplesCatalog, File.ReadAllText(example), new CompilationOptions());
        }
        return table;
    }

    private void AddWarmRow(MarkdownTable table, string title, SourceCatalog catalog, string definition, CompilationOptions options)
    {
        log($"compile: {title}");
        for (var i = 0; i < WarmUpCompiles; i++)
            StreamTableInstaller.Compile(catalog, "query.sql", definition, options);
        var timings = new List<double>();
        for (var i = 0; i < profile.WarmCompileRepetitions; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            StreamTableInstaller.Compile(catalog, "query.sql", definition, options);
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
        }
        var sample = new Sample(timings);
        table.Add(title, sample.Milliseconds(), new Target("≤ 20 ms", sample.Median <= WarmTargetMs).ToString());
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
        return new MarkdownTable("command", "wall time, ms", "target ≤ 1 s")
            .Add($"`dotnet trickle.dll compile {ColdExample} --schema {ExampleSchema}`", sample.Milliseconds(),
                new Target("≤ 1 s", sample.Median <= ColdTargetMs).ToString());
    }
}
