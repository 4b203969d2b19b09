using System.Text.RegularExpressions;
using Trickle.Compiler;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Integrations.Tests;

/// <summary>
/// The Trickle.MSBuild package packed into a local folder feed once for the class, and a sample project that uses it
/// as a user's would: a PackageReference, TrickleSchema and TrickleStreamTable items, <c>dotnet build</c>.
/// </summary>
public sealed class PackedTaskFeed : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "trickle-msbuild-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>A packages folder of the samples' own, so a package packed by an earlier run is never taken from a cache.</summary>
    public string Packages => Path.Combine(Root, "packages");

    public string Version { get; } = "0.0.0-test";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var pack = await DotnetCli.RunAsync(null, "pack", RepositoryPaths.Source("src", "Trickle.MSBuild", "Trickle.MSBuild.csproj"),
            "--no-build", "-c", RepositoryPaths.Configuration, "-o", Feed, $"-p:PackageVersion={Version}", "-nodeReuse:false");
        Assert.True(pack.Succeeded, pack.Describe());
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[Collection(SampleBuilds.Name)]
public sealed class MSBuildTaskTests(PackedTaskFeed feed) : IClassFixture<PackedTaskFeed>
{
    private const string Schema = """
        CREATE TABLE orders (
            id          bigint PRIMARY KEY,
            customer_id integer NOT NULL,
            status      text NOT NULL,
            amount      numeric(12,2)
        );
        """;

    private const string OrderTotals = """
        -- Revenue per customer.
        CREATE STREAM TABLE order_totals AS
        SELECT customer_id, count(*) AS orders, sum(amount) AS revenue
        FROM orders
        GROUP BY customer_id;
        """;

    private const string OpenOrders = """
        SELECT id, customer_id, amount
        FROM orders
        WHERE status = 'open';
        """;

    [Fact]
    public async Task Build_compiles_changed_definitions_only_and_fails_at_the_position_of_an_error()
    {
        var project = Path.Combine(feed.Root, "sample");
        Directory.CreateDirectory(Path.Combine(project, "db", "streams"));
        File.WriteAllText(Path.Combine(project, "db", "schema.sql"), Schema);
        var orderTotals = Path.Combine(project, "db", "streams", "order_totals.sql");
        var openOrders = Path.Combine(project, "db", "streams", "open_orders.sql");
        File.WriteAllText(orderTotals, OrderTotals);
        File.WriteAllText(openOrders, OpenOrders);
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="trickle-local" value="{feed.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        var csproj = Path.Combine(project, "Sample.csproj");
        File.WriteAllText(csproj, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Trickle.MSBuild" Version="{feed.Version}" PrivateAssets="all" />
                <TrickleSchema Include="db/schema.sql" />
                <TrickleStreamTable Include="db/streams/*.sql" />
                <TrickleStreamTable Update="db/streams/open_orders.sql" Mode="full" Schedule="1m" />
              </ItemGroup>
            </Project>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = feed.Packages };

        // First build: both scripts appear, and they are what trickle compile writes (same compiler, same options).
        var first = await DotnetCli.BuildAsync(csproj, environment);
        Assert.True(first.Succeeded, first.Describe());
        // TrickleOutputPath defaults to a trickle folder beside the build output.
        var scripts = Path.Combine(project, "bin", RepositoryPaths.Configuration, "net10.0", "trickle");
        var totalsScript = Path.Combine(scripts, "order_totals.install.sql");
        var openScript = Path.Combine(scripts, "open_orders.install.sql");
        Assert.Equal(Expected(orderTotals, project, new CompilationOptions()), File.ReadAllText(totalsScript));
        Assert.Equal(Expected(openOrders, project, new CompilationOptions(Mode: RefreshMode.Full, Schedule: "1m")), File.ReadAllText(openScript));
        Assert.Contains("Trickle: db/streams/order_totals.sql", first.StandardOutput);
        var totalsWritten = File.GetLastWriteTimeUtc(totalsScript);
        var openWritten = File.GetLastWriteTimeUtc(openScript);
        var totalsBytes = File.ReadAllBytes(totalsScript);

        // Second build without changes: the target is skipped, nothing is rewritten.
        var second = await DotnetCli.BuildAsync(csproj, environment);
        Assert.True(second.Succeeded, second.Describe());
        Assert.DoesNotContain("Trickle: ", second.StandardOutput);
        Assert.Equal(totalsWritten, File.GetLastWriteTimeUtc(totalsScript));
        Assert.Equal(openWritten, File.GetLastWriteTimeUtc(openScript));

        // A typo in one definition fails the build at its position; the other, untouched, is not recompiled.
        File.WriteAllText(orderTotals, OrderTotals.Replace("FROM orders", "FROM ordrs"));
        var third = await DotnetCli.BuildAsync(csproj, environment);
        Assert.False(third.Succeeded, third.Describe());
        var line = OrderTotals.Split('\n').ToList().FindIndex(l => l.StartsWith("FROM orders")) + 1;
        var position = new Regex($@"{Regex.Escape(orderTotals)}\({line},6\): error TRK3001: [^\r\n]*ordrs");
        Assert.True(position.IsMatch(third.StandardOutput), third.Describe());
        Assert.DoesNotContain("Trickle: db/streams/open_orders.sql", third.StandardOutput);
        Assert.Equal(openWritten, File.GetLastWriteTimeUtc(openScript));
        // The script of the failed definition is left as the last successful build wrote it, as trickle compile -o does.
        Assert.Equal(totalsBytes, File.ReadAllBytes(totalsScript));
    }

    /// <summary>The script the compiler library writes for a definition: the build must produce exactly this.</summary>
    private static string Expected(string definition, string project, CompilationOptions options)
    {
        var diagnostics = new DiagnosticBag();
        var schemaPath = Path.Combine(project, "db", "schema.sql");
        var catalog = Compilation.ReadSchema([new SourceText(schemaPath, File.ReadAllText(schemaPath))], diagnostics);
        var result = Compilation.Compile(new SourceText(definition, File.ReadAllText(definition)), catalog, options);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Script!;
    }
}

/// <summary>Sample builds share the repository's build outputs: they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class SampleBuilds
{
    public const string Name = "Sample builds";
}
