namespace Trickle.Cli.Tests;

/// <summary>
/// End to end through the real compiler on the repository's example. These need the compiler pipeline and
/// examples/order_totals.sql + examples/schema.sql; until both are on the branch they fail (never skip: a skipped
/// end-to-end test hides a broken tool).
/// </summary>
public sealed class CompileSuccessTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string Definition = Path.Combine(RepositoryPaths.Root, "examples", "order_totals.sql");
    private static readonly string Schema = Path.Combine(RepositoryPaths.Root, "examples", "schema.sql");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Example_CompilesToStdout_Exit0_NothingOnStderr()
    {
        var run = await CliRunner.RunAsync("compile", Definition, "--schema", Schema);

        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("order_totals", run.Stdout);
    }

    [Fact]
    public async Task Example_CompilesToOutputFile_SameBytesAsStdout_StdoutEmpty()
    {
        var output = _dir.File("0007_order_totals.sql");
        var toStdout = await CliRunner.RunAsync("compile", Definition, "--schema", Schema);

        var toFile = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "-o", output);

        Assert.Equal("", toFile.Stderr);
        Assert.Equal(0, toFile.ExitCode);
        Assert.Equal("", toFile.Stdout);
        Assert.Equal(toStdout.Stdout, File.ReadAllText(output));
        Assert.Equal(["0007_order_totals.sql"], _dir.FileNames());
    }

    [Fact]
    public async Task Example_TwoRuns_ProduceByteIdenticalFiles()
    {
        var first = _dir.File("first.sql");
        var second = _dir.File("second.sql");

        var a = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "-o", first);
        var b = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "-o", second);

        Assert.Equal((0, ""), (a.ExitCode, a.Stderr));
        Assert.Equal((0, ""), (b.ExitCode, b.Stderr));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public async Task Example_ToolProcess_PrintsTheSameScriptAsInProcess()
    {
        var inProcess = await CliRunner.RunAsync("compile", Definition, "--schema", Schema);

        var tool = await ProcessSmokeTests.RunToolAsync("compile", Definition, "--schema", Schema);

        Assert.Equal("", tool.Stderr);
        Assert.Equal(0, tool.ExitCode);
        Assert.Equal(inProcess.Stdout, tool.Stdout);
    }
}
