namespace Trickle.Compiler;

public enum RefreshMode
{
    /// <summary>Changes are captured into buffers and applied by <c>trickle.refresh</c> (or the scheduler).</summary>
    Differential,
    /// <summary>Changes are applied inside the writing statement: up to date at every commit.</summary>
    Immediate,
    /// <summary>Every refresh recomputes the defining query.</summary>
    Full,
    /// <summary>
    /// Changes are buffered as for <see cref="Differential"/>; each refresh applies them or recomputes, whichever it
    /// estimates cheaper (buffered changes against the sources' size, and what earlier refreshes took), and records
    /// the choice and why in <c>trickle.refresh_history</c>.
    /// </summary>
    Auto,
}
