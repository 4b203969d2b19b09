using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli;

/// <summary>Writes diagnostics in the one-line <c>FILE:LINE:COL: error TRKnnnn: message</c> form editors and CI parse.</summary>
internal static class DiagnosticPrinter
{
    public static void Print(TextWriter stderr, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
            stderr.WriteLine(diagnostic.ToString());
    }

    /// <summary>
    /// A usage error names the definition file when the user gave one; otherwise the tool itself is the origin, the way
    /// <c>csc: error CS2001</c> reads.
    /// </summary>
    public static void PrintUsageError(TextWriter stderr, string? filePath, string message, DiagnosticCode? code = null)
    {
        code ??= DiagnosticCode.InvalidOption;
        var origin = filePath is null ? "trickle" : $"{Diagnostic.OneLine(filePath)}:1:1";
        stderr.WriteLine($"{origin}: error {code.Id}: {OneLine(message)}");
    }

    /// <summary>Exception messages from drivers and the OS may span lines; a diagnostic must not.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>
/// The envelope every compiling command runs its work in: diagnostics printed whatever happens, cancellation reported
/// as such (exit 130, no diagnostic: not a problem in the input), and any other fault as one positioned internal error.
/// </summary>
internal static class DiagnosticRun
{
    public static async Task<int> RunAsync(TextWriter stderr, string origin, Func<DiagnosticBag, Task<int>> work, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        try
        {
            var exitCode = await work(diagnostics);
            DiagnosticPrinter.Print(stderr, diagnostics.Items);
            return exitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DiagnosticPrinter.Print(stderr, diagnostics.Items);
            stderr.WriteLine("trickle: canceled");
            return CliApp.ExitCanceled;
        }
        catch (Exception exception)
        {
            DiagnosticPrinter.Print(stderr, diagnostics.Items);
            DiagnosticPrinter.PrintUsageError(stderr, origin, $"internal compiler error: {DiagnosticPrinter.OneLine(exception.Message)}", DiagnosticCode.InternalError);
            return CliApp.ExitFailure;
        }
    }
}
