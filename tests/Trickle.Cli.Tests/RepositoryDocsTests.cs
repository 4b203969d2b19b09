namespace Trickle.Cli.Tests;

/// <summary>The README promises commands that work on a fresh clone; CI must run the very command it gives.</summary>
public sealed class RepositoryDocsTests
{
    private const string TestCommand = "dotnet test Trickle.sln";

    private static string[] Lines(string relativePath) =>
        File.ReadAllLines(Path.Combine(RepositoryPaths.Root, relativePath)).Select(l => l.Trim()).ToArray();

    [Fact]
    public void Readme_GivesTheTestCommand_AndCiRunsExactlyIt()
    {
        Assert.Contains(TestCommand, Lines("README.md"));
        Assert.Contains(TestCommand, Lines(".ci/run"));
    }

    [Fact]
    public void Readme_GivesTheCompileCommandForTheExample()
    {
        Assert.Contains(
            "dotnet run --project src/Trickle.Cli -- compile examples/order_totals.sql --schema examples/schema.sql",
            Lines("README.md"));
    }
}
