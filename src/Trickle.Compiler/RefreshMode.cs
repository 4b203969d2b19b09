namespace Trickle.Compiler;

public enum RefreshMode
{
    /// <summary>Changes are captured into buffers and applied by <c>trickle.refresh</c> (or the scheduler).</summary>
    Differential,
    /// <summary>Changes are applied inside the writing statement: up to date at every commit.</summary>
    Immediate,
    /// <summary>Every refresh recomputes the defining query.</summary>
    Full,
}
