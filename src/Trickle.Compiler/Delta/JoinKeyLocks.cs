using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta;

/// <summary>
/// Which IMMEDIATE writers of a join can maintain it at the same time: those whose changes have different values of the
/// join key, when every relation is joined on one key.
/// </summary>
/// <remarks>
/// A writer of one source applies its change joined with the other sources as they are when it runs. Two writers of
/// different sources, running at once, would each miss the other's change (each reads the other's source from before
/// it), and the rows their two changes form together would be lost. Today such writers take one lock for the whole
/// stream table. But when the join's equalities put one column of every relation into one class (<c>o.customer_id =
/// c.id</c>, or <c>a.k = b.k AND b.k = c.k</c>), a joined row has one value of that key in every relation, so two
/// changes form rows together only if they share a key value. A writer then locks the key values of its change rows
/// (one row lock each in the group lock table, in key order), and waits only for writers of the same values; once it
/// has them, its next statement's snapshot holds every such writer's committed change.
/// The stored rows need protecting too (two writers updating one stored group at once could lose one's update). They
/// are safe without more locks when a storage key is that join key, read from a relation an outer join never pads:
/// then writers of different key values never touch the same stored row. Every other join keeps the whole-table lock.
/// </remarks>
internal static class JoinKeyLocks
{
    /// <summary>
    /// For each relation of <paramref name="scans"/>, its columns in the join key's class; null when writers must take
    /// the whole stream table's lock.
    /// </summary>
    /// <param name="conditions">The conditions rows are joined and filtered by (inner joins' ON, WHERE).</param>
    /// <param name="outerCondition">An outer join's ON condition, if any.</param>
    /// <param name="padded">Relations whose columns an outer join may pad with NULLs.</param>
    /// <param name="storageKeys">The stored rows' keys: GROUP BY expressions, or the columns of counted rows.</param>
    public static IReadOnlyDictionary<string, IReadOnlyList<BoundColumn>>? For(IReadOnlyList<ScanNode> scans, IEnumerable<BoundExpression> conditions,
        BoundExpression? outerCondition, IReadOnlyCollection<string> padded, IReadOnlyList<BoundExpression> storageKeys)
    {
        if (scans.Count < 2 || scans.Any(s => s.IsSubquery || s.Expansions.Count > 0))
            return null;
        var classes = new EquivalenceClasses();
        foreach (var condition in conditions.Append(outerCondition).OfType<BoundExpression>())
            foreach (var conjunct in BoundPredicates.Conjuncts(condition))
                if (conjunct is BoundBinary { Operator: "=", Left: BoundColumn left, Right: BoundColumn right } && left.Relation != right.Relation)
                    classes.Union(left, right);

        foreach (var keyClass in classes.All())
        {
            var byRelation = scans.ToDictionary(s => s.Name, s => (IReadOnlyList<BoundColumn>)keyClass.Where(c => c.Relation == s.Name).ToList());
            if (byRelation.Values.Any(columns => columns.Count == 0))
                continue;
            // One hash for equal values of every column: the same type (a cross-type equality may hash equal values apart).
            if (keyClass.Select(c => c.Type.Name).Distinct().Count() != 1 || !keyClass[0].Type.Hashable)
                continue;
            var storedByKey = storageKeys.OfType<BoundColumn>().Any(key => !padded.Contains(key.Relation)
                && keyClass.Any(c => c.Relation == key.Relation && c.ColumnName == key.ColumnName));
            if (storedByKey)
                return byRelation;
        }
        return null;
    }

    /// <summary>Columns made equal by the join's equalities, as disjoint classes (union-find over relation and column).</summary>
    private sealed class EquivalenceClasses
    {
        private readonly Dictionary<(string Relation, string Column), (string Relation, string Column)> _parent = [];
        private readonly Dictionary<(string Relation, string Column), BoundColumn> _columns = [];

        public void Union(BoundColumn left, BoundColumn right) => _parent[Find(left)] = Find(right);

        private (string, string) Find(BoundColumn column)
        {
            var key = (column.Relation, column.ColumnName);
            _columns.TryAdd(key, column);
            _parent.TryAdd(key, key);
            return Root(key);
        }

        private (string Relation, string Column) Root((string Relation, string Column) key)
        {
            while (_parent[key] != key)
                key = _parent[key];
            return key;
        }

        /// <summary>Every class, its columns in the order they were first met.</summary>
        public IEnumerable<List<BoundColumn>> All() => _columns.Keys.GroupBy(Root).Select(g => g.Select(k => _columns[k]).ToList());
    }
}
