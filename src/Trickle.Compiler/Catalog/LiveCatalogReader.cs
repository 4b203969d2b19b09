using Npgsql;

namespace Trickle.Compiler.Catalog;

/// <summary>Reads the source catalog from a running database's <c>pg_catalog</c>, for <c>trickle compile --connection</c>.</summary>
public static class LiveCatalogReader
{
    // Views, materialized views and foreign tables are readable sources too. The trickle schema holds our own runtime.
    // Other sessions' temporary tables (pg_temp_N) are invisible to the script's session, so they are not sources.
    private const string RelationsSql = """
        SELECT c.oid, n.nspname, c.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'trickle')
          AND n.nspname NOT LIKE 'pg\_toast%'
          AND n.nspname NOT LIKE 'pg\_temp\_%'
        """;

    private const string ColumnsSql = """
        SELECT a.attrelid, a.attname, format_type(a.atttypid, NULL), format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_catalog.pg_attribute a
        WHERE a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """;

    // indkey lists the key columns in key order, which is not attnum order for PRIMARY KEY (b, a).
    private const string PrimaryKeysSql = """
        SELECT i.indrelid, a.attname
        FROM pg_catalog.pg_index i
        CROSS JOIN LATERAL unnest(i.indkey::smallint[]) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indisprimary
        ORDER BY i.indrelid, k.position
        """;

    private const string SearchPathSql = "SELECT current_schemas(false)";

    // Views that are installed stream tables: a stream table reading one captures changes from its storage instead,
    // named with the generation an upgrade installed (read through to_jsonb: runtimes before 0.4 have no such column).
    private const string StreamTablesSql = """
        SELECT c.schema_name, c.table_name, to_jsonb(c) ->> 'generation' FROM trickle.stream_table_catalog c
        """;

    public static async Task<SourceCatalog> ReadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        // One snapshot for all four queries, so a concurrent ALTER TABLE cannot give us columns of one version and keys of another.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

        var relations = new List<(uint Oid, string Schema, string Name)>();
        await using (var command = new NpgsqlCommand(RelationsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                relations.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2)));

        var columns = new Dictionary<uint, List<CatalogColumn>>();
        await using (var command = new NpgsqlCommand(ColumnsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var column = new CatalogColumn(reader.GetString(1), ParseFormattedType(reader.GetString(2), reader.GetString(3)), reader.GetBoolean(4));
                GetOrAdd(columns, reader.GetFieldValue<uint>(0)).Add(column);
            }

        var primaryKeys = new Dictionary<uint, List<string>>();
        await using (var command = new NpgsqlCommand(PrimaryKeysSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                GetOrAdd(primaryKeys, reader.GetFieldValue<uint>(0)).Add(reader.GetString(1));

        string[] searchPath;
        await using (var command = new NpgsqlCommand(SearchPathSql, connection, transaction))
            searchPath = (string[])(await command.ExecuteScalarAsync(ct))!;

        var operators = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT DISTINCT oprname FROM pg_catalog.pg_operator", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                operators.Add(reader.GetString(0));

        var streamTables = new Dictionary<(string, string), string?>();
        bool hasRuntime;
        await using (var command = new NpgsqlCommand("SELECT to_regclass('trickle.stream_table_catalog') IS NOT NULL", connection, transaction))
            hasRuntime = (bool)(await command.ExecuteScalarAsync(ct))!;
        if (hasRuntime)
        {
            await using var command = new NpgsqlCommand(StreamTablesSql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                streamTables[(reader.GetString(0), reader.GetString(1))] = reader.IsDBNull(2) ? null : reader.GetString(2);
        }

        await transaction.CommitAsync(ct);

        var tables = relations.Select(r => new CatalogTable(
            r.Schema,
            r.Name,
            columns.TryGetValue(r.Oid, out var cols) ? cols : [],
            primaryKeys.TryGetValue(r.Oid, out var key) ? key : [])
        {
            Upstream = streamTables.TryGetValue((r.Schema, r.Name), out var generation) ? UpstreamStreamTable.For(r.Schema, r.Name, generation) : null,
        });
        return new SourceCatalog(tables, searchPath) { Operators = operators };
    }

    /// <summary>
    /// Splits <c>format_type</c>'s output into name, modifiers and array dimensions. <paramref name="withoutModifiers"/> is
    /// <c>format_type(oid, NULL)</c>, <paramref name="withModifiers"/> is <c>format_type(oid, atttypmod)</c>.
    /// </summary>
    public static SqlType ParseFormattedType(string withoutModifiers, string withModifiers)
    {
        // attndims is not enforced (int[] and int[][] are one type), so the dimension count comes from the spelling.
        var dimensions = 0;
        var name = withoutModifiers;
        while (name.EndsWith("[]", StringComparison.Ordinal))
        {
            name = name[..^2];
            dimensions++;
        }
        var full = withModifiers;
        while (full.EndsWith("[]", StringComparison.Ordinal))
            full = full[..^2];

        var modifiers = ExtractModifiers(name, full);

        // format_type already spells the canonical name and quotes identifiers that need it; normalising a quoted
        // user-defined type name would fold its case and name another type.
        return name.Contains('"')
            ? new SqlType(name, modifiers, dimensions)
            : SqlType.Of(name, modifiers, dimensions);
    }

    /// <summary>
    /// The modifiers are the one parenthesised group that <c>format_type</c> inserts into the bare name:
    /// <c>numeric(10,2)</c>, <c>timestamp(3) with time zone</c>. Interval field restrictions (<c>interval year to month</c>)
    /// are not a modifier list our <see cref="SqlType"/> can spell back, so they are dropped: the values fit plain interval.
    /// </summary>
    private static string? ExtractModifiers(string name, string full)
    {
        if (full == name)
            return null;
        var open = full.IndexOf('(');
        var close = open < 0 ? -1 : full.IndexOf(')', open);
        if (open < 0 || close < 0)
            return null;
        return string.Concat(full.AsSpan(0, open), full.AsSpan(close + 1)) == name ? full[(open + 1)..close] : null;
    }

    private static List<T> GetOrAdd<T>(Dictionary<uint, List<T>> map, uint key)
    {
        if (!map.TryGetValue(key, out var list))
            map[key] = list = [];
        return list;
    }
}
