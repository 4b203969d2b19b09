namespace Trickle.Compiler;

/// <summary>
/// What the user said on the command line; each set value overrides what the input file says. <paramref name="Upgrade"/>
/// asks for a script that rebuilds an installed stream table of that name to this definition, instead of installing it.
/// </summary>
public sealed record CompilationOptions(string? Name = null, RefreshMode? Mode = null, string? Schedule = null, bool Upgrade = false);
