using Trickle.Compiler;

namespace Trickle.Database.Tests.Infrastructure;

/// <summary>What <see cref="DifferentialChecker"/> runs: a schema, a stream table over it, and how hard to push.</summary>
public sealed record DifferentialScenario
{
    /// <summary>DDL creating the source tables (run with psql).</summary>
    public required string SchemaDdl { get; init; }

    /// <summary>Optional initial rows, run with psql after the schema and before the stream table is installed.</summary>
    public string? SeedDataSql { get; init; }

    public required string DefiningQuery { get; init; }

    /// <summary>Already quoted SQL name of the stream table, as it is passed to <c>trickle.refresh</c>.</summary>
    public required string StreamTableName { get; init; }

    /// <summary>
    /// Produces the install script: (schemaDdl, definingQuery, streamTableName, mode) → SQL. The mode is
    /// "differential", "immediate", "full" or "auto". Kept a delegate so this assembly does not depend on the compiler API.
    /// </summary>
    public required Func<string, string, string, string, string> CompileScript { get; init; }

    /// <summary>
    /// The query a comparison recomputes, given the mode, asked after <see cref="CompileScript"/> ran for that mode: what
    /// the compiler reports as the effective defining query (a top-k's ORDER BY with the tie-breakers it appended, a
    /// create_immv column list as a renaming), so that the recomputation keeps the same rows at the limit. Null: the
    /// <see cref="DefiningQuery"/> as given.
    /// </summary>
    public Func<string, string>? RecomputedQuery { get; init; }

    public IReadOnlyList<RefreshMode> Modes { get; init; } = [RefreshMode.Differential, RefreshMode.Immediate, RefreshMode.Full, RefreshMode.Auto];

    public int Steps { get; init; } = 40;

    public int Seed { get; init; } = 1;

    /// <summary>Every n-th step's transaction is rolled back instead of committed (0: never). It must change nothing.</summary>
    public int RollbackEvery { get; init; } = 10;

    public int MaxStatementsPerStep { get; init; } = 4;

    /// <summary>
    /// SQLSTATEs a generated statement may fail with (say 23503, a foreign key): the statement is run under a savepoint
    /// and rolled back to it, and the step goes on. Empty: any failure fails the check.
    /// </summary>
    public IReadOnlySet<string> ToleratedErrors { get; init; } = new HashSet<string>();

    /// <summary>The generator also writes partitions directly, not only through their partitioned parents.</summary>
    public bool WritePartitionsDirectly { get; init; }

    /// <summary>
    /// SQL to run (with psql, statement by statement in autocommit) before the writes of a step, given the step's number:
    /// DDL that changes what the sources hold without DML, such as attaching and detaching partitions. Null: nothing.
    /// </summary>
    public Func<int, string?>? BeforeStep { get; init; }

    /// <summary>
    /// Fail unless the stream table had rows at some comparison: a run whose result stays empty compares nothing, which
    /// a scenario over empty tables (the random writes filling them) has to rule out.
    /// </summary>
    public bool RequireRows { get; init; }

    /// <summary>Tables the DML generator writes; null means every user table that exists after the schema and seed ran.</summary>
    public IReadOnlyList<TableDefinition>? Tables { get; init; }

    /// <summary>
    /// The transaction of each step, given its number (from 1), instead of the DML generator's random ones: scripted
    /// batches such as a benchmark's refresh functions (see <c>Tpch/TpchCorpusTests.cs</c>). The source tables are then
    /// neither described nor read back (<see cref="Tables"/> does not apply); everything else — rollbacks, refreshes,
    /// comparisons, the failure report — is the same.
    /// </summary>
    public Func<int, DmlStep>? Writes { get; init; }

    /// <summary>
    /// After the install, every source table is switched to WAL capture (REPLICA IDENTITY FULL, then
    /// <c>trickle.set_capture(table, 'wal')</c>); every other refresh is preceded by a worker's read of a few changes
    /// (<c>trickle.wal_catch_up(false, 3)</c>), and refreshes run in REPEATABLE READ, retried on serialization failures.
    /// Needs a cluster with wal_level = logical (<see cref="LogicalPostgresCluster"/>) and DIFFERENTIAL or AUTO.
    /// </summary>
    public bool WalCapture { get; init; }

    public static string ModeName(RefreshMode mode) => mode.ToString().ToLowerInvariant();
}
