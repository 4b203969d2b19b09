using System.Data;
using System.Text;
using Npgsql;
using Trickle.Compiler;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>
/// Installs a stream table, drives random transactions against its sources and after each one compares the stream
/// table with a recomputation of its defining query. Any difference, failing statement or failing refresh throws a
/// <see cref="DifferentialCheckException"/> that says how to replay it.
/// </summary>
public sealed class DifferentialChecker(PostgresCluster cluster, Action<string>? log = null)
{
    private const int StepsShownInReport = 3;

    public async Task RunAsync(DifferentialScenario scenario, CancellationToken cancellationToken = default)
    {
        foreach (var mode in scenario.Modes)
            await RunModeAsync(scenario, mode, cancellationToken);
    }

    public async Task RunModeAsync(DifferentialScenario scenario, RefreshMode mode, CancellationToken cancellationToken = default)
    {
        var run = new Run(scenario, mode);
        await using var database = await cluster.CreateDatabaseAsync($"diff_{DifferentialScenario.ModeName(mode)}", cancellationToken);

        await InstallAsync(run, database, "the schema DDL", scenario.SchemaDdl, cancellationToken);
        if (!string.IsNullOrWhiteSpace(scenario.SeedDataSql))
            await InstallAsync(run, database, "the seed data", scenario.SeedDataSql, cancellationToken);

        await using var observer = await database.OpenConnectionAsync(cancellationToken);
        // Scripted writes need no table definitions, and their tables may hold types the generator does not know.
        var tables = scenario.Writes is not null
            ? []
            : scenario.Tables ?? await TableCatalog.ReadTablesAsync(observer, cancellationToken, scenario.WritePartitionsDirectly);

        string script;
        try
        {
            script = scenario.CompileScript(scenario.SchemaDdl, scenario.DefiningQuery, scenario.StreamTableName, DifferentialScenario.ModeName(mode));
        }
        catch (Exception e)
        {
            throw run.Failure("compiling the install script", e.ToString());
        }
        run.RecomputedQuery = scenario.RecomputedQuery?.Invoke(DifferentialScenario.ModeName(mode)) ?? scenario.DefiningQuery;
        await InstallAsync(run, database, "the compiled install script", script, cancellationToken);

        await CompareAsync(run, observer, "initial population", cancellationToken);
        if (scenario.WalCapture)
            await SwitchToWalCaptureAsync(run, observer, tables, cancellationToken);
        log?.Invoke($"[{run.Mode}] seed {scenario.Seed}: installed into {database.Name}; "
            + (scenario.Writes is null ? $"{tables.Count} source table(s)" : "scripted writes"));

        await using var writer = await database.OpenConnectionAsync(cancellationToken);
        var generator = scenario.Writes is null ? new DmlGenerator(tables, scenario.Seed, scenario.MaxStatementsPerStep) : null;
        var refreshCount = 0;
        for (var stepNumber = 1; stepNumber <= scenario.Steps; stepNumber++)
        {
            var step = generator is null
                ? scenario.Writes!(stepNumber)
                : generator.NextStep(await TableCatalog.ReadStatesAsync(observer, tables, cancellationToken));
            var rolledBack = scenario.RollbackEvery > 0 && stepNumber % scenario.RollbackEvery == 0;
            run.Record(step, rolledBack);

            if (scenario.BeforeStep?.Invoke(stepNumber) is { } ddl)
            {
                run.RecordDdl(stepNumber, ddl);
                await InstallAsync(run, database, $"the DDL before step {stepNumber}", ddl, cancellationToken);
            }
            await ExecuteStepAsync(run, writer, step, rolledBack, cancellationToken);
            if (mode == RefreshMode.Auto && stepNumber % AnalyzeEvery == 1)
                await AnalyzeAsync(run, observer, cancellationToken);
            if (mode != RefreshMode.Immediate)
            {
                if (scenario.WalCapture)
                    await RefreshFromWalAsync(run, writer, workerFirst: refreshCount++ % 2 == 1, cancellationToken);
                else
                    await RefreshAsync(run, writer, inTransaction: refreshCount++ % 2 == 1, cancellationToken);
            }
            await CompareAsync(run, observer, rolledBack ? "a rolled-back step" : "a committed step", cancellationToken);
        }
        if (scenario.RequireRows && run.MostRows == 0)
            throw run.Failure("checking the run", "the stream table never had a row: the comparisons prove nothing; seed rows or change the query");
        log?.Invoke($"[{run.Mode}] seed {scenario.Seed}: {scenario.Steps} steps matched, at most {run.MostRows} rows"
            + (mode == RefreshMode.Auto ? $"; AUTO refreshed {await StrategiesAsync(observer, cancellationToken)}" : ""));
    }

    /// <summary>
    /// AUTO decides from the planner's statistics: the sources' row counts (how many pending change rows are too many)
    /// and the stored rows' (whether a recomputation replaces them or compares). Never analyzed, the sources read as
    /// empty and every refresh would recompute. ANALYZE every few steps, as autovacuum would, lets a run take both
    /// branches — applying the changes, and recomputing by replacing or comparing — as batch sizes vary.
    /// </summary>
    private const int AnalyzeEvery = 3;

    private static async Task AnalyzeAsync(Run run, NpgsqlConnection observer, CancellationToken cancellationToken)
    {
        const string tables = """
            SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid)
            FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
            """;
        try
        {
            await using var list = new NpgsqlCommand(tables, observer);
            await using var analyze = new NpgsqlCommand($"ANALYZE {(string)(await list.ExecuteScalarAsync(cancellationToken))!}", observer);
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw run.Failure("analyzing the tables", Describe(e));
        }
    }

    /// <summary>How AUTO's refreshes went, from the refresh history: "differential 7, full 3 (replaced 2)".</summary>
    private static async Task<string> StrategiesAsync(NpgsqlConnection observer, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT coalesce(string_agg(s.strategy || ' ' || s.n || CASE WHEN s.replaced > 0 THEN ' (replaced ' || s.replaced || ')' ELSE '' END, ', ' ORDER BY s.strategy), 'nothing')
            FROM (SELECT h.strategy, count(*) AS n, count(*) FILTER (WHERE h.reason LIKE '%replaced, not compared') AS replaced
                  FROM trickle.refresh_history AS h WHERE h.reason <> 'install' GROUP BY h.strategy) AS s
            """;
        await using var command = new NpgsqlCommand(sql, observer);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task InstallAsync(Run run, TestDatabase database, string what, string script, CancellationToken cancellationToken)
    {
        var result = await database.RunPsqlScriptAsync(script, cancellationToken);
        if (!result.Succeeded)
            throw run.Failure($"installing {what} with psql",
                $"psql {result.Describe()}\n--- script ---\n{TestDatabase.Excerpt(script)}");
    }

    private static async Task ExecuteStepAsync(Run run, NpgsqlConnection writer, DmlStep step, bool rollBack, CancellationToken cancellationToken)
    {
        await using var transaction = await writer.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var tolerated = run.Scenario.ToleratedErrors;
        foreach (var statement in step.Executed)
        {
            var underSavepoint = statement.RolledBackToSavepoint || tolerated.Count > 0;
            try
            {
                if (underSavepoint)
                    await transaction.SaveAsync(DmlStep.SavepointName, cancellationToken);
                await using (var command = new NpgsqlCommand(statement.Sql, writer, transaction))
                    await command.ExecuteNonQueryAsync(cancellationToken);
                if (statement.RolledBackToSavepoint)
                    await transaction.RollbackAsync(DmlStep.SavepointName, cancellationToken);
            }
            catch (PostgresException e) when (tolerated.Contains(e.SqlState))
            {
                // A write the schema's constraints refuse (a child row of no parent): undone, as an application would.
                await transaction.RollbackAsync(DmlStep.SavepointName, cancellationToken);
            }
            catch (PostgresException e)
            {
                throw run.Failure($"executing a DML statement ({statement.Kind} on {statement.Table})",
                    $"Failed statement:\n{SqlText.Indent(statement.Sql)}\n{Describe(e)}");
            }
        }
        try
        {
            if (rollBack)
                await transaction.RollbackAsync(cancellationToken);
            else
                await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            // Deferred constraint triggers (as IMMEDIATE maintenance may use) fail at commit, not at the statement.
            throw run.Failure(rollBack ? "rolling back the step" : "committing the step", Describe(e));
        }
    }

    private static async Task RefreshAsync(Run run, NpgsqlConnection writer, bool inTransaction, CancellationToken cancellationToken)
    {
        var sql = $"SELECT trickle.refresh({SqlText.Literal(run.Scenario.StreamTableName)})";
        var how = inTransaction ? "inside BEGIN … COMMIT (READ COMMITTED)" : "in autocommit";
        try
        {
            if (inTransaction)
            {
                await using var transaction = await writer.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
                await using (var command = new NpgsqlCommand(sql, writer, transaction))
                    await command.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                await using var command = new NpgsqlCommand(sql, writer);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException e)
        {
            throw run.Failure($"refreshing {how}", $"{sql}\n{Describe(e)}");
        }
    }

    private static async Task SwitchToWalCaptureAsync(Run run, NpgsqlConnection observer, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            // Each in its own transaction: the first switch creates the replication slot, which must come before any write.
            string[] statements =
            [
                $"ALTER TABLE {table.QualifiedName} REPLICA IDENTITY FULL",
                $"SELECT trickle.set_capture({SqlText.Literal(table.QualifiedName)}, 'wal')",
            ];
            try
            {
                foreach (var sql in statements)
                {
                    await using var command = new NpgsqlCommand(sql, observer);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            catch (PostgresException e)
            {
                throw run.Failure($"switching {table.QualifiedName} to WAL capture", Describe(e));
            }
        }
    }

    /// <summary>
    /// A refresh over WAL-captured sources: sometimes after a worker's read of a few changes (so that the refresh
    /// finds part of them buffered and reads the rest itself), always in REPEATABLE READ, retried on 40001 as the
    /// scheduler and <c>trickle refresh</c> do.
    /// </summary>
    private static async Task RefreshFromWalAsync(Run run, NpgsqlConnection writer, bool workerFirst, CancellationToken cancellationToken)
    {
        var sql = $"SELECT trickle.refresh({SqlText.Literal(run.Scenario.StreamTableName)})";
        try
        {
            if (workerFirst)
            {
                await using var worker = new NpgsqlCommand("SELECT trickle.wal_catch_up(false, 3)", writer);
                await worker.ExecuteNonQueryAsync(cancellationToken);
            }
            for (var attempt = 1; ; attempt++)
            {
                await using var transaction = await writer.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
                try
                {
                    await using (var command = new NpgsqlCommand(sql, writer, transaction))
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return;
                }
                catch (PostgresException e) when (e.SqlState == "40001" && attempt < 10)
                {
                    await transaction.RollbackAsync(cancellationToken);
                }
            }
        }
        catch (PostgresException e)
        {
            throw run.Failure("refreshing from the WAL in REPEATABLE READ", $"{sql}\n{Describe(e)}");
        }
    }

    private static async Task CompareAsync(Run run, NpgsqlConnection observer, string after, CancellationToken cancellationToken)
    {
        ComparisonResult result;
        try
        {
            result = await ResultComparer.CompareAsync(observer, run.Scenario.StreamTableName, run.RecomputedQuery, cancellationToken);
        }
        catch (PostgresException e)
        {
            throw run.Failure($"comparing after {after}", Describe(e));
        }
        if (!result.IsMatch)
            throw run.Failure($"comparing after {after}: the stream table differs from a recomputation", result.Describe());
        if (run.Scenario.RequireRows)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {run.Scenario.StreamTableName}", observer);
            run.MostRows = Math.Max(run.MostRows, (long)(await count.ExecuteScalarAsync(cancellationToken))!);
        }
    }

    private static string Describe(PostgresException e)
    {
        var builder = new StringBuilder($"PostgreSQL error {e.SqlState}: {e.MessageText}");
        if (!string.IsNullOrEmpty(e.Detail))
            builder.Append($"\nDETAIL: {e.Detail}");
        if (!string.IsNullOrEmpty(e.Hint))
            builder.Append($"\nHINT: {e.Hint}");
        if (!string.IsNullOrEmpty(e.Where))
            builder.Append($"\nCONTEXT: {e.Where}");
        return builder.ToString();
    }

    /// <summary>Progress of one mode's run, kept for the failure report.</summary>
    private sealed class Run(DifferentialScenario scenario, RefreshMode mode)
    {
        /// <summary>The most rows the stream table had at a comparison (counted only when the scenario requires rows).</summary>
        public long MostRows { get; set; }

        private readonly Queue<(DmlStep Step, bool RolledBack)> _recentSteps = new();

        public DifferentialScenario Scenario { get; } = scenario;

        public string Mode { get; } = DifferentialScenario.ModeName(mode);

        /// <summary>What each comparison recomputes: the scenario's query, or the compiler's effective query for this mode.</summary>
        public string RecomputedQuery { get; set; } = scenario.DefiningQuery;

        private readonly Dictionary<int, string> _ddl = new();

        public void RecordDdl(int stepNumber, string ddl) => _ddl[stepNumber] = ddl;

        public void Record(DmlStep step, bool rolledBack)
        {
            _recentSteps.Enqueue((step, rolledBack));
            while (_recentSteps.Count > StepsShownInReport)
                _recentSteps.Dequeue();
        }

        public DifferentialCheckException Failure(string phase, string details)
        {
            var current = _recentSteps.Count == 0 ? 0 : _recentSteps.Last().Step.Number;
            var builder = new StringBuilder();
            builder.AppendLine($"Differential check failed for stream table {Scenario.StreamTableName} in {Mode} mode.");
            builder.AppendLine($"Seed: {Scenario.Seed}   Step: {current} of {Scenario.Steps}   Phase: {phase}");
            builder.AppendLine($"Replay with Seed = {Scenario.Seed}, Modes = [{mode}]; the failure recurs at step {current}.");
            builder.AppendLine("Defining query:");
            builder.AppendLine(SqlText.Indent(SqlText.AsSubquery(Scenario.DefiningQuery)));
            if (RecomputedQuery != Scenario.DefiningQuery)
            {
                builder.AppendLine("Recomputed as:");
                builder.AppendLine(SqlText.Indent(SqlText.AsSubquery(RecomputedQuery)));
            }
            if (_recentSteps.Count > 0)
            {
                builder.AppendLine($"Recent DML (last {_recentSteps.Count} step(s); the last one ran since the last matching comparison):");
                foreach (var (step, rolledBack) in _recentSteps)
                {
                    if (_ddl.TryGetValue(step.Number, out var ddl))
                        builder.AppendLine($"  -- before step {step.Number}\n{SqlText.Indent(ddl, "    ")}");
                    builder.AppendLine($"  -- step {step.Number}{(rolledBack ? " (ROLLED BACK)" : "")}");
                    builder.AppendLine(SqlText.Indent(step.ToSql(), "    "));
                }
            }
            builder.AppendLine(details.TrimEnd());
            return new DifferentialCheckException(builder.ToString(), Scenario.Seed, current, Mode);
        }
    }
}

public sealed class DifferentialCheckException(string message, int seed, int step, string mode) : Exception(message)
{
    public int Seed { get; } = seed;

    public int Step { get; } = step;

    public string Mode { get; } = mode;
}
