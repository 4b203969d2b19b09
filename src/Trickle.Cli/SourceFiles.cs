using Trickle.Compiler;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli;

internal static class SourceFiles
{
    /// <summary>Reads a file named on the command line; the path is kept as typed so diagnostics print it that way.</summary>
    public static async Task<SourceText?> ReadAsync(string path, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        try
        {
            return SourceText.FromUtf8(path, await File.ReadAllBytesAsync(path, cancellationToken), diagnostics);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            diagnostics.Error(DiagnosticCode.FileNotFound, path, SourceSpan.None, "file not found");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // A directory, an unreadable file or an invalid name: the user still has to fix the path they gave.
            diagnostics.Error(DiagnosticCode.FileNotFound, path, SourceSpan.None,
                $"could not read the file: {DiagnosticPrinter.OneLine(exception.Message)}");
        }
        return null;
    }
}
