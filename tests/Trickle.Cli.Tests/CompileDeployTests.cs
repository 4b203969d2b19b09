using System.Text.RegularExpressions;
using Trickle.Cli.Deploy;

namespace Trickle.Cli.Tests;

/// <summary><c>trickle compile --deploy</c>, and the dbt manifest reader: what the scripts say and what is refused.</summary>
public sealed class CompileDeployTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string Definition = Path.Combine(RepositoryPaths.Root, "examples", "order_totals.sql");
    private static readonly string Schema = Path.Combine(RepositoryPaths.Root, "examples", "schema.sql");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Deploy_IsDeterministic_NamesItsHash_AndTheHashIgnoresOnlyModeAndSchedule()
    {
        var first = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--deploy");
        var second = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--deploy");
        var otherMode = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--deploy", "--mode", "auto", "--schedule", "1h");
        var otherQuery = _dir.File("order_totals.sql", File.ReadAllText(Definition).Replace("count(*)", "count(*) + 0"));
        var changed = await CliRunner.RunAsync("compile", otherQuery, "--schema", Schema, "--deploy");

        Assert.Equal((0, ""), (first.ExitCode, first.Stderr));
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.Contains("-- Stream table: public.order_totals", first.Stdout);
        var hashes = new[] { first, otherMode, changed }.Select(run => Regex.Match(run.Stdout, "-- Definition: sha256 ([0-9a-f]{64})").Groups[1].Value).ToList();
        Assert.Equal(3, hashes.Distinct().Count());
        // The shape (the definition without mode and schedule) is what decides between a switch and a rebuild.
        var shapes = new[] { first, otherMode, changed }.Select(run => Regex.Match(run.Stdout, "\"definition_shape_hash\" = '([0-9a-f]{64})'").Groups[1].Value).ToList();
        Assert.Equal(shapes[0], shapes[1]);
        Assert.NotEqual(shapes[0], shapes[2]);
        // Install, switch and the upgrade's four steps, in one file.
        Assert.Equal(4, first.Stdout.Split("\nCOMMIT;\n").Length - 1);
    }

    [Fact]
    public async Task DeployAndUpgradeTogether_UsageError_Exit2()
    {
        var run = await CliRunner.RunAsync("compile", Definition, "--schema", Schema, "--deploy", "--upgrade");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--upgrade and --deploy cannot be combined", run.Stderr);
    }

    [Theory]
    [InlineData("migrations", "generate", "--definitions", "--out")]
    [InlineData("dbt", "compile", "--manifest", "--output")]
    public async Task SourceTables_FromNeitherOrBothOfSchemaAndConnection_UsageError_Exit2(string command, string subcommand, string input, string output)
    {
        var neither = await CliRunner.RunAsync(command, subcommand, input, Definition, output, Path.GetTempPath());
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("give one of --schema DDL.sql or --connection CONNSTR", neither.Stderr);
        var both = await CliRunner.RunAsync(command, subcommand, input, Definition, output, Path.GetTempPath(), "--schema", Schema, "--connection", "Host=/nowhere");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give one of --schema DDL.sql or --connection CONNSTR", both.Stderr);
    }

    [Fact]
    public void DbtManifest_ReturnsOnlyStreamTableModels_WithTheirSqlConfigAndDependencies()
    {
        var manifest = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Trickle.Database.Tests", "Dbt", "manifest.json"));
        var models = DbtManifest.Read(manifest);

        Assert.Equal(["model.shop.order_totals", "model.shop.customer_tiers"], models.Select(m => m.UniqueId));
        var totals = models[0];
        Assert.Equal(("shop", "order_totals", "analytics", "order_totals"), (totals.PackageName, totals.Name, totals.Schema, totals.Alias));
        Assert.Equal(("differential", "5m"), (totals.RefreshMode, totals.Schedule));
        Assert.StartsWith("with __dbt__cte__stg_orders as (", totals.CompiledCode);
        Assert.Equal(["model.shop.stg_orders"], totals.DependsOn);
        Assert.Equal("models/order_totals.sql", totals.OriginalFilePath);
        Assert.Equal(("differential", null), (models[1].RefreshMode, models[1].Schedule));
        Assert.Equal(["model.shop.order_totals"], models[1].DependsOn);
        Assert.Equal("trickle_script__shop__customer_tiers", models[1].MacroName);
    }

    [Fact]
    public void DbtManifest_WithoutCompiledCode_OrNotAManifest_SaysWhatToDo()
    {
        var uncompiled = """{"nodes": {"model.p.m": {"resource_type": "model", "name": "m", "schema": "s", "config": {"materialized": "stream_table"}}}}""";
        Assert.Contains("write the manifest with dbt compile", Assert.Throws<InvalidDataException>(() => DbtManifest.Read(uncompiled)).Message);
        Assert.Contains("no \"nodes\" object", Assert.Throws<InvalidDataException>(() => DbtManifest.Read("""{"metadata": {}}""")).Message);
    }
}
