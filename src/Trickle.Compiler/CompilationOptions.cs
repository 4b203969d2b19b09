namespace Trickle.Compiler;

/// <summary>What the user said on the command line; each set value overrides what the input file says.</summary>
public sealed record CompilationOptions(string? Name = null, RefreshMode? Mode = null, string? Schedule = null);
