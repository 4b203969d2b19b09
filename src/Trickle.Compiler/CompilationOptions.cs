namespace Trickle.Compiler;

/// <summary>
/// What the user said on the command line; each set value overrides what the input file says. <paramref name="Upgrade"/>
/// asks for a script that rebuilds an installed stream table of that name to this definition, instead of installing it.
/// </summary>
public sealed record CompilationOptions(string? Name = null, RefreshMode? Mode = null, string? Schedule = null, bool Upgrade = false)
{
    /// <summary>
    /// Asks for the deploy script instead (<c>--deploy</c>): installs, does nothing, switches or upgrades, whichever what
    /// is installed calls for. Not together with <see cref="Upgrade"/>.
    /// </summary>
    public DeployOptions? Deploy { get; init; }

    /// <summary><c>--immediate-apply</c>: overrides <c>WITH (immediate_apply = …)</c> of the input file.</summary>
    public ImmediateApply? ImmediateApply { get; init; }

    /// <summary><c>--create-indexes</c>: overrides <c>WITH (create_indexes = …)</c> of the input file.</summary>
    public bool? CreateIndexes { get; init; }

    /// <summary>
    /// Rewrite passes to skip, by name (<c>flatten-subqueries</c>, …): for tests and for isolating a pass when a plan
    /// looks wrong. A construct only a skipped pass makes maintainable is then refused as it was without it.
    /// </summary>
    public IReadOnlyList<string> DisabledPasses { get; init; } = [];

    /// <summary>The generation an upgrade builds, when the caller decides it (a deploy names it after its hash).</summary>
    internal string? Generation { get; init; }
}

/// <summary>
/// How a deploy script is made. <paramref name="Revision"/> is the stream table's revision in a migration folder: a
/// script does nothing where a later revision is installed, so the folder can be run again from its start.
/// <paramref name="IncludeRuntime"/> false leaves the runtime to a migration of its own and requires it instead.
/// </summary>
public sealed record DeployOptions(int? Revision = null, bool IncludeRuntime = true);
