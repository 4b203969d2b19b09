namespace Trickle.Compiler.Diagnostics;

/// <summary>Collects diagnostics instead of throwing, so one run reports every problem it can find.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;
    public bool HasErrors => _items.Any(d => d.IsError);

    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);
    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    public void Error(DiagnosticCode code, string filePath, SourceSpan span, string message) =>
        _items.Add(new Diagnostic(DiagnosticSeverity.Error, code.Id, message, filePath, span));
}
