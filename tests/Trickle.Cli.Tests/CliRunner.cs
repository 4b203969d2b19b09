namespace Trickle.Cli.Tests;

public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs the CLI in-process against string writers: the same code path as the tool, without a process per test.</summary>
internal static class CliRunner
{
    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(CompilerEntryPoints.Default, args);

    public static async Task<CliRun> RunAsync(CompilerEntryPoints compiler, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exitCode = await CliApp.RunAsync(args, stdout, stderr, compiler, CancellationToken.None);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A fresh directory per test, so tests can assert that nothing but the expected files appeared.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "trickle-cli-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name, string? contents = null)
    {
        var path = System.IO.Path.Combine(Path, name);
        if (contents is not null)
            System.IO.File.WriteAllText(path, contents);
        return path;
    }

    public string[] FileNames() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

internal static class RepositoryPaths
{
    /// <summary>The clone's root, found from the test binaries so tests work from any working directory.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (System.IO.File.Exists(Path.Combine(directory.FullName, "Trickle.sln")))
                return directory.FullName;
        throw new InvalidOperationException($"Trickle.sln not found above {AppContext.BaseDirectory}");
    }
}
