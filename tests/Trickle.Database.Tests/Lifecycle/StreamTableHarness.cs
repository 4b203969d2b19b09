using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>Compiles, installs, refreshes and checks stream tables for the lifecycle and concurrency tests.</summary>
internal static class StreamTableHarness
{
    public static string Compile(string schemaDdl, string query, string name, string mode, string? schedule = null, ImmediateApply? immediateApply = null)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schemaDdl)], diagnostics);
        if (diagnostics.HasErrors)
            throw new InvalidOperationException("schema did not compile:\n" + string.Join("\n", diagnostics.Items));
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog,
            new CompilationOptions(Name: name, Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true), Schedule: schedule) { ImmediateApply = immediateApply });
        if (!result.Success)
            throw new InvalidOperationException("query did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    /// <summary>The script that upgrades the installed stream table <paramref name="name"/> to this definition (<c>--upgrade</c>).</summary>
    public static string CompileUpgrade(string schemaDdl, string query, string name, string mode, string? schedule = null, ImmediateApply? immediateApply = null)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schemaDdl)], diagnostics);
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog,
            new CompilationOptions(Name: name, Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true), Schedule: schedule, Upgrade: true) { ImmediateApply = immediateApply });
        if (!result.Success)
            throw new InvalidOperationException("upgrade did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    /// <summary>The deploy script (<c>--deploy</c>): installs, keeps, switches or upgrades, whichever is needed.</summary>
    public static string CompileDeploy(string schemaDdl, string query, string name, string mode, string? schedule = null,
        int? revision = null, bool includeRuntime = true)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", schemaDdl)], diagnostics);
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog,
            new CompilationOptions(Name: name, Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true), Schedule: schedule)
            {
                Deploy = new DeployOptions(revision, includeRuntime),
            });
        if (!result.Success)
            throw new InvalidOperationException("deploy did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    /// <summary>Creates the schema, compiles and installs the stream table with psql.</summary>
    public static async Task<string> CreateAndInstallAsync(
        TestDatabase database, string schemaDdl, string? seed, string query, string name, string mode, string? schedule = null,
        ImmediateApply? immediateApply = null)
    {
        await database.ExecuteAsync(schemaDdl);
        if (seed is not null)
            await database.ExecuteAsync(seed);
        var script = Compile(schemaDdl, query, name, mode, schedule, immediateApply);
        await database.ExecutePsqlScriptAsync(script, $"install of {name} ({mode})");
        return script;
    }

    public static async Task<long> RefreshAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("SELECT trickle.refresh(@name)", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<long> RefreshAsync(TestDatabase database, string name)
    {
        await using var connection = await database.OpenConnectionAsync();
        return await RefreshAsync(connection, name);
    }

    /// <summary>Asserts multiset equality of the stream table with a recomputation of its query, on this connection.</summary>
    public static async Task AssertMatchesAsync(NpgsqlConnection connection, string streamTableSql, string query, string because = "")
    {
        var comparison = await ResultComparer.CompareAsync(connection, streamTableSql, query);
        Assert.True(comparison.IsMatch, $"{streamTableSql} differs from its recomputation {because}\n{comparison.Describe()}");
    }

    public static async Task AssertMatchesAsync(TestDatabase database, string streamTableSql, string query, string because = "")
    {
        await using var connection = await database.OpenConnectionAsync();
        await AssertMatchesAsync(connection, streamTableSql, query, because);
    }

    /// <summary>
    /// Rows of a query as lines, columns joined by '|' (NULL as empty, booleans as t/f), sorted by the row's text:
    /// cast numeric columns to text in the query when their exact text matters.
    /// </summary>
    public static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand($"SELECT r.* FROM ({SqlText.AsSubquery(sql)}) AS r ORDER BY r::text COLLATE \"C\"", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
                fields[i] = reader.IsDBNull(i) ? "" : reader.GetValue(i) switch
                {
                    bool b => b ? "t" : "f",
                    string[] array => "{" + string.Join(",", array) + "}",
                    var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                };
            rows.Add(string.Join("|", fields));
        }
        return rows;
    }

    public static async Task<List<string>> RowsAsync(TestDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        return await RowsAsync(connection, sql);
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null,
        CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Every user-visible object of the database: namespaces, relations, functions, triggers and types outside the
    /// system schemas, as sorted lines.
    /// </summary>
    public static async Task<SortedSet<string>> SnapshotObjectsAsync(TestDatabase database)
    {
        const string sql = """
            WITH user_ns AS (
                SELECT oid, nspname FROM pg_namespace
                WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%'
                  AND nspname NOT LIKE 'pg_toast_temp%'
            )
            SELECT 'namespace ' || quote_ident(n.nspname) FROM user_ns AS n
            UNION ALL
            SELECT 'class ' || c.relkind::text || ' ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
            FROM pg_class AS c JOIN user_ns AS n ON n.oid = c.relnamespace
            UNION ALL
            SELECT 'proc ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_proc AS p JOIN user_ns AS n ON n.oid = p.pronamespace
            UNION ALL
            SELECT 'trigger ' || t.tgrelid::regclass::text || ' ' || quote_ident(t.tgname) || ' ' || t.tgfoid::regprocedure::text
            FROM pg_trigger AS t
            UNION ALL
            SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname)
            FROM pg_type AS t JOIN user_ns AS n ON n.oid = t.typnamespace
            UNION ALL
            SELECT 'index ' || i.indexrelid::regclass::text || ' on ' || i.indrelid::regclass::text
            FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indrelid JOIN user_ns AS n ON n.oid = c.relnamespace
            UNION ALL
            SELECT 'depend ' || d.classid::regclass::text || ' ' || d.objid || ' ' || d.refclassid::regclass::text || ' ' || d.refobjid
            FROM pg_depend AS d JOIN pg_class AS c ON d.refclassid = 'pg_class'::regclass AND c.oid = d.refobjid
            JOIN user_ns AS n ON n.oid = c.relnamespace
            WHERE n.nspname <> 'trickle' AND d.classid <> 'pg_type'::regclass AND d.classid <> 'pg_class'::regclass
              AND d.classid <> 'pg_constraint'::regclass
            """;
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return lines;
    }

    /// <summary>The runtime objects that stay once installed; everything else a script creates belongs to its stream table.</summary>
    public static bool IsRuntimeObject(string line)
    {
        string[] runtime =
        [
            "namespace trickle",
            "class r trickle.runtime_info", "class i trickle.runtime_info_pkey",
            "class r trickle.stream_table_catalog", "class i trickle.stream_table_catalog_pkey",
            "class v trickle.stream_tables",
            "proc trickle.find_stream_table(stream_table text)", "proc trickle.refresh(stream_table text)",
            "proc trickle.drop_stream_table(stream_table text, cascade boolean)",
            "type trickle.runtime_info", "type trickle._runtime_info",
            "type trickle.stream_table_catalog", "type trickle._stream_table_catalog",
            "type trickle.stream_tables", "type trickle._stream_tables",
            "index trickle.runtime_info_pkey on trickle.runtime_info",
            "index trickle.stream_table_catalog_pkey on trickle.stream_table_catalog",
            "class r trickle.refresh_history", "class S trickle.refresh_history_id_seq",
            "class i trickle.refresh_history_pkey", "class i trickle.refresh_history_stream_table",
            "type trickle.refresh_history", "type trickle._refresh_history",
            "index trickle.refresh_history_pkey on trickle.refresh_history",
            "index trickle.refresh_history_stream_table on trickle.refresh_history",
            "proc trickle.record_refresh(schema_name text, table_name text, started_at timestamp with time zone, strategy text, reason text, rows_in bigint, rows_out bigint)",
            "proc trickle.choose_refresh_strategy(schema_name text, table_name text, pending bigint, source_rows double precision, OUT strategy text, OUT reason text)",
            "proc trickle.measured_refresh_costs(schema_name text, table_name text, OUT fixed_ms double precision, OUT per_change_ms double precision, OUT full_ms double precision)",
            "proc trickle.full_refresh_threshold(schema_name text, table_name text, source_rows double precision)",
            // Scheduling and monitoring (runtime 0.3).
            "class r trickle.scheduler_state", "class i trickle.scheduler_state_pkey",
            "type trickle.scheduler_state", "type trickle._scheduler_state",
            "index trickle.scheduler_state_pkey on trickle.scheduler_state",
            "trigger trickle.stream_table_catalog plan_next_refresh trickle.plan_next_refresh()",
            // Source DDL protection (runtime 0.4).
            "class r trickle.source_reads", "class i trickle.source_reads_source", "class i trickle.source_reads_stream_table",
            "type trickle.source_reads", "type trickle._source_reads",
            "index trickle.source_reads_source on trickle.source_reads",
            "index trickle.source_reads_stream_table on trickle.source_reads",
            // Stream tables reading stream tables (runtime 0.4).
            "class r trickle.stream_table_dependencies", "class i trickle.stream_table_dependencies_pkey",
            "class i trickle.stream_table_dependencies_upstream",
            "type trickle.stream_table_dependencies", "type trickle._stream_table_dependencies",
            "index trickle.stream_table_dependencies_pkey on trickle.stream_table_dependencies",
            "index trickle.stream_table_dependencies_upstream on trickle.stream_table_dependencies",
            "trigger trickle.stream_table_dependencies check_dependencies trickle.check_dependencies()",
            // Online upgrades (runtime 0.4).
            "class r trickle.stream_table_upgrades", "class i trickle.stream_table_upgrades_pkey",
            "type trickle.stream_table_upgrades", "type trickle._stream_table_upgrades",
            "index trickle.stream_table_upgrades_pkey on trickle.stream_table_upgrades",
            "trigger trickle.stream_table_catalog keep_while_retiring trickle.keep_while_retiring()",
            "trigger trickle.refresh_history keep_while_retiring trickle.keep_while_retiring()",
            // Partitions and inheritance children of sources (runtime 0.5).
            "class r trickle.followed_tables", "class i trickle.followed_tables_pkey",
            "type trickle.followed_tables", "type trickle._followed_tables",
            "index trickle.followed_tables_pkey on trickle.followed_tables",
            // Drift: detect and repair.
            "class r trickle.capture_failures", "class i trickle.capture_failures_stream_table",
            "type trickle.capture_failures", "type trickle._capture_failures",
            "index trickle.capture_failures_stream_table on trickle.capture_failures",
            // IMMEDIATE applied at COMMIT.
            "class r trickle.commit_queue", "class i trickle.commit_queue_pkey",
            "type trickle.commit_queue", "type trickle._commit_queue",
            "index trickle.commit_queue_pkey on trickle.commit_queue",
            "trigger trickle.commit_queue apply_at_commit trickle.apply_at_commit()",
            // Change feed (outbox) and inbox (runtime 0.5).
            "class r trickle.outbox_streams", "type trickle.outbox_streams", "type trickle._outbox_streams", "class i trickle.outbox_streams_pkey", "index trickle.outbox_streams_pkey on trickle.outbox_streams",
            "class r trickle.outbox_trims", "type trickle.outbox_trims", "type trickle._outbox_trims", "class i trickle.outbox_trims_pkey", "index trickle.outbox_trims_pkey on trickle.outbox_trims",
            "class r trickle.outbox", "type trickle.outbox", "type trickle._outbox", "class i trickle.outbox_pkey", "index trickle.outbox_pkey on trickle.outbox", "class i trickle.outbox_stream_table", "index trickle.outbox_stream_table on trickle.outbox",
            "class r trickle.outbox_debezium", "type trickle.outbox_debezium", "type trickle._outbox_debezium", "class i trickle.outbox_debezium_pkey", "index trickle.outbox_debezium_pkey on trickle.outbox_debezium", "class i trickle.outbox_debezium_position", "index trickle.outbox_debezium_position on trickle.outbox_debezium",
            "class r trickle.outbox_consumers", "type trickle.outbox_consumers", "type trickle._outbox_consumers", "class i trickle.outbox_consumers_pkey", "index trickle.outbox_consumers_pkey on trickle.outbox_consumers",
            "class r trickle.outbox_staged", "type trickle.outbox_staged", "type trickle._outbox_staged", "class i trickle.outbox_staged_stream_table", "index trickle.outbox_staged_stream_table on trickle.outbox_staged",
            "class r trickle.outbox_commit_marks", "type trickle.outbox_commit_marks", "type trickle._outbox_commit_marks", "class i trickle.outbox_commit_marks_pkey", "index trickle.outbox_commit_marks_pkey on trickle.outbox_commit_marks",
            "class r trickle.inbox", "type trickle.inbox", "type trickle._inbox", "class i trickle.inbox_pkey", "index trickle.inbox_pkey on trickle.inbox",
            "class S trickle.outbox_position",
            "trigger trickle.outbox_commit_marks outbox_append trickle.outbox_append()",
            // WAL capture.
            "class r trickle.wal_capture_state", "type trickle.wal_capture_state", "type trickle._wal_capture_state", "class i trickle.wal_capture_state_pkey", "index trickle.wal_capture_state_pkey on trickle.wal_capture_state",
            "class r trickle.wal_sources", "type trickle.wal_sources", "type trickle._wal_sources", "class i trickle.wal_sources_pkey", "index trickle.wal_sources_pkey on trickle.wal_sources",
            "class r trickle.wal_buffers", "type trickle.wal_buffers", "type trickle._wal_buffers", "class i trickle.wal_buffers_pkey", "index trickle.wal_buffers_pkey on trickle.wal_buffers",
        ];
        // The foreign keys of stream_table_dependencies: PostgreSQL's internal triggers, named by OID.
        if (line.StartsWith("trigger trickle.stream_table_catalog \"RI_ConstraintTrigger_", StringComparison.Ordinal)
            || line.StartsWith("trigger trickle.stream_table_dependencies \"RI_ConstraintTrigger_", StringComparison.Ordinal))
            return true;
        string[] schedulingFunctions =
        [
            "schedule_period", "schedule_tier", "cron_field", "next_cron_time", "next_refresh_time", "plan_next_refresh",
            "pending_changes", "refresh_entry", "refresh_all", "resume_stream_table", "scheduler_pid", "stop_scheduler",
            "run_scheduler", "health",
            "record_source_reads", "broken_source_read", "guard_source_ddl", "guard_source_drop",
            "upstream_order", "downstream_order", "topological_order", "needs_one_snapshot", "closure_has_diamond", "check_dependencies",
            "refresh_cascade",
            // Switching mode and schedule at run time (runtime 0.4).
            "normalize_schedule", "alter_stream_table",
            "keep_while_retiring", "retire_generation", "discard_upgrade", "view_replaceable", "lock_for_swap", "swap_generation",
            "refuse_upgrade_with_readers",
            "follow_partitions_ddl",
            // Views read as their definitions (runtime 0.5).
            "guard_view_definition", "record_expanded_views",
            // Roles and privileges: queries recomputed as written refuse a search_path others may create in.
            "refuse_writable_search_path",
            // Drift: detect and repair.
            "record_capture_failure", "refuse_unrepaired", "stream_table_drift", "repair_stream_table",
            // Row-level security (runtime 0.5).
            "row_security_filter", "read_relations", "guarded_relations", "row_security_conflict", "check_row_security",
            "entry_relations", "row_security_problems", "grant_storage_to_readers", "carry_row_security",
            // Change feed (outbox) and inbox.
            "outbox_channel", "outbox_stage", "outbox_append", "outbox_detach", "outbox_attach", "outbox_view_rows_function",
            "outbox_stage_all", "outbox_after_swap", "set_outbox", "outbox_forget", "outbox_drift", "read_changes", "register_consumer",
            "unregister_consumer", "acknowledge_changes", "trim_changes", "receive_message",
            "outbox_forget_feed", "outbox_require_reader",
            // Publishing a stream table (a mirror table for logical replication).
            "publication_mirror", "publication_apply_changes", "publication_apply", "publication_sync", "publication_check_columns",
            "set_publish", "publish_stream_table", "publication_drift", "publication_repair",
            // WAL capture.
            "wal_slot_name", "wal_fed_buffers", "wal_capture_obstacle", "wal_await_flush", "wal_parse_change", "wal_xid_visible", "wal_catch_up",
            "wal_refresh_catch_up", "wal_refuse_truncate", "set_capture", "wal_capture_health",
            // Removing Trickle.
            "uninstall",
            // IMMEDIATE applied at COMMIT.
            "apply_at_commit",
        ];
        // The foreign key from source_reads to the catalog: its triggers are named after their oids.
        if (line.StartsWith("trigger trickle.source_reads \"RI_ConstraintTrigger_", StringComparison.Ordinal)
            || line.StartsWith("trigger trickle.capture_failures \"RI_ConstraintTrigger_", StringComparison.Ordinal)
            || line.StartsWith("trigger trickle.wal_buffers \"RI_ConstraintTrigger_", StringComparison.Ordinal)
            || line.StartsWith("trigger trickle.wal_sources \"RI_ConstraintTrigger_", StringComparison.Ordinal)
            || line.StartsWith("trigger trickle.stream_table_catalog \"RI_ConstraintTrigger_", StringComparison.Ordinal))
            return true;
        return runtime.Contains(line) || schedulingFunctions.Any(name => line.StartsWith($"proc trickle.{name}(", StringComparison.Ordinal));
    }

    /// <summary>Runs <paramref name="action"/>, failing with a clear message if it does not finish within the timeout.</summary>
    public static async Task<T> WithinAsync<T>(TimeSpan timeout, string what, Func<CancellationToken, Task<T>> action)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            return await action(cancellation.Token);
        }
        catch (Exception exception) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds} s (blocked?)", exception);
        }
    }
}
