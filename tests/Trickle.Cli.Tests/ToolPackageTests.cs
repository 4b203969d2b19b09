using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Trickle.Cli.Tests;

/// <summary>
/// The tool as users get it: <c>dotnet pack</c>, then <c>dotnet tool install</c> from that folder, then <c>trickle</c>.
/// </summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task NoArguments_PrintsTheCommands_AndExits2()
    {
        var run = await CliRunner.RunAsync();

        Assert.Equal(CliApp.ExitUsage, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout);
        foreach (var command in new[] { "compile", "explain", "worker", "status", "refresh", "alter" })
            Assert.Contains($"  {command} ", run.Stdout);
        Assert.DoesNotContain("Required command was not provided", run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task PackedTool_InstallsFromAFolderFeed_AndRuns()
    {
        using var dir = new TempDirectory();
        var feed = Path.Combine(dir.Path, "feed");
        var tools = Path.Combine(dir.Path, "tools");
        var project = Path.Combine(RepositoryPaths.Root, "src", "Trickle.Cli", "Trickle.Cli.csproj");
        // The tests' own build of the CLI (same configuration) is what gets packed: no second build.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

        await Dotnet(dir.Path, "pack", project, "--no-build", "-c", configuration, "-o", feed);
        var package = Assert.Single(Directory.GetFiles(feed, "Trickle.Cli.*.nupkg"));
        await Dotnet(dir.Path, "tool", "install", "--tool-path", tools, "--add-source", feed, "Trickle.Cli", "--ignore-failed-sources");
        var help = await Run(Path.Combine(tools, "trickle"), dir.Path, "--help");

        Assert.Contains("compile", help);
        using var zip = ZipFile.OpenRead(package);
        Assert.NotNull(zip.GetEntry("README.md"));
        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open());
        string Element(string name) => nuspec.Descendants().Single(e => e.Name.LocalName == name).Value;
        Assert.StartsWith("The trickle command-line tool.", Element("description"));
        Assert.Equal("README.md", Element("readme"));
        Assert.Contains("postgresql", Element("tags"));
    }

    private static Task<string> Dotnet(string workingDirectory, params string[] args) => Run("dotnet", workingDirectory, args);

    private static async Task<string> Run(string fileName, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        return await stdout;
    }
}
