using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta;

/// <summary>What a rule is given about one aggregate call: the call, its position, and its argument as SQL.</summary>
/// <param name="ChangesAreNetted">
/// True when identical change rows cancel before the delta (see <see cref="MaintenanceModel.NetKeys"/>). Then every
/// remaining deletion removes a row that existed before the batch, which lets extremum rules prove more values survive.
/// </param>
/// <param name="CallOverSource">the whole call as SQL over the source relations, for recomputing a group</param>
public sealed record AggregateContext(AggregateCall Call, int Index, string ArgumentOverSource, string ArgumentOverChanges, bool ChangesAreNetted, string CallOverSource)
{
    /// <summary>Storage column name for this aggregate's state: <c>"a2_sum"</c>.</summary>
    public string StateColumn(string suffix) => Emit.SqlQuoting.Identifier($"a{Index + 1}_{suffix}");
}

/// <summary>
/// The delta rule of one family of aggregates: which bookkeeping it keeps per group, how a change updates it, and how
/// the aggregate's value is read back from it. Rules are tried in order; the first that applies wins.
/// </summary>
public interface IAggregateRule
{
    bool Applies(AggregateCall call);

    IReadOnlyList<StateColumn> States(AggregateContext context);

    /// <summary>The aggregate's value as SQL over the stored row <c>s</c>.</summary>
    string Final(AggregateContext context);
}
