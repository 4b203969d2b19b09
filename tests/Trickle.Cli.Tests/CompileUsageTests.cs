namespace Trickle.Cli.Tests;

/// <summary>The command-line contract users and CI rely on: exit codes, one diagnostic per stderr line, nothing on stdout.</summary>
public sealed class CompileUsageTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task MissingDefinitionFile_ReportsTrk1003AtLine1Column1_Exits1()
    {
        var missing = _dir.File("missing.sql");
        var schema = _dir.File("schema.sql", "CREATE TABLE t (a int);");

        var run = await CliRunner.RunAsync("compile", missing, "--schema", schema);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{missing}:1:1: error TRK1003: file not found\n", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task MissingFiles_EachReportedOnce_PathsPrintedAsTyped()
    {
        // Relative paths must come back exactly as typed, not resolved against the working directory.
        var run = await CliRunner.RunAsync("compile", "no-such-dir/st.sql", "--schema", "no-such-dir/a.sql", "--schema", "./no-such-dir/b.sql");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            [
                "no-such-dir/st.sql:1:1: error TRK1003: file not found",
                "no-such-dir/a.sql:1:1: error TRK1003: file not found",
                "./no-such-dir/b.sql:1:1: error TRK1003: file not found",
            ],
            run.StderrLines);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task DirectoryGivenAsFile_IsReportedAsUnreadable_NotAsCrash()
    {
        var definition = _dir.File("st.sql", "SELECT 1");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", _dir.Path);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{_dir.Path}:1:1: error TRK1003: could not read the file: ", line);
    }

    [Fact]
    public async Task NeitherSchemaNorConnection_IsUsageError_Exits2()
    {
        var definition = _dir.File("st.sql", "SELECT 1");

        var run = await CliRunner.RunAsync("compile", definition);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{definition}:1:1: error TRK5001: ", line);
        Assert.Contains("--schema", line);
        Assert.Contains("--connection", line);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task SchemaAndConnectionTogether_IsUsageError_Exits2()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var schema = _dir.File("schema.sql", "CREATE TABLE t (a int);");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", schema, "--connection", "Host=localhost");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"{definition}:1:1: error TRK5001: --schema and --connection cannot be combined", Assert.Single(run.StderrLines));
    }

    [Theory]
    [InlineData("incremental")]
    [InlineData("1")]
    [InlineData("")]
    public async Task InvalidMode_IsUsageError_Exits2_NamingTheAllowedValues(string mode)
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var schema = _dir.File("schema.sql", "CREATE TABLE t (a int);");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", schema, "--mode", mode);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{definition}:1:1: error TRK5001: invalid --mode '{mode}': expected auto, differential, immediate or full", Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task InvalidImmediateApply_IsUsageError_Exits2_NamingTheAllowedValues()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        var schema = _dir.File("schema.sql", "CREATE TABLE t (a int);");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", schema, "--immediate-apply", "later");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{definition}:1:1: error TRK5001: invalid --immediate-apply 'later': expected statement or commit", Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    /// <summary>--immediate-apply overrides the file's option: commit turns the IMMEDIATE functions into buffer-and-queue.</summary>
    [Theory]
    [InlineData("commit", true)]
    [InlineData("statement", false)]
    public async Task ImmediateApplyFlag_OverridesTheFile(string flag, bool atCommit)
    {
        var definition = _dir.File("st.sql", $"CREATE STREAM TABLE st WITH (immediate_apply = '{(atCommit ? "statement" : "commit")}') AS SELECT a, count(*) AS n FROM t GROUP BY a");
        var schema = _dir.File("schema.sql", "CREATE TABLE t (a int);");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", schema, "--mode", "immediate", "--immediate-apply", flag);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(atCommit, run.Stdout.Contains("CREATE FUNCTION \"trickle\".\"st__apply_at_commit\"(\"lock\" boolean)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingFileArgument_IsUsageError_Exits2()
    {
        var run = await CliRunner.RunAsync("compile");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("trickle: error TRK5001: Required argument 'FILE' missing for command: 'compile'.", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task UnknownOption_IsUsageError_Exits2()
    {
        var definition = _dir.File("st.sql", "SELECT 1");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", definition, "--shcedule", "3s");

        Assert.Equal(2, run.ExitCode);
        Assert.All(run.StderrLines, line => Assert.StartsWith($"{definition}:1:1: error TRK5001: ", line));
        Assert.Contains(run.StderrLines, line => line.Contains("'--shcedule'"));
    }

    [Fact]
    public async Task NoCommand_PrintsTheCommands_AndExits2()
    {
        var run = await CliRunner.RunAsync();

        // A user finding out what the tool does sees its commands; a script sees a usage error's exit code.
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout);
        Assert.Contains("compile <FILE>", run.Stdout);
    }

    [Fact]
    public async Task Help_Exits0_AndListsTheCompileCommand()
    {
        var run = await CliRunner.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("compile", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task CompileHelp_Exits0_AndDocumentsEveryOption()
    {
        var run = await CliRunner.RunAsync("compile", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--schema", "--connection", "--name", "--mode", "--schedule", "--immediate-apply", "statement|commit", "-o, --output", "differential|immediate|full" })
            Assert.Contains(option, run.Stdout);
    }

    [Fact]
    public async Task Version_Exits0_AndPrintsAVersion()
    {
        var run = await CliRunner.RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout);
    }

    [Fact]
    public async Task UnreachableDatabase_ReportsTrk2003AtTheDefinition_Exits1_WithoutStackTrace()
    {
        var definition = _dir.File("st.sql", "SELECT 1");
        // A socket directory that does not exist fails at once, without waiting for a network timeout.
        var connection = $"Host={_dir.Path}/no-socket-here;Port=5432;Username=postgres;Timeout=5";

        var run = await CliRunner.RunAsync("compile", definition, "--connection", connection);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{definition}:1:1: error TRK2003: could not read the catalog: ", Assert.Single(run.StderrLines));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task MalformedConnectionString_ReportsTrk2003_Exits1()
    {
        var definition = _dir.File("st.sql", "SELECT 1");

        var run = await CliRunner.RunAsync("compile", definition, "--connection", "Hots=localhost");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{definition}:1:1: error TRK2003: could not read the catalog: ", Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task FailedCompile_WithOutput_CreatesNoFile()
    {
        var output = _dir.File("out.sql");

        var run = await CliRunner.RunAsync("compile", _dir.File("missing.sql"), "--schema", _dir.File("schema.sql", "CREATE TABLE t (a int);"), "-o", output);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["schema.sql"], _dir.FileNames());
    }

    [Fact]
    public async Task FailedCompile_WithOutput_LeavesExistingFileUntouched()
    {
        var output = _dir.File("out.sql", "-- the previous script\n");
        var before = File.GetLastWriteTimeUtc(output);

        var run = await CliRunner.RunAsync("compile", _dir.File("missing.sql"), "--schema", _dir.File("schema.sql", "CREATE TABLE t (a int);"), "--output", output);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("-- the previous script\n", File.ReadAllText(output));
        Assert.Equal(before, File.GetLastWriteTimeUtc(output));
        Assert.Equal(["out.sql", "schema.sql"], _dir.FileNames());
    }
}
