using System.Text;

namespace Trickle.Database.Tests.Infrastructure;

public enum DmlKind
{
    InsertValues,
    InsertDuplicates,
    UpdateNonKey,
    UpdateGroupKey,
    UpdatePrimaryKey,
    DeleteSome,
    DeleteAll,
    NoOpUpdate,
    /// <summary>MERGE of a few existing and fresh keys: updates, deletes and inserts in one statement.</summary>
    Merge,
    /// <summary>A statement the scenario wrote itself (<see cref="DifferentialScenario.Writes"/>).</summary>
    Scripted,
}

/// <param name="RolledBackToSavepoint">run between SAVEPOINT and ROLLBACK TO SAVEPOINT: it must leave no trace</param>
public sealed record DmlStatement(DmlKind Kind, string Table, string Sql, bool RolledBackToSavepoint = false);

/// <summary>
/// One transaction's worth of statements. A combined step runs them as ONE statement of data-modifying CTEs, so that
/// one statement writes several tables (or one table several times), as applications and pg_ivm's tests do.
/// </summary>
public sealed record DmlStep(int Number, IReadOnlyList<DmlStatement> Statements, bool Combined = false)
{
    public const string SavepointName = "dml_savepoint";

    /// <summary>The statements as the transaction runs them: one, when combined.</summary>
    public IReadOnlyList<DmlStatement> Executed => Combined
        ? [new DmlStatement(Statements[0].Kind, string.Join(", ", Statements.Select(s => s.Table).Distinct()),
            "WITH " + string.Join(",\n", Statements.Select((s, i) => $"\"w{i + 1}\" AS (\n    {s.Sql.Replace("\n", "\n    ")}\n    RETURNING 1\n)")) + "\nSELECT 1")]
        : Statements;

    public string ToSql() => string.Join("\n", Executed.Select(statement => statement.RolledBackToSavepoint
        ? $"SAVEPOINT {SavepointName};\n{statement.Sql};\nROLLBACK TO SAVEPOINT {SavepointName};"
        : statement.Sql + ";"));
}

/// <summary>
/// Seeded random DML over a set of tables. Given the same seed and the same table contents before each step, it
/// produces the same statements, so a failing seed replays exactly. Primary keys never conflict: fresh keys are
/// checked against the live keys of the supplied state and every key produced earlier in the step.
/// </summary>
public sealed class DmlGenerator
{
    private static readonly (DmlKind Kind, int Weight)[] Weights =
    [
        (DmlKind.InsertValues, 30),
        (DmlKind.InsertDuplicates, 10),
        (DmlKind.UpdateNonKey, 14),
        (DmlKind.UpdateGroupKey, 10),
        (DmlKind.UpdatePrimaryKey, 8),
        (DmlKind.DeleteSome, 15),
        (DmlKind.DeleteAll, 3),
        (DmlKind.NoOpUpdate, 5),
        (DmlKind.Merge, 6),
    ];

    private readonly IReadOnlyList<TableDefinition> _tables;
    private readonly Random _random;
    private readonly int _maxStatementsPerStep;
    private readonly int _maxRowsPerInsert;
    private int _stepNumber;
    private int _freshCounter;

    public DmlGenerator(IReadOnlyList<TableDefinition> tables, int seed, int maxStatementsPerStep = 4, int maxRowsPerInsert = 5)
    {
        if (tables.Count == 0)
            throw new ArgumentException("The DML generator needs at least one table.", nameof(tables));
        _tables = tables;
        _random = new Random(seed);
        _maxStatementsPerStep = maxStatementsPerStep;
        _maxRowsPerInsert = maxRowsPerInsert;
    }

    /// <param name="state">Current rows per table (by qualified name); a missing table counts as empty.</param>
    public DmlStep NextStep(IReadOnlyDictionary<string, TableState> state)
    {
        var step = new StepContext(this, state);
        var count = _random.Next(1, _maxStatementsPerStep + 1);
        var statements = new List<DmlStatement>();
        for (var i = 0; i < count; i++)
        {
            var table = _tables[_random.Next(_tables.Count)];
            statements.Add(step.Generate(table, PickKind()));
        }
        // One step in four with several statements runs them as one (MERGE cannot be a CTE before PostgreSQL 17); of
        // the others, one statement in eight is rolled back to a savepoint.
        if (statements.Count > 1 && _random.Next(4) == 0 && statements.All(s => s.Kind != DmlKind.Merge))
            return new DmlStep(++_stepNumber, statements, Combined: true);
        return new DmlStep(++_stepNumber, statements.Select(s => _random.Next(8) == 0 ? s with { RolledBackToSavepoint = true } : s).ToList());
    }

    private DmlKind PickKind()
    {
        var roll = _random.Next(Weights.Sum(entry => entry.Weight));
        foreach (var (kind, weight) in Weights)
        {
            if (roll < weight)
                return kind;
            roll -= weight;
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Live keys of one step: keys only ever get added, so a key freed earlier in the step is never reused.</summary>
    private sealed class StepContext(DmlGenerator generator, IReadOnlyDictionary<string, TableState> state)
    {
        private readonly Dictionary<string, HashSet<string>> _reservedKeys = new();
        private Random Random => generator._random;

        public DmlStatement Generate(TableDefinition table, DmlKind kind)
        {
            var rows = Rows(table);
            var sql = kind switch
            {
                DmlKind.InsertValues => InsertValues(table),
                DmlKind.InsertDuplicates => rows.Count == 0 ? null : InsertDuplicates(table, rows),
                DmlKind.UpdateNonKey => UpdateNonKey(table, rows),
                DmlKind.UpdateGroupKey => UpdateGroupKey(table, rows),
                DmlKind.UpdatePrimaryKey => rows.Count == 0 ? null : UpdatePrimaryKey(table, rows),
                DmlKind.DeleteSome => $"DELETE FROM {table.QualifiedName} WHERE {Predicate(table, rows)}",
                DmlKind.DeleteAll => $"DELETE FROM {table.QualifiedName}",
                DmlKind.NoOpUpdate => NoOpUpdate(table, rows),
                DmlKind.Merge => Merge(table, rows),
                _ => null,
            };
            // Kinds that do not apply (no rows yet, no key, no non-key column) become an insert, which always applies.
            return sql is null
                ? new DmlStatement(DmlKind.InsertValues, table.QualifiedName, InsertValues(table))
                : new DmlStatement(kind, table.QualifiedName, sql);
        }

        private string InsertValues(TableDefinition table)
        {
            var columns = table.WritableColumns.ToList();
            var tuples = new List<string>();
            var rowCount = Random.Next(1, generator._maxRowsPerInsert + 1);
            for (var i = 0; i < rowCount; i++)
            {
                var key = WritableKey(table) ? FreshKey(table) : null;
                if (WritableKey(table) && key is null)
                    break;
                var values = columns.Select(column =>
                    key is not null && table.IsKeyColumn(column)
                        ? key[column.Name]
                        : ValueDomain.Next(Random, column));
                tuples.Add("(" + string.Join(", ", columns.Zip(values, ValueDomain.Literal)) + ")");
            }
            if (tuples.Count == 0)
                return $"INSERT INTO {table.QualifiedName} ({ColumnList(columns)}) SELECT {ColumnList(columns)} FROM {table.QualifiedName} WHERE false";
            return $"INSERT INTO {table.QualifiedName} ({ColumnList(columns)}) VALUES\n    {string.Join(",\n    ", tuples)}";
        }

        private string? InsertDuplicates(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            var columns = table.WritableColumns.ToList();
            if (!table.HasPrimaryKey || table.KeyColumns.Any(column => column.IsGenerated))
            {
                // Reading the target table inside the statement is deliberate: capture must see rows as of statement start.
                // ORDER BY over all columns keeps LIMIT deterministic; tied rows are identical anyway.
                var filter = Random.Next(2) == 0 ? "" : $" WHERE {Predicate(table, rows)}";
                return $"INSERT INTO {table.QualifiedName} ({ColumnList(columns)})\n    SELECT {ColumnList(columns)} FROM {table.QualifiedName}{filter}" +
                       $" ORDER BY {ColumnList(columns)} LIMIT {Random.Next(1, 4)}";
            }
            var selects = new List<string>();
            var copies = Random.Next(1, 4);
            for (var i = 0; i < copies; i++)
            {
                var source = rows[Random.Next(rows.Count)];
                var key = FreshKey(table);
                if (key is null)
                    break;
                var selectList = columns.Select(column => table.IsKeyColumn(column) ? ValueDomain.Literal(column, key[column.Name]) : column.QuotedName);
                selects.Add($"SELECT {string.Join(", ", selectList)} FROM {table.QualifiedName} WHERE {KeyPredicate(table, source)}");
            }
            return selects.Count == 0
                ? null
                : $"INSERT INTO {table.QualifiedName} ({ColumnList(columns)})\n    {string.Join("\n    UNION ALL ", selects)}";
        }

        private string? UpdateNonKey(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            var targets = table.WritableColumns.Where(column => !table.IsKeyColumn(column)).ToList();
            if (targets.Count == 0)
                return null;
            var assigned = targets.OrderBy(_ => Random.Next()).Take(Random.Next(1, Math.Min(2, targets.Count) + 1)).ToList();
            var assignments = assigned.Select(column => $"{column.QuotedName} = {ValueDomain.Literal(column, ValueDomain.Next(Random, column))}");
            var where = table.HasPrimaryKey && rows.Count > 0 && Random.Next(2) == 0
                ? KeyPredicate(table, rows[Random.Next(rows.Count)])
                : Predicate(table, rows);
            return $"UPDATE {table.QualifiedName} SET {string.Join(", ", assignments)} WHERE {where}";
        }

        /// <summary>Moves every row with one value of a column to another value: whole groups migrate or merge.</summary>
        private string? UpdateGroupKey(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            var targets = table.WritableColumns.Where(column => !table.IsKeyColumn(column)).ToList();
            if (targets.Count == 0)
                return null;
            var column = targets[Random.Next(targets.Count)];
            var from = rows.Count > 0 ? rows[Random.Next(rows.Count)][IndexOf(table, column)] : ValueDomain.Next(Random, column);
            var to = ValueDomain.Next(Random, column);
            return $"UPDATE {table.QualifiedName} SET {column.QuotedName} = {ValueDomain.Literal(column, to)} WHERE {IsEqualTo(column, from)}";
        }

        private string? UpdatePrimaryKey(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            if (!WritableKey(table))
                return null;
            var source = rows[Random.Next(rows.Count)];
            var key = FreshKey(table);
            if (key is null)
                return null;
            var assignments = table.KeyColumns.Select(column => $"{column.QuotedName} = {ValueDomain.Literal(column, key[column.Name])}").ToList();
            var others = table.WritableColumns.Where(column => !table.IsKeyColumn(column)).ToList();
            if (others.Count > 0 && Random.Next(3) == 0)
            {
                var column = others[Random.Next(others.Count)];
                assignments.Add($"{column.QuotedName} = {ValueDomain.Literal(column, ValueDomain.Next(Random, column))}");
            }
            return $"UPDATE {table.QualifiedName} SET {string.Join(", ", assignments)} WHERE {KeyPredicate(table, source)}";
        }

        /// <summary>
        /// MERGE over a VALUES list of up to three live keys (each updated or deleted) and up to two fresh ones
        /// (inserted): one statement firing INSERT, UPDATE and DELETE triggers. Keyed tables only: a keyless row has no
        /// identity to match.
        /// </summary>
        private string? Merge(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            if (!WritableKey(table))
                return null;
            var columns = table.WritableColumns.ToList();
            var tuples = new List<string>();
            string Tuple(Func<ColumnDefinition, string?> value, bool delete) =>
                "(" + string.Join(", ", columns.Select(c => $"CAST({ValueDomain.Literal(c, value(c))} AS {c.SqlType})")) + (delete ? ", true" : ", false") + ")";
            foreach (var row in rows.OrderBy(_ => Random.Next()).Take(Random.Next(0, 4)))
                tuples.Add(Tuple(c => table.IsKeyColumn(c) ? row[IndexOf(table, c)] : ValueDomain.Next(Random, c), Random.Next(3) == 0));
            for (var i = Random.Next(0, 3); i > 0; i--)
            {
                var key = FreshKey(table);
                if (key is null)
                    break;
                tuples.Add(Tuple(c => table.IsKeyColumn(c) ? key[c.Name] : ValueDomain.Next(Random, c), false));
            }
            if (tuples.Count == 0)
                return null;
            var on = string.Join(" AND ", table.KeyColumns.Select(c => $"t.{c.QuotedName} = v.{c.QuotedName}"));
            var others = columns.Where(c => !table.IsKeyColumn(c)).ToList();
            var update = others.Count == 0
                ? ""
                : $"\n    WHEN MATCHED THEN UPDATE SET {string.Join(", ", others.Select(c => $"{c.QuotedName} = v.{c.QuotedName}"))}";
            return $"MERGE INTO {table.QualifiedName} AS t\n    USING (VALUES {string.Join(", ", tuples)}) AS v({ColumnList(columns)}, \"__delete\")\n    ON {on}" +
                   $"\n    WHEN MATCHED AND v.\"__delete\" THEN DELETE{update}" +
                   $"\n    WHEN NOT MATCHED THEN INSERT ({ColumnList(columns)}) VALUES ({string.Join(", ", columns.Select(c => "v." + c.QuotedName))})";
        }

        /// <summary>Rewrites rows with their own values: triggers fire and transition tables hold old = new.</summary>
        private string NoOpUpdate(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            var columns = table.WritableColumns.ToList();
            var column = columns.Count > 0 ? columns[Random.Next(columns.Count)] : table.Columns[0];
            return columns.Count == 0
                ? $"UPDATE {table.QualifiedName} SET {table.Columns[0].QuotedName} = DEFAULT WHERE false"
                : $"UPDATE {table.QualifiedName} SET {column.QuotedName} = {column.QuotedName} WHERE {Predicate(table, rows)}";
        }

        private string Predicate(TableDefinition table, IReadOnlyList<IReadOnlyList<string?>> rows)
        {
            var index = Random.Next(table.Columns.Count);
            var column = table.Columns[index];
            string? Existing() => rows.Count > 0 ? rows[Random.Next(rows.Count)][index] : ValueDomain.Next(Random, column);
            var roll = Random.Next(100);
            if (column.Nullable && roll < 15)
                return $"{column.QuotedName} IS NULL";
            if (roll < 55)
                return IsEqualTo(column, Existing());
            if (column.Type.Kind == ColumnKind.Boolean)
                return roll < 75 ? column.QuotedName : $"NOT {column.QuotedName}";
            if (roll < 75)
            {
                var bound = ValueDomain.Next(Random, column, forKey: true);
                return $"{column.QuotedName} {(Random.Next(2) == 0 ? "<" : ">")} {ValueDomain.Literal(column, bound)}";
            }
            if (roll < 90)
            {
                var values = new[] { Existing(), Existing(), ValueDomain.Next(Random, column) }.Where(value => value is not null).Distinct().ToList();
                return values.Count == 0
                    ? $"{column.QuotedName} IS NULL"
                    : $"{column.QuotedName} IN ({string.Join(", ", values.Select(value => ValueDomain.Literal(column, value)))})";
            }
            var other = Existing();
            return other is null ? $"{column.QuotedName} IS NOT NULL" : $"{column.QuotedName} <> {ValueDomain.Literal(column, other)}";
        }

        private static string IsEqualTo(ColumnDefinition column, string? value) =>
            value is null ? $"{column.QuotedName} IS NULL" : $"{column.QuotedName} = {ValueDomain.Literal(column, value)}";

        private static string KeyPredicate(TableDefinition table, IReadOnlyList<string?> row) =>
            string.Join(" AND ", table.KeyColumns.Select(column => IsEqualTo(column, row[IndexOf(table, column)])));

        /// <summary>A key not live and not produced earlier in this step; null when the key type has no fresh values.</summary>
        private Dictionary<string, string?>? FreshKey(TableDefinition table)
        {
            var reserved = Reserved(table);
            var keyColumns = table.KeyColumns.ToList();
            // Keys from the small domain first, so that key values also collide with group values of other columns.
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var candidate = keyColumns.ToDictionary(column => column.Name, column => ValueDomain.Next(Random, column, forKey: true));
                if (reserved.Add(CanonicalKey(table, candidate)))
                    return candidate;
            }
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var counter = generator._freshCounter++;
                var candidate = keyColumns.ToDictionary(column => column.Name, column => ValueDomain.Next(Random, column, forKey: true));
                var freshColumn = keyColumns.FirstOrDefault(column => ValueDomain.Fresh(column, counter) is not null);
                if (freshColumn is null)
                    return null;
                candidate[freshColumn.Name] = ValueDomain.Fresh(freshColumn, counter);
                if (reserved.Add(CanonicalKey(table, candidate)))
                    return candidate;
            }
            return null;
        }

        private HashSet<string> Reserved(TableDefinition table)
        {
            if (_reservedKeys.TryGetValue(table.QualifiedName, out var reserved))
                return reserved;
            reserved = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in Rows(table))
                reserved.Add(CanonicalKey(table, table.KeyColumns.ToDictionary(column => column.Name, column => row[IndexOf(table, column)])));
            _reservedKeys[table.QualifiedName] = reserved;
            return reserved;
        }

        private static string CanonicalKey(TableDefinition table, IReadOnlyDictionary<string, string?> key)
        {
            var builder = new StringBuilder();
            foreach (var column in table.KeyColumns)
                builder.Append(ValueDomain.Canonical(column, key[column.Name])).Append('\u001f');
            return builder.ToString();
        }

        private IReadOnlyList<IReadOnlyList<string?>> Rows(TableDefinition table) =>
            state.TryGetValue(table.QualifiedName, out var tableState) ? tableState.Rows : [];

        private static bool WritableKey(TableDefinition table) =>
            table.HasPrimaryKey && table.KeyColumns.All(column => !column.IsGenerated);

        private static int IndexOf(TableDefinition table, ColumnDefinition column) =>
            table.Columns.ToList().IndexOf(column);

        private static string ColumnList(IEnumerable<ColumnDefinition> columns) =>
            string.Join(", ", columns.Select(column => column.QuotedName));
    }
}
