using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// One corpus query under the differential checker, compiled by the real compiler, in every mode, 30 steps.
/// TRICKLE_TEST_SEED_OFFSET=n shifts every seed: a soak run explores new write sequences while CI stays reproducible.
/// </summary>
internal static class CorpusRun
{
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("TRICKLE_TEST_SEED_OFFSET"), out var offset) ? offset : 0;

    public static Task CheckAsync(PostgresCluster cluster, Action<string> log, string schema, string? seedData, string name, string query,
        int seed, string? streamTableSqlName = null, bool walCapture = false)
    {
        // Each mode's comparisons recompute the query as that mode's compilation says every recomputation runs it.
        var effective = new EffectiveQueries();
        return new DifferentialChecker(cluster, log).RunAsync(new DifferentialScenario
        {
            SchemaDdl = schema,
            SeedDataSql = seedData,
            DefiningQuery = query,
            StreamTableName = streamTableSqlName ?? name,
            CompileScript = effective.CompileScript(name),
            RecomputedQuery = effective.For,
            Steps = 30,
            Seed = seed + SeedOffset,
            // At the seeds CI runs, every corpus query must have had rows; a soak seed may legitimately empty one.
            RequireRows = SeedOffset == 0,
            // WAL capture feeds the buffers of DIFFERENTIAL and AUTO (IMMEDIATE keeps its triggers, FULL has none).
            Modes = walCapture ? [RefreshMode.Differential, RefreshMode.Auto] : [RefreshMode.Differential, RefreshMode.Immediate, RefreshMode.Full, RefreshMode.Auto],
            WalCapture = walCapture,
        });
    }
}
