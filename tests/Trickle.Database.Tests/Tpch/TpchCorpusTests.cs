using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Trickle.Database.Tests.StreamTables;
using Trickle.Tpch;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.Tpch;

/// <summary>
/// The TPC-H corpus (tests/Trickle.Tpch) on a real server. Every query the compiler accepts — decided by compiling it
/// here, the same verdict the compiler test pins in its expectation table, so a newly accepted query is checked without
/// touching this file — is installed in each mode it compiles in (DIFFERENTIAL, IMMEDIATE) over the CI-scale data set and
/// driven through TPC-H's writes: RF1 batches, RF2 batches, random updates of every column the queries read, and all of
/// them mixed in one transaction. After every step (a refresh in DIFFERENTIAL; the transaction itself in IMMEDIATE) the
/// stream table must equal a recomputation as a multiset. The output gives per query the modes passing and, for
/// information only, the refresh against the recomputation after one RF1+RF2.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TpchCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const int DataSeed = 1;

    /// <summary>Orders per RF1 and per RF2 batch: 1% of the orders (TPC-H's own is 0.1%), at least 6.</summary>
    private static int OrdersPerRefreshFunction => Math.Max(6, Scale.Orders / 100);

    private static readonly RefreshMode[] Modes = [RefreshMode.Differential, RefreshMode.Immediate];

    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("TRICKLE_TEST_SEED_OFFSET"), out var offset) ? offset : 0;

    /// <summary>TRICKLE_TEST_TPCH_SCALE=0.01 (a scale factor) runs the corpus on more data, for timings worth reading.</summary>
    private static readonly TpchScale Scale =
        double.TryParse(Environment.GetEnvironmentVariable("TRICKLE_TEST_TPCH_SCALE"), CultureInfo.InvariantCulture, out var factor)
            ? TpchScale.FromFactor(factor)
            : TpchScale.Ci;

    private static readonly Lazy<TpchData> Data = new(() => TpchGenerator.Generate(Scale, DataSeed));

    private static readonly Lazy<string> DataSql = new(() => Data.Value.ToInsertSql());

    /// <summary>The queries the compiler accepts in at least one incremental mode, by name ("Q1").</summary>
    public static TheoryData<string> AcceptedQueries()
    {
        var data = new TheoryData<string>();
        foreach (var query in TpchQueries.All.Where(query => AcceptedModes(query).Count > 0))
            data.Add(query.Name);
        return data;
    }

    [Fact]
    public async Task CiDataSet_EveryQuerySelectsRows()
    {
        await using var database = await LoadAsync("tpch_rows");
        await using var connection = await database.OpenConnectionAsync();
        var empty = new List<string>();
        var counts = new List<string>();
        foreach (var query in TpchQueries.All)
        {
            // A single aggregate row of NULLs (Q17 with no qualifying line) selects nothing.
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) FILTER (WHERE q IS DISTINCT FROM NULL) FROM ({SqlText.AsSubquery(query.Sql)}\n) AS q", connection);
            var rows = (long)(await command.ExecuteScalarAsync())!;
            counts.Add($"{query.Name} {rows}");
            if (rows == 0)
                empty.Add(query.Name);
        }
        output.WriteLine($"rows at scale {Scale}, seed {DataSeed}: {string.Join(", ", counts)}");
        Assert.True(empty.Count == 0, $"validation parameters selecting no row: {string.Join(", ", empty)}");
    }

    [Theory]
    [MemberData(nameof(AcceptedQueries))]
    public async Task AcceptedQuery_MatchesRecomputation_UnderRefreshFunctionsAndUpdates(string name)
    {
        var query = TpchQueries.All.Single(q => q.Name == name);
        var modes = AcceptedModes(query);
        var failures = new List<string>();
        var verdicts = new List<string>();
        foreach (var mode in Modes)
        {
            if (!modes.Contains(mode))
            {
                verdicts.Add($"{DifferentialScenario.ModeName(mode)} not accepted");
                continue;
            }
            try
            {
                await new DifferentialChecker(cluster, output.WriteLine).RunModeAsync(Scenario(query, mode), mode);
                verdicts.Add($"{DifferentialScenario.ModeName(mode)} passed");
            }
            catch (DifferentialCheckException e)
            {
                verdicts.Add($"{DifferentialScenario.ModeName(mode)} FAILED");
                failures.Add(e.Message);
            }
        }
        var timing = modes.Contains(RefreshMode.Differential) ? await MeasureAsync(query) : "no timing (DIFFERENTIAL not accepted)";
        output.WriteLine($"{query.Name}: {string.Join(", ", verdicts)}; {timing}");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static IReadOnlyList<RefreshMode> AcceptedModes(TpchQuery query) =>
        Modes.Where(mode => TrickleCompiler.Compile(TpchData.SchemaDdl, query.Sql, query.StreamTableName, mode).Success).ToList();

    private enum Batch { RefreshInsert, RefreshDelete, Updates, Mixed }

    /// <summary>
    /// The steps of a run: RF1, RF2, updates, all three in one transaction, updates — twice. Its update batches must set
    /// every read column (<see cref="TpchWorkload.BatchesToUpdateEveryColumn"/>; TpchWorkloadTests holds the two together).
    /// No rolled-back steps: the general corpora cover those.
    /// </summary>
    private static readonly Batch[] Schedule =
        [Batch.RefreshInsert, Batch.RefreshDelete, Batch.Updates, Batch.Mixed, Batch.Updates,
         Batch.RefreshInsert, Batch.RefreshDelete, Batch.Updates, Batch.Mixed, Batch.Updates];

    internal static int UpdateBatchesPerRun => Schedule.Count(batch => batch is Batch.Updates or Batch.Mixed);

    private static DifferentialScenario Scenario(TpchQuery query, RefreshMode mode)
    {
        var seed = query.Number * 101 + SeedOffset;
        var workload = new TpchWorkload(Data.Value, seed);
        // Q3, Q10 (ties at their limits): the checker recomputes the query with the tie-breakers the compiler appended.
        var queries = new EffectiveQueries();
        return new DifferentialScenario
        {
            SchemaDdl = TpchData.SchemaDdl,
            SeedDataSql = DataSql.Value,
            DefiningQuery = query.Sql,
            StreamTableName = query.StreamTableName,
            CompileScript = queries.CompileScript(query.StreamTableName),
            RecomputedQuery = queries.For,
            Modes = [mode],
            Steps = Schedule.Length,
            Seed = seed,
            RollbackEvery = 0,
            RequireRows = SeedOffset == 0,
            Writes = stepNumber => new DmlStep(stepNumber, Statements(workload, Schedule[stepNumber - 1]).Select(ToDml).ToList()),
        };
    }

    private static IEnumerable<TpchStatement> Statements(TpchWorkload workload, Batch batch) => batch switch
    {
        Batch.RefreshInsert => workload.RefreshInsert(OrdersPerRefreshFunction),
        Batch.RefreshDelete => workload.RefreshDelete(OrdersPerRefreshFunction),
        Batch.Updates => workload.RandomUpdates(),
        Batch.Mixed => [.. workload.RefreshInsert(OrdersPerRefreshFunction), .. workload.RandomUpdates(), .. workload.RefreshDelete(OrdersPerRefreshFunction)],
        _ => throw new ArgumentOutOfRangeException(nameof(batch), batch, null),
    };

    private static DmlStatement ToDml(TpchStatement statement) => new(DmlKind.Scripted, statement.Table, statement.Sql);

    /// <summary>
    /// Informational: in a DIFFERENTIAL install over the same data, one RF1+RF2 transaction, then the refresh and a
    /// recomputation of the query timed (both once warmed up by a first round). Never asserted.
    /// </summary>
    private async Task<string> MeasureAsync(TpchQuery query)
    {
        await using var database = await LoadAsync("tpch_timing");
        await database.ExecutePsqlScriptAsync(
            TrickleCompiler.CompileScript(TpchData.SchemaDdl, query.Sql, query.StreamTableName, "differential"), "the install script");
        await using var connection = await database.OpenConnectionAsync();
        var workload = new TpchWorkload(Data.Value, query.Number * 103 + SeedOffset);
        TimeSpan refresh = default, recomputation = default;
        for (var round = 0; round < 2; round++)
        {
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                foreach (var statement in workload.RefreshInsert(OrdersPerRefreshFunction).Concat(workload.RefreshDelete(OrdersPerRefreshFunction)))
                {
                    await using var command = new NpgsqlCommand(statement.Sql, connection, transaction);
                    await command.ExecuteNonQueryAsync();
                }
                await transaction.CommitAsync();
            }
            refresh = await TimeAsync(connection, $"SELECT trickle.refresh({SqlText.Literal(query.StreamTableName)})");
            recomputation = await TimeAsync(connection, SqlText.AsSubquery(query.Sql));
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"after RF1+RF2 ({OrdersPerRefreshFunction} orders each): refresh {refresh.TotalMilliseconds:0.0} ms, recomputation {recomputation.TotalMilliseconds:0.0} ms");
    }

    private static async Task<TimeSpan> TimeAsync(NpgsqlConnection connection, string sql)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var command = new NpgsqlCommand(sql, connection);
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
            }
        return stopwatch.Elapsed;
    }

    private async Task<TestDatabase> LoadAsync(string prefix)
    {
        var database = await cluster.CreateDatabaseAsync(prefix);
        await database.ExecutePsqlScriptAsync(TpchData.SchemaDdl + DataSql.Value, "the TPC-H schema and data");
        return database;
    }
}
