using System.Diagnostics;

namespace Trickle.Cli.Tests;

/// <summary>The built tool as users run it: a separate process, real stdout/stderr streams, real exit codes.</summary>
public sealed class ProcessSmokeTests
{
    internal static async Task<CliRun> RunToolAsync(params string[] args)
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
