namespace Trickle.Compiler;

/// <summary>A file's path (as diagnostics should print it) and its contents.</summary>
public sealed record SourceText(string Path, string Text);
