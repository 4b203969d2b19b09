namespace Trickle.Compiler;

/// <summary>
/// When an IMMEDIATE stream table's writers apply their changes (<c>WITH (immediate_apply = …)</c>,
/// <c>--immediate-apply</c>). Either way other sessions see the stream table equal to its query after every commit.
/// </summary>
public enum ImmediateApply
{
    /// <summary>
    /// Inside each writing statement: the writer sees its own changes in the stream table at once, and holds the locks
    /// of the groups it touched until commit, so two transactions touching the same groups in opposite orders deadlock.
    /// </summary>
    Statement,

    /// <summary>
    /// At COMMIT: statements only record their changes; a deferred trigger applies them all, taking every lock in one
    /// sorted pass first, so committing writers never wait for each other in a cycle. The writer sees its own changes
    /// in the stream table only after commit.
    /// </summary>
    Commit,
}
