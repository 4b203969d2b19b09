using Npgsql;
using Trickle.Compiler;

namespace Trickle.Bench;

/// <summary>
/// Refresh cost per query class and change rate: a DIFFERENTIAL, a FULL and an AUTO stream table and a materialized
/// view of the same query, refreshed one after the other on the same data after each change batch. AUTO chooses from
/// its own measured history, so its column shows whether that choice is never slower than recomputing.
/// </summary>
public sealed class RefreshBenchmark(OrdersWorkload workload, StreamTableInstaller installer, Action<string> log)
{
    /// <summary>
    /// A DIFFERENTIAL refresh slower than this is cancelled and the class's larger batches are skipped: it is already far
    /// slower than recomputing, and one pathological case must not blow the run's time budget.
    /// </summary>
    private static readonly TimeSpan RefreshLimit = TimeSpan.FromSeconds(30);

    private BenchProfile Profile => workload.Profile;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var sections = new List<string>();
        var noChange = new MarkdownTable("query class", "refresh with nothing pending, ms", "target ≤ 1 ms");
        foreach (var queryClass in QueryClass.All)
        {
            var (table, idle) = await RunClassAsync(queryClass, cancellationToken);
            sections.Add($"#### {queryClass.Title}\n\n`{queryClass.Query}`\n\n{table}");
            noChange.Add(queryClass.Title, idle.Milliseconds(), new Target("≤ 1 ms", idle.Median <= 1.0).ToString());
        }
        sections.Add($"#### Refresh with no pending changes (DIFFERENTIAL, median of {Profile.NoChangeRepetitions})\n\n{noChange}");
        sections.Add(await RunAutoAsync(cancellationToken));
        return string.Join("\n", sections);
    }

    private async Task<(MarkdownTable Table, Sample Idle)> RunClassAsync(QueryClass queryClass, CancellationToken cancellationToken)
    {
        var differential = $"{queryClass.Key}_differential";
        var full = $"{queryClass.Key}_full";
        var view = $"{queryClass.Key}_mv";
        var auto = $"{queryClass.Key}_auto";
        log($"refresh: installing {queryClass.Title}");
        await installer.InstallStreamTableAsync(differential, queryClass.Query, RefreshMode.Differential, cancellationToken);
        await installer.InstallStreamTableAsync(full, queryClass.Query, RefreshMode.Full, cancellationToken);
        await installer.InstallStreamTableAsync(auto, queryClass.Query, RefreshMode.Auto, cancellationToken);
        await installer.InstallMaterializedViewAsync(view, queryClass.Query, cancellationToken);
        await workload.VacuumAnalyzeAsync(cancellationToken);

        await using var session = await workload.OpenAsync(cancellationToken);
        // Measured first, right after the install's VACUUM: a DIFFERENTIAL refresh cut off by the limit below leaves
        // its changes pending, and nothing could be measured as "no change" after it.
        var idle = await TimeNoChangeRefreshAsync(session, differential, cancellationToken);
        await StreamTableInstaller.ExecuteAsync(session, $"SET statement_timeout = {(int)RefreshLimit.TotalMilliseconds}", cancellationToken);

        var table = new MarkdownTable("change rate", "rows changed", "DIFFERENTIAL ms", "FULL ms", "MV ms",
            "MV / DIFFERENTIAL", "FULL / DIFFERENTIAL", "target", "AUTO ms", "FULL / AUTO", "AUTO chose");
        var limitExceeded = false;
        foreach (var rate in Profile.Rates)
        {
            var rows = rate.RowsOf(Profile.Orders);
            if (limitExceeded)
            {
                table.Add(rate.Label, rows.ToString("N0"), "not run: a smaller batch exceeded the limit", "", "", "", "", "–", "", "", "");
                continue;
            }
            log($"refresh: {queryClass.Title}, {rate.Label} ({rows:N0} rows) × {rate.Repetitions}");
            var timings = new[] { differential, full, view, auto }.ToDictionary(name => name, _ => new List<double>());
            var strategies = new List<string>();
            for (var repetition = 0; repetition < rate.Repetitions && !limitExceeded; repetition++)
            {
                await workload.ApplyBatchAsync(rows, cancellationToken);
                var differentialMs = await TimeWithinLimitAsync(session, StreamTableInstaller.RefreshStreamTableSql(differential), cancellationToken);
                limitExceeded = differentialMs is null;
                timings[differential].Add(differentialMs ?? RefreshLimit.TotalMilliseconds);
                timings[full].Add(await StreamTableInstaller.TimeAsync(session, StreamTableInstaller.RefreshStreamTableSql(full), cancellationToken));
                timings[view].Add(await StreamTableInstaller.TimeAsync(session, StreamTableInstaller.RefreshMaterializedViewSql(view), cancellationToken));
                // AUTO last: by then the batch's pages are as warm for it as for FULL, which ran after DIFFERENTIAL.
                var autoMs = await TimeWithinLimitAsync(session, StreamTableInstaller.RefreshStreamTableSql(auto), cancellationToken);
                timings[auto].Add(autoMs ?? RefreshLimit.TotalMilliseconds);
                strategies.Add(autoMs is null ? "cancelled" : await StreamTableInstaller.LastStrategyAsync(session, auto, cancellationToken));
                await workload.VacuumAnalyzeAsync(cancellationToken);
            }
            var autoSample = new Sample(timings[auto]);
            var fullSample = new Sample(timings[full]);
            var fullOverAuto = Sample.Ratio(fullSample, autoSample);
            table.Add([.. ClassRow(queryClass, rate, rows, new Sample(timings[differential]), fullSample, new Sample(timings[view]), limitExceeded),
                autoSample.Milliseconds(), $"{fullOverAuto.Times()} {new Target("≥ 1×", fullOverAuto.Median >= 1.0)}",
                string.Join(", ", strategies.GroupBy(s => s).Select(g => g.Count() == strategies.Count ? g.Key : $"{g.Key} ×{g.Count()}"))]);
        }

        await installer.DropStreamTableAsync(differential, cancellationToken);
        await installer.DropStreamTableAsync(full, cancellationToken);
        await installer.DropStreamTableAsync(auto, cancellationToken);
        await installer.DropMaterializedViewAsync(view, cancellationToken);
        return (table, idle);
    }

    private static string[] ClassRow(QueryClass queryClass, ChangeRate rate, int rows, Sample differentialMs, Sample fullMs, Sample viewMs, bool limitExceeded)
    {
        if (limitExceeded)
            return [rate.Label, rows.ToString("N0"), $"> {RefreshLimit.TotalMilliseconds:#,0} (cancelled)", fullMs.Milliseconds(), viewMs.Milliseconds(),
                $"< {Sample.FormatNumber(viewMs.Median / RefreshLimit.TotalMilliseconds)}×", $"< {Sample.FormatNumber(fullMs.Median / RefreshLimit.TotalMilliseconds)}×",
                SpeedUpTarget(queryClass, rate, new Sample([0.0]))];
        var speedUp = Sample.Ratio(viewMs, differentialMs);
        return [rate.Label, rows.ToString("N0"), differentialMs.Milliseconds(), fullMs.Milliseconds(), viewMs.Milliseconds(),
            speedUp.Times(), Sample.Ratio(fullMs, differentialMs).Times(), SpeedUpTarget(queryClass, rate, speedUp)];
    }

    /// <summary>Null when the statement ran into the session's statement_timeout.</summary>
    private static async Task<double?> TimeWithinLimitAsync(NpgsqlConnection session, string sql, CancellationToken cancellationToken)
    {
        try
        {
            return await StreamTableInstaller.TimeAsync(session, sql, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            return null;
        }
    }

    /// <summary>The promised speed-up over a full recomputation (a materialized view refresh), where one is promised.</summary>
    private static string SpeedUpTarget(QueryClass queryClass, ChangeRate rate, Sample speedUp)
    {
        double? promised = rate.Percent switch { 0.1 => 100, 1 => 20, 10 => 3, _ => null };
        if (!queryClass.HasSpeedUpTargets || promised is null)
            return "–";
        return new Target($"≥ {promised}×", speedUp.Median >= promised).ToString();
    }

    private async Task<Sample> TimeNoChangeRefreshAsync(NpgsqlConnection session, string name, CancellationToken cancellationToken)
    {
        var refresh = StreamTableInstaller.RefreshStreamTableSql(name);
        await StreamTableInstaller.TimeAsync(session, refresh, cancellationToken);
        var timings = new List<double>();
        for (var repetition = 0; repetition < Profile.NoChangeRepetitions; repetition++)
            timings.Add(await StreamTableInstaller.TimeAsync(session, refresh, cancellationToken));
        return new Sample(timings);
    }

    /// <summary>
    /// AUTO promises never to be slower than recomputing: after a 50% batch it should choose a full refresh and take
    /// about as long as a FULL stream table's refresh.
    /// </summary>
    private async Task<string> RunAutoAsync(CancellationToken cancellationToken)
    {
        var queryClass = QueryClass.Aggregate;
        var auto = $"{queryClass.Key}_auto";
        var full = $"{queryClass.Key}_full";
        var rate = new ChangeRate(50, Profile.AutoRepetitions);
        var rows = rate.RowsOf(Profile.Orders);
        log($"refresh: AUTO vs FULL, {queryClass.Title}, {rate.Label} × {rate.Repetitions}");
        await installer.InstallStreamTableAsync(auto, queryClass.Query, RefreshMode.Auto, cancellationToken);
        await installer.InstallStreamTableAsync(full, queryClass.Query, RefreshMode.Full, cancellationToken);
        await workload.VacuumAnalyzeAsync(cancellationToken);

        await using var session = await workload.OpenAsync(cancellationToken);
        var autoTimings = new List<double>();
        var fullTimings = new List<double>();
        var strategies = new List<string>();
        for (var repetition = 0; repetition < rate.Repetitions; repetition++)
        {
            await workload.ApplyBatchAsync(rows, cancellationToken);
            // The first recomputation after a batch ran 10–40% slower than the second, whichever stream table it was
            // (measured by hand: an AUTO refresh always timed first read 0.91× of FULL, alternated 1.07×). An untimed run
            // of the query warms what the batch left cold, and the two take turns at going first.
            await StreamTableInstaller.ExecuteAsync(session, $"SELECT count(q.*) FROM ({queryClass.Query}) AS q", cancellationToken);
            async Task TimeAutoAsync()
            {
                autoTimings.Add(await StreamTableInstaller.TimeAsync(session, StreamTableInstaller.RefreshStreamTableSql(auto), cancellationToken));
                strategies.Add(await StreamTableInstaller.LastStrategyAsync(session, auto, cancellationToken));
            }
            async Task TimeFullAsync() =>
                fullTimings.Add(await StreamTableInstaller.TimeAsync(session, StreamTableInstaller.RefreshStreamTableSql(full), cancellationToken));
            if (repetition % 2 == 0)
            {
                await TimeAutoAsync();
                await TimeFullAsync();
            }
            else
            {
                await TimeFullAsync();
                await TimeAutoAsync();
            }
            await workload.VacuumAnalyzeAsync(cancellationToken);
        }
        await installer.DropStreamTableAsync(auto, cancellationToken);
        await installer.DropStreamTableAsync(full, cancellationToken);

        var autoMs = new Sample(autoTimings);
        var fullMs = new Sample(fullTimings);
        var ratio = Sample.Ratio(fullMs, autoMs);
        var table = new MarkdownTable("query class", "change rate", "rows changed", "AUTO ms", "FULL ms", "FULL / AUTO", "AUTO chose", "target")
            .Add(queryClass.Title, rate.Label, rows.ToString("N0"), autoMs.Milliseconds(), fullMs.Milliseconds(), ratio.Times(),
                string.Join("; ", strategies.Distinct()), new Target("AUTO no slower than FULL", ratio.Median >= 1.0).ToString());
        return $"#### AUTO mode at a 50% batch\n\n{table}";
    }
}
