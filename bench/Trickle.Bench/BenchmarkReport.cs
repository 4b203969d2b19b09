using System.Globalization;
using System.Runtime.InteropServices;

namespace Trickle.Bench;

/// <summary>docs/benchmarks.md: where and how the figures were measured, then the tables.</summary>
public sealed record BenchmarkReport(
    BenchProfile Profile,
    DateTimeOffset Started,
    TimeSpan Duration,
    string? LoadAtStart,
    string PostgresVersion,
    IReadOnlyList<KeyValuePair<string, string>> ServerSettings,
    string RefreshTables,
    string WritePathTables,
    string CompileTables)
{
    public const string Command = "dotnet run -c Release --project bench/Trickle.Bench -- [--quick] [--out docs/benchmarks.md]";

    /// <summary>Just the results, as printed to stdout.</summary>
    public string Results() => $"""
        ## Results

        ### 1. Refresh cost

        {RefreshTables}
        ### 2. Write-path overhead (pgbench)

        {WritePathTables}
        ### 3. Compile speed

        {CompileTables}
        """;

    public string Document()
    {
        var quickWarning = Profile == BenchProfile.Quick
            ? "\n> **Quick run** (`--quick`): 100,000 orders, fewer repetitions and rates, 3 s pgbench runs. Indicative only.\n"
            : "";
        var settings = string.Join(", ", ServerSettings.Select(setting => $"`{setting.Key}={setting.Value}`"));
        var rates = string.Join(", ", Profile.Rates.Select(rate => $"{rate.Label} × {rate.Repetitions}"));
        return $"""
            # Benchmarks

            Produced by `{Command}` (this file is its `--out`; do not edit it by hand).
            {quickWarning}
            - Date: {Started.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; the run took {Duration.TotalMinutes:0.0} min ({Profile.Name} profile).
            - Machine: {Environment.ProcessorCount} cores (`nproc`), {CpuModel()}, {MemoryGiB()} GiB RAM, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}.
            - PostgreSQL: {PostgresVersion}.
            - Load average (1 min, `/proc/loadavg`): {LoadAtStart ?? "?"} at the start, {LoadAverage() ?? "?"} at the end. Anything else
              running on the machine shows here; it slows every contender, but a ratio of two figures measured back to
              back suffers less than either figure.

            ## Method

            - **Server.** A throwaway cluster started by the benchmark itself (`tests/Trickle.Postgres`, as the database
              tests use), unix socket only, with {settings}. Autovacuum is off so that it cannot fire in the middle of a
              measurement; instead every measurement is followed by an untimed `VACUUM ANALYZE` of the whole database
              (loads too), which removes the dead rows of source tables and consumed change buffers as autovacuum would.
              `fsync=off` is the tests' setting: it takes the disk out of the figures, which then compare CPU work.
            - **Data.** `customers(id, name, region)` with {Profile.Customers:N0} rows (8 regions) and `orders(id, customer_id,
              status, amount, quantity)` with {Profile.Orders:N0} rows (4 statuses, 1% NULL amounts), indexes on
              `orders(customer_id)` and `orders(amount DESC NULLS LAST, id)`, loaded deterministically (`setseed`).
            - **Change batches.** A batch of *r*% of the orders is one transaction: 70% updates (each updated row changes one
              of amount, status, customer_id, in turn), 15% inserts of new ids, 15% deletes of random rows. After it, an
              untimed scan of orders sets the hint bits of the rows it wrote, a cost that would otherwise fall on
              whichever refresh is timed first.
            - **Refresh cost.** One query class at a time is installed four ways: a DIFFERENTIAL, a FULL and an AUTO
              stream table and a `CREATE MATERIALIZED VIEW` of the same query. Stream tables are compiled in-process with
              `Compilation.Compile` and installed with `psql -v ON_ERROR_STOP=1 -f`. For each rate ({rates}; rate ×
              repetitions) and repetition: apply a batch, then time `SELECT trickle.refresh(…)` of the DIFFERENTIAL one,
              `trickle.refresh` of the FULL one, `REFRESH MATERIALIZED VIEW` and `trickle.refresh` of the AUTO one, in
              that order, on one session, as wall time seen by the client. All four see the same data; AUTO chooses
              from its own refresh history, which grows rate by rate, and "AUTO chose" lists its strategies. Ratios are computed per repetition (MV ms / DIFFERENTIAL ms of the same
              batch) and summarised as median (min–max). "No pending changes" times `trickle.refresh` of the
              DIFFERENTIAL stream table {Profile.NoChangeRepetitions} times after a `VACUUM`. AUTO at 50%: the aggregate query
              installed in `auto` mode next to a FULL one; after each 50% batch, an untimed run of the query, then the
              AUTO and FULL refreshes, taking turns at going first; the strategy comes from `trickle.refresh_history`.
              FULL knows nothing of the changes, so its recompute compares every recomputed group with the stored one;
              AUTO, which has counted more pending change rows than stored groups, replaces them all instead.
            - **Write path.** pgbench ({Profile.PgBenchDuration.TotalSeconds:0} s per run, {Profile.PgBenchRepetitions}
              run(s) per cell, `-M prepared`, `-n`) with three weighted scripts for the single-row case (UPDATE of a
              random order's amount, INSERT of a new order, DELETE of a random order: each pgbench transaction is one
              statement) and one script inserting 1,000 rows per transaction. New ids come from a sequence, so runs
              never collide. 1 client, and 4 clients on 2 threads (`-c 4 -j 2`). Each configuration has its own copy of
              orders (same rows, same indexes) with its stream tables installed on it, and the configurations run one
              after the other within each repetition, so that a change in the machine's load hits all of them; buffers
              are not refreshed during the runs. The ratio is TPS with stream tables / TPS without, per repetition.
            - **Compile speed.** Warm: in-process `Compilation.Compile` measured by BenchmarkDotNet (in-process emit
              toolchain, 3 warm-up and {Profile.WarmCompileRepetitions} measured iterations of 200 ms per query); cold: wall time of
              {Profile.ColdCompileRuns} runs of the Release CLI, `dotnet src/Trickle.Cli/bin/Release/net10.0/trickle.dll compile
              examples/order_totals.sql --schema examples/schema.sql`, each a new process.
            - **Targets** are the product's promises; each is marked met or missed. Speed-up targets compare DIFFERENTIAL
              with a materialized view refresh (the recomputation PostgreSQL offers) and apply to the aggregate and
              join classes.

            {Results()}
            """;
    }

    /// <summary>The 1-minute load average, as a shared machine's noise indicator.</summary>
    public static string? LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : null;

    private static string CpuModel() =>
        ReadProcLine("/proc/cpuinfo", "model name") is { } line ? line.Split(':', 2)[1].Trim() : RuntimeInformation.ProcessArchitecture.ToString();

    private static string MemoryGiB()
    {
        var line = ReadProcLine("/proc/meminfo", "MemTotal");
        if (line is null)
            return "?";
        var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (kilobytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);
    }

    private static string? ReadProcLine(string path, string prefix) =>
        File.Exists(path) ? File.ReadLines(path).FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal)) : null;
}
