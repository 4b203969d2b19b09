using Npgsql;

namespace Trickle.Compiler.Catalog;

/// <summary>Reads the source catalog from a running database's <c>pg_catalog</c>, for <c>trickle compile --connection</c>.</summary>
public static class LiveCatalogReader
{
    // Views, materialized views and foreign tables are readable sources too. The trickle schema holds our own runtime.
    // Other sessions' temporary tables (pg_temp_N) are invisible to the script's session, so they are not sources.
    private const string RelationsSql = """
        SELECT c.oid, n.nspname, c.relname, c.relkind::text, coalesce(c.reloptions, '{}')
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'trickle')
          AND n.nspname NOT LIKE 'pg\_toast%'
          AND n.nspname NOT LIKE 'pg\_temp\_%'
        """;

    private const string ColumnsSql = """
        SELECT a.attrelid, a.attname, format_type(a.atttypid, NULL), format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atttypid
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

    // Valid, non-partial btree indexes with their leading plain key columns (an expression key, attnum 0, ends them):
    // what an equality lookup by those columns can use.
    private const string IndexesSql = """
        SELECT i.indrelid, c.relname, array_agg(a.attname ORDER BY k.position)
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = c.relam AND am.amname = 'btree'
        CROSS JOIN LATERAL unnest(i.indkey::smallint[]) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indisvalid AND i.indpred IS NULL AND k.position <= i.indnkeyatts
          AND k.position < COALESCE((SELECT min(z.position) FROM unnest(i.indkey::smallint[]) WITH ORDINALITY AS z(attnum, position) WHERE z.attnum = 0), 32767)
        GROUP BY i.indrelid, c.relname
        ORDER BY i.indrelid, c.relname
        """;

    private const string SearchPathSql = "SELECT current_schemas(false)";

    // Citus keeps one row per table it manages on the coordinator. Reference tables replicate with two-phase commit
    // (repmodel 't'); a table with no distribution column ('n') in a colocation group is a single-shard table of a
    // distributed schema (Citus 12); the remaining 'n' tables are Citus managed local tables. Read only when the
    // catalog exists and this role may read it: without it, nothing tells a Citus table from a plain one.
    private const string CitusTablesSql = """
        SELECT p.logicalrelid::oid,
               CASE WHEN p.partmethod IN ('h', 'r', 'a') THEN 'distributed'
                    WHEN p.repmodel = 't' THEN 'reference'
                    WHEN p.colocationid <> 0 THEN 'distributed'
                    ELSE 'local' END
        FROM pg_catalog.pg_dist_partition p
        """;

    private const string HasCitusCatalogSql = """
        SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL
           AND has_table_privilege('pg_catalog.pg_dist_partition', 'SELECT')
        """;

    private const string ViewDefinitionsSql = """
        SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'trickle')
        """;

    // Every type outside pg_catalog, with what decides how its values compare and hash: a domain's base type, an array's
    // element, a range's subtype, a composite's attribute types, the schema of its "=" operator, and whether a default
    // hash operator class gives it an extended hash function (what hash_record_extended needs).
    private const string UserTypesSql = """
        SELECT t.oid, t.typtype, t.typbasetype,
               CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END,
               COALESCE(r.rngsubtype, 0),
               (SELECT n.nspname FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                WHERE o.oprname = '=' AND o.oprleft = t.oid AND o.oprright = t.oid ORDER BY o.oid LIMIT 1),
               EXISTS (SELECT FROM pg_catalog.pg_opclass c
                       JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod AND am.amname = 'hash'
                       JOIN pg_catalog.pg_amproc p ON p.amprocfamily = c.opcfamily AND p.amprocnum = 2
                            AND p.amproclefttype = c.opcintype AND p.amprocrighttype = c.opcintype
                       WHERE c.opcdefault AND c.opcintype = t.oid),
               ARRAY(SELECT a.atttypid::oid FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
               tn.nspname, t.typname, format_type(t.oid, NULL)
        FROM pg_catalog.pg_type t
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
        LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
        """;

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

        string[] searchPath;
        await using (var command = new NpgsqlCommand(SearchPathSql, connection, transaction))
            searchPath = (string[])(await command.ExecuteScalarAsync(ct))!;
        // format_type qualifies every type not visible on the search path: with pg_catalog alone, a user's type comes
        // schema-qualified, as the generated functions (whose search_path is pinned to pg_catalog) must spell it.
        await using (var command = new NpgsqlCommand("SET LOCAL search_path = pg_catalog", connection, transaction))
            await command.ExecuteNonQueryAsync(ct);

        var types = new Dictionary<uint, TypeFacts>();
        var namedTypes = new List<(uint Oid, string Schema, string Name, string Formatted)>();
        await using (var command = new NpgsqlCommand(UserTypesSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var facts = new TypeFacts(
                    reader.GetChar(1), reader.GetFieldValue<uint>(2), reader.GetFieldValue<uint>(3), reader.GetFieldValue<uint>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6), reader.GetFieldValue<uint[]>(7));
                types[reader.GetFieldValue<uint>(0)] = facts;
                if (facts.Element == 0)
                    namedTypes.Add((reader.GetFieldValue<uint>(0), reader.GetString(8), reader.GetString(9), reader.GetString(10)));
            }
        var typeSemantics = new TypeSemantics(types);
        // Casts and typed literals in the query resolve user types by name, like columns: qualified, with their facts.
        var userTypes = namedTypes
            .Where(t => t.Schema is not ("pg_catalog" or "information_schema") && !t.Schema.StartsWith("pg_", StringComparison.Ordinal))
            .ToDictionary(t => (t.Schema, t.Name), t => typeSemantics.Annotate(ParseFormattedType(t.Formatted, t.Formatted), t.Oid));

        var relations = new List<(uint Oid, string Schema, string Name, string Kind, string[] Options)>();
        await using (var command = new NpgsqlCommand(RelationsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                relations.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<string[]>(4)));

        var columns = new Dictionary<uint, List<CatalogColumn>>();
        await using (var command = new NpgsqlCommand(ColumnsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var type = typeSemantics.Annotate(ParseFormattedType(reader.GetString(2), reader.GetString(3)), reader.GetFieldValue<uint>(5));
                var column = new CatalogColumn(reader.GetString(1), type, reader.GetBoolean(4));
                GetOrAdd(columns, reader.GetFieldValue<uint>(0)).Add(column);
            }

        var primaryKeys = new Dictionary<uint, List<string>>();
        await using (var command = new NpgsqlCommand(PrimaryKeysSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                GetOrAdd(primaryKeys, reader.GetFieldValue<uint>(0)).Add(reader.GetString(1));

        var indexes = new Dictionary<uint, List<CatalogIndex>>();
        await using (var command = new NpgsqlCommand(IndexesSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                GetOrAdd(indexes, reader.GetFieldValue<uint>(0)).Add(new CatalogIndex(reader.GetString(1), reader.GetFieldValue<string[]>(2)));

        var operators = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT DISTINCT oprname FROM pg_catalog.pg_operator", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                operators.Add(reader.GetString(0));

        var citusTables = new Dictionary<uint, CitusDistribution>();
        bool hasCitus;
        await using (var command = new NpgsqlCommand(HasCitusCatalogSql, connection, transaction))
            hasCitus = (bool)(await command.ExecuteScalarAsync(ct))!;
        if (hasCitus)
        {
            await using var command = new NpgsqlCommand(CitusTablesSql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                citusTables[reader.GetFieldValue<uint>(0)] = reader.GetString(1) switch
                {
                    "distributed" => CitusDistribution.Distributed,
                    "reference" => CitusDistribution.Reference,
                    _ => CitusDistribution.CitusLocal,
                };
        }

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

        // Printed last, with search_path empty for the rest of the transaction: every relation a definition reads is
        // then named with its schema, so it means the same wherever the view is expanded.
        await using (var command = new NpgsqlCommand("SELECT pg_catalog.set_config('search_path', '', true)", connection, transaction))
            await command.ExecuteNonQueryAsync(ct);
        var definitions = new Dictionary<uint, string>();
        await using (var command = new NpgsqlCommand(ViewDefinitionsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                definitions[reader.GetFieldValue<uint>(0)] = reader.GetString(1);

        await transaction.CommitAsync(ct);

        var tables = relations.Select(r =>
        {
            var relationColumns = columns.TryGetValue(r.Oid, out var cols) ? cols : [];
            var upstream = streamTables.TryGetValue((r.Schema, r.Name), out var generation) ? UpstreamStreamTable.For(r.Schema, r.Name, generation) : null;
            return new CatalogTable(r.Schema, r.Name, relationColumns, primaryKeys.TryGetValue(r.Oid, out var key) ? key : [])
            {
                Upstream = upstream,
                Indexes = indexes.TryGetValue(r.Oid, out var relationIndexes) ? relationIndexes : [],
                Citus = citusTables.TryGetValue(r.Oid, out var distribution) ? distribution : CitusDistribution.None,
                Kind = r.Kind switch { "v" => RelationKind.View, "m" => RelationKind.MaterializedView, "f" => RelationKind.ForeignTable, _ => RelationKind.Table },
                // A stream table is a view over its storage: it is read through its storage's changes, not expanded.
                View = !definitions.TryGetValue(r.Oid, out var definition) || upstream is not null ? null : new ViewDefinition(definition.Trim().TrimEnd(';'),
                    relationColumns.Select(c => c.Name).ToList(), false, IsSet(r.Options, "security_barrier"), IsSet(r.Options, "security_invoker")),
            };
        });
        return new SourceCatalog(tables, searchPath) { Types = new UserTypes([], searchPath, userTypes), Operators = operators };
    }

    /// <summary>A boolean reloption, stored as <c>name=value</c> with the value as written.</summary>
    private static bool IsSet(string[] options, string name) => options.Any(o =>
        o.StartsWith(name + "=", StringComparison.Ordinal) && o[(name.Length + 1)..].ToLowerInvariant() is "true" or "on" or "yes" or "1" or "t" or "y");

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

    /// <summary>One row of <see cref="UserTypesSql"/>; the oids are 0 where they do not apply.</summary>
    private sealed record TypeFacts(char Kind, uint BaseType, uint Element, uint RangeSubtype, string? EqualsSchema, bool HasExtendedHash, uint[] Attributes);

    /// <summary>How values of a type compare and hash, derived from <see cref="TypeFacts"/> (recursively for domains, arrays, composites, ranges).</summary>
    private sealed class TypeSemantics(IReadOnlyDictionary<uint, TypeFacts> types)
    {
        private const int MaxDepth = 16;

        /// <summary>
        /// A type outside pg_catalog gets its operator schema and hashability; a built-in is left as it was (its few
        /// hash exceptions, money, bit strings, tsvector, are cast where hashed).
        /// </summary>
        public SqlType Annotate(SqlType type, uint oid)
        {
            // Under search_path = pg_catalog, format_type qualifies exactly the types outside pg_catalog.
            if (!type.Name.Contains('.'))
                return type;
            return type with { OperatorSchema = type.IsArray ? null : OperatorSchema(oid, 0), Hashable = Hashable(oid, 0) };
        }

        private string? OperatorSchema(uint oid, int depth)
        {
            if (depth > MaxDepth || !types.TryGetValue(oid, out var facts))
                return null;
            return facts.Kind switch
            {
                'd' => OperatorSchema(facts.BaseType, depth + 1),
                // Arrays, enums, composites and ranges compare with pg_catalog's polymorphic operators.
                'b' when facts.Element == 0 => facts.EqualsSchema is "pg_catalog" ? null : facts.EqualsSchema,
                _ => null,
            };
        }

        private bool Hashable(uint oid, int depth)
        {
            if (depth > MaxDepth || !types.TryGetValue(oid, out var facts))
                return false;
            return facts.Kind switch
            {
                'd' => Hashable(facts.BaseType, depth + 1),
                'e' => true,
                'c' => facts.Attributes.All(a => Hashable(a, depth + 1)),
                'r' => Hashable(facts.RangeSubtype, depth + 1),
                _ when facts.Element != 0 => Hashable(facts.Element, depth + 1),
                _ => facts.HasExtendedHash,
            };
        }
    }

    private static List<T> GetOrAdd<T>(Dictionary<uint, List<T>> map, uint key)
    {
        if (!map.TryGetValue(key, out var list))
            map[key] = list = [];
        return list;
    }
}
