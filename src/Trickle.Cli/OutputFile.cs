using System.Text;

namespace Trickle.Cli;

internal static class OutputFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Replaces <paramref name="path"/> in one rename. Readers (psql, a migration runner, a concurrent build) see the old
    /// script or the new one, never a torn file; a failure anywhere before the rename leaves the old file as it was.
    /// </summary>
    public static async Task ReplaceAsync(string path, string contents, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(path);
        // -o /dev/stdout or /dev/null: a device is written to, never replaced (as root, a rename would put a regular file
        // in place of /dev/null for every process on the machine).
        if (fullPath.StartsWith("/dev/", StringComparison.Ordinal))
        {
            await using var device = new FileStream(fullPath, FileMode.Open, FileAccess.Write);
            await using var writer = new StreamWriter(device, Utf8NoBom);
            await writer.WriteAsync(contents.AsMemory(), cancellationToken);
            return;
        }
        // A symbolic link names where the script goes: write its final target, and keep the link (a rename over the
        // link would replace it by a regular file).
        if (new FileInfo(fullPath).LinkTarget is not null && File.ResolveLinkTarget(fullPath, returnFinalTarget: true) is { } target)
            fullPath = target.FullName;
        if (Directory.Exists(fullPath))
            throw new IOException($"{fullPath} is a directory; name the script file to write");
        // Same directory as the target: a rename is atomic only within one file system.
        var directory = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllTextAsync(temporary, contents, Utf8NoBom, cancellationToken);
            // A replaced file keeps its permissions (a script kept private to its owner stays so).
            if (!OperatingSystem.IsWindows() && File.Exists(fullPath))
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(fullPath));
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The original error is the one worth reporting; a stray temp file is named so the user can spot it.
        }
    }
}
