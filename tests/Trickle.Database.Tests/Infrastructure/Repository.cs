namespace Trickle.Database.Tests.Infrastructure;

/// <summary>The repository the tests run from: the folder holding Trickle.sln, above the test binaries.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Trickle.sln")))
                return directory.FullName;
        throw new InvalidOperationException("Trickle.sln not found above the test binaries");
    }
}
