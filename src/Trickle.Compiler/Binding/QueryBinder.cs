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
internal sealed class QueryBinder(SourceCatalog catalog, string filePath, DiagnosticBag diagnostics, RefreshMode mode)
{
    /// <summary>Non-recursive CTEs of the defining query, by name: each reference is flattened like a subquery in FROM.</summary>
    private readonly Dictionary<string, CommonTableExpression> _commonTables = new();

    public (RelNode Plan, IReadOnlyList<CatalogTable> Sources)? Bind(Query query)
    {
        if (query.With is { Recursive: true })
            Unsupported(query.With, "WITH RECURSIVE is not supported yet");
        foreach (var table in query.With?.Tables ?? [])
            _commonTables[table.Name.Value] = table;
        if (query.Limit is not null || query.Offset is not null)
            Unsupported(query.Limit ?? query.Offset!, "LIMIT/OFFSET (top-k) is not supported yet");
        if (query.OrderBy.Count > 0)
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
        return BindSelect(select);
    }

    private (RelNode, IReadOnlyList<CatalogTable>)? BindSelect(SelectCore select)
    {
        var from = BindFrom(select);
        if (from is null) return null;
        var (scope, joins) = from.Value;
        var binder = new ExpressionBinder(scope, filePath, diagnostics, mode);
        var sources = scope.Relations.Select(r => r.Table).Distinct().ToList();

        if (select.Distinct == DistinctKind.DistinctOn)
            Unsupported(select.DistinctOn.Count > 0 ? select.DistinctOn[0] : select, "DISTINCT ON is not supported yet");
        foreach (var window in select.Windows)
            Unsupported(window, "the WINDOW clause is not supported yet");

        RelNode plan = BuildJoinTree(joins, binder);
        if (select.Where is not null)
        {
            RejectAggregates(select.Where, "WHERE");
            var rest = new List<Expression>();
            foreach (var conjunct in Conjuncts(select.Where))
            {
                var existence = scope.Relations.Count == 1 && plan is ScanNode ? BindExistence(conjunct, scope, binder, plan) : null;
                if (existence is not null) plan = existence;
                else rest.Add(conjunct);
            }
            if (rest.Count > 0)
                plan = new FilterNode(plan, rest.Select(binder.Bind).Aggregate((a, b) => new BoundBinary(a.Span, SqlType.Boolean, a, "AND", b)));
        }

        var isAggregate = select.GroupBy is not null || select.Having is not null || select.Items.Any(i => i is ExpressionItem e && ContainsAggregate(e.Expression));
        if (!isAggregate)
        {
            var outputs = BindOutputs(select.Items, scope, binder.Bind);
            plan = new ProjectNode(plan, outputs);
            return (select.Distinct == DistinctKind.Distinct ? new DistinctNode(plan) : plan, sources);
        }

        if (select.Distinct != DistinctKind.None)
            Unsupported(select, "DISTINCT over an aggregate query is not supported yet");
        var keys = BindGroupKeys(select, binder);
        var aggregates = new List<AggregateCall>();
        var postAggregation = new ExpressionBinder(scope, filePath, diagnostics, mode)
        {
            Interceptor = node => InterceptAfterGrouping(node, keys, aggregates, binder),
        };
        var columns = BindOutputs(select.Items, scope, postAggregation.Bind);
        plan = new AggregateNode(plan, keys, aggregates, Grouped: select.GroupBy is not null, Multiplicity: false);
        if (select.Having is not null)
            plan = new FilterNode(plan, postAggregation.Bind(select.Having));
        return (new ProjectNode(plan, columns), sources);
    }

    /// <summary>
    /// A chain of one set operator (<c>a UNION ALL b UNION ALL c</c>, or <c>a INTERSECT b</c>, <c>a EXCEPT b</c>) whose
    /// branches each filter and project one table. Branch columns are matched by position, as SQL does.
    /// </summary>
    private (RelNode, IReadOnlyList<CatalogTable>)? BindSetOperation(SetOperation root)
    {
        var branches = new List<QueryBody>();
        void Collect(QueryBody body)
        {
            if (body is SetOperation s && s.Operator == root.Operator && s.All == root.All && root.Operator == SetOperator.Union)
            {
                Collect(s.Left);
                Collect(s.Right);
            }
            else branches.Add(body);
        }
        Collect(root.Left);
        Collect(root.Right);
        if (branches.Any(b => b is SetOperation) || (root.Operator != SetOperator.Union && branches.Count != 2))
        {
            Unsupported(root, "set operations are maintained as a chain of one operator (UNION [ALL] of any number of queries, or one INTERSECT/EXCEPT [ALL]); mixed or nested ones are not supported yet");
            return null;
        }
        var projects = new List<ProjectNode>();
        var sources = new List<CatalogTable>();
        foreach (var branch in branches)
        {
            var select = branch as SelectCore ?? (branch as NestedQuery)?.Query.Body as SelectCore;
            if (select is null || branch is NestedQuery { Query: { With: not null } or { Limit: not null } or { Offset: not null } }
                || select.Distinct != DistinctKind.None || select.GroupBy is not null || select.Having is not null
                || select.Items.Any(i => i is ExpressionItem e && ContainsAggregate(e.Expression)))
            {
                Unsupported(branch, "each branch of a set operation must filter and project one table (no DISTINCT, GROUP BY or aggregates) for now");
                return null;
            }
            var bound = BindSelect(select);
            if (bound is null) return null;
            if (bound.Value.Item1 is not ProjectNode { Input: FilterNode { Input: ScanNode } or ScanNode } project)
            {
                Unsupported(branch, "each branch of a set operation must read one table for now");
                return null;
            }
            if (projects.Count > 0 && project.Columns.Count != projects[0].Columns.Count)
            {
                diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, branch.Span,
                    $"each {root.Operator.ToString().ToUpperInvariant()} query must have the same number of columns ({projects[0].Columns.Count}, not {project.Columns.Count})");
                return null;
            }
            projects.Add(project);
            sources.AddRange(bound.Value.Item2.Where(t => !sources.Contains(t)));
        }
        var kind = (root.Operator, root.All) switch
        {
            (SetOperator.Union, true) => SetOperationKind.UnionAll,
            (SetOperator.Union, false) => SetOperationKind.Union,
            (SetOperator.Intersect, true) => SetOperationKind.IntersectAll,
            (SetOperator.Intersect, false) => SetOperationKind.Intersect,
            (SetOperator.Except, true) => SetOperationKind.ExceptAll,
            _ => SetOperationKind.Except,
        };
        return (new SetOperationNode(kind, projects), sources);
    }

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
        var (query, negated, operand) = conjunct switch
        {
            ExistsExpression e => (e.Query, false, (Expression?)null),
            UnaryExpression { Operator: var op, Operand: var negatedOperand } when op.Equals("NOT", StringComparison.OrdinalIgnoreCase)
                && Unparenthesize(negatedOperand) is ExistsExpression e => (e.Query, true, null),
            InSubqueryExpression i => (i.Query, i.Negated, i.Operand),
            _ => (null, false, null),
        };
        if (query is null) return null;
        if (query.With is not null || query.Limit is not null || query.Offset is not null
            || query.Body is not SelectCore { From: [NamedTable table], GroupBy: null, Having: null, Distinct: DistinctKind.None, Windows.Count: 0 } select
            || select.Items.Any(i => i is ExpressionItem item && ContainsAggregate(item.Expression)))
        {
            Unsupported(conjunct, "this subquery is not supported yet: a subquery tested with EXISTS or IN must read one table, without GROUP BY, DISTINCT, LIMIT or aggregates");
            return plan;
        }
        var relations = new List<RelationBinding>();
        if (BindFromItem(table, relations) is not FromRelation inner)
            return plan;
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
                Unsupported(query, "an IN subquery must select exactly one expression");
                return plan;
            }
            var x = innerBinder.Bind(item.Expression);
            var a = outerBinder.Bind(operand);
            BoundExpression equal = new BoundBinary(conjunct.Span, SqlType.Boolean, x, "=", a);
            if (negated)
                equal = new BoundSyntaxForm(conjunct.Span, SqlType.Boolean, "or", ["", " OR ", " IS NULL OR ", " IS NULL"], [equal, x, a]);
            conditions.Add(equal);
        }
        var condition = conditions.Count == 0 ? null : conditions.Aggregate((l, r) => new BoundBinary(l.Span, SqlType.Boolean, l, "AND", r));
        return new JoinNode(plan, new ScanNode(inner.Relation.Table, inner.Relation.Name), condition, negated ? JoinType.Anti : JoinType.Semi);
    }

    private static Expression Unparenthesize(Expression expression) =>
        expression is ParenthesizedExpression p ? Unparenthesize(p.Inner) : expression;

    /// <summary>A FROM item after name resolution, before its conditions are bound.</summary>
    private abstract record FromTree(IReadOnlyList<VisibleColumn> Columns);
    private sealed record FromRelation(RelationBinding Relation, IReadOnlyList<VisibleColumn> Columns) : FromTree(Columns);
    /// <summary>A subquery or CTE flattened into its table, the condition it filtered by, and its output columns.</summary>
    private sealed record FromDerived(RelationBinding Relation, IReadOnlyList<VisibleColumn> Columns, BoundExpression? Condition) : FromTree(Columns);
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
        foreach (var item in select.From)
        {
            var tree = BindFromItem(item, relations);
            if (tree is null) return null;
            items.Add(tree);
        }
        return (new BindingScope(relations, items.SelectMany(i => i.Columns).ToList()), items);
    }

    private FromTree? BindFromItem(TableReference reference, List<RelationBinding> relations)
    {
        switch (reference)
        {
            case NamedTable { Name.Parts.Count: 1 } cteReference when _commonTables.TryGetValue(cteReference.Name.Last.Value, out var cte):
                return BindDerived(cte.Query, cteReference.Alias?.Name.Value ?? cte.Name.Value,
                    cteReference.Alias is { ColumnNames.Count: > 0 } ? cteReference.Alias.ColumnNames : cte.ColumnNames, cteReference, relations);
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
            case JoinedTable { Kind: JoinKind.Full } outer:
                Unsupported(outer, "FULL OUTER JOIN is not supported yet (inner, LEFT and RIGHT joins are)");
                return null;
            case JoinedTable join:
            {
                var left = BindFromItem(join.Left, relations);
                var right = left is null ? null : BindFromItem(join.Right, relations);
                if (left is null || right is null) return null;
                // A flattened subquery's filter and expressions hold for its own rows, not for NULL-padded ones.
                if (join.Kind is JoinKind.Left or JoinKind.Right && (HasDerived(left) || HasDerived(right)))
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
                // column is COALESCE(left, right); it equals the side that is never NULL-padded.
                var type = join.Kind switch { JoinKind.Left => JoinType.Left, JoinKind.Right => JoinType.Right, _ => JoinType.Inner };
                var columns = merged.Select(m => type == JoinType.Right ? m.Item2 : m.Item1)
                    .Concat(left.Columns.Where(c => merged.All(m => m.Item1 != c)))
                    .Concat(right.Columns.Where(c => merged.All(m => m.Item2 != c)))
                    .ToList();
                return new FromJoin(left, right, type, join.On, merged, columns);
            }
            case DerivedTable derived:
                Unsupported(derived, "LATERAL subqueries are not supported yet");
                return null;
            case FunctionTable function:
                Unsupported(function, "set-returning functions in FROM are not supported yet");
                return null;
            default:
                Unsupported(reference, "this FROM item is not supported yet");
                return null;
        }
    }

    private static bool HasDerived(FromTree tree) => tree switch
    {
        FromDerived => true,
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
                    return new ScanNode(r.Relation.Table, r.Relation.Name);
                case FromDerived d:
                    if (d.Condition is not null) derivedConditions.Add(d.Condition);
                    return new ScanNode(d.Relation.Table, d.Relation.Name);
                case FromJoin j:
                    return new JoinNode(Build(j.Left), Build(j.Right), JoinCondition(j, binder), j.Type);
                default:
                    throw new InvalidOperationException();
            }
        }
        var plan = Build(items[0]);
        foreach (var item in items.Skip(1))
            plan = new JoinNode(plan, Build(item), null);
        return derivedConditions.Count == 0
            ? plan
            : new FilterNode(plan, derivedConditions.Aggregate((a, b) => new BoundBinary(a.Span, SqlType.Boolean, a, "AND", b)));
    }

    /// <summary>
    /// Flattens <c>(SELECT e1 AS a1, … FROM t [WHERE p]) AS name</c> (or a CTE of that form): the query reads
    /// <c>t</c> under <c>name</c>, <c>p</c> becomes a filter, and references to <c>name.a1</c> bind to <c>e1</c>.
    /// </summary>
    private FromTree? BindDerived(Query query, string name, IReadOnlyList<Identifier> columnNames, SyntaxNode at, List<RelationBinding> relations)
    {
        if (query.With is not null || query.Limit is not null || query.Offset is not null
            || query.Body is not SelectCore { From: [NamedTable { Name.Parts.Count: var parts } table], GroupBy: null, Having: null, Distinct: DistinctKind.None, Windows.Count: 0 } select
            || _commonTables.ContainsKey(table.Name.Last.Value) && parts == 1
            || select.Items.Any(i => i is ExpressionItem item && ContainsAggregate(item.Expression)))
        {
            Unsupported(at, "this subquery or CTE is not supported yet: it must read one table, without GROUP BY, DISTINCT, LIMIT, aggregates or a nested WITH");
            return null;
        }
        if (relations.Any(r => r.Name == name))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, filePath, at.Span, $"table name \"{name}\" specified more than once; give one occurrence an alias");
            return null;
        }
        var innerRelations = new List<RelationBinding>();
        if (BindFromItem(table, innerRelations) is not FromRelation inner) return null;
        var innerBinder = new ExpressionBinder(new BindingScope(innerRelations, inner.Columns), filePath, diagnostics, mode);
        // Inner expressions name the subquery's table by its own alias; outside it is known by the subquery's name.
        var rename = new LeafRewriter(e => e is BoundColumn c && c.Relation == inner.Relation.Name ? c with { Relation = name } : e);
        if (select.Where is not null) RejectAggregates(select.Where, "WHERE");
        var condition = select.Where is null ? null : rename.Rewrite(innerBinder.Bind(select.Where));
        var outputs = BindOutputs(select.Items, innerBinder.Scope, innerBinder.Bind);
        if (columnNames.Count > outputs.Count)
        {
            diagnostics.Error(DiagnosticCode.WrongArgumentCount, filePath, columnNames[outputs.Count].Span,
                $"\"{name}\" has {outputs.Count} columns available but {columnNames.Count} column names were given");
            return null;
        }
        var relation = new RelationBinding(relations.Count, name, inner.Relation.Table, Aliased: true);
        var columns = outputs.Select((o, i) =>
        {
            var definition = rename.Rewrite(o.Expression);
            var columnName = i < columnNames.Count ? columnNames[i].Value : o.Name;
            return new VisibleColumn(columnName, relation, new CatalogColumn(columnName, definition.Type, false), definition);
        }).ToList();
        relation = relation with { DerivedColumns = columns };
        columns = columns.Select(c => c with { Relation = relation }).ToList();
        relations.Add(relation);
        return new FromDerived(relation, columns, condition);
    }

    private BoundExpression? JoinCondition(FromJoin join, ExpressionBinder binder)
    {
        var conditions = new List<BoundExpression>();
        foreach (var (left, right, name) in join.Merged)
            conditions.Add(new BoundBinary(name.Span, SqlType.Boolean,
                new BoundColumn(name.Span, left.Column.Type, left.Relation.Name, left.Column.Name), "=",
                new BoundColumn(name.Span, right.Column.Type, right.Relation.Name, right.Column.Name)));
        if (join.On is not null)
        {
            RejectAggregates(join.On, "JOIN conditions");
            conditions.Add(binder.Bind(join.On));
        }
        return conditions.Count == 0 ? null : conditions.Aggregate((a, b) => new BoundBinary(a.Span, SqlType.Boolean, a, "AND", b));
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
                    foreach (var column in expanded)
                    {
                        var reference = new ColumnReference(star.Span,
                            [new Identifier(star.Span, column.Relation.Name, true), new Identifier(star.Span, column.Name, true)], false);
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

    private BoundExpression? InterceptAfterGrouping(Expression node, List<BoundExpression> keys, List<AggregateCall> aggregates, ExpressionBinder preAggregation)
    {
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
        if (node is ColumnReference { Star: false } column && probe is BoundColumn)
        {
            diagnostics.Error(DiagnosticCode.NotGrouped, filePath, column.Span,
                $"column \"{string.Join(".", column.Parts.Select(p => p.Value))}\" must appear in the GROUP BY clause or be used in an aggregate function");
            return new BoundLiteral(node.Span, SqlType.Unknown, "NULL");
        }
        return null;
    }

    /// <summary>Aggregates maintained by recomputing the groups a change touches, and their result types.</summary>
    private static readonly Dictionary<string, Func<SqlType, SqlType>> RecomputedAggregates = new()
    {
        ["bool_and"] = _ => SqlType.Boolean, ["bool_or"] = _ => SqlType.Boolean, ["every"] = _ => SqlType.Boolean,
        ["string_agg"] = t => t.Name == "bytea" ? t : SqlType.Text,
        ["array_agg"] = t => t.IsArray ? t with { ArrayDimensions = t.ArrayDimensions + 1 } : TypeRules.Plain(t) with { ArrayDimensions = 1 },
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
            return preAggregation.Unsupported(call, $"window function {name}() OVER (…) is not supported yet");
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
    private static IEnumerable<Expression> Descendants(Expression root)
    {
        var stack = new Stack<object>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (current is Expression expression)
                yield return expression;
            if (current is Query) continue;
            foreach (var property in current.GetType().GetProperties())
            {
                if (property.Name is "Span" or "EqualityContract") continue;
                var value = property.GetValue(current);
                switch (value)
                {
                    case SyntaxNode node: stack.Push(node); break;
                    case System.Collections.IEnumerable list and not string:
                        foreach (var element in list)
                            if (element is SyntaxNode child) stack.Push(child);
                        break;
                }
            }
        }
    }

    private void Unsupported(SyntaxNode node, string message) =>
        diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, node.Span, message);
}
