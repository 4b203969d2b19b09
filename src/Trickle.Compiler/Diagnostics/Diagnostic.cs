namespace Trickle.Compiler.Diagnostics;

public enum DiagnosticSeverity { Error, Warning }

/// <summary>A problem found while compiling, positioned in the file it came from.</summary>
public sealed record Diagnostic(DiagnosticSeverity Severity, string Code, string Message, string FilePath, SourceSpan Span)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>The one-line form C# compilers print: <c>FILE:LINE:COL: error TRKnnnn: message</c>.</summary>
    public override string ToString() =>
        $"{FilePath}:{Span.Line}:{Span.Column}: {(IsError ? "error" : "warning")} {Code}: {Message}";
}
