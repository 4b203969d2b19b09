using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Trickle.Cli.Tests;

/// <summary>The built tool as users run it: a separate process, real stdout/stderr streams, real exit codes.</summary>
public sealed class ProcessSmokeTests
{
    internal static Task<CliRun> RunToolAsync(params string[] args) => RunToolAsync(new Dictionary<string, string>(), args);

    internal static async Task<CliRun> RunToolAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The referenced Exe lands in our output directory with its runtimeconfig, so `dotnet trickle.dll` runs as shipped.
        var tool = Path.Combine(AppContext.BaseDirectory, "trickle.dll");
        Assert.True(File.Exists(tool), $"{tool} not built");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        start.ArgumentList.Add(tool);
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        foreach (var variable in new[] { "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD" })
            start.Environment.Remove(variable);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.Environment.Remove("LANG");
        start.Environment.Remove("LC_ALL");

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Help_Exits0()
    {
        var run = await RunToolAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("compile", run.Stdout);
    }

    [Fact]
    public async Task MissingFile_PrintsOneDiagnosticLineOnStderr_NothingOnStdout_Exits1()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("dé finition.sql");

        var run = await RunToolAsync("compile", missing, "--schema", dir.File("schema.sql", "CREATE TABLE t (a int);"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{missing}:1:1: error TRK1003: file not found\n", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task BadMode_Exits2()
    {
        using var dir = new TempDirectory();
        var definition = dir.File("st.sql", "SELECT 1");

        var run = await RunToolAsync("compile", definition, "--schema", definition, "--mode", "eventual");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{definition}:1:1: error TRK5001: invalid --mode 'eventual': expected auto, differential, immediate or full\n", run.Stderr);
    }
}

/// <summary>
/// Deep nesting overflowed the stack, which no handler catches: the process died with SIGABRT. Only a separate process
/// can show that it no longer does.
/// </summary>
public sealed class DeepNestingProcessTests
{
    public static TheoryData<string, string, int> Inputs => new()
    {
        { "2,600 nested NOTs", "SELECT id FROM orders WHERE " + string.Concat(Enumerable.Repeat("NOT ", 2600)) + "quantity = 2", 1 },
        { "5,000 nested parentheses", "SELECT id FROM orders WHERE " + new string('(', 5000) + "quantity = 2" + new string(')', 5000), 1 },
        { "a 4,000-term OR", "SELECT id FROM orders WHERE " + string.Join(" OR ", Enumerable.Range(0, 4000).Select(i => $"quantity = {i}")), 0 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task DeepInput_NeverKillsTheProcess(string shape, string query, int exitCode)
    {
        using var dir = new TempDirectory();
        var definition = dir.File("deep.sql", query);
        var schema = Path.Combine(RepositoryPaths.Root, "examples", "schema.sql");

        var run = await ProcessSmokeTests.RunToolAsync("compile", definition, "--schema", schema, "-o", dir.File("deep.install.sql"));

        Assert.True(exitCode == run.ExitCode, $"{shape}: exit {run.ExitCode}, stderr {run.Stderr}");
        Assert.DoesNotContain("Stack overflow", run.Stderr);
        if (exitCode == 1)
            Assert.Matches($@"^{Regex.Escape(definition)}:1:\d+: error TRK1006: [^\n]+\n$", run.Stderr);
    }
}
