using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Trickle.Compiler;

/// <summary>
/// Runs the compiler on a thread of its own with a stack sized for the deepest query it accepts.
/// </summary>
/// <remarks>
/// Parsing, binding, the rewrite passes and the printers all recurse over the tree, and ANTLR's prediction recurses
/// further per level. A query at the nesting limit (<see cref="Parsing.NestingLimit.MaxDepth"/>) needs tens of megabytes
/// of stack, more than a thread-pool thread (1.5 MB) or an IDE's build thread has, and a stack overflow cannot be caught:
/// it would take the host process down. The stack is reserved, not committed.
/// The threads are kept and reused: a new thread per compile cost more than starting it. Each dead thread leaves its
/// thread-local array-pool buckets for the runtime's finalizer to trim on every gen-2 collection, and scripts are
/// large-object-heap strings that make those collections frequent; in a loop of warm compiles (an IDE's source
/// generator, the MSBuild task over a project) that finalizer work took a third of the machine's time.
/// </remarks>
internal static class LargeStack
{
    private const int StackBytes = 256 * 1024 * 1024;
    private const string ThreadName = "trickle compiler";

    /// <summary>Large-stack threads waiting for work; one is started whenever every one of them is busy.</summary>
    private static readonly ConcurrentBag<Worker> Idle = [];

    /// <summary>Runs <paramref name="work"/> on a large stack; inline when already on one (public entry points nest).</summary>
    public static T Run<T>(Func<T> work)
    {
        if (Thread.CurrentThread.Name == ThreadName)
            return work();
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        if (!Idle.TryTake(out var worker))
            worker = new Worker();
        worker.Execute(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception exception)
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        });
        Idle.Add(worker);
        failure?.Throw();
        return result;
    }

    /// <summary>A background thread with a large stack that runs one action at a time for the thread that hands it over.</summary>
    private sealed class Worker
    {
        // No spinning before blocking: on a 2-core machine the waiting thread's spin competes with the compile itself.
        private readonly ManualResetEventSlim _started = new(false, spinCount: 0);
        private readonly ManualResetEventSlim _finished = new(false, spinCount: 0);
        private Action? _action;

        public Worker()
        {
            new Thread(Loop, StackBytes) { Name = ThreadName, IsBackground = true }.Start();
        }

        /// <summary>Runs <paramref name="action"/> on this worker's thread and returns when it has run.</summary>
        public void Execute(Action action)
        {
            _action = action;
            _started.Set();
            _finished.Wait();
            _finished.Reset();
        }

        private void Loop()
        {
            while (true)
            {
                _started.Wait();
                _started.Reset();
                var action = _action!;
                _action = null;
                action();   // never throws: Run wraps the work
                _finished.Set();
            }
        }
    }
}
