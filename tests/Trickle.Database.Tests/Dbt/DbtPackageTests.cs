using System.Text.Json;
using System.Text.Json.Nodes;
using Trickle.Cli;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Dbt;

/// <summary>
/// The dbt package (integrations/dbt) as a dbt project uses it: <c>trickle dbt compile</c> reads a manifest written by
/// hand to dbt's schema v12 (stream-table models among a table, a view, an ephemeral model and a test, one stream table
/// reading another), then the package's macros are rendered with Jinja2 and a stand-in for dbt's context
/// (dbt_stub.py; dbt itself cannot be installed here) and the SQL they would run is run with psql. The stream tables
/// must equal their models' compiled SQL, and running the materialization again must change nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DbtPackageTests(PostgresCluster cluster) : IDisposable
{
    private static readonly string Here = Path.Combine(Repository.Root, "tests", "Trickle.Database.Tests", "Dbt");
    private static readonly string Package = Path.Combine(Repository.Root, "integrations", "dbt");
    private readonly string _project = Path.Combine(Path.GetTempPath(), "trickle-dbt-" + Guid.NewGuid().ToString("N")[..12]);

    private string ManifestPath => Path.Combine(_project, "target", "manifest.json");
    private string Scripts => Path.Combine(_project, "trickle_scripts");

    [Fact]
    public async Task StreamTableModels_AreInstalledByTheMaterialization_EqualTheirSql_AndARunAgainChangesNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("dbt");
        await database.ExecuteAsync(File.ReadAllText(Path.Combine(Here, "schema.sql")) + """
            CREATE SCHEMA analytics;
            INSERT INTO customers SELECT i, 'c' || i, 'r' || (i % 3) FROM generate_series(1, 30) AS i;
            INSERT INTO orders SELECT i, i % 30 + 1, CASE WHEN i % 7 = 0 THEN 'cancelled' ELSE 'open' END, i % 90 FROM generate_series(1, 600) AS i;
            """);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Here, "manifest.json")).Replace("__DATABASE__", database.Name, StringComparison.Ordinal))!;
        WriteManifest(manifest);

        var compile = await CompileAsync();
        Assert.Equal(["model.shop.customer_tiers.sql", "model.shop.order_totals.sql"], Directory.GetFiles(Scripts).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Upstream first: dbt runs models in dependency order, and so does the compile.
        Assert.True(compile.IndexOf("model.shop.order_totals", StringComparison.Ordinal) < compile.IndexOf("model.shop.customer_tiers", StringComparison.Ordinal));

        foreach (var model in new[] { "order_totals", "customer_tiers" })
            Assert.Contains("installed", await MaterializeAsync(database, manifest, model));
        await AssertModelsMatchAsync(database, manifest, "after dbt run");

        await database.ExecuteAsync("UPDATE orders SET amount = amount + 200 WHERE id % 11 = 0; DELETE FROM orders WHERE id % 13 = 0; INSERT INTO orders VALUES (1000, 3, 'open', 700)");
        await database.ExecuteAsync("SELECT trickle.refresh('analytics.customer_tiers')");
        await AssertModelsMatchAsync(database, manifest, "after writes and a refresh");

        // dbt run again: the same scripts, nothing to do; and the run-operation form says the same.
        var catalog = await database.ScalarAsync<string>("SELECT string_agg(c.xmin::text || c.ctid::text, ',' ORDER BY table_name) FROM trickle.stream_table_catalog AS c");
        foreach (var model in new[] { "order_totals", "customer_tiers" })
            Assert.Contains("unchanged (this definition is installed)", await MaterializeAsync(database, manifest, model));
        Assert.Contains("unchanged (this definition is installed)", await RunStubAsync(database, manifest, "order_totals", "--run-operation", "order_totals"));
        Assert.Equal(catalog, await database.ScalarAsync<string>("SELECT string_agg(c.xmin::text || c.ctid::text, ',' ORDER BY table_name) FROM trickle.stream_table_catalog AS c"));

        // The model's schedule changes in dbt: until trickle dbt compile runs again, the materialization refuses the
        // stale script; after, it switches the schedule in place.
        manifest["nodes"]!["model.shop.customer_tiers"]!["config"]!["schedule"] = "1m";
        WriteManifest(manifest);
        var stale = await RunStubProcessAsync(manifest, "customer_tiers", "--materialize");
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("is out of date", stale.StandardError);
        await CompileAsync();
        Assert.Contains("switched to mode differential, schedule 1m", await MaterializeAsync(database, manifest, "customer_tiers"));
        Assert.Equal("1m", await database.ScalarAsync<string>("SELECT schedule FROM trickle.stream_table_catalog WHERE table_name = 'customer_tiers'"));
        await AssertModelsMatchAsync(database, manifest, "after the schedule change");
    }

    [Fact]
    public async Task AModelThatDoesNotCompile_IsReportedAtItsCompiledFile_AndNothingIsWritten()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Here, "manifest.json")).Replace("__DATABASE__", "shop", StringComparison.Ordinal))!;
        manifest["nodes"]!["model.shop.order_totals"]!["compiled_code"] = "select customer_id, count(*) as n from \"shop\".\"public\".\"no_such_table\" group by customer_id";
        WriteManifest(manifest);
        var run = await RunCliAsync("dbt", "compile", "--manifest", ManifestPath, "--schema", Path.Combine(Here, "schema.sql"), "-o", Scripts);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(Path.Combine(_project, "target", "compiled", "shop", "models", "order_totals.sql") + ":1:", run.Stderr);
        Assert.Contains("error TRK3001", run.Stderr);
        Assert.False(Directory.Exists(Scripts) && Directory.GetFiles(Scripts).Length > 0);
        await Task.CompletedTask;
    }

    public void Dispose()
    {
        if (Directory.Exists(_project))
            Directory.Delete(_project, recursive: true);
    }

    private void WriteManifest(JsonNode manifest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ManifestPath)!);
        File.WriteAllText(ManifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private async Task<string> CompileAsync()
    {
        var run = await RunCliAsync("dbt", "compile", "--manifest", ManifestPath, "--schema", Path.Combine(Here, "schema.sql"), "-o", Scripts);
        Assert.True(run.ExitCode == 0, $"trickle dbt compile exited {run.ExitCode}:\n{run.Stderr}");
        return run.Stdout;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exitCode = await CliApp.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    private Task<string> MaterializeAsync(TestDatabase database, JsonNode manifest, string model) =>
        RunStubAsync(database, manifest, model, "--materialize");

    /// <summary>Renders the package's macros for one model and runs the SQL they would execute with psql; psql's messages.</summary>
    private async Task<string> RunStubAsync(TestDatabase database, JsonNode manifest, string model, params string[] mode)
    {
        var stub = await RunStubProcessAsync(manifest, model, mode);
        Assert.True(stub.ExitCode == 0, $"rendering the macros for {model} failed:\n{stub.StandardError}");
        var result = await database.RunPsqlScriptAsync(File.ReadAllText(Path.Combine(_project, model + ".rendered.sql")));
        Assert.True(result.Succeeded, $"the SQL rendered for {model}: {result.Describe()}");
        return result.StandardError;
    }

    private async Task<ProcessResult> RunStubProcessAsync(JsonNode manifest, string model, params string[] mode)
    {
        var node = Path.Combine(_project, model + ".node.json");
        var nodes = Path.Combine(_project, "nodes.json");
        File.WriteAllText(node, manifest["nodes"]![$"model.shop.{model}"]!.ToJsonString());
        File.WriteAllText(nodes, manifest["nodes"]!.ToJsonString());
        string[] arguments = [Path.Combine(Here, "dbt_stub.py"), "--macros", Path.Combine(Package, "macros"), "--macros", Scripts,
            "--node", node, "--nodes", nodes, "--out", Path.Combine(_project, model + ".rendered.sql"), .. mode];
        return await ProcessRunner.RunAsync("python3", arguments, null, CancellationToken.None);
    }

    /// <summary>Each stream table against its model's compiled SQL (multiset, NULL-safe).</summary>
    private static async Task AssertModelsMatchAsync(TestDatabase database, JsonNode manifest, string because)
    {
        await using var connection = await database.OpenConnectionAsync();
        foreach (var model in new[] { "order_totals", "customer_tiers" })
            await AssertMatchesAsync(connection, $"analytics.{model}", manifest["nodes"]![$"model.shop.{model}"]!["compiled_code"]!.GetValue<string>(), $"{model} {because}");
    }
}
