using System.Globalization;
using Npgsql;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Postgres;
using Trickle.Tpch;

namespace Trickle.Bench;

/// <summary>
/// The TPC-H workload: the 22 queries as written over the project's deterministic TPC-H-shaped data set
/// (tests/Trickle.Tpch), driven by the benchmark's own refresh functions, RF1 (new orders with their line items) and
/// RF2 (the oldest orders deleted with theirs), each 0.1% of the orders as the specification has them.
/// <list type="number">
/// <item>Refresh: every query the compiler accepts in DIFFERENTIAL is installed as a stream table next to a
/// materialized view of the same text; after each RF1+RF2 transaction, each stream table's refresh and its view's
/// <c>REFRESH MATERIALIZED VIEW</c> are timed one after the other, their order alternating between repetitions.</item>
/// <item>Write overhead: the same RF1 and RF2 transactions on three databases loaded alike, with no stream table, with
/// every accepted query installed DIFFERENTIAL, and with every accepted query installed IMMEDIATE; the three run in
/// turn within each repetition, their order rotating. DIFFERENTIAL stream tables are refreshed between repetitions
/// (not timed), so their buffers stay as small as a scheduler would keep them.</item>
/// </list>
/// Correctness is not checked here: the database tests run the same queries under the differential checker.
/// </summary>
public static class TpchBenchmark
{
    /// <summary>Orders per RF1 and per RF2 batch: TPC-H's 0.1% of the orders, at least one.</summary>
    private static int OrdersPerRefreshFunction(TpchScale scale) => Math.Max(1, (int)Math.Round(scale.Orders / 1000.0));

    private const int DataSeed = 1;

    public static async Task<int> RunAsync(double scaleFactor, int repetitions, bool createIndexes, CancellationToken cancellationToken)
    {
        var load = BenchmarkReport.LoadAverage();
        var scale = TpchScale.FromFactor(scaleFactor);
        var data = TpchGenerator.Generate(scale, DataSeed);
        var dataSql = data.ToInsertSql();
        var catalog = StreamTableInstaller.ReadSchema(TpchData.SchemaDdl);
        var perBatch = OrdersPerRefreshFunction(scale);
        Console.Error.WriteLine($"TPC-H at scale factor {scaleFactor.ToString(CultureInfo.InvariantCulture)}: {data.Orders.Count:N0} orders, "
            + $"{data.LineItems.Count:N0} line items; RF1 and RF2 of {perBatch} orders each");

        var verdicts = TpchQueries.All.ToDictionary(query => query, query => Verdicts(catalog, query));
        var differential = TpchQueries.All.Where(query => verdicts[query].Differential is null).ToList();
        var immediate = TpchQueries.All.Where(query => verdicts[query].Immediate is null).ToList();

        await using var server = await PostgresServer.StartAsync(cancellationToken: cancellationToken);
        var refreshTable = await MeasureRefreshAsync(server, catalog, dataSql, data, differential, perBatch, repetitions, createIndexes, cancellationToken);
        var writeTable = await MeasureWritesAsync(server, catalog, dataSql, data, differential, immediate, perBatch, repetitions, createIndexes, cancellationToken);

        Console.WriteLine($"PostgreSQL 15, TPC-H scale factor {scaleFactor.ToString(CultureInfo.InvariantCulture)} ({data.Orders.Count:N0} orders, "
            + $"{data.LineItems.Count:N0} line items), RF1 and RF2 of {perBatch} orders each, {repetitions} repetitions, "
            + $"medians (min–max); {(createIndexes ? "stream tables compiled with --create-indexes" : "no index beyond the schema's keys")}; load average at start {load}");
        Console.WriteLine();
        Console.WriteLine($"Accepted: {differential.Count} of {TpchQueries.Count} in DIFFERENTIAL, {immediate.Count} in IMMEDIATE.");
        Console.WriteLine();
        Console.WriteLine("#### Refresh after one RF1+RF2 transaction");
        Console.WriteLine();
        Console.Write(refreshTable(verdicts));
        Console.WriteLine();
        Console.WriteLine("#### Write overhead: the RF1 and RF2 transactions with every accepted query installed");
        Console.WriteLine();
        Console.Write(writeTable);
        return 0;
    }

    /// <summary>Null where the query compiles in that mode; otherwise the first line of its first error.</summary>
    private sealed record Verdict(string? Differential, string? Immediate);

    private static Verdict Verdicts(SourceCatalog catalog, TpchQuery query)
    {
        string? Refusal(RefreshMode mode)
        {
            var result = Compilation.Compile(new SourceText($"{query.StreamTableName}.sql", query.Sql), catalog,
                new CompilationOptions(Name: query.StreamTableName, Mode: mode));
            return result.Success ? null : result.Diagnostics.First(d => d.Severity == Trickle.Compiler.Diagnostics.DiagnosticSeverity.Error).Code;
        }
        return new Verdict(Refusal(RefreshMode.Differential), Refusal(RefreshMode.Immediate));
    }

    private static async Task<Func<IReadOnlyDictionary<TpchQuery, Verdict>, MarkdownTable>> MeasureRefreshAsync(PostgresServer server,
        SourceCatalog catalog, string dataSql, TpchData data, IReadOnlyList<TpchQuery> queries, int perBatch, int repetitions, bool createIndexes,
        CancellationToken cancellationToken)
    {
        var connectionString = await LoadAsync(server, "tpch_refresh", dataSql, cancellationToken);
        await using var session = await PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);
        foreach (var query in queries)
        {
            Console.Error.WriteLine($"installing {query.Name} (DIFFERENTIAL) and its materialized view");
            await InstallAsync(server, connectionString, catalog, query, RefreshMode.Differential, createIndexes, cancellationToken);
            await StreamTableInstaller.ExecuteAsync(session,
                $"CREATE MATERIALIZED VIEW {SqlText.Identifier(MaterializedViewName(query))} AS {SqlText.AsSubquery(query.Sql)}\n", cancellationToken);
        }
        await StreamTableInstaller.ExecuteAsync(session, "VACUUM ANALYZE", cancellationToken);

        var workload = new TpchWorkload(data, seed: 7);
        var refresh = queries.ToDictionary(query => query, _ => new List<double>());
        var recompute = queries.ToDictionary(query => query, _ => new List<double>());
        // One unmeasured round first: the session's first refresh of each stream table plans its statements.
        for (var round = 0; round <= repetitions; round++)
        {
            Console.Error.WriteLine(round == 0 ? "refresh: warm-up round" : $"refresh: repetition {round} of {repetitions}");
            await RunTransactionAsync(session, [.. workload.RefreshInsert(perBatch), .. workload.RefreshDelete(perBatch)], cancellationToken);
            foreach (var query in queries)
            {
                var streamTable = StreamTableInstaller.RefreshStreamTableSql(query.StreamTableName);
                var view = StreamTableInstaller.RefreshMaterializedViewSql(MaterializedViewName(query));
                double refreshMs, recomputeMs;
                if (round % 2 == 0)
                {
                    refreshMs = await StreamTableInstaller.TimeAsync(session, streamTable, cancellationToken);
                    recomputeMs = await StreamTableInstaller.TimeAsync(session, view, cancellationToken);
                }
                else
                {
                    recomputeMs = await StreamTableInstaller.TimeAsync(session, view, cancellationToken);
                    refreshMs = await StreamTableInstaller.TimeAsync(session, streamTable, cancellationToken);
                }
                if (round == 0)
                    continue;
                refresh[query].Add(refreshMs);
                recompute[query].Add(recomputeMs);
            }
        }

        return verdicts =>
        {
            var table = new MarkdownTable("query", "DIFFERENTIAL refresh (ms)", "REFRESH MATERIALIZED VIEW (ms)", "view ÷ refresh", "IMMEDIATE");
            foreach (var query in TpchQueries.All)
            {
                var verdict = verdicts[query];
                var immediate = verdict.Immediate is null ? "accepted" : $"refused ({verdict.Immediate})";
                if (!refresh.TryGetValue(query, out var times))
                {
                    table.Add(query.Name, $"refused ({verdict.Differential})", "", "", immediate);
                    continue;
                }
                var refreshSample = new Sample(times);
                var recomputeSample = new Sample(recompute[query]);
                table.Add(query.Name, refreshSample.Milliseconds(), recomputeSample.Milliseconds(),
                    Sample.Ratio(recomputeSample, refreshSample).Times(), immediate);
            }
            return table;
        };
    }

    private static async Task<MarkdownTable> MeasureWritesAsync(PostgresServer server, SourceCatalog catalog, string dataSql, TpchData data,
        IReadOnlyList<TpchQuery> differential, IReadOnlyList<TpchQuery> immediate, int perBatch, int repetitions, bool createIndexes,
        CancellationToken cancellationToken)
    {
        var configurations = new (string Title, RefreshMode? Mode, IReadOnlyList<TpchQuery> Queries)[]
        {
            ("no stream table", null, []),
            ($"{differential.Count} DIFFERENTIAL", RefreshMode.Differential, differential),
            ($"{immediate.Count} IMMEDIATE", RefreshMode.Immediate, immediate),
        };
        var sessions = new List<NpgsqlConnection>();
        var workloads = new List<TpchWorkload>();
        try
        {
            foreach (var (title, mode, queries) in configurations)
            {
                var connectionString = await LoadAsync(server, $"tpch_writes_{sessions.Count}", dataSql, cancellationToken);
                foreach (var query in queries)
                {
                    Console.Error.WriteLine($"installing {query.Name} ({title})");
                    await InstallAsync(server, connectionString, catalog, query, mode!.Value, createIndexes, cancellationToken);
                }
                var session = await PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);
                sessions.Add(session);
                await StreamTableInstaller.ExecuteAsync(session, "VACUUM ANALYZE", cancellationToken);
                // The same seed everywhere: every configuration runs the same statements on the same data.
                workloads.Add(new TpchWorkload(data, seed: 11));
            }

            var insertTimes = configurations.Select(_ => new List<double>()).ToList();
            var deleteTimes = configurations.Select(_ => new List<double>()).ToList();
            for (var round = 0; round <= repetitions; round++)
            {
                Console.Error.WriteLine(round == 0 ? "writes: warm-up round" : $"writes: repetition {round} of {repetitions}");
                for (var turn = 0; turn < configurations.Length; turn++)
                {
                    var index = (turn + round) % configurations.Length;
                    var session = sessions[index];
                    var insertMs = await TimeTransactionAsync(session, workloads[index].RefreshInsert(perBatch), cancellationToken);
                    var deleteMs = await TimeTransactionAsync(session, workloads[index].RefreshDelete(perBatch), cancellationToken);
                    if (configurations[index].Mode == RefreshMode.Differential)
                        await StreamTableInstaller.ExecuteAsync(session, "SELECT count(*) FROM trickle.refresh_all()", cancellationToken);
                    if (round == 0)
                        continue;
                    insertTimes[index].Add(insertMs);
                    deleteTimes[index].Add(deleteMs);
                }
            }

            var table = new MarkdownTable("configuration", "RF1 (ms)", "RF1 ÷ none", "RF2 (ms)", "RF2 ÷ none");
            for (var index = 0; index < configurations.Length; index++)
            {
                var insert = new Sample(insertTimes[index]);
                var delete = new Sample(deleteTimes[index]);
                table.Add(configurations[index].Title,
                    insert.Milliseconds(), index == 0 ? "—" : Sample.Ratio(insert, new Sample(insertTimes[0])).Times(),
                    delete.Milliseconds(), index == 0 ? "—" : Sample.Ratio(delete, new Sample(deleteTimes[0])).Times());
            }
            return table;
        }
        finally
        {
            foreach (var session in sessions)
                await session.DisposeAsync();
        }
    }

    private static string MaterializedViewName(TpchQuery query) => query.StreamTableName + "_view";

    private static async Task<string> LoadAsync(PostgresServer server, string name, string dataSql, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"loading database {name}");
        var connectionString = await server.CreateDatabaseAsync($"{name}_{Environment.ProcessId}", cancellationToken);
        var loaded = await server.RunPsqlScriptAsync(connectionString, TpchData.SchemaDdl + dataSql, cancellationToken);
        if (!loaded.Succeeded)
            throw new InvalidOperationException($"loading the TPC-H data failed: {loaded.Describe()}");
        return connectionString;
    }

    private static Task InstallAsync(PostgresServer server, string connectionString, SourceCatalog catalog, TpchQuery query,
        RefreshMode mode, bool createIndexes, CancellationToken cancellationToken) =>
        StreamTableInstaller.InstallAsync(server, connectionString, catalog, query.StreamTableName, query.Sql,
            new CompilationOptions(Name: query.StreamTableName, Mode: mode) { CreateIndexes = createIndexes }, cancellationToken);

    private static async Task RunTransactionAsync(NpgsqlConnection session, IEnumerable<TpchStatement> statements, CancellationToken cancellationToken)
    {
        await using var transaction = await session.BeginTransactionAsync(cancellationToken);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement.Sql, session, transaction) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>One transaction of <paramref name="statements"/>, from BEGIN to COMMIT, in milliseconds.</summary>
    private static async Task<double> TimeTransactionAsync(NpgsqlConnection session, IEnumerable<TpchStatement> statements, CancellationToken cancellationToken)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await RunTransactionAsync(session, statements, cancellationToken);
        return stopwatch.Elapsed.TotalMilliseconds;
    }
}
