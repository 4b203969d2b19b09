using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Rewrites;

/// <summary>
/// One named transformation of the plan into a more differentiable form. Passes are pure (plan in, plan out), can be
/// switched off by name, and are snapshot-tested before and after.
/// </summary>
public abstract class RewritePass
{
    public abstract string Name { get; }

    public abstract RelNode Apply(RelNode plan);
}
