namespace Trickle.Cli.Tests;

/// <summary><c>trickle compile --upgrade</c>: an upgrade script instead of an install script, and what it refuses.</summary>
public sealed class CompileUpgradeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string Definition = Path.Combine(RepositoryPaths.Root, "examples", "order_totals.sql");
    private static readonly string Schema = Path.Combine(RepositoryPaths.Root, "examples", "schema.sql");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Upgrade_EmitsTheFourPhaseUpgradeScript_WithGenerationNamedObjects_Exit0()
    {
        var install = await CliRunner.RunAsync("compile", Definition, "--schema", Schema);
        var upgrade = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--upgrade");

        Assert.Equal((0, ""), (upgrade.ExitCode, upgrade.Stderr));
        Assert.NotEqual(install.Stdout, upgrade.Stdout);
        foreach (var phase in new[] { "-- Phase 1 of 4: prepare.", "-- Phase 2 of 4: populate.", "-- Phase 3 of 4: catch up.", "-- Phase 4 of 4: swap." })
            Assert.Contains(phase, upgrade.Stdout);
        Assert.Equal(4, upgrade.Stdout.Split("\nCOMMIT;\n").Length - 1);
        Assert.Matches("CREATE TABLE \"trickle\".\"order_totals~g[0-9a-f]{8}__storage\"", upgrade.Stdout);
        Assert.DoesNotContain("\"trickle\".\"order_totals__storage\"", upgrade.Stdout);
        Assert.DoesNotContain("INSERT INTO \"trickle\".\"stream_table_catalog\"", upgrade.Stdout);
        Assert.Contains("\"trickle\".\"swap_generation\"(", upgrade.Stdout);
        // Install scripts are what they were without the flag.
        Assert.DoesNotContain("~g", install.Stdout);
    }

    [Fact]
    public async Task Upgrade_SameDefinitionTwice_SameScript_OtherModeOrQuery_OtherGeneration()
    {
        var first = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--upgrade");
        var second = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--upgrade");
        var otherMode = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--upgrade", "--mode", "immediate");
        var otherQuery = _dir.File("order_totals.sql", File.ReadAllText(Definition).Replace("count(*)", "count(*) + 0"));
        var changed = await CliRunner.RunAsync("compile", otherQuery, "--schema", Schema, "--upgrade");

        Assert.Equal(first.Stdout, second.Stdout);
        var generations = new[] { first, otherMode, changed }.Select(run => Generation(run.Stdout)).ToList();
        Assert.Equal(3, generations.Distinct().Count());
    }

    [Fact]
    public async Task Upgrade_OfAQueryRecomputedAsWritten_IsRefusedWithTrk5006_Exit1()
    {
        var definition = _dir.File("latest.sql", "SELECT * FROM orders AS o, LATERAL (SELECT 1 AS one) AS l");

        var run = await CliRunner.RunAsync("compile", definition, "--schema", Schema, "--mode", "full", "--upgrade");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{definition}:1:", line);
        Assert.Contains("error TRK5006: --upgrade cannot build a stream table recomputed from its query as written online yet", line);
    }

    [Fact]
    public async Task Explain_DoesNotTakeTheUpgradeFlag_UsageError_Exit2()
    {
        var run = await CliRunner.RunAsync("explain", Definition, "--schema", Schema, "--upgrade");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.StderrLines, line => line.Contains("error TRK5001") && line.Contains("'--upgrade'"));
    }

    private static string Generation(string script) =>
        System.Text.RegularExpressions.Regex.Match(script, "order_totals~(g[0-9a-f]{8})__storage").Groups[1].Value;
}
