using System.Runtime.CompilerServices;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Rebuilds a bound expression bottom-up; a rewrite overrides <see cref="RewriteLeaf"/> or <see cref="Rewrite"/>
/// for the nodes it cares about and inherits the traversal for the rest.
/// </summary>
public abstract class BoundTreeRewriter
{
    public virtual BoundExpression Rewrite(BoundExpression expression)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return RewriteChildren(expression);
    }

    private BoundExpression RewriteChildren(BoundExpression expression) => expression switch
    {
        BoundUnary u => u with { Operand = Rewrite(u.Operand) },
        BoundBinary b => b with { Left = Rewrite(b.Left), Right = Rewrite(b.Right) },
        BoundCast c => c with { Operand = Rewrite(c.Operand) },
        BoundFunctionCall f => f with { Arguments = f.Arguments.Select(Rewrite).ToList() },
        BoundSyntaxForm s => s with { Operands = s.Operands.Select(Rewrite).ToList() },
        _ => RewriteLeaf(expression),
    };

    protected virtual BoundExpression RewriteLeaf(BoundExpression leaf) => leaf;
}

/// <summary>Replaces leaves through a function: the common case of a rewrite.</summary>
public sealed class LeafRewriter(Func<BoundExpression, BoundExpression> replace) : BoundTreeRewriter
{
    protected override BoundExpression RewriteLeaf(BoundExpression leaf) => replace(leaf);
}
