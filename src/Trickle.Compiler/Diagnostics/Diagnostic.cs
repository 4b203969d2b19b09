using System.Text;

namespace Trickle.Compiler.Diagnostics;

public enum DiagnosticSeverity { Error, Warning }

/// <summary>A problem found while compiling, positioned in the file it came from.</summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string Code, string Message, string FilePath, SourceSpan Span)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>
    /// The one-line form C# compilers print: <c>FILE:LINE:COL: error TRKnnnn: message</c>. Messages quote the input
    /// (an identifier, a token, a literal) and the input may hold line breaks; they are escaped (<c>\n</c>) so one problem
    /// stays one line for the editors and CI tools that parse it.
    /// </summary>
    public override string ToString() =>
        $"{OneLine(FilePath)}:{Span.Line}:{Span.Column}: {(IsError ? "error" : "warning")} {Code}: {OneLine(Message)}";

    /// <summary>Control characters written as escapes, so the text cannot break a line or a terminal.</summary>
    public static string OneLine(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
