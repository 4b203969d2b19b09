using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Binding;

/// <summary>
/// Binds a defining query against the catalog and builds its relational plan. Constructs the later phases cannot
/// maintain yet are rejected here, each with a diagnostic at the construct's position, never compiled into a wrong answer.
/// </summary>
internal sealed partial class QueryBinder(SourceCatalog catalog, string filePath, DiagnosticBag diagnostics, RefreshMode mode)
{
    /// <summary>
    /// Non-recursive CTEs of the defining query, by name: each reference is flattened like a subquery in FROM, or kept
    /// whole when it aggregates. A subquery's own binder sees the same CTEs.
    /// </summary>
    private Dictionary<string, CommonTableExpression> _commonTables = new();

    /// <summary>
    /// The CTEs each CTE's body sees: those of enclosing queries and the ones written before it in its WITH, as in
    /// PostgreSQL (a non-recursive CTE cannot read itself or a later one). Shared with the binders of subqueries.
    /// </summary>
    private Dictionary<CommonTableExpression, Dictionary<string, CommonTableExpression>> _commonTableScopes = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The rewrites binding applied, one line each (<c>LATERAL subquery "l" at 3:6 … → …</c>), for <c>trickle explain</c>:
    /// binding turns some constructs into others before the named passes run. Shared with the binders of subqueries.
    /// </summary>
    public List<string> Rewrites { get; private init; } = [];

    /// <summary>
    /// What binding adds to the query text every recomputation runs (the output columns that break ties at a top-k's
    /// limit, appended to its ORDER BY), so that a recomputation keeps the rows the maintained result keeps. Shared
    /// with the binders of subqueries.
    /// </summary>
    public List<QueryTextAddition> TextAdditions { get; init; } = [];

    private void NoteRewrite(SyntaxNode at, string what) => Rewrites.Add($"{what} (at {at.Span.Line}:{at.Span.Column})");

    public (RelNode Plan, IReadOnlyList<CatalogTable> Sources)? Bind(Query query)
    {
        if (query.With is { Recursive: true })
            Unsupported(query.With, "WITH RECURSIVE is not supported yet");
        foreach (var table in query.With?.Tables ?? [])
        {
            _commonTableScopes[table] = new(_commonTables);
            _commonTables[table.Name.Value] = table;
        }
        if (query.Limit is not null || query.Offset is not null)
            return BindTopK(query);
        var distinctOn = query.Body is SelectCore { Distinct: DistinctKind.DistinctOn };
        if (query.OrderBy.Count > 0 && !distinctOn)
            diagnostics.Add(new Diagnostic(DiagnosticSeverity.Warning, "TRK4100",
                "ORDER BY does not order a stream table's rows and is ignored; order when you read it", filePath, query.OrderBy[0].Span));
        if (query.Body is SetOperation setOperation)
            return BindSetOperation(setOperation);
        if (query.Body is not SelectCore select)
        {
            Unsupported(query.Body, query.Body switch
            {
                SetOperation s => $"{s.Operator.ToString().ToUpperInvariant()} is not supported yet",
                ValuesBody => "VALUES is not supported as a stream table's query",
                _ => "a parenthesised query is not supported here yet",
            });
            return null;
        }
        return BindSelect(select, query.OrderBy);
    }

    private (RelNode, IReadOnlyList<CatalogTable>)? BindSelect(SelectCore select, IReadOnlyList<SortItem> orderBy, TopKClause? topK = null)
    {
        // SELECT DISTINCT over an aggregate query: its grouped rows, kept whole, then their distinct rows.
        if (select.Distinct == DistinctKind.Distinct && Aggregates(select))
        {
            var grouped = new Query(select.Span, null, select with { Distinct = DistinctKind.None }, [], null, null, false);
            if (BindKeptWhole(grouped, "grouped rows", [], select, []) is not FromRelation rows) return null;
            return (new DistinctNode(RowsOf(rows, select.Span)), rows.Relation.SubplanSources);
        }
        var from = BindFrom(select);
        if (from is null) return null;
        var (scope, joins) = from.Value;
        if (joins.SelectMany(Leaves).Any(l => l is FromExpansion) && joins.Any(HasOuterJoin))
        {
            Unsupported(select.From[0], "a set-returning function in FROM next to an outer join is not supported yet");
            return null;
        }
        if (WindowedDerived(joins) is not null
            && (joins.Count > 1 || joins[0] is not FromDerived || Aggregates(select) || select.Distinct != DistinctKind.None
                || select.Items.OfType<ExpressionItem>().Any(i => ContainsWindowCall(i.Expression))))
        {
            Unsupported(select.From[0], "a subquery with window functions is supported as the only FROM item of a query that filters and projects its rows (no joins, aggregates, DISTINCT or window functions of its own) for now");
            return null;
        }
        var binder = new ExpressionBinder(scope, filePath, diagnostics, mode);
        var sources = scope.Relations.SelectMany(r => r.Subplan is null ? [r.Table] : r.SubplanSources).Distinct().ToList();

        RelNode plan = BuildJoinTree(joins, binder);
        var isAggregate = Aggregates(select);
        // EXISTS inside a larger WHERE condition (under OR, CASE, …), or in the select list of a query that does not
        // aggregate, is a LEFT JOIN onto the distinct correlation values, and the test reads whether a match was found;
        // EXISTS is never NULL, so that is exact in any context.
        var existsTests = new Dictionary<ExistsExpression, BoundExpression>(ReferenceEqualityComparer.Instance);
        var testingBinder = new ExpressionBinder(scope, filePath, diagnostics, mode)
        {
            Interceptor = node => node is ExistsExpression e && existsTests.TryGetValue(e, out var test) ? test : null,
        };
        var selectedExists = isAggregate ? [] : select.Items.OfType<ExpressionItem>().SelectMany(i => Descendants(i.Expression)).OfType<ExistsExpression>().ToList();
        if (select.Where is not null || selectedExists.Count > 0)
        {
            if (select.Where is not null) RejectAggregates(select.Where, "WHERE");
            var rest = new List<Expression>();
            // One subquery test over one table is a semi- or anti-join; tests over joins, or several, join subqueries.
            var conjuncts = select.Where is null ? [] : Conjuncts(select.Where).ToList();
            var oneTest = selectedExists.Count == 0 && conjuncts.Count(c => Unparenthesize(c) is ExistsExpression or InSubqueryExpression or QuantifiedComparison { Query: not null }
                || c is UnaryExpression { Operator: var op } not && op.Equals("NOT", StringComparison.OrdinalIgnoreCase)
                    && Unparenthesize(not.Operand) is ExistsExpression or InSubqueryExpression or QuantifiedComparison { Query: not null }) == 1;
            var joinFilters = new List<BoundExpression>();
            // NOT EXISTS (and NOT IN, bound as one) joins last: it is a LEFT JOIN, which only the last join of a query may be.
            foreach (var conjunct in conjuncts.OrderBy(c => IsNotExists(c) || Unparenthesize(c) is InSubqueryExpression { Negated: true } ? 1 : 0))
            {
                var existence = oneTest && scope.Relations.Count == 1 && plan is ScanNode { IsSubquery: false } && !TestsView(conjunct) && !IsInOverGroups(conjunct) && !TestsNestingSubquery(conjunct)
                    ? BindExistence(conjunct, scope, binder, plan)
                    : BindExistenceAsJoin(conjunct, scope, binder, plan, sources, joinFilters);
                if (existence is not null) plan = existence;
                else rest.Add(conjunct);
            }
            foreach (var exists in rest.SelectMany(Descendants).OfType<ExistsExpression>().Concat(selectedExists).ToList())
                plan = BindExistenceAsJoin(exists, scope, binder, plan, sources, joinFilters, existsTests) ?? plan;
            var filters = rest.Select(testingBinder.Bind).Concat(joinFilters).ToList();
            if (filters.Count > 0)
                plan = new FilterNode(plan, BoundPredicates.Conjunction(filters)!);
        }

        if (select.Distinct == DistinctKind.DistinctOn && select.Items.OfType<ExpressionItem>().FirstOrDefault(i => ContainsWindowCall(i.Expression)) is { } windowedItem)
        {
            Unsupported(windowedItem, "DISTINCT ON over window functions is not supported yet");
            return null;
        }
        if (select.Distinct == DistinctKind.DistinctOn)
        {
            if (!isAggregate) return BindDistinctOn(select, orderBy, plan, binder, sources);
            Unsupported(select.DistinctOn[0], "DISTINCT ON over an aggregate query is not supported yet");
        }
        if (!isAggregate)
        {
            // Window calls in the select list become one window operator over the filtered rows.
            var windowCalls = new List<WindowCall>();
            var outputBinder = new ExpressionBinder(scope, filePath, diagnostics, mode)
            {
                Interceptor = node => node is FunctionCall call && IsWindowCall(call)
                    ? BindWindowCall(call, windowCalls, binder, select)
                    : testingBinder.Interceptor!(node),
            };
            var outputs = BindOutputs(select.Items, scope, outputBinder.Bind);
            if (topK is not null)
            {
                if (windowCalls.Count > 0 || select.Distinct != DistinctKind.None)
                {
                    Unsupported(topK.At, "LIMIT over a query with window functions or DISTINCT is not supported yet");
                    return null;
                }
                var order = BindTopKOrder(topK, select, item => binder.Bind(ResolveOutputReference(item.Expression, select)), scope, outputs);
                if (order is null) return null;
                return (new ProjectNode(new TopKNode(plan, order, topK.Limit, topK.Offset, topK.WithTies), outputs), sources);
            }
            if (windowCalls.Count > 0)
            {
                if (select.Distinct == DistinctKind.Distinct)
                    Unsupported(select, "SELECT DISTINCT over window functions is not supported yet");
                plan = new WindowNode(plan, windowCalls);
            }
            plan = new ProjectNode(plan, outputs);
            return (select.Distinct == DistinctKind.Distinct ? new DistinctNode(plan) : plan, sources);
        }
        if (select.Items.OfType<ExpressionItem>().Any(i => ContainsWindowCall(i.Expression)))
            return BindWindowsOverGroups(select, plan, binder, scope, sources, topK);

        if (select.GroupBy is { Elements: var elements } && elements.Any(e => e is not GroupingExpression))
            return BindGroupingSets(select, plan, binder, sources);
        var keys = BindGroupKeys(select, binder);
        var aggregates = new List<AggregateCall>();
        var postAggregation = new ExpressionBinder(scope, filePath, diagnostics, mode)
        {
            Interceptor = node => InterceptAfterGrouping(node, keys, aggregates, binder, grouped: select.GroupBy is not null),
        };
        var columns = BindOutputs(select.Items, scope, postAggregation.Bind);
        var having = select.Having is null ? null : postAggregation.Bind(select.Having);
        plan = new AggregateNode(plan, keys, aggregates, Grouped: select.GroupBy is not null, Multiplicity: false);
        if (having is not null)
            plan = new FilterNode(plan, having);
        return (new ProjectNode(plan, columns), sources);
    }

    /// <summary>
    /// <c>SELECT DISTINCT ON (e…) c… ORDER BY e…, o…</c> keeps, for each distinct e, the first row in the order o (pass
    /// <c>distinct-on-to-first-rows</c> makes that a grouping). Rows tied on o would make "first" whatever PostgreSQL
    /// happens to read first, so the stream table and a recomputation could disagree: the order must break every tie
    /// that can show in the output.
    /// </summary>
    private (RelNode, IReadOnlyList<CatalogTable>)? BindDistinctOn(SelectCore select, IReadOnlyList<SortItem> orderBy, RelNode plan,
        ExpressionBinder binder, IReadOnlyList<CatalogTable> sources)
    {
        var keys = new List<BoundExpression>();
        foreach (var expression in select.DistinctOn)
        {
            var key = binder.Bind(ResolveOutputReference(expression, select));
            if (keys.All(k => SqlExpressionPrinter.Canonical(k) != SqlExpressionPrinter.Canonical(key)))
                keys.Add(key);
        }
        bool IsKey(BoundExpression e) => keys.Any(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(e));
        var order = orderBy.Select(o => (Item: o, Expression: binder.Bind(ResolveOutputReference(o.Expression, select)))).ToList();

        // As in PostgreSQL: the leading ORDER BY items are the DISTINCT ON expressions, in any order.
        var leading = 0;
        var seen = new HashSet<string>();
        while (leading < order.Count && seen.Count < keys.Count && IsKey(order[leading].Expression))
            seen.Add(SqlExpressionPrinter.Canonical(order[leading++].Expression));
        if (seen.Count < keys.Count && leading < order.Count)
        {
            diagnostics.Error(DiagnosticCode.DistinctOnOrderMismatch, filePath, order[leading].Item.Span,
                "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
            return null;
        }
        var tieBreakers = order.Skip(leading).ToList();
        var outputs = BindOutputs(select.Items, binder.Scope, binder.Bind);
        var ordered = tieBreakers.Select(t => SqlExpressionPrinter.Canonical(t.Expression)).ToHashSet();
        var orderedColumns = tieBreakers.Select(t => t.Expression).OfType<BoundColumn>().Select(c => (c.Relation, c.ColumnName)).ToHashSet();
        var everyOutputOrdered = outputs.All(o => IsKey(o.Expression) || ordered.Contains(SqlExpressionPrinter.Canonical(o.Expression)));
        var everyRowOrdered = binder.Scope.Relations.All(r => r.Table.HasPrimaryKey
            && r.Table.PrimaryKey.All(column => orderedColumns.Contains((r.Name, column))));
        if (!everyOutputOrdered && !everyRowOrdered)
        {
            diagnostics.Error(DiagnosticCode.AmbiguousTies, filePath, select.DistinctOn[0].Span,
                "DISTINCT ON keeps whichever tied row PostgreSQL reads first, so a recomputation could pick another: add to ORDER BY every primary-key column of "
                + string.Join(", ", binder.Scope.Relations.Select(r => r.Name)) + ", or every selected column");
            return null;
        }

        foreach (var output in outputs.Where(o => o.Expression.Type.IsArray && !IsKey(o.Expression)))
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, output.Expression.Span,
                "DISTINCT ON with an array column outside the DISTINCT ON list is not supported yet");
        return (new DistinctOnNode(new ProjectNode(plan, outputs), keys,
            tieBreakers.Select(t => new AggregateOrder(t.Expression, SortSuffix(t.Item))).ToList()), sources);
    }

    /// <summary>ORDER BY and DISTINCT ON items name output columns by position or by name before input columns, as in PostgreSQL.</summary>
    private static Expression ResolveOutputReference(Expression expression, SelectCore select)
    {
        if (expression is NumericLiteral { Text: var text } && int.TryParse(text, out var ordinal)
            && ordinal >= 1 && ordinal <= select.Items.Count && select.Items[ordinal - 1] is ExpressionItem positioned)
            return positioned.Expression;
        if (expression is ColumnReference { Parts.Count: 1, Star: false } reference
            && select.Items.OfType<ExpressionItem>().FirstOrDefault(i => i.Alias?.Value == reference.Parts[0].Value) is { } aliased)
            return aliased.Expression;
        return expression;
    }

    /// <summary>
    /// UNION, INTERSECT and EXCEPT [ALL], nested and parenthesised in any way, over branches that each filter and project
    /// one table. A chain of the same UNION [ALL] is one node; branch columns are matched by position, as SQL does.
    /// </summary>
    private (RelNode, IReadOnlyList<CatalogTable>)? BindSetOperation(SetOperation root)
    {
        var sources = new List<CatalogTable>();
        var branches = new List<ProjectNode>();
        var tree = BindSetInput(root, branches, sources);
        return tree is null ? null : (tree, sources);
    }

    private RelNode? BindSetInput(QueryBody body, List<ProjectNode> branches, List<CatalogTable> sources)
    {
        if (body is NestedQuery { Query: { Body: SetOperation nestedOperation, With: null, Limit: null, Offset: null, OrderBy.Count: 0 } })
            return BindSetInput(nestedOperation, branches, sources);
        if (body is SetOperation operation)
        {
            var inputs = new List<QueryBody>();
            void Collect(QueryBody part)
            {
                if (part is SetOperation s && s.Operator == SetOperator.Union && s.Operator == operation.Operator && s.All == operation.All)
                {
                    Collect(s.Left);
                    Collect(s.Right);
                }
                else inputs.Add(part);
            }
            if (operation.Operator == SetOperator.Union) Collect(operation);
            else inputs.AddRange([operation.Left, operation.Right]);
            var bound = new List<RelNode>();
            foreach (var input in inputs)
            {
                var node = BindSetInput(input, branches, sources);
                if (node is null) return null;
                bound.Add(node);
            }
            var kind = (operation.Operator, operation.All) switch
            {
                (SetOperator.Union, true) => SetOperationKind.UnionAll,
                (SetOperator.Union, false) => SetOperationKind.Union,
                (SetOperator.Intersect, true) => SetOperationKind.IntersectAll,
                (SetOperator.Intersect, false) => SetOperationKind.Intersect,
                (SetOperator.Except, true) => SetOperationKind.ExceptAll,
                _ => SetOperationKind.Except,
            };
            return new SetOperationNode(kind, bound);
        }

        var select = body as SelectCore ?? (body as NestedQuery)?.Query.Body as SelectCore;
        if (select is null || body is NestedQuery { Query: { With: not null } or { Limit: not null } or { Offset: not null } })
        {
            Unsupported(body, "each branch of a set operation must be a query over one table, or one that aggregates, for now");
            return null;
        }
        ProjectNode project;
        IReadOnlyList<CatalogTable> branchSources;
        if (select.Distinct == DistinctKind.Distinct || Aggregates(select))
        {
            // A branch that aggregates (or is DISTINCT) is a subquery kept whole; the branch projects its rows.
            var query = new Query(select.Span, null, select, [], null, null, false);
            if (BindKeptWhole(query, $"branch {branches.Count + 1}", [], select, []) is not FromRelation rows) return null;
            (project, branchSources) = (RowsOf(rows, select.Span), rows.Relation.SubplanSources);
        }
        else
        {
            var boundSelect = BindSelect(select, []);
            if (boundSelect is null) return null;
            if (boundSelect.Value.Item1 is not ProjectNode { Input: FilterNode { Input: ScanNode { IsSubquery: false } } or ScanNode { IsSubquery: false } } oneTable)
            {
                Unsupported(body, "each branch of a set operation must read one table for now");
                return null;
            }
            (project, branchSources) = (oneTable, boundSelect.Value.Item2);
        }
        if (branches.Count > 0 && project.Columns.Count != branches[0].Columns.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, body.Span,
                $"each query of a set operation must have the same number of columns ({branches[0].Columns.Count}, not {project.Columns.Count})");
            return null;
        }
        branches.Add(project);
        sources.AddRange(branchSources.Where(t => !sources.Contains(t)));
        return project;
    }

    /// <summary>A query that aggregates: GROUP BY, HAVING or an aggregate call in its select list.</summary>
    private static bool Aggregates(SelectCore select) =>
        select.GroupBy is not null || select.Having is not null || select.Items.Any(i => i is ExpressionItem e && ContainsAggregate(e.Expression));

    /// <summary>The rows of a subquery kept whole, projected to its columns.</summary>
    private static ProjectNode RowsOf(FromRelation subquery, SourceSpan span) =>
        new(ScanOf(subquery.Relation), subquery.Columns.Select(c => new OutputColumn(c.Name, ColumnOf(c, span))).ToList());

    /// <summary>A FROM relation as a scan: of its table, or of the plan of a subquery kept whole.</summary>
    private static ScanNode ScanOf(RelationBinding relation, string? name = null) =>
        new(relation.Table, name ?? relation.Name) { Subplan = relation.Subplan, Flattenable = relation.Flattenable, Span = relation.Span };

    private static IEnumerable<Expression> Conjuncts(Expression expression) => expression switch
    {
        ParenthesizedExpression p => Conjuncts(p.Inner),
        BinaryExpression { Operator: "AND" } and => Conjuncts(and.Left).Concat(Conjuncts(and.Right)),
        _ => [expression],
    };

    /// <summary>
    /// A WHERE conjunct testing a subquery for rows — <c>[NOT] EXISTS (…)</c>, <c>a [NOT] IN (SELECT x …)</c> — becomes a
    /// semi- or anti-join. <c>a NOT IN (SELECT x … WHERE p)</c> keeps SQL's NULL semantics as
    /// <c>NOT EXISTS (… WHERE p AND (x = a OR x IS NULL OR a IS NULL))</c>: a NULL anywhere in a non-empty subquery
    /// empties the result, and an empty subquery keeps every row. Null when the conjunct is not of that form.
    /// </summary>
    private RelNode? BindExistence(Expression conjunct, BindingScope outer, ExpressionBinder outerBinder, RelNode plan)
    {
        var isNot = conjunct is UnaryExpression { Operator: var notOperator } && notOperator.Equals("NOT", StringComparison.OrdinalIgnoreCase);
        var tested = isNot ? Unparenthesize(((UnaryExpression)conjunct).Operand) : conjunct;
        var (query, negated, operand) = tested switch
        {
            ExistsExpression e => (e.Query, isNot, (Expression?)null),
            InSubqueryExpression i => (i.Query, i.Negated != isNot, i.Operand),
            QuantifiedComparison { Query: not null } q => (q.Query, false, q.Operand),
            _ => (null, false, null),
        };
        if (query is null) return null;
        var quantified = tested as QuantifiedComparison;
        if (query.With is not null || query.Limit is not null || query.Offset is not null
            || query.Body is not SelectCore { From: [NamedTable table], GroupBy: null, Having: null, Distinct: DistinctKind.None, Windows.Count: 0 } select
            || select.Items.Any(i => i is ExpressionItem item && ContainsAggregate(item.Expression)))
        {
            Unsupported(conjunct, "this subquery is not supported yet: a subquery tested with EXISTS, IN, ANY or ALL must read one table, without GROUP BY, DISTINCT, LIMIT or aggregates");
            return plan;
        }
        var relations = new List<RelationBinding>();
        var tree = BindFromItem(table, relations);
        if (tree is null)
            return plan;
        if (tree is not FromRelation { Relation.Subplan: null } inner)
        {
            Unsupported(table, "this subquery is not supported yet: a subquery tested with EXISTS, IN, ANY or ALL must read one table");
            return plan;
        }
        if (outer.Relations.Any(r => r.Name == inner.Relation.Name))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, table.Span,
                $"the subquery's table \"{inner.Relation.Name}\" has the same name as a table of the outer query; give it an alias");
            return plan;
        }
        var innerBinder = new ExpressionBinder(new BindingScope(relations, inner.Columns, outer), filePath, diagnostics, mode);
        var conditions = new List<BoundExpression>();
        if (select.Where is not null)
        {
            RejectAggregates(select.Where, "WHERE");
            conditions.Add(innerBinder.Bind(select.Where));
        }
        if (operand is not null)
        {
            if (select.Items is not [ExpressionItem item])
            {
                Unsupported(query, $"{(quantified is null ? "an IN" : "an ANY/ALL")} subquery must select exactly one expression");
                return plan;
            }
            var x = innerBinder.Bind(item.Expression);
            var a = outerBinder.Bind(operand);
            if (quantified is not null)
            {
                var (test, anti) = QuantifiedCondition(quantified, isNot, a, x);
                conditions.Add(test);
                negated = anti;
            }
            else
            {
                BoundExpression equal = new BoundBinary(conjunct.Span, SqlType.Boolean, x, "=", a);
                if (negated)
                    equal = new BoundSyntaxForm(conjunct.Span, SqlType.Boolean, "or", ["", " OR ", " IS NULL OR ", " IS NULL"], [equal, x, a]);
                conditions.Add(equal);
            }
        }
        var condition = BoundPredicates.Conjunction(conditions);
        return new JoinNode(plan, ScanOf(inner.Relation), condition, negated ? JoinType.Anti : JoinType.Semi);
    }

    /// <summary>
    /// <c>a op ANY (SELECT x …)</c> keeps the rows for which some x makes <c>a op x</c> true: a semi-join on it.
    /// <c>a op ALL (…)</c> keeps those for which no x makes it false or NULL: an anti-join on <c>(a op x) IS NOT TRUE</c>,
    /// which is SQL's three-valued result exactly (<c>&lt;&gt; ALL</c> is NOT IN). Under NOT the two swap: no x may make
    /// <c>a op x</c> true or NULL, or some x must make it false.
    /// </summary>
    private static (BoundExpression Condition, bool Anti) QuantifiedCondition(QuantifiedComparison q, bool isNot, BoundExpression a, BoundExpression x)
    {
        BoundExpression comparison = new BoundBinary(q.Span, SqlType.Boolean, a, q.Operator, x);
        BoundExpression Is(string truth) => new BoundSyntaxForm(q.Span, SqlType.Boolean, "is truth", ["(", ") " + truth], [comparison]);
        return (q.Quantifier == Quantifier.All, isNot) switch
        {
            (false, false) => (comparison, false),
            (true, false) => (Is("IS NOT TRUE"), true),
            (false, true) => (Is("IS NOT FALSE"), true),
            (true, true) => (Is("IS FALSE"), false),
        };
    }

    private static Expression Unparenthesize(Expression expression) =>
        expression is ParenthesizedExpression p ? Unparenthesize(p.Inner) : expression;

    /// <summary>A FROM item after name resolution, before its conditions are bound.</summary>
    private abstract record FromTree(IReadOnlyList<VisibleColumn> Columns);
    private sealed record FromRelation(RelationBinding Relation, IReadOnlyList<VisibleColumn> Columns) : FromTree(Columns);
    /// <summary>A subquery or CTE flattened into its table, the condition it filtered by, and its output columns.</summary>
    /// <summary>With <see cref="Windows"/>: its window calls, computed over its filtered rows, which its columns may read.</summary>
    private sealed record FromDerived(RelationBinding Relation, IReadOnlyList<VisibleColumn> Columns, BoundExpression? Condition) : FromTree(Columns)
    {
        public IReadOnlyList<WindowCall> Windows { get; init; } = [];
    }
    private sealed record FromJoin(FromTree Left, FromTree Right, JoinType Type, Expression? On, IReadOnlyList<(VisibleColumn Left, VisibleColumn Right, Identifier Name)> Merged, IReadOnlyList<VisibleColumn> Columns)
        : FromTree(Columns);

    private (BindingScope Scope, IReadOnlyList<FromTree> Items)? BindFrom(SelectCore select)
    {
        if (select.From.Count == 0)
        {
            Unsupported(select, "a stream table's query must read a table (FROM is missing)");
            return null;
        }
        var relations = new List<RelationBinding>();
        var items = new List<FromTree>();
        _joinContext = JoinContextOf(select);
        foreach (var item in select.From)
        {
            if (item is DerivedTable { Lateral: true } lateral)
            {
                if (!BindLateral(lateral, relations, items)) return null;
                continue;
            }
            var tree = item is FunctionTable function ? BindExpansion(function, relations) : BindFromItem(item, relations);
            if (tree is null) return null;
            items.Add(tree);
        }
        _joinContext = null;
        var columns = items.SelectMany(i => i.Columns).ToList();
        // Uncorrelated scalar subqueries join the FROM list as one-row relations; their columns are not part of SELECT *.
        var scalars = new Dictionary<ScalarSubquery, BoundExpression>(ReferenceEqualityComparer.Instance);
        // One that cannot be bound stands for NULL: its diagnostic is already reported, once.
        foreach (var scalar in ScalarSubqueriesOf(select))
            scalars[scalar] = BindScalarSubquery(scalar, relations, items, scalars.Count + 1)
                ?? new BoundLiteral(scalar.Span, SqlType.Unknown, "NULL");
        return (new BindingScope(relations, columns) { ScalarSubqueries = scalars, Types = catalog.Types }, items);
    }

    /// <summary>The scalar subqueries of a query's select list, WHERE and HAVING (not those of nested subqueries).</summary>
    private static IEnumerable<ScalarSubquery> ScalarSubqueriesOf(SelectCore select) =>
        select.Items.OfType<ExpressionItem>().Select(i => i.Expression)
            .Concat(new[] { select.Where, select.Having }.OfType<Expression>())
            .SelectMany(Descendants).OfType<ScalarSubquery>().Distinct(ReferenceEqualityComparer.Instance).Cast<ScalarSubquery>();

    /// <summary>
    /// A scalar subquery that aggregates without GROUP BY has exactly one row per outer row. Uncorrelated, it is a
    /// one-row subquery kept whole, cross-joined to the query. Correlated by equalities
    /// (<c>(SELECT agg(x) FROM t WHERE t.a = o.b AND p)</c>, over a query reading the one table <c>o</c>), it is
    /// <c>o LEFT JOIN (SELECT t.a, agg(x) FROM t WHERE p GROUP BY t.a) ON t.a = o.b</c>, and reads as the aggregate's
    /// value over no rows where nothing matches: 0 for count, NULL for every other aggregate. Returns the value that
    /// stands for the subquery, or null (and a diagnostic) when it is not of these forms.
    /// </summary>
    private BoundExpression? BindScalarSubquery(ScalarSubquery scalar, List<RelationBinding> relations, List<FromTree> items, int number)
    {
        if (scalar.Query is not { With: null, Limit: null, Offset: null, Body: SelectCore { GroupBy: null, Windows.Count: 0, Distinct: DistinctKind.None, Items: [ExpressionItem item] } inner }
            || !ContainsAggregate(item.Expression))
        {
            Unsupported(scalar, "a scalar subquery is supported when it aggregates without GROUP BY (one row, always) and selects one expression");
            return null;
        }
        var name = $"scalar subquery {number}";
        var probe = new DiagnosticBag();
        new QueryBinder(catalog, filePath, probe, mode) { _commonTables = _commonTables }.Bind(scalar.Query);
        var correlated = probe.Items.Any(d => d.IsError && (d.Code == DiagnosticCode.UnknownTable.Id || d.Code == DiagnosticCode.UnknownColumn.Id))
            && !probe.Items.Any(d => d.IsError && d.Code == DiagnosticCode.UnsupportedConstruct.Id);
        if (!correlated)
        {
            if (BindKeptWhole(scalar.Query, name, [], scalar, relations) is not FromRelation oneRow) return null;
            items.Add(oneRow);
            return ColumnOf(oneRow.Columns[0], scalar.Span);
        }

        const string help = "join an aggregating subquery grouped by the correlated columns instead";
        if (inner.From.Count == 0 || !inner.From.All(f => f is NamedTable) || relations.Any(r => r.Subplan is not null) || items.Any(HasOuterJoin))
        {
            Unsupported(scalar, $"a correlated scalar subquery is supported over tables listed in its FROM (joined by its WHERE), in a query whose FROM joins tables by inner joins, one such subquery per query; {help}");
            return null;
        }
        var innerTables = inner.From.Cast<NamedTable>().ToList();
        var outerNames = relations.Select(r => r.Name).ToList();
        var unqualifiedOuter = UnqualifiedOuterNames(innerTables, items.SelectMany(i => i.Columns));
        var split = SplitCorrelation(inner, innerTables, outerNames, "a correlated scalar subquery", help, unqualifiedOuter);
        if (split is null) return null;
        var (correlations, rest) = split.Value;
        if (correlations.Count == 0 || ReadsOuter(item.Expression, innerTables, outerNames, unqualifiedOuter))
        {
            Unsupported(scalar, $"this correlated scalar subquery is not supported yet: the outer query's columns may appear only in equalities of its WHERE (inner = outer), not in what it selects; {help}");
            return null;
        }

        var span = scalar.Span;
        if (item.Expression is FunctionCall call && IsAggregateCall(call))
        {
            var value = new ExpressionItem(item.Span, call, new Identifier(span, "value", true));
            if (BindGroupedByCorrelation(scalar.Query, inner, correlations, rest, [value], name, "key", scalar, relations) is not { } perKey) return null;
            NoteRewrite(scalar, "correlated scalar subquery → LEFT JOIN onto it grouped by its correlated columns, kept whole (count over no rows reads 0)");
            JoinOnCorrelation(items, perKey, JoinType.Left, "key", correlations, span, []);
            return ValueOverNoRows(call, ColumnOf(perKey.Columns[^1], span));
        }
        return BindScalarExpressionOverAggregates(scalar, item, inner, correlations, rest, name, relations, items);
    }

    /// <summary>
    /// A correlated scalar subquery selecting an expression over aggregates (<c>0.2 * avg(x)</c>): the grouped
    /// subquery kept whole stores each aggregate, and the expression is computed in the outer query from those values,
    /// each read as its value over no rows where no group matches (0 for count, NULL otherwise), so the expression over
    /// no rows is what PostgreSQL computes too (<c>coalesce(sum(x), 1)</c> reads 1, not NULL).
    /// </summary>
    private BoundExpression? BindScalarExpressionOverAggregates(ScalarSubquery scalar, ExpressionItem item, SelectCore inner,
        IReadOnlyList<(Expression Inner, Expression Outer)> correlations, IReadOnlyList<Expression> rest, string name,
        List<RelationBinding> relations, List<FromTree> items)
    {
        var span = scalar.Span;
        var calls = Descendants(item.Expression).OfType<FunctionCall>().Where(IsAggregateCall).ToList();
        // The expression itself is bound with the aggregates (last column), to read its bound form over their references.
        var values = calls.Select((c, i) => new ExpressionItem(c.Span, c, new Identifier(span, $"value{i + 1}", true)))
            .Append(new ExpressionItem(item.Span, item.Expression, new Identifier(span, "expression", true))).ToList();
        if (BindGroupedByCorrelation(scalar.Query, inner, correlations, rest, values, name, "key", scalar, relations) is not { } bound) return null;
        if (bound.Relation.Subplan is not ProjectNode project) return null;
        var stored = project with { Columns = project.Columns.SkipLast(1).ToList() };
        var relation = bound.Relation with
        {
            Subplan = stored,
            Table = bound.Relation.Table with { Columns = bound.Relation.Table.Columns.SkipLast(1).ToList() },
        };
        relations[relations.IndexOf(bound.Relation)] = relation;
        var columns = bound.Columns.SkipLast(1).Select(c => c with { Relation = relation }).ToList();
        var perKey = new FromRelation(relation, columns);
        // Each aggregate reference of the expression reads the stored column that selects that aggregate.
        var aggregateColumn = new Dictionary<int, BoundExpression>();
        for (var i = 0; i < calls.Count; i++)
            if (stored.Columns[correlations.Count + i].Expression is BoundAggregateRef reference)
                aggregateColumn.TryAdd(reference.Index, ValueOverNoRows(calls[i], ColumnOf(columns[correlations.Count + i], span)));
        var unmapped = false;
        var expression = new LeafRewriter(leaf => leaf switch
        {
            BoundAggregateRef reference when aggregateColumn.TryGetValue(reference.Index, out var value) => value,
            BoundAggregateRef or BoundGroupKeyRef or BoundColumn => Unmapped(leaf),
            _ => leaf,
        }).Rewrite(project.Columns[^1].Expression);
        if (unmapped)
        {
            Unsupported(scalar, "this correlated scalar subquery is not supported yet: its expression must read only aggregates of its rows and constants; join an aggregating subquery grouped by the correlated columns instead");
            return null;
        }
        NoteRewrite(scalar, "correlated scalar subquery selecting an expression over aggregates → LEFT JOIN onto its aggregates grouped by its correlated columns, kept whole; the expression computed over them (count over no rows reads 0)");
        JoinOnCorrelation(items, perKey, JoinType.Left, "key", correlations, span, []);
        return expression;

        BoundExpression Unmapped(BoundExpression leaf)
        {
            unmapped = true;
            return leaf;
        }
    }

    /// <summary>
    /// Splits a correlated subquery's WHERE into its correlations, conjuncts <c>inner = outer</c> whose outer side names
    /// tables of the outer query explicitly (<c>o.b</c>), and the conjuncts over its own table only. Null, with a
    /// diagnostic, when another conjunct reads the outer query.
    /// </summary>
    /// <param name="unqualifiedOuter">names that, written without a qualifier, mean a column of the outer query: the inner
    /// table has no column of that name (PostgreSQL looks in the inner scope first, then in the outer ones)</param>
    private (List<(Expression Inner, Expression Outer)> Correlations, List<Expression> Others)? SplitCorrelation(
        SelectCore inner, IReadOnlyList<NamedTable> innerTables, IReadOnlyCollection<string> outerNames, string what, string help,
        ISet<string>? unqualifiedOuter = null)
    {
        bool IsOuter(Expression e) => Descendants(e).OfType<ColumnReference>().ToList() is { Count: > 0 } references
            && references.All(c => NamesOuter(c, innerTables, outerNames, unqualifiedOuter));
        bool Reads(Expression e) => ReadsOuter(e, innerTables, outerNames, unqualifiedOuter);
        var correlations = new List<(Expression Inner, Expression Outer)>();
        var rest = new List<Expression>();
        foreach (var conjunct in inner.Where is null ? [] : Conjuncts(inner.Where))
        {
            if (conjunct is BinaryExpression { Operator: "=" } equality && IsOuter(equality.Right) && !Reads(equality.Left))
                correlations.Add((equality.Left, equality.Right));
            else if (conjunct is BinaryExpression { Operator: "=" } reversed && IsOuter(reversed.Left) && !Reads(reversed.Right))
                correlations.Add((reversed.Right, reversed.Left));
            else if (Reads(conjunct))
            {
                Unsupported(conjunct, $"{what} may use the outer query's columns only in equalities (inner = outer.column); {help}");
                return null;
            }
            else rest.Add(conjunct);
        }
        return (correlations, rest);
    }

    private static readonly HashSet<string> OrderComparisons = ["<>", "!=", "<", "<=", ">", ">="];

    /// <summary>
    /// True when the subquery's WHERE reads the outer query only in equalities <c>inner = outer</c>, at least one, and in
    /// exactly one other comparison <c>inner op outer</c> (op one of &lt;&gt; &lt; &lt;= &gt; &gt;=), each side reading one query only.
    /// </summary>
    private static bool CorrelatedByOneComparison(SelectCore inner, NamedTable innerTable, IReadOnlyCollection<string> outerNames, ISet<string> unqualifiedOuter)
    {
        bool IsOuter(Expression e) => Descendants(e).OfType<ColumnReference>().ToList() is { Count: > 0 } references
            && references.All(c => NamesOuter(c, [innerTable], outerNames, unqualifiedOuter));
        bool Reads(Expression e) => ReadsOuter(e, [innerTable], outerNames, unqualifiedOuter);
        var (equalities, comparisons) = (0, 0);
        foreach (var conjunct in inner.Where is null ? [] : Conjuncts(inner.Where))
        {
            if (!Reads(conjunct)) continue;
            if (conjunct is not BinaryExpression binary
                || !(IsOuter(binary.Right) && !Reads(binary.Left) || IsOuter(binary.Left) && !Reads(binary.Right))) return false;
            if (binary.Operator == "=") equalities++;
            else if (OrderComparisons.Contains(binary.Operator)) comparisons++;
            else return false;
        }
        return equalities > 0 && comparisons == 1;
    }

    private static bool NamesOuter(ColumnReference column, IReadOnlyList<NamedTable> innerTables, IReadOnlyCollection<string> outerNames,
        ISet<string>? unqualifiedOuter = null) =>
        column.Parts.Count >= 2 && outerNames.Contains(column.Parts[^2].Value)
        && innerTables.All(t => column.Parts[^2].Value != (t.Alias?.Name.Value ?? t.Name.Last.Value))
        || column is { Parts.Count: 1, Star: false } && unqualifiedOuter is not null && unqualifiedOuter.Contains(column.Parts[0].Value);

    private static bool ReadsOuter(Expression expression, IReadOnlyList<NamedTable> innerTables, IReadOnlyCollection<string> outerNames,
        ISet<string>? unqualifiedOuter = null) =>
        Descendants(expression).OfType<ColumnReference>().Any(c => NamesOuter(c, innerTables, outerNames, unqualifiedOuter));

    /// <summary>
    /// The names an unqualified reference inside a subquery over <paramref name="innerTables"/> resolves to the outer
    /// query by: columns of the outer query that none of the inner tables has.
    /// </summary>
    private HashSet<string> UnqualifiedOuterNames(NamedTable innerTable, BindingScope outer) => UnqualifiedOuterNames([innerTable], outer.Columns);

    private HashSet<string> UnqualifiedOuterNames(IReadOnlyList<NamedTable> innerTables, IEnumerable<VisibleColumn> outerColumns)
    {
        var probe = new QueryBinder(catalog, filePath, new DiagnosticBag(), mode) { _commonTables = _commonTables };
        var innerNames = innerTables.SelectMany(t => probe.BindFromItem(t, [])?.Columns ?? []).Select(c => c.Name).ToHashSet();
        return outerColumns.Where(c => !c.Hidden).Select(c => c.Name).Where(n => !innerNames.Contains(n)).ToHashSet();
    }

    /// <summary>
    /// <c>EXISTS (SELECT … FROM t WHERE t.a = o.b AND p)</c>, <c>x IN (SELECT y FROM t WHERE p)</c> and
    /// <c>x = ANY (…)</c> as WHERE conjuncts of a query over several tables (or with other subqueries): a semi-join is
    /// an inner join with the subquery's distinct correlation values, kept whole:
    /// <c>… JOIN (SELECT DISTINCT t.a FROM t WHERE p) AS s ON s.a = o.b</c>. Uncorrelated, the subquery has one row
    /// (<c>SELECT DISTINCT TRUE …</c>) while it has any, none otherwise. Null when the conjunct is not such a test.
    /// </summary>
    private RelNode? BindExistenceAsJoin(Expression conjunct, BindingScope outer, ExpressionBinder outerBinder, RelNode plan, List<CatalogTable> sources,
        List<BoundExpression> joinFilters, Dictionary<ExistsExpression, BoundExpression>? existsTests = null)
    {
        if (IsInOverGroups(conjunct) && Unparenthesize(conjunct) is InSubqueryExpression { Query.Body: SelectCore grouped } inGroups)
            return BindInGroupKeys(conjunct, inGroups.Query, grouped, inGroups.Operand, inGroups.Negated, outer, outerBinder, plan, sources);
        var notIn = Unparenthesize(conjunct) is InSubqueryExpression { Negated: true };
        var anti = IsNotExists(conjunct) || notIn;
        var (query, operand) = (IsNotExists(conjunct) ? Unparenthesize(((UnaryExpression)conjunct).Operand) : Unparenthesize(conjunct)) switch
        {
            ExistsExpression e => (e.Query, (Expression?)null),
            InSubqueryExpression i => (i.Query, i.Operand),
            QuantifiedComparison { Query: not null, Operator: "=", Quantifier: not Quantifier.All } q => (q.Query, q.Operand),
            _ => (null, null),
        };
        if (query is null) return null;
        const string help = "join a subquery selecting the DISTINCT matching values instead";
        if (query is not { With: null, Limit: null, Offset: null, Body: SelectCore { From: [NamedTable innerTable], GroupBy: null, Having: null, Windows.Count: 0 } inner }
            || inner.Items.Any(i => i is ExpressionItem item && ContainsAggregate(item.Expression)))
        {
            Unsupported(conjunct, $"this subquery is not supported yet: a subquery tested with EXISTS, IN or = ANY must read one table, without GROUP BY, LIMIT or aggregates; {help}");
            return plan;
        }
        // [NOT] EXISTS correlated by equalities and one other comparison (TPC-H Q21's l2.l_suppkey <> l1.l_suppkey) is bound
        // as what it means, a semi- or anti-join onto the inner table on its whole condition; pass
        // semi-join-on-comparison-to-extremes decorrelates it (the binder only resolves names here).
        if (operand is null && existsTests is null
            && CorrelatedByOneComparison(inner, innerTable, outer.Relations.Select(r => r.Name).ToList(), UnqualifiedOuterNames(innerTable, outer)))
        {
            var test = BindExistence(conjunct, outer, outerBinder, plan);
            if (test is not JoinNode { Type: JoinType.Semi or JoinType.Anti, Right: ScanNode tested } join || ReferenceEquals(test, plan)) return plan;
            if (!sources.Contains(tested.Table)) sources.Add(tested.Table);
            return join with { Right = tested with { Span = conjunct.Span } };
        }
        var split = SplitCorrelation(inner, [innerTable], outer.Relations.Select(r => r.Name).ToList(), "an EXISTS or IN subquery", help,
            UnqualifiedOuterNames(innerTable, outer));
        if (split is null) return plan;
        var (correlations, rest) = split.Value;
        if (operand is not null)
        {
            if (inner.Items is not [ExpressionItem tested])
            {
                Unsupported(query, $"an IN or ANY subquery must select exactly one expression");
                return plan;
            }
            if (notIn && !NeitherSideIsNull(operand, tested.Expression, innerTable, outer, plan))
            {
                Unsupported(conjunct, "NOT IN over a subquery in a query over several tables is supported when the tested value and the subquery's column are"
                    + " both columns declared NOT NULL (with a NULL on either side NOT IN is NULL for the row, not true); write NOT EXISTS (… WHERE x = a) if NULLs should not count");
                return plan;
            }
            correlations.Add((tested.Expression, operand));
        }
        var span = conjunct.Span;
        var keys = correlations.Count > 0 ? correlations.Select(c => c.Inner).ToList() : [new BooleanLiteral(span, true)];
        var distinct = query with
        {
            Body = inner with
            {
                Distinct = DistinctKind.Distinct,
                DistinctOn = [],
                Items = keys.Select((k, i) => (SelectItem)new ExpressionItem(k.Span, k, new Identifier(span, $"key{i + 1}", true))).ToList(),
                Where = Conjunction(rest, span),
            },
        };
        var relations = new List<RelationBinding>(outer.Relations);
        var name = $"exists subquery {outer.Relations.Count + _existenceJoins++}";
        if (BindKeptWhole(distinct, name, [], conjunct, relations) is not FromRelation matches) return plan;
        sources.AddRange(matches.Relation.SubplanSources.Where(t => !sources.Contains(t)));
        var condition = BoundPredicates.Conjunction(correlations
            .Select((c, i) => (BoundExpression)new BoundBinary(span, SqlType.Boolean, ColumnOf(matches.Columns[i], span), "=", outerBinder.Bind(c.Outer))), span);
        var matchScan = ScanOf(matches.Relation, name);
        if (existsTests is not null)
        {
            existsTests[(ExistsExpression)conjunct] = new BoundSyntaxForm(span, SqlType.Boolean, "is null", ["", " IS NOT NULL"], [ColumnOf(matches.Columns[0], span)]);
            return new JoinNode(plan, matchScan, condition ?? new BoundLiteral(span, SqlType.Boolean, "TRUE"), JoinType.Left);
        }
        if (!anti)
            return new JoinNode(plan, matchScan, condition);
        // NOT EXISTS: a LEFT JOIN onto the distinct values, keeping the rows that found none (a match's key is never NULL).
        joinFilters.Add(new BoundSyntaxForm(span, SqlType.Boolean, "is null", ["", " IS NULL"], [ColumnOf(matches.Columns[0], span)]));
        return new JoinNode(plan, matchScan, condition ?? new BoundLiteral(span, SqlType.Boolean, "TRUE"), JoinType.Left);
    }

    /// <summary>
    /// <c>x IN (SELECT k FROM … GROUP BY k HAVING …)</c>: the subquery is bound whole (kept as an intermediate result of
    /// its own) and the test is a semi-join on its key, which pass <c>semi-join-on-group-keys-to-join</c> turns into an
    /// inner join, the groups being unique on their key. Refused: NOT IN (a NULL group key makes it NULL for every row,
    /// which an anti-join does not compute), a correlated subquery, and one whose selected value is not its only key.
    /// </summary>
    /// <summary>
    /// A test whose subquery's WHERE tests subqueries of its own (TPC-H Q20's IN over an IN and a correlated scalar
    /// subquery): the semi-join of one table binds that WHERE as a plain condition, where subqueries cannot be, so it is
    /// bound as a join onto the subquery, whose own tests decorrelate as any query's.
    /// </summary>
    private static bool TestsNestingSubquery(Expression conjunct)
    {
        var tested = conjunct is UnaryExpression { Operator: var op } not && op.Equals("NOT", StringComparison.OrdinalIgnoreCase) ? Unparenthesize(not.Operand) : Unparenthesize(conjunct);
        var query = tested switch { ExistsExpression e => e.Query, InSubqueryExpression i => i.Query, QuantifiedComparison q => q.Query, _ => null };
        return query?.Body is SelectCore { Where: { } where } && Descendants(where).Any(d => d is ExistsExpression or InSubqueryExpression or ScalarSubquery or ArraySubquery or QuantifiedComparison { Query: not null });
    }

    private static bool TestsSubqueries(Expression expression) =>
        Descendants(expression).Any(d => d is ExistsExpression or InSubqueryExpression or ScalarSubquery or ArraySubquery or QuantifiedComparison { Query: not null });

    private static bool IsInOverGroups(Expression conjunct) => Unparenthesize(conjunct) is InSubqueryExpression { Query.Body: SelectCore { GroupBy: not null } };

    private RelNode BindInGroupKeys(Expression conjunct, Query query, SelectCore grouped, Expression operand, bool anti,
        BindingScope outer, ExpressionBinder outerBinder, RelNode plan, List<CatalogTable> sources)
    {
        const string help = "join the grouped subquery on its key instead";
        if (anti)
        {
            Unsupported(conjunct, $"NOT IN over a subquery that groups is not supported yet (a NULL group key makes the test NULL for every row); {help}");
            return plan;
        }
        if (query is not { With: null, Limit: null, Offset: null } || grouped is not { Distinct: DistinctKind.None, Windows.Count: 0, Items: [ExpressionItem tested] }
            || grouped.GroupBy!.Elements is not [GroupingExpression { Expression: var key }] || !SameColumn(tested.Expression, key))
        {
            Unsupported(conjunct, $"an IN subquery that groups is supported when it selects its only GROUP BY column (its groups are then unique on what it selects), without LIMIT or a WITH of its own; {help}");
            return plan;
        }
        var probe = new DiagnosticBag();
        new QueryBinder(catalog, filePath, probe, mode) { _commonTables = _commonTables }.Bind(query);
        if (probe.Items.Any(d => d.IsError && (d.Code == DiagnosticCode.UnknownTable.Id || d.Code == DiagnosticCode.UnknownColumn.Id)))
        {
            Unsupported(conjunct, $"an IN subquery that groups may not read the outer query's columns yet; {help}");
            return plan;
        }
        var relations = new List<RelationBinding>(outer.Relations);
        var name = $"in subquery {outer.Relations.Count + _existenceJoins++}";
        if (BindKeptWhole(query, name, [], conjunct, relations) is not FromRelation groups) return plan;
        sources.AddRange(groups.Relation.SubplanSources.Where(t => !sources.Contains(t)));
        var span = conjunct.Span;
        var condition = new BoundBinary(span, SqlType.Boolean, ColumnOf(groups.Columns[0], span), "=", outerBinder.Bind(operand));
        NoteRewrite(conjunct, "IN over a subquery that groups by the value it selects → semi-join onto its groups, kept whole");
        return new JoinNode(plan, ScanOf(groups.Relation, name), condition, JoinType.Semi);
    }

    private static bool SameColumn(Expression a, Expression b) =>
        Unparenthesize(a) is ColumnReference { Star: false } x && Unparenthesize(b) is ColumnReference { Star: false } y
        && x.Parts.Select(p => p.Value).SequenceEqual(y.Parts.Select(p => p.Value));

    /// <summary>
    /// True when <paramref name="operand"/> is a column of a table of the outer query declared NOT NULL, with no outer
    /// join that could pad it, and <paramref name="selected"/> a NOT NULL column of the subquery's table. Then
    /// <c>a NOT IN (SELECT x …)</c> is exactly <c>NOT EXISTS (… WHERE x = a)</c>: its NULL cases cannot arise.
    /// </summary>
    private bool NeitherSideIsNull(Expression operand, Expression selected, NamedTable innerTable, BindingScope outer, RelNode plan)
    {
        if (ContainsOuterJoin(plan) || Unparenthesize(selected) is not ColumnReference { Star: false } column) return false;
        var probe = new DiagnosticBag();
        var tested = new ExpressionBinder(outer, filePath, probe, mode).Bind(operand);
        var outerNotNull = !probe.HasErrors && tested is BoundColumn bound
            && outer.Relations.FirstOrDefault(r => r.Name == bound.Relation) is { Subplan: null, DerivedColumns: null } relation
            && relation.Table.Columns.Any(c => c.Name == bound.ColumnName && c.NotNull);
        var inner = new QueryBinder(catalog, filePath, new DiagnosticBag(), mode) { _commonTables = _commonTables }.BindFromItem(innerTable, []);
        return outerNotNull && inner is FromRelation { Relation: { Subplan: null, DerivedColumns: null } innerRelation }
            && innerRelation.Table.Columns.Any(c => c.Name == column.Parts[^1].Value && c.NotNull);
    }

    private static bool ContainsOuterJoin(RelNode plan) =>
        plan is JoinNode { Type: JoinType.Left or JoinType.Right or JoinType.Full } || RelNode.InputsOf(plan).Any(ContainsOuterJoin);

    private static bool IsNotExists(Expression conjunct) =>
        conjunct is UnaryExpression { Operator: var op, Operand: var operand } && op.Equals("NOT", StringComparison.OrdinalIgnoreCase)
        && Unparenthesize(operand) is ExistsExpression;

    private int _existenceJoins;

    private static BoundColumn ColumnOf(VisibleColumn column, SourceSpan span) =>
        new(span, column.Column.Type, column.Relation.Name, column.Column.Name);

    private FromTree? BindFromItem(TableReference reference, List<RelationBinding> relations)
    {
        switch (reference)
        {
            case NamedTable { Name.Parts.Count: 1 } windowedCte when _joinContext is { } cteContext
                && _commonTables.TryGetValue(windowedCte.Name.Last.Value, out var windowedDefinition) && SelectsWindowCalls(windowedDefinition.Query):
                return BindWindowedInJoin(new DerivedTable(windowedCte.Span, windowedDefinition.Query, new TableAlias(windowedCte.Span,
                    windowedCte.Alias?.Name ?? windowedDefinition.Name,
                    windowedCte.Alias is { ColumnNames.Count: > 0 } ? windowedCte.Alias.ColumnNames : windowedDefinition.ColumnNames), false), relations, cteContext);
            case NamedTable { Name.Parts.Count: 1 } cteReference when _commonTables.TryGetValue(cteReference.Name.Last.Value, out var cte):
            {
                var outerCommonTables = _commonTables;
                _commonTables = _commonTableScopes.TryGetValue(cte, out var scope) ? scope : outerCommonTables;
                try
                {
                    return BindDerived(cte.Query, cteReference.Alias?.Name.Value ?? cte.Name.Value,
                        cteReference.Alias is { ColumnNames.Count: > 0 } ? cteReference.Alias.ColumnNames : cte.ColumnNames, cteReference, relations);
                }
                finally
                {
                    _commonTables = outerCommonTables;
                }
            }
            case DerivedTable { Lateral: false } windowed when _joinContext is { } context && SelectsWindowCalls(windowed.Query):
                return BindWindowedInJoin(windowed, relations, context);
            case DerivedTable { Lateral: false } derived:
                return BindDerived(derived.Query, derived.Alias?.Name.Value ?? "subquery", derived.Alias?.ColumnNames ?? [], derived, relations);
            case NamedTable named:
            {
                var parts = named.Name.Parts;
                var schema = parts.Count >= 2 ? parts[^2].Value : null;
                var table = catalog.Find(schema, named.Name.Last.Value);
                if (table is null)
                {
                    diagnostics.Error(DiagnosticCode.UnknownTable, filePath, named.Name.Span,
                        $"relation \"{named.Name}\" does not exist in the schema");
                    return null;
                }
                if (catalog.IsSelf(table))
                {
                    diagnostics.Error(DiagnosticCode.ReadsItself, filePath, named.Name.Span,
                        $"stream table {table.Schema}.{table.Name} cannot read itself");
                    return null;
                }
                if (table.Kind is RelationKind.MaterializedView or RelationKind.ForeignTable || table.Citus != CitusDistribution.None)
                {
                    Unsupported(named.Name, UnreadableRelation(table));
                    return null;
                }
                if (table.View is { } view)
                    return BindView(named, table, view, relations);
                if (named.Alias is { ColumnNames.Count: > 0 })
                    Unsupported(named.Alias, "column aliases on a table are not supported yet");
                var name = named.Alias?.Name.Value ?? table.Name;
                if (relations.Any(r => r.Name == name))
                {
                    diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, (named.Alias?.Name.Span) ?? named.Name.Span,
                        $"table name \"{name}\" specified more than once; give one occurrence an alias");
                    return null;
                }
                var relation = new RelationBinding(relations.Count, name, table, named.Alias is not null);
                relations.Add(relation);
                return new FromRelation(relation, table.Columns.Select(c => new VisibleColumn(c.Name, relation, c)).ToList());
            }
            case ParenthesizedTable { Alias: null } parenthesized:
                return BindFromItem(parenthesized.Inner, relations);
            case ParenthesizedTable parenthesized:
                Unsupported(parenthesized.Alias!, "an alias on a parenthesised join is not supported yet");
                return null;
            // CROSS JOIN f(…) and JOIN LATERAL f(…) ON TRUE: every row of the table f reads expands into f's rows;
            // LEFT JOIN LATERAL f(…) ON TRUE keeps a row f returns nothing for, once, with NULLs.
            case JoinedTable { Right: FunctionTable function } expanding
                when expanding.Kind == JoinKind.Cross || expanding.Kind is JoinKind.Inner or JoinKind.Left && expanding.On is BooleanLiteral { Value: true }:
            {
                var left = BindFromItem(expanding.Left, relations);
                var right = left is null ? null : BindExpansion(function, relations, padded: expanding.Kind == JoinKind.Left);
                if (left is null || right is null) return null;
                return new FromJoin(left, right, JoinType.Inner, null, [], [.. left.Columns, .. right.Columns]);
            }
            // CROSS JOIN LATERAL (…), [LEFT] JOIN LATERAL (…) ON …: the subquery joins the left side's rows.
            case JoinedTable { Right: DerivedTable { Lateral: true } lateral, Natural: false, Using.Count: 0 } lateralJoin
                when lateralJoin.Kind is JoinKind.Cross or JoinKind.Inner or JoinKind.Left:
            {
                var left = BindFromItem(lateralJoin.Left, relations);
                if (left is null) return null;
                var joined = new List<FromTree> { left };
                var on = lateralJoin.On is BooleanLiteral { Value: true } ? null : lateralJoin.On;
                return BindLateral(lateral, relations, joined, lateralJoin.Kind == JoinKind.Left ? JoinType.Left : JoinType.Inner, on) ? joined[0] : null;
            }
            case JoinedTable join:
            {
                var left = BindFromItem(join.Left, relations);
                var right = left is null ? null : BindFromItem(join.Right, relations);
                if (left is null || right is null) return null;
                // A flattened subquery's filter and expressions hold for its own rows, not for NULL-padded ones.
                // A subquery kept whole may be the NULL-padded side of a LEFT (or RIGHT) join of a table.
                var keptWholeNullable = join.Kind == JoinKind.Left ? (left, right) : (right, left);
                var paddedSubquery = join.Kind is JoinKind.Left or JoinKind.Right
                    && keptWholeNullable.Item1 is FromRelation { Relation.Subplan: null }
                    && keptWholeNullable.Item2 is FromRelation { Relation.Subplan: not null };
                // A subquery that only joins and filters may be the preserved side: flattened there, its filters hold
                // for the preserved rows, above the outer join as below it.
                var flattenablePreserved = join.Kind is JoinKind.Left or JoinKind.Right
                    && Leaves(keptWholeNullable.Item1).All(l => l is FromRelation { Relation.Subplan: null } or FromRelation { Relation.Flattenable: true })
                    && !HasDerived(keptWholeNullable.Item2);
                // An outer join of two relations, either of them a subquery kept whole (not one flattened here, whose
                // filter would drop the rows it should pad): the Delta phase pads one relation with the other.
                var twoRelations = join.Kind is JoinKind.Left or JoinKind.Right or JoinKind.Full
                    && left is FromRelation && right is FromRelation;
                if (join.Kind is JoinKind.Left or JoinKind.Right or JoinKind.Full && (HasDerived(left) || HasDerived(right)) && !paddedSubquery && !flattenablePreserved && !twoRelations)
                {
                    Unsupported(join, "a subquery or CTE inside an outer join is not supported yet");
                    return null;
                }
                var usingNames = join.Natural
                    ? left.Columns.Select(c => c.Name).Where(n => right.Columns.Any(r => r.Name == n)).Distinct()
                        .Select(n => new Identifier(join.Span, n, true)).ToList()
                    : join.Using.ToList();
                var merged = new List<(VisibleColumn, VisibleColumn, Identifier)>();
                foreach (var name in usingNames)
                {
                    var fromLeft = left.Columns.Where(c => c.Name == name.Value).ToList();
                    var fromRight = right.Columns.Where(c => c.Name == name.Value).ToList();
                    if (fromLeft.Count != 1 || fromRight.Count != 1)
                    {
                        diagnostics.Error(fromLeft.Count > 1 || fromRight.Count > 1 ? DiagnosticCode.AmbiguousColumn : DiagnosticCode.UnknownColumn,
                            filePath, name.Span, $"column \"{name.Value}\" named in the join must exist exactly once on each side");
                        return null;
                    }
                    merged.Add((fromLeft[0], fromRight[0], name));
                }
                // SELECT * over a USING/NATURAL join: the merged columns first, then the rest of each side. A merged
                // column is COALESCE(left, right): the side that is never NULL-padded, or for FULL both, as written.
                var type = join.Kind switch
                {
                    JoinKind.Left => JoinType.Left,
                    JoinKind.Right => JoinType.Right,
                    JoinKind.Full => JoinType.Full,
                    _ => JoinType.Inner,
                };
                var columns = merged.Select(m => type switch { JoinType.Right => m.Item2, JoinType.Full => Coalesced(m.Item1, m.Item2, m.Item3), _ => m.Item1 })
                    .Concat(left.Columns.Where(c => merged.All(m => m.Item1 != c)))
                    .Concat(right.Columns.Where(c => merged.All(m => m.Item2 != c)))
                    .ToList();
                return new FromJoin(left, right, type, join.On, merged, columns);
            }
            case DerivedTable derived:
                Unsupported(derived, "a LATERAL subquery is supported as an item of the FROM list or on the right of CROSS JOIN, JOIN … ON or LEFT JOIN … ON; not on the left of a join or under RIGHT or FULL JOIN");
                return null;
            case FunctionTable function:
                Unsupported(function, "a set-returning function in FROM is supported after the table it reads, as a comma item, CROSS JOIN, JOIN LATERAL … ON TRUE or LEFT JOIN LATERAL … ON TRUE; other positions and ON conditions are not supported yet");
                return null;
            default:
                Unsupported(reference, "this FROM item is not supported yet");
                return null;
        }
    }

    /// <summary>
    /// The merged USING column of a FULL join: either side may be NULL-padded, so it is <c>COALESCE(left, right)</c>.
    /// Unqualified references bind to that definition; <c>a.id</c> and <c>b.id</c> still name each side's own column.
    /// </summary>
    private static VisibleColumn Coalesced(VisibleColumn left, VisibleColumn right, Identifier name)
    {
        var type = TypeRules.Common([left.Column.Type, right.Column.Type]);
        var definition = new BoundFunctionCall(name.Span, type, "coalesce", [ValueOf(left, name), ValueOf(right, name)]);
        return new VisibleColumn(name.Value, left.Relation, new CatalogColumn(name.Value, type, false), definition);
    }

    /// <summary>
    /// What a column named in USING reads: its definition where it has one — merged by an earlier FULL JOIN … USING it is
    /// COALESCE(a.m, b.m), not a.m (a row of b padded by a has NULL in a.m) — else the relation's own column.
    /// </summary>
    private static BoundExpression ValueOf(VisibleColumn column, Identifier name) =>
        column.Definition ?? new BoundColumn(name.Span, column.Column.Type, column.Relation.Name, column.Column.Name);

    private static FromDerived? WindowedDerived(IEnumerable<FromTree> trees) => trees
        .SelectMany(Leaves).OfType<FromDerived>().FirstOrDefault(d => d.Windows.Count > 0);

    private static IEnumerable<FromTree> Leaves(FromTree tree) => tree is FromJoin j ? Leaves(j.Left).Concat(Leaves(j.Right)) : [tree];

    private static bool HasOuterJoin(FromTree tree) => tree is FromJoin join
        && (join.Type != JoinType.Inner || HasOuterJoin(join.Left) || HasOuterJoin(join.Right));

    private static bool HasDerived(FromTree tree) => tree switch
    {
        FromDerived => true,
        FromRelation { Relation.Subplan: not null } => true,
        FromJoin j => HasDerived(j.Left) || HasDerived(j.Right),
        _ => false,
    };

    /// <summary>
    /// Comma-separated FROM items are cross joins; ON and USING become join conditions. The filters of flattened
    /// subqueries apply above the joins, which is where they hold for inner joins.
    /// </summary>
    private RelNode BuildJoinTree(IReadOnlyList<FromTree> items, ExpressionBinder binder)
    {
        var derivedConditions = new List<BoundExpression>();
        RelNode Build(FromTree tree)
        {
            switch (tree)
            {
                case FromRelation r:
                    return ScanOf(r.Relation);
                case FromDerived { Windows.Count: > 0 } windowed:
                    // Its filter holds below its window calls; everything the outer query applies holds above them.
                    RelNode rows = ScanOf(windowed.Relation);
                    if (windowed.Condition is not null) rows = new FilterNode(rows, windowed.Condition);
                    return new WindowNode(rows, windowed.Windows);
                case FromDerived d:
                    if (d.Condition is not null) derivedConditions.Add(d.Condition);
                    return ScanOf(d.Relation);
                case FromJoin { Right: FromExpansion expansion } j:
                    return Expand(Build(j.Left), expansion);
                case FromJoin j:
                    var condition = JoinCondition(j, binder);
                    if (j.Type == JoinType.Full && j.On is not null)
                        RequireHashableFullJoin(j, condition);
                    return new JoinNode(Build(j.Left), Build(j.Right), condition, j.Type);
                default:
                    throw new InvalidOperationException();
            }
        }
        var plan = Build(items[0]);
        foreach (var item in items.Skip(1))
            plan = item is FromExpansion expansion ? Expand(plan, expansion) : new JoinNode(plan, Build(item), null);
        return derivedConditions.Count == 0
            ? plan
            : new FilterNode(plan, BoundPredicates.Conjunction(derivedConditions)!);
    }

    /// <summary>
    /// PostgreSQL runs a FULL JOIN only as a merge or hash join: its condition must equate an expression of one side
    /// with one of the other (<c>a.x = b.y AND …</c>; further conjuncts may be anything), or read no column at all
    /// (<c>ON TRUE</c>). Otherwise the script would fail at install with "FULL JOIN is only supported with
    /// merge-joinable or hash-joinable join conditions"; say so here, at the condition.
    /// </summary>
    private void RequireHashableFullJoin(FromJoin join, BoundExpression? condition)
    {
        if (condition is null) return;
        var left = RelationNames(join.Left);
        var right = RelationNames(join.Right);
        var conjuncts = BoundPredicates.Conjuncts(condition).ToList();
        bool Within(BoundExpression e, ISet<string> side)
        {
            var read = ColumnsRead(e);
            return read.Count > 0 && read.IsSubsetOf(side);
        }
        if (conjuncts.All(c => ColumnsRead(c).Count == 0)
            || conjuncts.Any(c => c is BoundBinary { Operator: "=" } equal
                && (Within(equal.Left, left) && Within(equal.Right, right) || Within(equal.Left, right) && Within(equal.Right, left))))
            return;
        diagnostics.Error(DiagnosticCode.FullJoinCondition, filePath, join.On!.Span,
            "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions: the ON condition must equate an expression of one side with an expression of the other (a.x = b.y AND …)");
    }

    private static HashSet<string> RelationNames(FromTree tree) => tree switch
    {
        FromRelation r => [r.Relation.Name],
        FromDerived d => [d.Relation.Name],
        FromJoin j => [.. RelationNames(j.Left), .. RelationNames(j.Right)],
        _ => [],
    };

    private static HashSet<string> ColumnsRead(BoundExpression expression)
    {
        var relations = new HashSet<string>();
        new LeafRewriter(e =>
        {
            if (e is BoundColumn column) relations.Add(column.Relation);
            return e;
        }).Rewrite(expression);
        return relations;
    }

    /// <summary>
    /// Flattens <c>(SELECT e1 AS a1, … FROM t [WHERE p]) AS name</c> (or a CTE of that form): the query reads
    /// <c>t</c> under <c>name</c>, <c>p</c> becomes a filter, and references to <c>name.a1</c> bind to <c>e1</c>.
    /// </summary>
    private FromTree? BindDerived(Query query, string name, IReadOnlyList<Identifier> columnNames, SyntaxNode at, List<RelationBinding> relations)
    {
        if (query.With is not null || query.Limit is not null || query.Offset is not null
            || query.Body is not SelectCore { From: [NamedTable { Name.Parts.Count: var parts } table], GroupBy: null, Having: null, Distinct: DistinctKind.None } select
            || _commonTables.ContainsKey(table.Name.Last.Value) && parts == 1
            || select.Items.Any(i => i is ExpressionItem item && ContainsAggregate(item.Expression))
            // Subqueries in its WHERE (TPC-H Q22) are bound as any query's: the subquery whole, flattened by the pass.
            || select.Where is not null && TestsSubqueries(select.Where))
        {
            if (query is { Limit: null, Offset: null, Body: SelectCore { Windows.Count: 0, Distinct: not DistinctKind.DistinctOn } aggregated }
                && (aggregated.Distinct == DistinctKind.Distinct || Aggregates(aggregated)))
                return BindKeptWhole(query, name, columnNames, at, relations);
            // The first rows of a query (ORDER BY … LIMIT) are kept whole too: stored as counted rows, recomputed when a
            // change can reach them.
            if (query is { With: null } && (query.Limit is not null || query.Offset is not null))
            {
                NoteRewrite(at, $"subquery \"{name}\" with LIMIT/OFFSET → kept whole as its first rows");
                return BindKeptWhole(query, name, columnNames, at, relations);
            }
            // One that joins tables, reads another subquery or CTE, or has a WITH of its own, but only filters and
            // projects: bound whole here, merged into the query by pass flatten-subqueries.
            if (query is { Limit: null, Offset: null, Body: SelectCore { Windows.Count: 0, Distinct: DistinctKind.None, From.Count: > 0 } joining }
                && !Aggregates(joining) && !SelectsWindowCalls(query))
                return BindKeptWhole(query, name, columnNames, at, relations, flattenable: true);
            Unsupported(at, "this subquery or CTE is not supported yet: it must read a table and join and filter rows, aggregate (GROUP BY, aggregates or DISTINCT), or keep its first rows (ORDER BY … LIMIT without a WITH of its own)");
            return null;
        }
        if (relations.Any(r => r.Name == name))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, at.Span, $"table name \"{name}\" specified more than once; give one occurrence an alias");
            return null;
        }
        var innerRelations = new List<RelationBinding>();
        // The subquery reads a table, or a subquery (a view) flattened in turn: its columns are then definitions over
        // that one's table, and its filter holds under this one's.
        var inner = BindFromItem(table, innerRelations);
        if (inner is null) return null;
        if (inner is not FromRelation and not FromDerived { Windows.Count: 0 })
        {
            Unsupported(at, "this subquery or view reads a subquery with window functions, which is not supported yet");
            return null;
        }
        var innerRelation = inner is FromDerived nested ? nested.Relation : ((FromRelation)inner).Relation;
        var innerBinder = new ExpressionBinder(new BindingScope(innerRelations, inner.Columns) { Types = catalog.Types }, filePath, diagnostics, mode);
        // Inner expressions name the subquery's table by its own alias; outside it is known by the subquery's name.
        var rename = new LeafRewriter(e => e is BoundColumn c && c.Relation == innerRelation.Name ? c with { Relation = name } : e);
        if (select.Where is not null) RejectAggregates(select.Where, "WHERE");
        var conditions = new[] { (inner as FromDerived)?.Condition, select.Where is null ? null : innerBinder.Bind(select.Where) }.OfType<BoundExpression>().ToList();
        var condition = conditions.Count == 0 ? null
            : rename.Rewrite(BoundPredicates.Conjunction(conditions)!);
        // Window calls are computed over the subquery's filtered rows; the outer query's filters apply to their values.
        var windows = new List<WindowCall>();
        var outputBinder = new ExpressionBinder(innerBinder.Scope, filePath, diagnostics, mode)
        {
            Interceptor = node => node is FunctionCall call && IsWindowCall(call) ? BindWindowCall(call, windows, innerBinder, select) : null,
        };
        var outputs = BindOutputs(select.Items, innerBinder.Scope, outputBinder.Bind);
        if (columnNames.Count > outputs.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, columnNames[outputs.Count].Span,
                $"\"{name}\" has {outputs.Count} columns available but {columnNames.Count} column names were given");
            return null;
        }
        var relation = new RelationBinding(relations.Count, name, innerRelation.Table, Aliased: true)
        {
            Subplan = innerRelation.Subplan,
            SubplanSources = innerRelation.SubplanSources,
            Flattenable = innerRelation.Flattenable,
            Span = innerRelation.Span,
        };
        var columns = outputs.Select((o, i) =>
        {
            var definition = rename.Rewrite(o.Expression);
            var columnName = i < columnNames.Count ? columnNames[i].Value : o.Name;
            return new VisibleColumn(columnName, relation, new CatalogColumn(columnName, definition.Type, false), definition);
        }).ToList();
        relation = relation with { DerivedColumns = columns };
        columns = columns.Select(c => c with { Relation = relation }).ToList();
        relations.Add(relation);
        return new FromDerived(relation, columns, condition)
        {
            Windows = windows.Select(w => w with
            {
                Arguments = w.Arguments.Select(rename.Rewrite).ToList(),
                Filter = w.Filter is null ? null : rename.Rewrite(w.Filter),
                PartitionBy = w.PartitionBy.Select(rename.Rewrite).ToList(),
                OrderBy = w.OrderBy.Select(o => o with { Expression = rename.Rewrite(o.Expression) }).ToList(),
            }).ToList(),
        };
    }

    /// <summary>
    /// A subquery or CTE that aggregates or removes duplicates cannot be flattened into the query: its rows are groups.
    /// It is bound as a query of its own and read like a table whose columns are its outputs; the Delta phase keeps its
    /// groups in storage of their own and feeds their changes to the outer query.
    /// </summary>
    /// <param name="flattenable">the subquery only joins and filters (see <see cref="ScanNode.Flattenable"/>): subqueries
    /// inside it are flattened or kept whole by the pass, as in the query itself</param>
    private FromTree? BindKeptWhole(Query query, string name, IReadOnlyList<Identifier> columnNames, SyntaxNode at, List<RelationBinding> relations,
        bool flattenable = false)
    {
        if (relations.Any(r => r.Name == name))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, at.Span, $"table name \"{name}\" specified more than once; give one occurrence an alias");
            return null;
        }
        // A copy of the CTEs: the subquery's own WITH names them for itself alone.
        var inner = new QueryBinder(catalog, filePath, diagnostics, mode)
        {
            _commonTables = new(_commonTables), _commonTableScopes = _commonTableScopes, Rewrites = Rewrites, _viewsExpanding = _viewsExpanding, ExpandedViews = ExpandedViews,
            TextAdditions = TextAdditions,
        }.Bind(query);
        if (inner is null) return null;
        var (plan, sources) = inner.Value;
        var outputs = plan switch
        {
            ProjectNode project => project.Columns,
            DistinctNode { Input: ProjectNode project } => project.Columns,
            _ => null,
        };
        if (outputs is null)
        {
            Unsupported(at, "this subquery is not supported yet");
            return null;
        }
        if (columnNames.Count > outputs.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, columnNames[outputs.Count].Span,
                $"\"{name}\" has {outputs.Count} columns available but {columnNames.Count} column names were given");
            return null;
        }
        var shape = new CatalogTable("", name,
            outputs.Select((o, i) => new CatalogColumn(i < columnNames.Count ? columnNames[i].Value : o.Name, o.Expression.Type, false)).ToList(), []);
        var relation = new RelationBinding(relations.Count, name, shape, Aliased: true)
        {
            Subplan = plan, SubplanSources = sources, Flattenable = flattenable, Span = at.Span,
        };
        relations.Add(relation);
        return new FromRelation(relation, shape.Columns.Select(c => new VisibleColumn(c.Name, relation, c)).ToList());
    }

    private BoundExpression? JoinCondition(FromJoin join, ExpressionBinder binder)
    {
        var conditions = new List<BoundExpression>();
        foreach (var (left, right, name) in join.Merged)
            conditions.Add(new BoundBinary(name.Span, SqlType.Boolean, ValueOf(left, name), "=", ValueOf(right, name)));
        if (join.On is not null)
        {
            RejectAggregates(join.On, "JOIN conditions");
            conditions.Add(binder.Bind(join.On));
        }
        return BoundPredicates.Conjunction(conditions);
    }

    private List<OutputColumn> BindOutputs(IReadOnlyList<SelectItem> items, BindingScope scope, Func<Expression, BoundExpression> bind)
    {
        var outputs = new List<OutputColumn>();
        foreach (var item in items)
        {
            switch (item)
            {
                case StarItem star:
                {
                    IEnumerable<VisibleColumn> expanded = scope.Columns;
                    if (star.Qualifier is not null)
                    {
                        var relation = scope.FindRelation(star.Qualifier.Parts.Select(p => p.Value).ToList());
                        if (relation is null)
                        {
                            diagnostics.Error(DiagnosticCode.UnknownTable, filePath, star.Qualifier.Span, $"missing FROM-clause entry for table \"{star.Qualifier}\"");
                            continue;
                        }
                        expanded = relation.DerivedColumns ?? relation.Table.Columns.Select(c => new VisibleColumn(c.Name, relation, c)).ToList();
                    }
                    foreach (var column in expanded.Where(c => !c.Hidden))
                    {
                        // A FULL join's merged USING column belongs to neither side: it is reached by its bare name.
                        var merged = star.Qualifier is null && column.Definition is not null && column.Relation.DerivedColumns is null;
                        var reference = new ColumnReference(star.Span, merged
                            ? [new Identifier(star.Span, column.Name, true)]
                            : [new Identifier(star.Span, column.Relation.Name, true), new Identifier(star.Span, column.Name, true)], false);
                        outputs.Add(new OutputColumn(column.Name, bind(reference)));
                    }
                    break;
                }
                case ExpressionItem expression:
                    var name = expression.Alias?.Value ?? OutputColumnNamer.Name(expression.Expression);
                    if (outputs.Any(o => o.Name == name))
                        diagnostics.Error(DiagnosticCode.DuplicateOutputColumn, filePath, expression.Span,
                            $"column name \"{name}\" appears twice in the output; a stream table's columns need distinct names (add AS …)");
                    outputs.Add(new OutputColumn(name, bind(expression.Expression)));
                    break;
            }
        }
        return outputs;
    }

    private List<BoundExpression> BindGroupKeys(SelectCore select, ExpressionBinder binder)
    {
        var keys = new List<BoundExpression>();
        if (select.GroupBy is null) return keys;
        if (select.GroupBy.Distinct)
            Unsupported(select.GroupBy, "GROUP BY DISTINCT is not supported yet");
        foreach (var element in select.GroupBy.Elements)
        {
            if (element is not GroupingExpression grouping)
            {
                Unsupported(element, element switch
                {
                    Rollup => "ROLLUP is not supported yet",
                    Cube => "CUBE is not supported yet",
                    GroupingSets => "GROUPING SETS are not supported yet",
                    _ => "the empty grouping set () is not supported yet",
                });
                continue;
            }
            var expression = ResolveGroupByReference(grouping.Expression, select, binder.Scope);
            RejectAggregates(expression, "GROUP BY");
            var key = binder.Bind(expression);
            if (keys.All(k => SqlExpressionPrinter.Canonical(k) != SqlExpressionPrinter.Canonical(key)))
                keys.Add(key);
        }
        return keys;
    }

    /// <summary>GROUP BY 2 and GROUP BY alias refer to select-list items, as in PostgreSQL (a real column wins over an alias).</summary>
    private Expression ResolveGroupByReference(Expression expression, SelectCore select, BindingScope scope)
    {
        var expressionItems = select.Items.ToList();
        if (expression is NumericLiteral { Text: var text } literal && int.TryParse(text, out var ordinal))
        {
            if (ordinal < 1 || ordinal > expressionItems.Count || expressionItems[ordinal - 1] is not ExpressionItem item)
            {
                diagnostics.Error(DiagnosticCode.GroupByOrdinalOutOfRange, filePath, literal.Span, $"GROUP BY position {ordinal} is not in select list");
                return new NullLiteral(literal.Span);
            }
            return item.Expression;
        }
        if (expression is ColumnReference { Parts.Count: 1, Star: false } reference)
        {
            var name = reference.Parts[0].Value;
            if (scope.FindUnqualified(name).Count == 0
                && expressionItems.OfType<ExpressionItem>().FirstOrDefault(i => i.Alias?.Value == name) is { } aliased)
                return aliased.Expression;
        }
        return expression;
    }

    private BoundExpression? InterceptAfterGrouping(Expression node, List<BoundExpression> keys, List<AggregateCall> aggregates, ExpressionBinder preAggregation,
        bool grouped)
    {
        // A scalar subquery has one value for the whole query: grouping by it as well splits no group.
        if (node is ScalarSubquery scalar && preAggregation.Scope.ScalarSubqueries.ContainsKey(scalar))
        {
            var value = preAggregation.Bind(scalar);
            var index = keys.FindIndex(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(value));
            if (index < 0 && !grouped)
                return preAggregation.Unsupported(scalar, "a scalar subquery outside aggregates in an aggregate query without GROUP BY is not supported yet");
            if (index < 0)
            {
                keys.Add(value);
                index = keys.Count - 1;
            }
            return new BoundGroupKeyRef(scalar.Span, value.Type, index);
        }
        if (node is FunctionCall call && IsAggregateCall(call))
            return BindAggregate(call, aggregates, preAggregation);
        if (ContainsAggregate(node))
            return null;
        // Bind quietly to compare with the GROUP BY keys; real errors are reported when binding continues below.
        var probe = new ExpressionBinder(preAggregation.Scope, filePath, new DiagnosticBag(), mode).Bind(node);
        var canonical = SqlExpressionPrinter.Canonical(probe);
        var keyIndex = keys.FindIndex(k => SqlExpressionPrinter.Canonical(k) == canonical);
        if (keyIndex >= 0)
            return new BoundGroupKeyRef(node.Span, keys[keyIndex].Type, keyIndex);
        // A column that is a definition (a subquery's output, a FULL join's merged USING column) reads source columns too.
        if (node is ColumnReference { Star: false } column && ReadsSourceColumns(probe))
        {
            diagnostics.Error(DiagnosticCode.NotGrouped, filePath, column.Span,
                $"column \"{string.Join(".", column.Parts.Select(p => p.Value))}\" must appear in the GROUP BY clause or be used in an aggregate function");
            return new BoundLiteral(node.Span, SqlType.Unknown, "NULL");
        }
        return null;
    }

    private static bool ReadsSourceColumns(BoundExpression expression) => ColumnsRead(expression).Count > 0;

    /// <summary>Aggregates maintained by recomputing the groups a change touches, and their result types.</summary>
    private static readonly Dictionary<string, Func<SqlType, SqlType>> RecomputedAggregates = new()
    {
        ["bool_and"] = _ => SqlType.Boolean, ["bool_or"] = _ => SqlType.Boolean, ["every"] = _ => SqlType.Boolean,
        ["string_agg"] = t => t.Name == "bytea" ? t : SqlType.Text,
        ["array_agg"] = t => t.IsArray ? t with { ArrayDimensions = t.ArrayDimensions + 1 } : TypeRules.Plain(t) with { ArrayDimensions = 1 },
        ["json_agg"] = _ => new SqlType("json"), ["json_object_agg"] = _ => new SqlType("json"),
        ["jsonb_agg"] = _ => new SqlType("jsonb"), ["jsonb_object_agg"] = _ => new SqlType("jsonb"),
        ["bit_and"] = TypeRules.Plain, ["bit_or"] = TypeRules.Plain, ["bit_xor"] = TypeRules.Plain,
        ["stddev"] = Statistic, ["stddev_pop"] = Statistic, ["stddev_samp"] = Statistic,
        ["variance"] = Statistic, ["var_pop"] = Statistic, ["var_samp"] = Statistic,
    };

    private static SqlType Statistic(SqlType argument) =>
        argument.Category == TypeCategory.Float ? SqlType.DoublePrecision : SqlType.NumericType;

    private BoundExpression BindAggregate(FunctionCall call, List<AggregateCall> aggregates, ExpressionBinder preAggregation)
    {
        var name = call.Name.Last.Value;
        if (call.Over is not null || call.OverWindowName is not null)
            return preAggregation.Unsupported(call, $"window function {name}() OVER (…) over an aggregate query is not supported yet");
        var core = name is "count" or "sum" or "avg" or "min" or "max";
        if (!core && !RecomputedAggregates.ContainsKey(name))
            return preAggregation.Unsupported(call, $"aggregate {name}() is not supported yet");
        // min/max over distinct values are min/max; other DISTINCT aggregates are recomputed for the groups a change
        // touches, printed as written (a reference-counted form for count/sum DISTINCT is future work).
        var distinct = call.Distinct && name is not ("min" or "max");
        if (distinct && call.Star)
            return preAggregation.Unsupported(call, $"{name}(DISTINCT *) is not valid");
        if (call.WithinGroup.Count > 0)
            return preAggregation.Unsupported(call, $"{name}(…) WITHIN GROUP is not supported yet");
        if (call.Arguments.Any(a => a.Name is not null || a.Variadic))
            return preAggregation.Unsupported(call, "named and VARIADIC arguments are not supported yet");
        foreach (var argument in call.Arguments)
            if (ContainsAggregate(argument.Value))
                diagnostics.Error(DiagnosticCode.NestedAggregate, filePath, argument.Span, "aggregate function calls cannot be nested");
        if (call.Filter is not null)
            RejectAggregates(call.Filter, "FILTER");
        var filter = call.Filter is null ? null : preAggregation.Bind(call.Filter);

        AggregateCall aggregate;
        if (call.Star)
        {
            if (name != "count")
                return preAggregation.Unsupported(call, $"{name}(*) is not valid; only count(*) takes *");
            // count(*) FILTER (WHERE p) counts the rows where p holds: count(CASE WHEN p THEN 1 END).
            aggregate = filter is null
                ? new AggregateCall(call.Span, AggregateFunction.CountStar, null, SqlType.BigInt)
                : new AggregateCall(call.Span, AggregateFunction.Count, OnlyWhere(filter, new BoundLiteral(call.Span, SqlType.Integer, "1")), SqlType.BigInt);
        }
        else if (core && !distinct)
        {
            if (call.Arguments.Count != 1)
            {
                diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, call.Span, $"{name}() takes exactly one argument");
                return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
            }
            // These aggregates ignore NULLs, so FILTER (WHERE p) is exactly the argument turned NULL where p fails;
            // the delta rules then need nothing new. ORDER BY cannot change their results and is dropped.
            var bound = preAggregation.Bind(call.Arguments[0].Value);
            if (filter is not null)
                bound = OnlyWhere(filter, bound);
            var function = Enum.Parse<AggregateFunction>(name, ignoreCase: true);
            aggregate = new AggregateCall(call.Span, function, bound, AggregateResultType(function, bound.Type));
        }
        else
        {
            if (call.Arguments.Count == 0)
            {
                diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, call.Span, $"{name}() needs an argument");
                return new BoundLiteral(call.Span, SqlType.Unknown, "NULL");
            }
            var arguments = call.Arguments.Select(a => preAggregation.Bind(a.Value)).ToList();
            // The statistics ignore NULLs too, so FILTER folds into their argument as for the core aggregates above,
            // and their delta rule (StatisticRule) sees one argument.
            if (filter is not null && !distinct && arguments.Count == 1
                && name is "stddev" or "stddev_samp" or "stddev_pop" or "variance" or "var_samp" or "var_pop")
            {
                arguments[0] = OnlyWhere(filter, arguments[0]);
                filter = null;
            }
            var orderBy = call.OrderBy.Select(o => new AggregateOrder(preAggregation.Bind(o.Expression), SortSuffix(o))).ToList();
            // PostgreSQL rejects this at install time; say so at compile time, where the position is known.
            var argumentTexts = arguments.Select(SqlExpressionPrinter.Canonical).ToHashSet();
            if (distinct && orderBy.FirstOrDefault(o => !argumentTexts.Contains(SqlExpressionPrinter.Canonical(o.Expression))) is { } stray)
                diagnostics.Error(DiagnosticCode.DistinctOrderNotInArguments, filePath, stray.Expression.Span,
                    $"in {name}(DISTINCT …), ORDER BY expressions must appear in the argument list");
            var resultType = core
                ? AggregateResultType(Enum.Parse<AggregateFunction>(name, ignoreCase: true), arguments[0].Type)
                : RecomputedAggregates[name](arguments[0].Type);
            aggregate = new AggregateCall(call.Span, AggregateFunction.Other, arguments[0], resultType)
            {
                OtherName = name,
                Distinct = distinct,
                ExtraArguments = arguments.Skip(1).ToList(),
                OrderBy = orderBy,
                Filter = filter,
            };
        }
        var canonical = aggregate.CanonicalText;
        var index = aggregates.FindIndex(a => a.CanonicalText == canonical);
        if (index < 0)
        {
            aggregates.Add(aggregate);
            index = aggregates.Count - 1;
        }
        return new BoundAggregateRef(call.Span, aggregates[index].ResultType, index);
    }

    private static BoundExpression OnlyWhere(BoundExpression condition, BoundExpression value) =>
        new BoundSyntaxForm(value.Span, value.Type, "case", ["CASE WHEN ", " THEN ", " END"], [condition, value]);

    private static string SortSuffix(SortItem item) =>
        (item.Direction switch { SortDirection.Ascending => " ASC", SortDirection.Descending => " DESC", _ => "" })
        + (item.Nulls switch { NullsOrder.First => " NULLS FIRST", NullsOrder.Last => " NULLS LAST", _ => "" })
        + (item.UsingOperator is null ? "" : " USING " + item.UsingOperator);

    /// <summary>PostgreSQL's result types: sum(int) is bigint, sum(bigint) and avg of integers are numeric, floats stay floats.</summary>
    private static SqlType AggregateResultType(AggregateFunction function, SqlType argument) => function switch
    {
        AggregateFunction.Count or AggregateFunction.CountStar => SqlType.BigInt,
        AggregateFunction.Min or AggregateFunction.Max => TypeRules.Plain(argument),
        AggregateFunction.Sum => argument.Name switch
        {
            "smallint" or "integer" => SqlType.BigInt,
            "bigint" or "numeric" => SqlType.NumericType,
            "real" => SqlType.Real,
            "double precision" => SqlType.DoublePrecision,
            "interval" => SqlType.Interval,
            "money" => SqlType.Money,
            _ => SqlType.Unknown,
        },
        AggregateFunction.Avg => argument.Name switch
        {
            "smallint" or "integer" or "bigint" or "numeric" => SqlType.NumericType,
            "real" or "double precision" => SqlType.DoublePrecision,
            "interval" => SqlType.Interval,
            _ => SqlType.Unknown,
        },
        _ => SqlType.Unknown,
    };

    private static bool IsAggregateCall(FunctionCall call) =>
        call.Over is null && call.OverWindowName is null
        && (call.Name.Parts.Count == 1 || call.Name.Parts[0].Value == "pg_catalog")
        && BuiltinFunctions.KnownAggregates.Contains(call.Name.Last.Value);

    private void RejectAggregates(Expression expression, string clause)
    {
        var aggregate = Descendants(expression).OfType<FunctionCall>().FirstOrDefault(IsAggregateCall);
        if (aggregate is not null)
            diagnostics.Error(DiagnosticCode.AggregateInWhere, filePath, aggregate.Span, $"aggregate functions are not allowed in {clause}");
    }

    private static bool ContainsAggregate(Expression expression) =>
        Descendants(expression).OfType<FunctionCall>().Any(IsAggregateCall);

    /// <summary>The expression and every expression inside it, not descending into subqueries (they have their own scope).</summary>
    private static IEnumerable<Expression> Descendants(Expression root) =>
        SyntaxWalk.DescendantsAndSelf(root, node => node is not Query).OfType<Expression>();

    private void Unsupported(SyntaxNode node, string message) =>
        diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, node.Span, message);
}
