namespace Trickle.Integrations.Tests;

/// <summary>Where the repository and its projects are, found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    public static readonly string Root = FindRoot();

    /// <summary>The configuration these tests were built in: samples build against the same outputs.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static string Source(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Trickle.sln")))
                return directory.FullName;
        throw new InvalidOperationException("Trickle.sln not found above " + AppContext.BaseDirectory);
    }
}
