using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli.Tests;

/// <summary>
/// What the CLI does with the compiler's answer — stdout, -o, exit codes, fault containment — checked against a
/// compiler double so these hold whatever the real compiler supports today.
/// </summary>
public sealed class CompileOutputTests : IDisposable
{
    private const string Script = "-- stream table: totals\nCREATE TABLE \"Zähler\" ();\n";
    private readonly TempDirectory _dir = new();
    private readonly List<(SourceText Definition, CompilationOptions Options)> _compiled = [];
    private readonly List<IReadOnlyList<SourceText>> _schemasRead = [];

    public void Dispose() => _dir.Dispose();

    private CompilerEntryPoints Compiler(Func<SourceText, CompilationResult> compile) => new(
        (files, _) =>
        {
            _schemasRead.Add(files.ToList());
            return new SourceCatalog([]);
        },
        (definition, _, options) =>
        {
            _compiled.Add((definition, options));
            return compile(definition);
        },
        (_, _) => throw new InvalidOperationException("no database in these tests"));

    private CompilerEntryPoints Succeeding => Compiler(_ => new CompilationResult(Script, []));

    private static Diagnostic Error(string file, int line, int column, string code, string message) =>
        new(DiagnosticSeverity.Error, code, message, file, new SourceSpan(0, 1, line, column));

    [Fact]
    public async Task Success_WithoutOutput_WritesExactlyTheScriptToStdout_Exits0()
    {
        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Script, run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task Success_WithOutput_WritesUtf8WithoutBom_NothingOnStdout_NoTempFileLeft()
    {
        var output = _dir.File("out.sql");

        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""), "-o", output);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Script), File.ReadAllBytes(output));
        Assert.Equal(["out.sql", "s.sql", "st.sql"], _dir.FileNames());
    }

    [Fact]
    public async Task Success_WithExistingOutput_ReplacesIt()
    {
        var output = _dir.File("out.sql", "-- an older, longer script that must not leave a tail behind ---------------------\n");

        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""), "-o", output);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Script, File.ReadAllText(output));
    }

    [Fact]
    public async Task OutputInMissingDirectory_ReportsTrk1005AtTheOutputPath_Exits1()
    {
        var output = Path.Combine(_dir.Path, "no-such-dir", "out.sql");

        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""), "-o", output);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{output}:1:1: error TRK1005: could not write the output file: ", Assert.Single(run.StderrLines));
        Assert.False(Directory.Exists(Path.GetDirectoryName(output)));
    }

    [Fact]
    public async Task CompileErrors_ArePrintedOnePerLine_Exit1_ExistingOutputUntouched()
    {
        var definition = _dir.File("st.sql", "SELECT nope FROM t");
        var output = _dir.File("out.sql", "-- previous\n");
        var compiler = Compiler(d => new CompilationResult(null,
        [
            Error(d.Path, 1, 8, "TRK3002", "column \"nope\" does not exist"),
            Error(d.Path, 1, 18, "TRK3001", "table \"t\" does not exist"),
        ]));

        var run = await CliRunner.RunAsync(compiler, "compile", definition, "--schema", _dir.File("s.sql", ""), "-o", output);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            [
                $"{definition}:1:8: error TRK3002: column \"nope\" does not exist",
                $"{definition}:1:18: error TRK3001: table \"t\" does not exist",
            ],
            run.StderrLines);
        Assert.Equal("", run.Stdout);
        Assert.Equal("-- previous\n", File.ReadAllText(output));
        Assert.Equal(["out.sql", "s.sql", "st.sql"], _dir.FileNames());
    }

    [Fact]
    public async Task Warnings_ArePrinted_ButTheScriptIsStillWritten_Exit0()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var compiler = Compiler(d => new CompilationResult(Script,
            [new Diagnostic(DiagnosticSeverity.Warning, "TRK4001", "falls back to FULL refresh", d.Path, new SourceSpan(0, 1, 1, 1))]));

        var run = await CliRunner.RunAsync(compiler, "compile", definition, "--schema", _dir.File("s.sql", ""));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Script, run.Stdout);
        Assert.Equal([$"{definition}:1:1: warning TRK4001: falls back to FULL refresh"], run.StderrLines);
    }

    [Fact]
    public async Task CompilerThrows_ReportsTrk9999AtTheDefinition_Exits1_NoStackTrace_OutputUntouched()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var output = _dir.File("out.sql", "-- previous\n");
        var compiler = Compiler(_ => throw new InvalidOperationException("binder lost its scope\n   at Trickle.Compiler.Binder.Bind()"));

        var run = await CliRunner.RunAsync(compiler, "compile", definition, "--schema", _dir.File("s.sql", ""), "-o", output);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"{definition}:1:1: error TRK9999: internal compiler error: binder lost its scope at Trickle.Compiler.Binder.Bind()",
            Assert.Single(run.StderrLines));
        Assert.Equal("-- previous\n", File.ReadAllText(output));
        Assert.Equal(["out.sql", "s.sql", "st.sql"], _dir.FileNames());
    }

    [Fact]
    public async Task CompilerReturnsNeitherScriptNorError_IsReportedAsInternalError()
    {
        var definition = _dir.File("st.sql", "SELECT 1");

        var run = await CliRunner.RunAsync(Compiler(_ => new CompilationResult(null, [])), "compile", definition, "--schema", _dir.File("s.sql", ""));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{definition}:1:1: error TRK9999: ", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task SchemaErrors_StopBeforeCompiling_Exit1()
    {
        var schema = _dir.File("s.sql", "CREATE TABLE (");
        var compiler = new CompilerEntryPoints(
            (files, diagnostics) =>
            {
                diagnostics.Error(DiagnosticCode.SchemaSyntaxError, files.Single().Path, new SourceSpan(13, 1, 1, 14), "syntax error at \"(\"");
                return new SourceCatalog([]);
            },
            (_, _, _) => throw new InvalidOperationException("must not compile against a broken schema"),
            (_, _) => throw new InvalidOperationException("no database in these tests"));

        var run = await CliRunner.RunAsync(compiler, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", schema);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"{schema}:1:14: error TRK2001: syntax error at \"(\""], run.StderrLines);
    }

    [Fact]
    public async Task Options_AreParsedAndPassedToTheCompiler_ModeCaseInsensitive()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var first = _dir.File("a.sql", "CREATE TABLE a (x int);");
        var second = _dir.File("b.sql", "CREATE TABLE b (y int);");

        var run = await CliRunner.RunAsync(Succeeding,
            "compile", definition, "--schema", first, "--schema", second, "--name", "order_totals", "--mode", "ImMeDiAtE", "--schedule", "3s");

        Assert.Equal(0, run.ExitCode);
        var (source, options) = Assert.Single(_compiled);
        Assert.Equal(new SourceText(definition, "SELECT 1"), source);
        Assert.Equal(new CompilationOptions("order_totals", RefreshMode.Immediate, "3s"), options);
        Assert.Equal([first, second], Assert.Single(_schemasRead).Select(s => s.Path));
        Assert.Equal(["CREATE TABLE a (x int);", "CREATE TABLE b (y int);"], _schemasRead[0].Select(s => s.Text));
    }

    [Theory]
    [InlineData("differential", RefreshMode.Differential)]
    [InlineData("FULL", RefreshMode.Full)]
    [InlineData("Immediate", RefreshMode.Immediate)]
    public async Task Mode_AcceptsEachModeInAnyCase(string text, RefreshMode expected)
    {
        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""), "--mode", text);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, Assert.Single(_compiled).Options.Mode);
    }

    [Fact]
    public async Task NoOptions_LeaveEverythingToTheFile()
    {
        var run = await CliRunner.RunAsync(Succeeding, "compile", _dir.File("st.sql", "SELECT 1"), "--schema", _dir.File("s.sql", ""));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(new CompilationOptions(), Assert.Single(_compiled).Options);
    }
}

public sealed class CompileCancellationTests
{
    [Fact]
    public async Task CancelledWhileCompiling_Exits130_LeavesNoOutputFile()
    {
        using var dir = new TempDirectory();
        using var cancellation = new CancellationTokenSource();
        var compiler = new CompilerEntryPoints(
            (_, _) => new Trickle.Compiler.Catalog.SourceCatalog([]),
            (_, _, _) =>
            {
                cancellation.Cancel();
                cancellation.Token.ThrowIfCancellationRequested();
                throw new InvalidOperationException("unreachable");
            },
            (_, _) => throw new InvalidOperationException("no database in these tests"));
        var stdout = new StringWriter();
        var stderr = new StringWriter { NewLine = "\n" };

        var exitCode = await CliApp.RunAsync(
            ["compile", dir.File("st.sql", "SELECT 1"), "--schema", dir.File("s.sql", ""), "-o", dir.File("out.sql")],
            stdout, stderr, compiler, cancellation.Token);

        Assert.Equal(130, exitCode);
        Assert.Equal("trickle: canceled\n", stderr.ToString());
        Assert.Equal(["s.sql", "st.sql"], dir.FileNames());
    }
}

public sealed class DeviceOutputTests
{
    /// <summary>
    /// The script is written atomically by a rename, which must not happen to a device: as root, <c>-o /dev/null</c>
    /// replaced the machine's /dev/null with a regular file holding the script.
    /// </summary>
    [Fact]
    public async Task OutputToDevNull_WritesTheDevice_AndLeavesItADevice()
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");

        var run = await CliRunner.RunAsync("compile", Path.Combine(examples, "order_totals.sql"), "--schema", Path.Combine(examples, "schema.sql"), "-o", "/dev/null");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(await File.ReadAllBytesAsync("/dev/null"));
    }

    private static Task<CliRun> CompileTo(string output)
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        return CliRunner.RunAsync("compile", Path.Combine(examples, "order_totals.sql"), "--schema", Path.Combine(examples, "schema.sql"), "-o", output);
    }

    [Fact]
    public async Task OutputDash_IsStandardOutput_NotAFileNamedDash()
    {
        var run = await CompileTo("-");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("CREATE FUNCTION", run.Stdout);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "-")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // file modes are Unix's; the tests run on Linux
    public async Task OutputThroughASymlink_WritesItsTarget_KeepsTheLink_AndAReplacedFileKeepsItsMode()
    {
        var folder = Directory.CreateTempSubdirectory("trickle-output-");
        try
        {
            var target = Path.Combine(folder.FullName, "deploy.sql");
            await File.WriteAllTextAsync(target, "old");
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var link = Path.Combine(folder.FullName, "current.sql");
            File.CreateSymbolicLink(link, target);

            var run = await CompileTo(link);

            Assert.Equal(0, run.ExitCode);
            Assert.NotNull(new FileInfo(link).LinkTarget);
            Assert.Contains("CREATE FUNCTION", await File.ReadAllTextAsync(target));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task OutputToADirectory_IsRefused_WithTheOutputError()
    {
        var folder = Directory.CreateTempSubdirectory("trickle-output-");
        try
        {
            var run = await CompileTo(folder.FullName);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("TRK1005", run.Stderr);
            Assert.Contains("is a directory", run.Stderr);
            Assert.Empty(folder.GetFiles());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
