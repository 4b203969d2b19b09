using Npgsql;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>Reads source table definitions and their current contents from a database.</summary>
public static class TableCatalog
{
    /// <summary>
    /// Every ordinary or partitioned table outside system schemas and the <c>trickle</c> runtime schema (partitions
    /// only with <paramref name="includePartitions"/>, for writes aimed at them directly). Call it before installing
    /// a stream table so that its storage is not mistaken for a source.
    /// </summary>
    public static async Task<IReadOnlyList<TableDefinition>> ReadTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default,
        bool includePartitions = false)
    {
        var tablesSql = $"""
            SELECT c.oid, format('%I.%I', n.nspname, c.relname)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND {(includePartitions ? "TRUE" : "NOT c.relispartition")}
              AND n.nspname NOT IN ('information_schema', 'trickle')
              AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY format('%I.%I', n.nspname, c.relname) COLLATE "C"
            """;
        var tables = new List<(uint Oid, string Name)>();
        await using (var command = new NpgsqlCommand(tablesSql, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                tables.Add((reader.GetFieldValue<uint>(0), reader.GetString(1)));

        var result = new List<TableDefinition>();
        foreach (var (oid, name) in tables)
            result.Add(await ReadTableAsync(connection, oid, name, cancellationToken));
        return result;
    }

    private static async Task<TableDefinition> ReadTableAsync(NpgsqlConnection connection, uint oid, string name, CancellationToken cancellationToken)
    {
        const string columnsSql = """
            SELECT attname, format_type(atttypid, atttypmod), NOT attnotnull, attidentity <> '' OR attgenerated <> ''
            FROM pg_attribute
            WHERE attrelid = @oid AND attnum > 0 AND NOT attisdropped
            ORDER BY attnum
            """;
        const string keySql = """
            SELECT a.attname
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = @oid AND i.indisprimary
            ORDER BY k.position
            """;
        var columns = new List<ColumnDefinition>();
        await using (var command = new NpgsqlCommand(columnsSql, connection))
        {
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                try
                {
                    columns.Add(new ColumnDefinition(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
                }
                catch (NotSupportedException e)
                {
                    throw new NotSupportedException(
                        $"{name}.{reader.GetString(0)}: {e.Message} Pass DifferentialScenario.Tables explicitly to choose the tables the DML generator writes.", e);
                }
            }
        }
        var key = new List<string>();
        await using (var command = new NpgsqlCommand(keySql, connection))
        {
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                key.Add(reader.GetString(0));
        }
        return new TableDefinition(name, columns, key);
    }

    /// <summary>
    /// All rows, every value as PostgreSQL's text output, in a deterministic order: the generator picks predicate values
    /// and live primary keys from it, so a seed reproduces the same statements.
    /// </summary>
    public static async Task<TableState> ReadStateAsync(NpgsqlConnection connection, TableDefinition table, CancellationToken cancellationToken = default)
    {
        var values = string.Join(", ", table.Columns.Select(column => $"{column.QuotedName}::text"));
        var order = string.Join(", ", table.Columns.Select(column => $"{column.QuotedName}::text COLLATE \"C\" NULLS FIRST"));
        var rows = new List<IReadOnlyList<string?>>();
        await using var command = new NpgsqlCommand($"SELECT {values} FROM {table.QualifiedName} ORDER BY {order}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new string?[table.Columns.Count];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(row);
        }
        return new TableState(rows);
    }

    public static async Task<IReadOnlyDictionary<string, TableState>> ReadStatesAsync(
        NpgsqlConnection connection, IEnumerable<TableDefinition> tables, CancellationToken cancellationToken = default)
    {
        var states = new Dictionary<string, TableState>();
        foreach (var table in tables)
            states[table.QualifiedName] = await ReadStateAsync(connection, table, cancellationToken);
        return states;
    }
}

/// <summary>Rows of a table as text (null for SQL NULL), columns in table order.</summary>
public sealed record TableState(IReadOnlyList<IReadOnlyList<string?>> Rows)
{
    public static TableState Empty { get; } = new([]);
}
