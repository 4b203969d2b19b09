using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Delta.Rules;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Trickle.Compiler.Ir;

namespace Trickle.Compiler.Delta;

/// <summary>
/// Turns a rewritten plan into the maintenance model: which storage columns exist, how each is populated, how a
/// batch of change rows updates it, and how the stream table's columns are read back. The one plan shape it accepts
/// is the one every rewrite aims at: <c>Project(Filter?(Aggregate(Filter*(inner joins of Scans))))</c>.
/// </summary>
public static class MaintenanceModelBuilder
{
    private static readonly IAggregateRule[] Rules = [new CountStarRule(), new CountRule(), new ExactSumRule(), new ExtremumRule(), new StatisticRule(), new RecomputeGroupRule()];

    public static MaintenanceModel? Build(BoundStreamTable table, string filePath, SourceSpan querySpan, DiagnosticBag diagnostics) =>
        Build(table, filePath, querySpan, diagnostics, layout: null, storage: null);

    /// <summary>
    /// The source tables of a stream table and the columns its change buffers hold: the union of what the query and
    /// every subquery kept whole read, so that one buffer per table serves them all.
    /// </summary>
    private sealed record SourceLayout(List<CatalogTable> Tables, IReadOnlyDictionary<CatalogTable, List<CatalogColumn>> Columns)
    {
        /// <summary>Subqueries kept whole numbered so far, at every depth: their storage and CTE names are unique per statement.</summary>
        public int SubqueriesNumbered { get; set; }
    }

    private static MaintenanceModel? Build(BoundStreamTable table, string filePath, SourceSpan querySpan, DiagnosticBag diagnostics,
        SourceLayout? layout, string? storage)
    {
        // Only pass flatten-subqueries decides whether such a subquery merges or stays whole; skipped, neither happened.
        if (ScanNode.ScansOf(table.Plan).FirstOrDefault(s => s.Flattenable) is { } unflattened)
        {
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, unflattened.Span,
                "this subquery or CTE is not supported yet: it must either read one table without LIMIT or a nested WITH, or aggregate (GROUP BY, aggregates or DISTINCT)"
                + " (one that joins and filters is merged into the query by pass flatten-subqueries, which is switched off)");
            return null;
        }
        if (table.Plan is SetOperationNode setOperation)
            return BuildSetOperation(table, setOperation, filePath, diagnostics);
        if (!TryMatch(table.Plan, out var project, out var having, out var aggregate, out var conditions, out var scans, out var outer,
                out var window, out var windowFilters, out var topK))
        {
            // A semi- or anti-join the passes left over joins: refused where its EXISTS is written.
            if (SubqueryTestOverJoins(table.Plan) is { } test)
            {
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, test.Span,
                    "this EXISTS subquery is maintained over a query of several tables when it is correlated by equalities and one comparison"
                    + " (< <= > >= <>) of a column of a type with min and max, tests on one table sharing its equalities"
                    + " (pass semi-join-on-comparison-to-extremes); not this one yet");
                return null;
            }
            if (ContainsOuterJoin(table.Plan))
            {
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                    "this combination of outer joins or EXISTS/IN subqueries is not supported yet: an outer join is maintained between two relations (tables, a join on its NULL-padded side, or a subquery kept whole), after inner joins and in chains of LEFT JOINs, with an inner join of one table after it; an EXISTS/IN test on one table");
                return null;
            }
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                "this query's shape cannot be maintained incrementally yet:" + Environment.NewLine + IrPrinter.Print(table.Plan));
            return null;
        }
        var subqueryScans = scans.Where(s => s.IsSubquery).ToList();
        // A subquery kept whole is joined by inner joins, or is the padded side of a LEFT JOIN.
        var paddedSubquery = outer is { Type: JoinType.Left } && outer.Nullable.IsSubquery && outer.PreservedJoin.All(s => !s.IsSubquery);
        // A LEFT or FULL join of two relations pads one relation with another: either may be a subquery kept whole (a
        // padded join, which pass padded-join-to-subquery holds as one), its rows stored as they were before the batch.
        var twoRelations = outer is { Type: JoinType.Left or JoinType.Full, PreservedOuterJoin: null, PreservedJoin.Count: 1 };
        // A subquery kept whole may itself read subqueries kept whole: its model consumes their deltas as the query
        // consumes its own (composition), so nesting needs no rule of its own.
        if (subqueryScans.Count > 0 && outer is not null && !paddedSubquery && !twoRelations)
        {
            var at = layout is not null && subqueryScans[0].Span != SourceSpan.None ? subqueryScans[0].Span : querySpan;
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, at,
                "a subquery that aggregates or removes duplicates is maintained in inner joins, or as the right side of a LEFT JOIN of a table; elsewhere under an outer join or EXISTS it is not supported yet");
            return null;
        }
        var isJoin = scans.Count > 1 || subqueryScans.Count > 0;
        var outerKind = outer?.Type;
        // Internal aliases: user aliases could shadow the fixed ones the statements use (c, d, s, m, r, f, q).
        var aliasOf = scans.Select((scan, i) => (scan.Name, Alias: isJoin ? $"src{i + 1}" : "src")).ToDictionary(p => p.Name, p => p.Alias);
        var overSource = new SqlExpressionPrinter(c => SqlQuoting.Identifier(aliasOf[c.Relation]) + "." + SqlQuoting.Identifier(c.ColumnName));
        // Change rows carry no window values: a window query's delta recomputes partitions instead of reading them.
        var overChanges = new SqlExpressionPrinter(c => "c." + SqlQuoting.Identifier(isJoin ? Flat(aliasOf[c.Relation], c.ColumnName) : c.ColumnName),
            window: _ => "NULL");
        // Above a window operator, rows are read from the windowed rows "win": source columns under flat names, window values as w1, w2, ….
        var overWindowed = new SqlExpressionPrinter(c => "\"win\"." + SqlQuoting.Identifier(Flat(aliasOf[c.Relation], c.ColumnName)),
            window: w => "\"win\"." + SqlQuoting.Identifier($"w{w.Index + 1}"));
        var overKeySource = window is null && topK is null ? overSource : overWindowed;

        foreach (var key in aggregate.GroupKeys.Where(k => k.Type.LacksEquality))
            diagnostics.Error(DiagnosticCode.UnsupportedType, filePath, key.Span,
                $"values of type {key.Type} have no equality operator, so rows cannot be matched to their changes; cast to jsonb or text");
        var used = ReferencedColumns(table.Plan);
        var columnTypes = ColumnTypes(table.Plan);
        // The change buffer stores the source's columns beside its own weight column, under their own names.
        if (used.Any(u => u.Column == "__weight"))
            diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                "a source column named \"__weight\" collides with the weight column of Trickle's change buffer");
        if (diagnostics.HasErrors) return null;


        // Sources: distinct tables in FROM order, then those of subqueries kept whole; each buffer holds the union of
        // the columns every occurrence reads.
        layout ??= LayoutOf(scans, used);
        var sourceTables = layout.Tables;
        List<CatalogColumn> SourceColumns(CatalogTable source) => source.Columns
            .Where(c => used.Any(u => scans.First(s => s.Name == u.Relation).Table == source && u.Column == c.Name)).ToList();

        var subqueries = SubqueryModels(table, subqueryScans, layout, filePath, querySpan, diagnostics);
        if (subqueries is null) return null;
        // A table expanded by set-returning functions is read as its expanded rows, and so are its change rows.
        var expanded = scans.Where(s => s.Expansions.Count > 0).ToList();
        foreach (var scan in expanded)
            if (scans.Count(s => s.Table == scan.Table) > 1 || subqueryScans.Any(q => ScanNode.ScansOf(q.Subplan!).Any(s => s.Table == scan.Table)))
            {
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan,
                    $"a table expanded by a set-returning function in FROM (\"{scan.Name}\") may appear only once in the query for now");
                return null;
            }
        var relationModels = scans.Select(scan =>
        {
            var alias = SqlQuoting.Identifier(aliasOf[scan.Name]);
            if (subqueries.FirstOrDefault(q => q.DisplayName == scan.Name) is { } subquery)
                return new RelationModel(alias, subquery.SourceIndex, subquery.StoredSql,
                    SourceColumns(scan.Table).Select(c => SqlQuoting.Identifier(c.Name)).ToList()) { PopulationTable = subquery.RowsCte };
            var table = scan.Expansions.Count == 0 ? Qualified(scan.Table)
                : $"(SELECT \"__row\".*, {ExpandedColumns(scan)} FROM {Qualified(scan.Table)} AS \"__row\" {ExpansionJoins(scan, "\"__row\"")})";
            return new RelationModel(alias, sourceTables.IndexOf(scan.Table) + 1, table,
                layout.Columns[scan.Table].Select(c => SqlQuoting.Identifier(c.Name)).ToList());
        }).ToList();
        // A change to a source changes the subqueries that read it too.
        HashSet<int> Changed(IEnumerable<int> sourceIndexes)
        {
            var changed = sourceIndexes.ToHashSet();
            changed.UnionWith(subqueries.Where(q => q.SourceIndexes.Any(changed.Contains)).Select(q => q.SourceIndex).ToList());
            return changed;
        }
        var sources = sourceTables.Select((source, i) =>
        {
            var index = i + 1;
            var model = SourceModelFor(table, source, index, layout.Columns[source],
                isJoin && outerKind is not (JoinType.Semi or JoinType.Anti) ? JoinTerms(relationModels, Changed([index])) : []);
            return expanded.FirstOrDefault(s => s.Table == source) is { } scan
                ? model with { ExpandedColumns = ExpandedColumns(scan), ExpansionJoins = ExpansionJoins(scan, "c") }
                : model;
        })
            // A subquery's model reads only its own sources and those of the subqueries it reads, at any depth; the
            // stream table's captures changes of all of them.
            .Where(source => storage is null || relationModels.Any(r => r.SourceIndex == source.Index)
                || subqueries.Any(q => q.SourceIndexes.Contains(source.Index)))
            .ToList();

        var joinedColumns = isJoin
            ? used.Select(u => (u, Alias: aliasOf[u.Relation]))
                .Select(x => new JoinedColumn(SqlQuoting.Identifier(x.Alias), SqlQuoting.Identifier(x.u.Column), SqlQuoting.Identifier(Flat(x.Alias, x.u.Column))))
                .ToList()
            : [];
        var joinedNetKeys = isJoin
            ? NetKeys(used.Select(u => ("c." + SqlQuoting.Identifier(Flat(aliasOf[u.Relation], u.Column)),
                scans.First(s => s.Name == u.Relation).Table.FindColumn(u.Column)?.Type ?? columnTypes[(u.Relation, u.Column)])).ToList())
            : null;
        var netted = isJoin ? joinedNetKeys is not null : sources[0].NetsChanges;

        var keys = aggregate.GroupKeys.Select((k, i) => new KeyColumn(
            SqlQuoting.Identifier($"k{i + 1}"), SqlExpressionPrinter.Canonical(k), overKeySource.Print(k), overChanges.Print(k),
            // Columns of an outer join's nullable side(s) are NULL in padded rows whatever the catalog says.
            Nullable: k is not BoundColumn column || outer?.NullableNames.Contains(column.Relation) == true
                || !(scans.First(s => s.Name == column.Relation).Table.FindColumn(column.ColumnName)?.NotNull ?? false),
            HashCast: HashCastFor(k.Type)) {
                // A numeric whose scale the types decide (numeric(10,2), NumericScale) prints every value at that scale.
                ScaleSensitive = aggregate.Multiplicity && k.Type.Category == TypeCategory.Numeric && Delta.Rules.NumericScale.Of(k) is null,
                EqualityOperator = k.Type.Operator("="),
            }).ToList();

        var states = new List<StateColumn>();
        var finals = new List<string>();
        for (var i = 0; i < aggregate.Aggregates.Count; i++)
        {
            var call = aggregate.Aggregates[i];
            var context = new AggregateContext(call, i,
                call.Argument is null ? null! : overSource.Print(call.Argument),
                call.Argument is null ? null! : overChanges.Print(call.Argument),
                ChangesAreNetted: netted,
                CallOverSource: call.ToSql(overSource));
            var rule = Rules.First(r => r.Applies(call));
            foreach (var state in rule.States(context))
                if (states.All(s => s.Column != state.Column))
                    states.Add(state);
            finals.Add(rule.Final(context));
        }

        var overStorage = new SqlExpressionPrinter(
            _ => throw new InvalidOperationException("source columns are not visible above the aggregate"),
            key => "s." + keys[key.Index].Column,
            reference => finals[reference.Index]);

        var condition = conditions.Count == 0 ? null : string.Join(" AND ", conditions.Select(overSource.Print));
        var onSql = outer?.Condition is null ? "TRUE" : overSource.Print(outer.Condition);
        OuterJoinModel? outerJoin = null;
        if (outer is not null)
        {
            // A one-row relation of typed NULLs standing for the padded side's columns.
            string NullRow(ScanNode padded) => "(SELECT " + string.Join(", ", SourceColumns(padded.Table)
                .Select(c => $"NULL::{c.Type.ToSql()} AS {SqlQuoting.Identifier(c.Name)}")) + ")";

            PaddedSide Padded(int preservedAt, int nullableAt)
            {
                var preserved = relationModels[preservedAt];
                var nullable = relationModels[nullableAt];

                return new PaddedSide(preserved.Alias, preserved.SourceIndex, preserved.Table, preserved.SourceColumns,
                    nullable.Alias, nullable.SourceIndex, nullable.Table, NullRow(scans[nullableAt]));
            }
            // A FULL join pads both ways: left rows without a match, then right rows without one.
            outerJoin = new OuterJoinModel(outer.Type.ToString().ToLowerInvariant(), onSql,
                outer.Type == JoinType.Full ? [Padded(0, 1), Padded(1, 0)]
                : outer.PreservedJoin.Count > 1 ? [PaddedJoin()] : [Padded(0, 1)]);

            // The preserved side is an inner join: a relation "preserved" of flat columns, its changes a join delta.
            PaddedSide PaddedJoin()
            {
                var preservedCount = outer.PreservedJoin.Count;
                var preservedRelations = relationModels.Take(preservedCount).ToList();
                var preservedAliases = preservedRelations.Select(r => r.Alias).ToHashSet();
                var preservedNames = outer.PreservedJoin.Select(s => s.Name).ToHashSet();
                var overPreserved = new SqlExpressionPrinter(c => preservedNames.Contains(c.Relation)
                    ? "\"preserved\"." + SqlQuoting.Identifier(Flat(aliasOf[c.Relation], c.ColumnName))
                    : SqlQuoting.Identifier(aliasOf[c.Relation]) + "." + SqlQuoting.Identifier(c.ColumnName));
                var preservedColumns = joinedColumns.Where(j => preservedAliases.Contains(j.Relation)).ToList();
                var nullable = relationModels[^1];
                var preservedConditions = conditions.Where(c => ReferencedRelations(c).All(preservedNames.Contains)).ToList();
                var preservedCondition = preservedConditions.Count == 0 ? null : string.Join(" AND ", preservedConditions.Select(overSource.Print));
                // An outer join's changed rows are its own join delta, padded rows included: a model of its rows, whose
                // aliases are the stream table's (its tables come first, in the same order).
                MaintenanceModel? preservedModel = null;
                if (outer.PreservedOuterJoin is not null)
                {
                    var rows = new ProjectNode(outer.PreservedOuterJoin, used.Where(u => preservedNames.Contains(u.Relation))
                        .Select(u => new OutputColumn(Flat(aliasOf[u.Relation], u.Column), new BoundColumn(querySpan,
                            scans.First(x => x.Name == u.Relation).Table.FindColumn(u.Column)!.Type, u.Relation, u.Column))).ToList());
                    preservedModel = Build(table with { Plan = new Rewrites.ProjectionToCountedGroups().Apply(rows) }, filePath, querySpan, diagnostics,
                        layout, SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(BaseName(table), "preserved")));
                    preservedCondition = preservedModel?.SourceFilter;
                }
                var preservedFrom = preservedModel is not null
                    ? preservedModel.FromSql
                    : string.Join(" CROSS JOIN ", preservedRelations.Select(r => $"{r.Table} AS {r.Alias}"));
                var preservedTable = "(SELECT " + string.Join(", ", preservedColumns.Select(c => $"{c.Relation}.{c.Column} AS {c.Flat}"))
                    + " FROM " + preservedFrom + (preservedCondition is null ? "" : $" WHERE {preservedCondition}") + ")";
                // -1 names the preserved side where terms name a relation's source (its changes: pre_joined).
                return new PaddedSide("\"preserved\"", outer.PreservedOuterJoin is null ? 0 : -1, preservedTable, preservedColumns.Select(c => c.Flat).ToList(),
                    nullable.Alias, nullable.SourceIndex, nullable.Table, NullRow(scans[^1]))
                {
                    PreservedIsJoin = true,
                    PreservedModel = preservedModel,
                    PreservedSourceIndexes = preservedRelations.Select(r => r.SourceIndex).Distinct().ToList(),
                    PreservedJoinedColumns = preservedColumns,
                    PreservedCondition = preservedCondition,
                    OnSql = outer.Condition is null ? "TRUE" : overPreserved.Print(outer.Condition),
                    WhereSql = conditions.Count == 0 ? null : string.Join(" AND ", conditions.Select(overPreserved.Print)),
                    PaddedColumns = string.Join(", ", joinedColumns.Select(j => preservedAliases.Contains(j.Relation)
                        ? $"\"preserved\".{j.Flat} AS {j.Flat}" : $"{j.Relation}.{j.Column} AS {j.Flat}")),
                };
            }
        }
        var preservedTerms = outerJoin?.PaddedSides[0] is { PreservedIsJoin: true, PreservedModel: null } joinSide
            ? relationModels.Take(outer!.PreservedJoin.Count).ToList()
            : null;
        // A preserved side that is an outer join joins the padded side as one relation: Δ(P ⋈ N) = ΔP ⋈ N + P_old ⋈ ΔN,
        // P read as it is through its subquery and its changes through its own join delta (pre_joined).
        var chainSide = outerJoin?.PaddedSides[0] is { PreservedModel: not null } chained ? chained : null;
        IReadOnlyList<JoinTerm> ChainTerms(IEnumerable<int> changedSources)
        {
            // A padded subquery kept whole changes with its sources.
            var changed = Changed(changedSources);
            if (chainSide!.PreservedSourceIndexes.Any(changed.Contains)) changed.Add(chainSide.PreservedSourceIndex);
            var preservedRelation = new RelationModel(chainSide.PreservedAlias, chainSide.PreservedSourceIndex, chainSide.PreservedTable, chainSide.PreservedColumns);
            return JoinTerms([preservedRelation, relationModels[^1]], changed);
        }
        if (chainSide is not null)
            sources = sources.Select(source => source with { ImmediateTerms = ChainTerms([source.Index]) }).ToList();
        if (preservedTerms is not null)
            sources = sources.Select(source => source with
            {
                ImmediatePreservedTerms = preservedTerms.Any(r => r.SourceIndex == source.Index) ? JoinTerms(preservedTerms, new HashSet<int> { source.Index }) : [],
            }).ToList();

        var fromSql = outerJoin switch
        {
            null => string.Join(", ", relationModels.Select(r => $"{r.PopulationTable} AS {r.Alias}")),
            { Kind: "inner" } when chainSide?.PreservedModel is { } joinedModel =>
                $"{joinedModel.FromSql} JOIN {relationModels[^1].PopulationTable} AS {relationModels[^1].Alias} ON {onSql}",
            { Kind: "left" } when chainSide?.PreservedModel is { } preservedModel =>
                $"{preservedModel.FromSql} LEFT JOIN {relationModels[^1].PopulationTable} AS {relationModels[^1].Alias} ON {onSql}",
            { Kind: "left" or "full" } => string.Join(" CROSS JOIN ", relationModels.SkipLast(1).Select(r => $"{r.PopulationTable} AS {r.Alias}"))
                + $" {outerJoin.Kind.ToUpperInvariant()} JOIN {relationModels[^1].PopulationTable} AS {relationModels[^1].Alias} ON {onSql}",
            _ => $"{relationModels[0].Table} AS {relationModels[0].Alias}",
        };
        var sourceFilter = outerJoin is { Kind: "semi" or "anti" }
            ? string.Join(" AND ", new[] { $"{(outerJoin.Kind == "anti" ? "NOT " : "")}EXISTS (SELECT 1 FROM {relationModels[1].Table} AS {relationModels[1].Alias} WHERE {onSql})", condition }.Where(c => c is not null))
            // A preserved outer join's own filters (inner joins inside it) hold for its rows: filters here too.
            : chainSide?.PreservedModel?.SourceFilter is { } preservedFilter
                ? condition is null ? preservedFilter : $"{preservedFilter} AND {condition}"
                : condition;
        // A window query reads its rows through the windowed rows "win"; its outer filters (WHERE rn <= 3) apply to them.
        WindowModel? windowModel = null;
        if (window is not null)
        {
            var partitionKeys = window.CommonPartition.Select((p, i) =>
            {
                var keyIndex = aggregate.GroupKeys.ToList().FindIndex(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(p));
                return new PartitionKeyModel(SqlQuoting.Identifier($"p{i + 1}"), keys[keyIndex].Column, overSource.Print(p), overChanges.Print(p),
                    keys[keyIndex].Nullable, keys[keyIndex].HashCast) { EqualityOperator = keys[keyIndex].EqualityOperator };
            }).ToList();
            var selectSql = string.Join(", ", used.Select(u => $"{SqlQuoting.Identifier(aliasOf[u.Relation])}.{SqlQuoting.Identifier(u.Column)} AS {SqlQuoting.Identifier(Flat(aliasOf[u.Relation], u.Column))}")
                .Concat(window.Calls.Select((call, i) => $"{call.ToSql(overSource)} AS {SqlQuoting.Identifier($"w{i + 1}")}")));
            windowModel = new WindowModel(selectSql, fromSql, sourceFilter, partitionKeys);
            fromSql = $"(SELECT {selectSql} FROM {fromSql}{(sourceFilter is null ? "" : $" WHERE {sourceFilter}")}) AS \"win\"";
            sourceFilter = windowFilters.Count == 0 ? null : string.Join(" AND ", windowFilters.Select(overWindowed.Print));
        }
        // A top-k query is the same with no partitions, its rows cut by ORDER BY … LIMIT; a batch that cannot reach
        // the rows kept (every changed row sorts after the last of them) leaves it alone.
        if (topK is not null)
        {
            var selectSql = string.Join(", ", used.Select(u => $"{SqlQuoting.Identifier(aliasOf[u.Relation])}.{SqlQuoting.Identifier(u.Column)} AS {SqlQuoting.Identifier(Flat(aliasOf[u.Relation], u.Column))}"));
            var orderSql = " ORDER BY " + string.Join(", ", topK.Order.Select(o => overSource.Print(o.Expression) + o.Suffix)) + " " + topK.LimitSql;
            TopKBoundary? boundary = topK.Limit is { } limit and > 0
                ? new TopKBoundary(
                    string.Join(", ", topK.Order.Select((o, i) => $"{overSource.Print(o.Expression)} AS {SqlQuoting.Identifier($"b{i + 1}")}")),
                    " ORDER BY " + string.Join(", ", topK.Order.Select(o => overSource.Print(o.Expression) + o.Suffix)) + $" LIMIT 1 OFFSET {topK.Offset + limit - 1}",
                    SortsAtOrBefore(topK.Order.Select((o, i) => (overChanges.Print(o.Expression), $"b.{SqlQuoting.Identifier($"b{i + 1}")}", o.Suffix, o.Expression.Type)).ToList(), 0))
                {
                    StoredSql = StoredBoundary(topK, limit, aggregate.GroupKeys, keys, storage ?? Identity(table).Storage),
                }
                : null;
            windowModel = new WindowModel(selectSql, fromSql, sourceFilter, []) { OrderSql = orderSql, Boundary = boundary };
            fromSql = $"(SELECT {selectSql} FROM {fromSql}{(sourceFilter is null ? "" : $" WHERE {sourceFilter}")}{orderSql}) AS \"win\"";
            sourceFilter = null;
        }
        // IMMEDIATE writers of a join on one key lock its values instead of the whole stream table (see JoinKeyLocks).
        if (isJoin && chainSide is null && window is null && topK is null && outer is null or { Type: JoinType.Left, PreservedOuterJoin: null }
            && JoinKeyLocks.For(scans, conditions, outer?.Condition, outer?.NullableNames ?? [], aggregate.GroupKeys) is { } keyColumns)
            sources = sources.Select(source => source with
            {
                JoinLockColumns = scans.Where(s => sourceTables.IndexOf(s.Table) + 1 == source.Index)
                    .SelectMany(s => keyColumns[s.Name]).Select(c => SqlQuoting.Identifier(c.ColumnName)).Distinct().ToList(),
                JoinLockHashCast = HashCastFor(keyColumns.Values.First()[0].Type),
            }).ToList();
        return new MaintenanceModel
        {
            Identity = storage is null ? Identity(table) : Identity(table) with { Storage = storage },
            Grouped = aggregate.Grouped,
            Multiplicity = aggregate.Multiplicity,
            Keys = keys,
            States = states,
            WhereOverSource = condition,
            // In a join the conditions are applied where the joined change rows are formed.
            WhereOverChanges = isJoin || conditions.Count == 0 ? null : string.Join(" AND ", conditions.Select(overChanges.Print)),
            ViewColumns = project.Columns.Select(c => new ViewColumn(SqlQuoting.Identifier(c.Name), overStorage.Print(c.Expression))).ToList(),
            HavingOverStorage = having is null ? null : overStorage.Print(having),
            Sources = sources,
            Relations = relationModels,
            JoinedColumns = joinedColumns,
            // A semi- or anti-join outputs no joined rows: only the existence terms of OuterJoin.
            DifferentialTerms = chainSide is not null ? ChainTerms(sources.Select(s => s.Index))
                : isJoin && outer?.Type is not (JoinType.Semi or JoinType.Anti) ? JoinTerms(relationModels, Changed(sources.Select(s => s.Index))) : [],
            JoinedSelectSql = chainSide?.PaddedColumns,
            DifferentialPreservedTerms = preservedTerms is null ? [] : JoinTerms(preservedTerms, sources.Select(s => s.Index).ToHashSet()),
            JoinedNetKeys = joinedNetKeys,
            FromSql = fromSql,
            OuterJoin = outerJoin,
            InnerCondition = chainSide is not null ? (chainSide.WhereSql is null ? chainSide.OnSql : $"{chainSide.OnSql} AND {chainSide.WhereSql}")
                : outerJoin is null ? condition : condition is null ? onSql : $"{onSql} AND {condition}",
            SourceFilter = sourceFilter,
            Window = windowModel,
            SourcesDisplay = string.Join(", ", sources.Select(s => s.DisplayName)),
            Subqueries = [.. subqueries.SelectMany(q => (IEnumerable<SubqueryModel>)[.. q.Model.Subqueries, q])],
            DirectSubqueries = subqueries,
        };
    }

    /// <summary>The expansions' output as the expanded table's virtual columns: <c>"__x1"."tag" AS "t.tag"</c>.</summary>
    private static string ExpandedColumns(ScanNode scan) => string.Join(", ", scan.Expansions.SelectMany((expansion, i) =>
        expansion.Columns.Select(column => $"{SqlQuoting.Identifier($"__x{i + 1}")}.{SqlQuoting.Identifier(column)} AS {SqlQuoting.Identifier(SetReturningExpansion.ColumnName(expansion.Name, column))}")));

    /// <summary>The expansions as lateral joins over a row of the table under <paramref name="alias"/>.</summary>
    private static string ExpansionJoins(ScanNode scan, string alias)
    {
        var overRow = new SqlExpressionPrinter(c => alias + "." + SqlQuoting.Identifier(c.ColumnName));
        return string.Join(" ", scan.Expansions.Select((expansion, i) =>
            $"{(expansion.Padded ? "LEFT" : "CROSS")} JOIN LATERAL {overRow.Print(expansion.Call)}{(expansion.WithOrdinality ? " WITH ORDINALITY" : "")} AS {SqlQuoting.Identifier($"__x{i + 1}")}"
            + $"({string.Join(", ", expansion.Columns.Select(SqlQuoting.Identifier))})" + (expansion.Padded ? " ON TRUE" : "")));
    }

    /// <summary>
    /// True when a row (first items) sorts at or before another (second items) in an ORDER BY: the first key that
    /// differs decides, honouring each item's direction and where it puts NULLs; rows equal in every key tie.
    /// </summary>
    private static string SortsAtOrBefore(IReadOnlyList<(string Row, string Other, string Suffix, SqlType Type)> keys, int index)
    {
        var (row, other, suffix, type) = keys[index];
        var descending = suffix.Contains(" DESC", StringComparison.Ordinal);
        var nullsFirst = suffix.Contains("NULLS FIRST", StringComparison.Ordinal) || descending && !suffix.Contains("NULLS LAST", StringComparison.Ordinal);
        var before = $"{row} {type.Operator(descending ? ">" : "<")} {other}";
        var nullBefore = nullsFirst ? $"{row} IS NULL AND {other} IS NOT NULL" : $"{row} IS NOT NULL AND {other} IS NULL";
        var tie = index == keys.Count - 1
            ? type.IsNotDistinctFrom(row, other)
            : $"{type.IsNotDistinctFrom(row, other)} AND {SortsAtOrBefore(keys, index + 1)}";
        return $"(({before}) OR ({nullBefore}) OR ({tie}))";
    }

    /// <summary>
    /// The last row a top-k query keeps, read from its stored rows when every ORDER BY expression is stored as a key:
    /// the stored rows are exactly the rows kept (as the last refresh left them), so their last one in the order is the
    /// boundary, without reading the source. A batch none of whose changed rows sorts at or before it leaves every row
    /// before it in place, so the same rows are still the first ones. Fewer stored rows than the limit: no boundary (the
    /// query keeps every row there is, and any change can reach them). Null when an ORDER BY expression is not stored.
    /// </summary>
    private static string? StoredBoundary(TopKNode topK, long limit, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<KeyColumn> keys, string storage)
    {
        var columns = new List<string>();
        foreach (var order in topK.Order)
        {
            var index = groupKeys.ToList().FindIndex(k => SqlExpressionPrinter.Canonical(k) == SqlExpressionPrinter.Canonical(order.Expression));
            if (index < 0) return null;
            columns.Add("s." + keys[index].Column);
        }
        var select = string.Join(", ", columns.Select((c, i) => $"{c} AS {SqlQuoting.Identifier($"b{i + 1}")}"));
        var reversed = string.Join(", ", columns.Select((c, i) => c + Reversed(topK.Order[i].Suffix)));
        return $"SELECT {select} FROM {storage} AS s WHERE (SELECT sum(t.\"__count\") FROM {storage} AS t) >= {limit} ORDER BY {reversed} LIMIT 1";
    }

    /// <summary>The sort suffix of the opposite order: " DESC NULLS LAST" for "" (ASC sorts NULLs last), and so on.</summary>
    private static string Reversed(string suffix)
    {
        var descending = suffix.Contains("DESC", StringComparison.Ordinal);
        var nullsFirst = suffix.Contains("NULLS FIRST", StringComparison.Ordinal) || (descending && !suffix.Contains("NULLS LAST", StringComparison.Ordinal));
        return (descending ? " ASC" : " DESC") + (nullsFirst ? " NULLS LAST" : " NULLS FIRST");
    }

    /// <summary>The model of each subquery kept whole, its storage and CTEs numbered in FROM order; null on errors.</summary>
    private static List<SubqueryModel>? SubqueryModels(BoundStreamTable table, IReadOnlyList<ScanNode> subqueryScans, SourceLayout layout,
        string filePath, SourceSpan querySpan, DiagnosticBag diagnostics)
    {
        var subqueries = new List<SubqueryModel>();
        foreach (var scan in subqueryScans)
        {
            var index = ++layout.SubqueriesNumbered;
            var inner = Build(table with { Plan = scan.Subplan! }, filePath, querySpan, diagnostics, layout,
                SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(BaseName(table), $"sub{index}_storage")));
            if (inner is null) return null;
            if (inner.IsSetOperation)
            {
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, filePath, querySpan, $"the subquery \"{scan.Name}\" cannot be kept whole yet");
                return null;
            }
            var columns = scan.Table.Columns.Select((c, i) => new ViewColumn(SqlQuoting.Identifier(c.Name), inner.ViewColumns[i].Sql)).ToList();
            var select = "SELECT " + string.Join(", ", columns.Select(c => $"{c.Sql} AS {c.Name}")) + $" FROM {inner.Storage} AS s";
            // Counted rows (a window query's) stand for as many identical rows as their count, as in the stream table's view.
            var stored = inner.Multiplicity
                ? $"({select} WHERE {inner.MultiplicitySql} = 1 UNION ALL {select} CROSS JOIN LATERAL generate_series(1, {inner.MultiplicitySql}) AS \"copy\" WHERE {inner.MultiplicitySql} > 1)"
                : $"({select}" + (inner.HavingOverStorage is null ? "" : $" WHERE {inner.HavingOverStorage}") + ")";
            subqueries.Add(new SubqueryModel(index, scan.Name, inner, SubqueryModel.SourceIndexBase + index,
                inner.Sources.Select(s => s.Index).ToList(), columns, stored, SqlQuoting.Identifier($"sub{index}_rows")));
        }
        return subqueries;
    }

    /// <summary>Every scanned table of the query and of its subqueries kept whole, and the columns each of them reads.</summary>
    private static SourceLayout LayoutOf(IReadOnlyList<ScanNode> scans, List<(string Relation, string Column)> used)
    {
        var reads = new List<(CatalogTable Table, string Column)>();
        var tables = new List<CatalogTable>();
        void Add(IReadOnlyList<ScanNode> level, List<(string Relation, string Column)> levelUsed)
        {
            foreach (var scan in level.Where(s => !s.IsSubquery && !tables.Contains(s.Table)))
                tables.Add(scan.Table);
            reads.AddRange(levelUsed.Select(u => (Scan: level.First(s => s.Name == u.Relation), u.Column))
                .Where(x => !x.Scan.IsSubquery).Select(x => (x.Scan.Table, x.Column)));
        }
        void AddSubqueries(IReadOnlyList<ScanNode> level)
        {
            foreach (var subquery in level.Where(s => s.IsSubquery))
            {
                var inner = ScanNode.ScansOf(subquery.Subplan!);
                Add(inner, ReferencedColumns(subquery.Subplan!));
                AddSubqueries(inner);
            }
        }
        Add(scans, used);
        AddSubqueries(scans);
        return new SourceLayout(tables, tables.ToDictionary(t => t, t => t.Columns.Where(c => reads.Contains((t, c.Name))).ToList()));
    }


    /// <summary>
    /// A set operation is counted groups over the union of its branches' projected rows: one row per distinct output
    /// row, its total count, and (for INTERSECT/EXCEPT) one count per branch; the view shows as many copies as the
    /// operator gives that row: all of them (UNION ALL), one (UNION), least(b1, b2) (INTERSECT ALL), greatest(b1 - b2, 0)
    /// (EXCEPT ALL), and one or none for INTERSECT and EXCEPT.
    /// </summary>
    private static MaintenanceModel? BuildSetOperation(BoundStreamTable table, SetOperationNode node, string filePath, DiagnosticBag diagnostics)
    {
        var first = node.Branches[0];
        foreach (var column in node.Branches.SelectMany(b => b.Columns).Where(c => c.Expression.Type.LacksEquality))
            diagnostics.Error(DiagnosticCode.UnsupportedType, filePath, column.Expression.Span,
                $"values of type {column.Expression.Type} have no equality operator, so a set operation cannot compare them");
        if (diagnostics.HasErrors) return null;

        var scans = node.Branches.Select(b => b.Input is FilterNode { Input: ScanNode s } ? s : (ScanNode)b.Input).ToList();
        var filters = node.Branches.Select(b => b.Input is FilterNode f ? f.Predicate : null).ToList();
        // A branch that aggregates is a subquery kept whole; the sources are the branches' tables and the subqueries'.
        var layout = LayoutOf(scans, node.Branches.SelectMany(ReferencedColumns).Distinct().ToList());
        var subqueries = SubqueryModels(table, scans.Where(s => s.IsSubquery).ToList(), layout, filePath, default, diagnostics);
        if (subqueries is null) return null;
        var sourceTables = layout.Tables;
        int SourceIndexOf(ScanNode scan) => scan.IsSubquery
            ? subqueries.First(q => q.DisplayName == scan.Name).SourceIndex
            : sourceTables.IndexOf(scan.Table) + 1;
        string RowsOf(ScanNode scan) => scan.IsSubquery ? subqueries.First(q => q.DisplayName == scan.Name).RowsCte : Qualified(scan.Table);
        // A flat UNION [ALL] needs only the total count; anything else decides a row's copies from its count per branch.
        var perBranchCounts = !(node.IsFlat && node.Kind is SetOperationKind.UnionAll or SetOperationKind.Union);
        var overChanges = new SqlExpressionPrinter(c => "c." + SqlQuoting.Identifier(c.ColumnName));
        var overSource = SqlExpressionPrinter.ForAlias("src");
        var keyNames = first.Columns.Select((_, i) => SqlQuoting.Identifier($"k{i + 1}")).ToList();
        var countNames = node.Branches.Select((_, i) => SqlQuoting.Identifier($"b{i + 1}")).ToList();

        var sources = sourceTables.Select((source, i) => SourceModelFor(table, source, i + 1, layout.Columns[source], [])).ToList();

        // Each branch's rows, projected to the output columns and tagged with its count column, as the population reads them.
        var arms = node.Branches.Select((branch, b) =>
            "SELECT " + string.Join(", ", countNames.Select((name, j) => $"{(j == b ? 1 : 0)} AS {name}")
                .Concat(branch.Columns.Select((c, k) => $"{overSource.Print(c.Expression)} AS {keyNames[k]}")))
            + $" FROM {RowsOf(scans[b])} AS \"src\"" + (filters[b] is null ? "" : $" WHERE {overSource.Print(filters[b]!)}"));
        var states = perBranchCounts
            ? countNames.Select((name, j) => new StateColumn(name, $"rows from branch {j + 1}", $"sum(\"src\".{name})",
                [new DeltaColumn(name, $"COALESCE(sum(c.{name}), 0)")], $"COALESCE(s.{name}, 0) + d.{name}", null)).ToList()
            : [];
        var multiplicity = perBranchCounts ? Copies(node, new Counter()) : StoredRowCount();
        return new MaintenanceModel
        {
            Identity = Identity(table),
            Grouped = true,
            // A flat UNION keeps one copy of each distinct row; everything else shows a computed number of copies.
            Multiplicity = perBranchCounts || node.Kind != SetOperationKind.Union,
            MultiplicitySql = multiplicity,
            Keys = first.Columns.Select((c, i) => new KeyColumn(keyNames[i], $"output column {c.Name}", $"\"src\".{keyNames[i]}", $"c.{keyNames[i]}",
                Nullable: true, HashCast: HashCastFor(c.Expression.Type)) { EqualityOperator = c.Expression.Type.Operator("=") }).ToList(),
            States = states,
            WhereOverSource = null,
            WhereOverChanges = null,
            ViewColumns = first.Columns.Select((c, i) => new ViewColumn(SqlQuoting.Identifier(c.Name), "s." + keyNames[i])).ToList(),
            HavingOverStorage = null,
            Sources = sources,
            Relations = [],
            JoinedColumns = [],
            DifferentialTerms = [],
            JoinedNetKeys = null,
            FromSql = "(" + string.Join(" UNION ALL ", arms) + ") AS \"src\"",
            SourcesDisplay = string.Join(", ", sources.Select(s => s.DisplayName)),
            OuterJoin = null,
            InnerCondition = null,
            SourceFilter = null,
            Subqueries = [.. subqueries.SelectMany(q => (IEnumerable<SubqueryModel>)[.. q.Model.Subqueries, q])],
            DirectSubqueries = subqueries,
            Branches = node.Branches.Select((branch, b) => new BranchModel(b + 1, SourceIndexOf(scans[b]),
                branch.Columns.Select(c => overChanges.Print(c.Expression)).ToList(),
                filters[b] is null ? null : overChanges.Print(filters[b]!))).ToList(),
        };

        static string StoredRowCount() => MaintenanceModel.StoredRowCount;
    }

    private sealed class Counter { public int Next; }

    /// <summary>
    /// How many copies of a row a set operation outputs, from the row's count in each branch (<c>s."b1"</c>, … numbered
    /// left to right): UNION ALL adds, INTERSECT ALL takes the least, EXCEPT ALL subtracts down to zero, and the
    /// operators without ALL output one copy or none.
    /// </summary>
    private static string Copies(RelNode input, Counter branch)
    {
        if (input is not SetOperationNode node)
            return $"s.\"b{++branch.Next}\"";
        var operands = node.Inputs.Select(i => Copies(i, branch)).ToList();
        return node.Kind switch
        {
            SetOperationKind.UnionAll => "(" + string.Join(" + ", operands) + ")",
            SetOperationKind.Union => "CASE WHEN " + string.Join(" OR ", operands.Select(o => $"{o} > 0")) + " THEN 1 ELSE 0 END",
            SetOperationKind.IntersectAll => $"LEAST({operands[0]}, {operands[1]})",
            SetOperationKind.Intersect => $"CASE WHEN {operands[0]} > 0 AND {operands[1]} > 0 THEN 1 ELSE 0 END",
            SetOperationKind.ExceptAll => $"GREATEST({operands[0]} - {operands[1]}, 0)",
            _ => $"CASE WHEN {operands[0]} > 0 AND {operands[1]} = 0 THEN 1 ELSE 0 END",
        };
    }

    /// <summary>The model of a stream table recomputed from its query text on every refresh (see <see cref="VerbatimModel"/>).</summary>
    public static VerbatimModel Verbatim(string schema, string name, string? schedule, string queryText, string reason, bool rowSecurity = false, string? outbox = null, bool publish = false)
    {
        var table = new BoundStreamTable(schema, name, RefreshMode.Full, schedule, queryText, [], new ScanNode(new CatalogTable(schema, name, [], []), name))
            { RowSecurity = rowSecurity, Outbox = outbox, Publish = publish };
        var identity = Identity(table) with { IrText = "" };
        var searchPath = string.Join(", ", new[] { "pg_catalog", SqlQuoting.Identifier(schema), SqlQuoting.Identifier("public"), "pg_temp" }.Distinct());
        var tag = "$function$";
        for (var n = 1; queryText.Contains(tag); n++) tag = $"$function{n}$";
        return new VerbatimModel(identity, queryText.Trim().TrimEnd(';'), searchPath, reason, tag,
            SourceGuardModel.For(schema, name, null, queryText, [schema, "public"]))
        {
            ResolvingSchemasLiteral = "ARRAY[" + string.Join(", ", new[] { schema, "public" }.Distinct().Select(SqlQuoting.Literal)) + "]::text[]",
        };
    }

    private static StreamTableIdentity Identity(BoundStreamTable table)
    {
        var baseName = BaseName(table);
        string Internal(string suffix) => SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, suffix));
        var display = $"{table.Schema}.{table.Name}";
        // Each generation locks apart: populating an upgrade's new storage must not hold up refreshes (or IMMEDIATE
        // writers) of the generation still installed.
        var lockSeed = SqlQuoting.StableHash("trickle:" + display + (table.Generation is null ? "" : "~" + table.Generation));
        return new StreamTableIdentity(
            display,
            SqlQuoting.Literal(table.Schema),
            SqlQuoting.Literal(table.Name),
            SqlQuoting.Qualified(table.Schema, table.Name),
            table.Mode.ToString().ToLowerInvariant(),
            table.Schedule is null ? "NULL" : SqlQuoting.Literal(table.Schedule),
            DollarQuote(table.QueryText),
            string.Join(Environment.NewLine, table.QueryText.Trim().Split('\n').Select(l => "--   " + l.TrimEnd('\r'))),
            Internal("storage"),
            Internal("refresh"),
            Internal("recompute"),
            Internal("on_truncate"),
            Internal("drop"),
            IrPrinter.Print(table.Plan))
        {
            // Named like the view rows function readers expect (Catalog.UpstreamStreamTable), with the generation if any.
            ViewRowsFunction = Internal("view_rows"),
            SwitchFunction = Internal("switch_mode"),
            RefreshLock = Internal("refresh_lock"),
            // Every maintenance lock is a table or row lock on the owner's tables (RefreshLock, WritersLock, GroupLocks),
            // which other roles cannot take: an advisory key printed in the script could be.
            WritersLock = Internal("writers_lock"),
            GroupLocks = Internal("group_locks"),
            Generation = table.Generation,
            RowSecurity = table.RowSecurity,
            Outbox = table.Outbox,
            Publish = table.Publish,
            StagedView = Internal("view"),
            ApplyFunction = Internal("apply"),
            FollowPartitionsFunction = Internal("follow_partitions"),
            ObjectsFunction = Internal("objects"),
            RepairFunction = Internal("repair"),
            StatementBeginsFunction = Internal("statement_begins"),
            ApplyDeferredFunction = Internal("apply_deferred"),
            CommitApplyFunction = Internal("apply_at_commit"),
            AppliesAtCommit = table.ImmediateApply == ImmediateApply.Commit,
            PendingSetting = $"trickle.pending_{lockSeed:x8}",
            DeferredSetting = $"trickle.deferred_{lockSeed:x8}",
            GroupLocksSetting = $"trickle.group_locks_{lockSeed:x8}",
        };
    }

    /// <summary>A source table and its buffer, capture and maintenance functions and triggers for this stream table.</summary>
    private static SourceModel SourceModelFor(BoundStreamTable table, CatalogTable source, int index, IReadOnlyList<CatalogColumn> columns, IReadOnlyList<JoinTerm> immediateTerms)
    {
        var baseName = BaseName(table);
        string Internal(string suffix) => SqlQuoting.Qualified("trickle", SqlQuoting.InternalName(baseName, suffix));
        string Trigger(string suffix) => SqlQuoting.Identifier(SqlQuoting.InternalName("trickle_" + baseName, suffix));
        return new SourceModel(index, Qualified(source), $"{source.Schema}.{source.Name}",
            columns.Select(c => SqlQuoting.Identifier(c.Name)).ToList(),
            Internal($"changes_{index}"), Internal($"capture_{index}"), Internal($"maintain_{index}"),
            Trigger("insert"), Trigger("update"), Trigger("delete"), Trigger("truncate"),
            NetKeys(columns.Select(c => ("c." + SqlQuoting.Identifier(c.Name), c.Type)).ToList()),
            immediateTerms)
        {
            ViewRowsFunction = source.Upstream?.ViewRowsFunction,
            CapturedTable = source.Upstream?.Storage ?? Qualified(source),
            BeginTrigger = Trigger("statement"),
            InsertTriggerLiteral = SqlQuoting.Literal(SqlQuoting.InternalName("trickle_" + baseName, "insert")),
        };
    }

    /// <summary>
    /// Internal objects live in schema trickle, so the stream table's schema is part of their names. An upgrade's objects
    /// also carry its generation (<c>order_totals~g1a2b3c4d</c>): "~" sorts after letters, digits and "_", so the order
    /// in which a table's triggers fire ("trickle_…" before "trickle~rec_…") is the same in every generation.
    /// </summary>
    internal static string BaseName(BoundStreamTable table) => WithGeneration(BaseName(table.Schema, table.Name), table.Generation);

    internal static string WithGeneration(string baseName, string? generation) =>
        generation is null ? baseName : baseName + "~" + generation;

    public static string BaseName(string schema, string name) =>
        // A dot alone would be ambiguous (analytics.x vs public."analytics.x"): such names carry a hash of the exact pair.
        schema == "public" && !name.Contains('.')
            ? name
            : $"{schema}.{name}_{SqlQuoting.StableHash(schema + "\0" + name):x8}";

    /// <summary>
    /// money, bit strings and tsvector have equality but no extended hash function; an exact cast that keeps equal
    /// values equal (money to numeric, the others to their canonical text) is hashed in their place. A user-defined type
    /// without one (a base type with only a btree class) has no such cast in general: its text may differ between equal
    /// values (a case-insensitive type), so only whether it is NULL is hashed, which equal values share; the lookups
    /// that use the hash compare the keys themselves too.
    /// </summary>
    private static string HashCastFor(SqlType type) => !type.Hashable ? KeyColumn.NullOnlyHash : type.IsArray ? "" : type.Name switch
    {
        "money" => "::numeric",
        "bit varying" or "bit" or "tsvector" => "::text",
        _ => "",
    };

    private static string Qualified(CatalogTable table) => SqlQuoting.Qualified(table.Schema, table.Name);

    private static string Flat(string alias, string column) => alias + "." + column;

    /// <summary>
    /// The terms of the join delta for a set of changed sources; relations of unchanged sources are read as they are.
    /// A relation read "as it was" (R_old = R_now − ΔR) is expanded into two terms, one with R_now and one with ΔR and
    /// its weight negated: plain joins the planner can drive through the sources' indexes, where the equivalent
    /// <c>R_now UNION ALL −ΔR</c> subquery is typically scanned whole. The expansion doubles the terms per earlier
    /// changed relation, so past <see cref="MaxExpandedTerms"/> the union form is kept.
    /// </summary>
    private static IReadOnlyList<JoinTerm> JoinTerms(IReadOnlyList<RelationModel> relations, ISet<int> changed)
    {
        var compact = new List<JoinTerm>();
        for (var i = 0; i < relations.Count; i++)
        {
            if (!changed.Contains(relations[i].SourceIndex)) continue;
            compact.Add(new JoinTerm(relations.Select((r, j) => new TermRelation(r.Alias,
                j == i ? "delta" : j < i && changed.Contains(r.SourceIndex) ? "old" : "new",
                r.SourceIndex, r.Table, r.SourceColumns)).ToList()));
        }
        var expanded = Expand(compact, changed, expandTables: true);
        return expanded.Count <= MaxExpandedTerms ? expanded : Expand(compact, changed, expandTables: false);
    }

    /// <summary>
    /// Each relation of a compact term as the plain relations it is read from. A table as it was is the table now plus
    /// its changes negated (when <paramref name="expandTables"/>). A subquery kept whole is the other way round: its
    /// storage holds it as it was (read as <c>new</c>, its <see cref="RelationModel.Table"/> being the stored rows), and
    /// as it is now, when it changed, is its storage plus its changed rows.
    /// </summary>
    private static List<JoinTerm> Expand(IReadOnlyList<JoinTerm> compact, ISet<int> changed, bool expandTables)
    {
        IReadOnlyList<TermRelation> Choices(TermRelation r) => (r.SourceIndex > SubqueryModel.SourceIndexBase, r.Kind) switch
        {
            (true, "old") => [r with { Kind = "new" }],
            (true, "new") when changed.Contains(r.SourceIndex) => [r, r with { Kind = "delta" }],
            (false, "old") when expandTables => [r with { Kind = "new" }, r with { Kind = "minus" }],
            _ => [r],
        };
        var expanded = new List<JoinTerm>();
        foreach (var term in compact)
        {
            // The first relation's choice varies fastest: the order the terms have always been emitted in.
            IEnumerable<List<TermRelation>> combinations = [[]];
            foreach (var relation in term.Relations.Reverse())
                combinations = combinations.SelectMany(suffix => Choices(relation).Select(choice => (List<TermRelation>)[choice, .. suffix])).ToList();
            expanded.AddRange(combinations.Select(c => new JoinTerm(c)));
        }
        return expanded;
    }

    private const int MaxExpandedTerms = 32;

    /// <summary>
    /// The outer join of a plan: its left (preserved) and right relation, the ON condition and the join type. A FULL
    /// join preserves the right relation too.
    /// </summary>
    private sealed record OuterJoinPlan(ScanNode Preserved, ScanNode Nullable, BoundExpression? Condition, JoinType Type)
    {
        /// <summary>Every table of the preserved side: one, or several inner-joined (LEFT JOIN only).</summary>
        public IReadOnlyList<ScanNode> PreservedJoin { get; init; } = [Preserved];

        /// <summary>A preserved side that is itself an outer join (<c>(a LEFT JOIN b) LEFT JOIN n</c>); null otherwise.</summary>
        public JoinNode? PreservedOuterJoin { get; init; }

        /// <summary>Relations whose columns are NULL in padded rows.</summary>
        public IReadOnlyList<string> NullableNames => Type == JoinType.Full ? [Preserved.Name, Nullable.Name]
            // Inside a preserved outer join any table may be padded (a FULL join pads both sides): all are nullable.
            : PreservedOuterJoin is not null ? [.. PreservedJoin.Select(s => s.Name), Nullable.Name] : [Nullable.Name];
    }

    private static bool TryMatch(RelNode plan, out ProjectNode project, out BoundExpression? having, out AggregateNode aggregate,
        out List<BoundExpression> conditions, out List<ScanNode> scans, out OuterJoinPlan? outer, out WindowNode? window, out List<BoundExpression> windowFilters,
        out TopKNode? topK)
    {
        project = null!; having = null; aggregate = null!; conditions = []; scans = []; outer = null; window = null; windowFilters = []; topK = null;
        if (plan is not ProjectNode p) return false;
        project = p;
        var node = p.Input;
        if (node is FilterNode { Input: AggregateNode } h) { having = h.Predicate; node = h.Input; }
        if (node is not AggregateNode a) return false;
        aggregate = a;
        node = a.Input;
        if (node is TopKNode k) { topK = k; node = k.Input; }
        while (node is FilterNode f) { conditions.Add(f.Predicate); node = f.Input; }
        // Filters above a window operator apply to its rows; the conditions are those below it.
        if (node is WindowNode w)
        {
            (window, windowFilters, conditions) = (w, conditions, []);
            node = w.Input;
            while (node is FilterNode below) { conditions.Add(below.Predicate); node = below.Input; }
        }
        if (node is JoinNode { Type: JoinType.Left or JoinType.Full or JoinType.Semi or JoinType.Anti, Left: ScanNode preserved, Right: ScanNode nullable } outerJoin)
        {
            // ON is not a filter for an outer join: it decides which rows match, so it stays out of the conditions.
            outer = new OuterJoinPlan(preserved, nullable, outerJoin.Condition, outerJoin.Type);
            scans.AddRange([preserved, nullable]);
            return true;
        }
        // (a LEFT JOIN b ON c) LEFT JOIN n ON …: the preserved side is itself an outer join (of any shape this method
        // accepts, so chains of any length), maintained as rows of its own.
        // The padded side may be a subquery kept whole (a padded join, after pass padded-join-to-subquery).
        if (node is JoinNode { Type: JoinType.Left, Left: JoinNode preservedOuter, Right: ScanNode last } chainedOuter
            && ContainsOuterJoin(preservedOuter) && ScanNode.ScansOf(preservedOuter) is var outerJoinScans && outerJoinScans.All(s => !s.IsSubquery))
        {
            outer = new OuterJoinPlan(outerJoinScans[0], last, chainedOuter.Condition, JoinType.Left) { PreservedJoin = outerJoinScans, PreservedOuterJoin = preservedOuter };
            scans.AddRange([.. outerJoinScans, last]);
            return true;
        }
        // (a LEFT JOIN b ON c) JOIN n ON …: an inner join of an outer join (or of joins containing one), read as one
        // relation with its own delta.
        if (node is JoinNode { Type: JoinType.Inner, Left: JoinNode joinedOuter, Right: ScanNode { IsSubquery: false } joinedLast } innerAfterOuter
            && ContainsOuterJoin(joinedOuter) && ScanNode.ScansOf(joinedOuter) is var joinedOuterScans && joinedOuterScans.All(s => !s.IsSubquery))
        {
            outer = new OuterJoinPlan(joinedOuterScans[0], joinedLast, innerAfterOuter.Condition, JoinType.Inner) { PreservedJoin = joinedOuterScans, PreservedOuterJoin = joinedOuter };
            scans.AddRange([.. joinedOuterScans, joinedLast]);
            return true;
        }
        // (a JOIN b ON c) LEFT JOIN n ON …: the inner join's conditions hold for its rows, padded or not, so they are
        // filters like WHERE; the preserved side is read as the join of its tables.
        if (node is JoinNode { Type: JoinType.Left, Left: JoinNode { Type: JoinType.Inner } preservedJoin, Right: ScanNode padded } chained)
        {
            var preservedScans = new List<ScanNode>();
            if (!FlattenJoins(preservedJoin, conditions, preservedScans) || preservedScans.Any(s => s.IsSubquery)) return false;
            outer = new OuterJoinPlan(preservedScans[0], padded, chained.Condition, JoinType.Left) { PreservedJoin = preservedScans };
            scans.AddRange([.. preservedScans, padded]);
            return true;
        }
        return FlattenJoins(node, conditions, scans);
    }

    /// <summary>The subquery scan of a semi- or anti-join whose kept side is not one table, if it was written somewhere.</summary>
    private static ScanNode? SubqueryTestOverJoins(RelNode node) =>
        node is JoinNode { Type: JoinType.Semi or JoinType.Anti, Left: not ScanNode, Right: ScanNode { Span: var span } right } && span != SourceSpan.None
            ? right
            : RelNode.InputsOf(node).Select(SubqueryTestOverJoins).FirstOrDefault(s => s is not null);

    private static bool ContainsOuterJoin(RelNode node) => node switch
    {
        JoinNode { Type: not JoinType.Inner } => true,
        JoinNode join => ContainsOuterJoin(join.Left) || ContainsOuterJoin(join.Right),
        FilterNode filter => ContainsOuterJoin(filter.Input),
        ProjectNode project => ContainsOuterJoin(project.Input),
        AggregateNode aggregate => ContainsOuterJoin(aggregate.Input),
        DistinctNode distinct => ContainsOuterJoin(distinct.Input),
        _ => false,
    };

    /// <summary>Inner joins are a product filtered by the conjunction of their conditions.</summary>
    private static bool FlattenJoins(RelNode node, List<BoundExpression> conditions, List<ScanNode> scans)
    {
        switch (node)
        {
            case ScanNode scan:
                scans.Add(scan);
                return true;
            case JoinNode { Type: JoinType.Inner } join:
                if (!FlattenJoins(join.Left, conditions, scans) || !FlattenJoins(join.Right, conditions, scans)) return false;
                if (join.Condition is not null) conditions.Add(join.Condition);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The relations an expression reads columns of.</summary>
    private static HashSet<string> ReferencedRelations(BoundExpression expression)
    {
        var relations = new HashSet<string>();
        new LeafRewriter(e =>
        {
            if (e is BoundColumn c) relations.Add(c.Relation);
            return e;
        }).Rewrite(expression);
        return relations;
    }

    /// <summary>Every (relation, column) the query reads, in first-use order without duplicates.</summary>
    private static List<(string Relation, string Column)> ReferencedColumns(RelNode plan)
    {
        var used = new List<(string, string)>();
        foreach (var column in ColumnsRead(plan))
            if (!used.Contains((column.Relation, column.ColumnName))) used.Add((column.Relation, column.ColumnName));
        return used;
    }

    /// <summary>The type of every column the plan reads, virtual columns of expansions included.</summary>
    private static Dictionary<(string Relation, string Column), SqlType> ColumnTypes(RelNode plan)
    {
        var types = new Dictionary<(string, string), SqlType>();
        foreach (var column in ColumnsRead(plan))
            types.TryAdd((column.Relation, column.ColumnName), column.Type);
        return types;
    }

    /// <summary>Every column reference in the plan's expressions, inputs before the operators that read them.</summary>
    private static List<BoundColumn> ColumnsRead(RelNode plan)
    {
        var columns = new List<BoundColumn>();
        var collector = new LeafRewriter(e =>
        {
            if (e is BoundColumn c) columns.Add(c);
            return e;
        });
        void Visit(RelNode node)
        {
            switch (node)
            {
                case FilterNode f: Visit(f.Input); collector.Rewrite(f.Predicate); break;
                case ScanNode scan: foreach (var expansion in scan.Expansions) collector.Rewrite(expansion.Call); break;
                case ProjectNode p: Visit(p.Input); foreach (var c in p.Columns) collector.Rewrite(c.Expression); break;
                case JoinNode j:
                    Visit(j.Left); Visit(j.Right);
                    if (j.Condition is not null) collector.Rewrite(j.Condition);
                    break;
                case AggregateNode a:
                    Visit(a.Input);
                    foreach (var k in a.GroupKeys) collector.Rewrite(k);
                    foreach (var expression in a.Aggregates.SelectMany(c => c.Expressions)) collector.Rewrite(expression);
                    break;
                case DistinctNode d: Visit(d.Input); break;
                case TopKNode k:
                    Visit(k.Input);
                    foreach (var order in k.Order) collector.Rewrite(order.Expression);
                    break;
                case WindowNode w:
                    Visit(w.Input);
                    foreach (var call in w.Calls)
                        foreach (var expression in call.Arguments.Concat(call.PartitionBy).Concat(call.OrderBy.Select(o => o.Expression))
                            .Concat(call.Filter is null ? [] : [call.Filter]))
                            collector.Rewrite(expression);
                    break;
            }
        }
        Visit(plan);
        return columns;
    }

    /// <summary>
    /// Rows are netted on every column the query reads. Equality is not identity for numerics (1.0 = 1.00), so their
    /// scale is part of the key: an update from 1.0 to 1.00 must still reach the numeric SUM scale tracking.
    /// </summary>
    private static IReadOnlyList<string>? NetKeys(IReadOnlyList<(string Reference, SqlType Type)> columns)
    {
        if (columns.Any(c => c.Type.LacksEquality)) return null;
        var keys = new List<string>();
        foreach (var (reference, type) in columns)
        {
            keys.Add(reference);
            if (type.Category == TypeCategory.Numeric && type.Modifiers is null)
                keys.Add($"scale({reference})");
        }
        return keys;
    }

    /// <summary>Dollar-quotes text with a tag that cannot occur in it, so the query is stored byte for byte.</summary>
    private static string DollarQuote(string text)
    {
        var tag = "$query$";
        for (var n = 1; text.Contains(tag); n++) tag = $"$query{n}$";
        return tag + text + tag;
    }
}
