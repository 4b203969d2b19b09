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
