using System.Runtime.ExceptionServices;

namespace Trickle.Compiler;

/// <summary>
/// Runs the compiler on a thread of its own with a stack sized for the deepest query it accepts.
/// </summary>
/// <remarks>
/// Parsing, binding, the rewrite passes and the printers all recurse over the tree, and ANTLR's prediction recurses
/// further per level. A query at the nesting limit (<see cref="Parsing.NestingLimit.MaxDepth"/>) needs tens of megabytes
/// of stack, more than a thread-pool thread (1.5 MB) or an IDE's build thread has, and a stack overflow cannot be caught:
/// it would take the host process down. The stack is reserved, not committed, so an ordinary query costs one thread
/// start (well under a millisecond).
/// </remarks>
internal static class LargeStack
{
    private const int StackBytes = 256 * 1024 * 1024;
    private const string ThreadName = "trickle compiler";

    /// <summary>Runs <paramref name="work"/> on a large stack; inline when already on one (public entry points nest).</summary>
    public static T Run<T>(Func<T> work)
    {
        if (Thread.CurrentThread.Name == ThreadName)
            return work();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception exception)
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        }, StackBytes)
        {
            Name = ThreadName,
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
