using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// A subquery with window functions joined to other tables:
/// <c>FROM customers c JOIN (SELECT …, row_number() OVER (PARTITION BY customer_id ORDER BY …) AS rn FROM orders) r
/// ON r.customer_id = c.id WHERE r.rn &lt;= 3</c>. Alone in FROM, such a subquery is flattened into its query; in a join
/// it is kept whole (its windowed rows in storage of their own, a change recomputing the partitions it touches), and the
/// outer WHERE conjuncts that read only its columns (<c>r.rn &lt;= 3</c>) are pushed into it, so that it stores only the
/// rows the query can keep. Pushing is exact when the subquery is joined by inner joins: a row a conjunct rejects is in
/// no output row. Under an outer join nothing is pushed.
/// </summary>
internal sealed partial class QueryBinder
{
    /// <summary>Set while the FROM of a query with several relations is bound: the WHERE conjuncts a windowed subquery may take.</summary>
    private sealed record JoinContext(IReadOnlyList<Expression> PushableConjuncts);

    private JoinContext? _joinContext;

    /// <summary>The join context of a query's FROM: null when FROM has one relation, no pushable conjuncts under an outer join.</summary>
    private static JoinContext? JoinContextOf(SelectCore select)
    {
        if (select.From is [not JoinedTable and not ParenthesizedTable]) return null;
        var outerJoins = select.From.Any(HasOuterJoinSyntax);
        return new JoinContext(outerJoins || select.Where is null ? [] : Conjuncts(select.Where).ToList());
    }

    private static bool HasOuterJoinSyntax(TableReference reference) => reference switch
    {
        JoinedTable join => join.Kind is JoinKind.Left or JoinKind.Right or JoinKind.Full || HasOuterJoinSyntax(join.Left) || HasOuterJoinSyntax(join.Right),
        ParenthesizedTable parenthesized => HasOuterJoinSyntax(parenthesized.Inner),
        _ => false,
    };

    private static bool SelectsWindowCalls(Query query) =>
        query.Body is SelectCore select && select.Items.OfType<ExpressionItem>().Any(i => ContainsWindowCall(i.Expression));

    private FromTree? BindWindowedInJoin(DerivedTable derived, List<RelationBinding> relations, JoinContext context)
    {
        var name = derived.Alias?.Name.Value ?? "subquery";
        var pushed = context.PushableConjuncts.Where(c => ReadsOnly(c, name)).ToList();
        NoteRewrite(derived, $"window subquery \"{name}\" in a join → kept whole"
            + (pushed.Count == 0 ? "" : $", with {pushed.Count} outer WHERE condition(s) on its columns alone pushed into it"));
        if (pushed.Count == 0)
            return BindKeptWhole(derived.Query, name, derived.Alias?.ColumnNames ?? [], derived, relations);
        // SELECT * FROM (subquery) AS name WHERE pushed: the window query filtered by its outer query, kept whole.
        var span = derived.Span;
        var filtered = new Query(span, null, new SelectCore(span, DistinctKind.None, [], [new StarItem(span, null)],
            [derived with { Alias = derived.Alias ?? new TableAlias(span, new Identifier(span, name, true), []) }],
            Conjunction(pushed, span), null, null, []), [], null, null, false);
        return BindKeptWhole(filtered, name, [], derived, relations);
    }

    /// <summary>A conjunct that reads columns of <paramref name="name"/> only, qualified by it, and no subquery or aggregate.</summary>
    private static bool ReadsOnly(Expression conjunct, string name)
    {
        var nodes = Descendants(conjunct).ToList();
        var columns = nodes.OfType<ColumnReference>().ToList();
        return columns.Count > 0
            && columns.All(c => !c.Star && c.Parts.Count == 2 && c.Parts[0].Value == name)
            && !nodes.Any(n => n is ExistsExpression or ScalarSubquery or InSubqueryExpression or ArraySubquery or QuantifiedComparison { Query: not null }
                || n is FunctionCall call && (IsAggregateCall(call) || IsWindowCall(call)));
    }
}
