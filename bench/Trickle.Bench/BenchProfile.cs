namespace Trickle.Bench;

/// <summary>A share of the orders table changed in one transaction, and how often that is measured.</summary>
public sealed record ChangeRate(double Percent, int Repetitions)
{
    public int RowsOf(int orders) => Math.Max(1, (int)Math.Round(orders * Percent / 100.0));

    public string Label => $"{Percent.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}%";
}

/// <summary>Sizes and repetition counts of one benchmark run: the full run documented in docs/benchmarks.md, or --quick.</summary>
public sealed record BenchProfile(
    string Name,
    int Orders,
    int Customers,
    IReadOnlyList<ChangeRate> Rates,
    int NoChangeRepetitions,
    int AutoRepetitions,
    TimeSpan PgBenchDuration,
    int PgBenchRepetitions,
    int WarmCompileRepetitions,
    int ColdCompileRuns)
{
    public static readonly BenchProfile Full = new(
        "full",
        Orders: 1_000_000,
        Customers: 50_000,
        Rates: [new(0.01, 2), new(0.1, 3), new(1, 3), new(10, 2), new(50, 1)],
        NoChangeRepetitions: 20,
        AutoRepetitions: 4,
        PgBenchDuration: TimeSpan.FromSeconds(8),
        PgBenchRepetitions: 2,
        WarmCompileRepetitions: 15,
        ColdCompileRuns: 5);

    public static readonly BenchProfile Quick = new(
        "quick",
        Orders: 100_000,
        Customers: 5_000,
        Rates: [new(0.1, 3), new(1, 3), new(10, 2), new(50, 1)],
        NoChangeRepetitions: 20,
        AutoRepetitions: 1,
        PgBenchDuration: TimeSpan.FromSeconds(3),
        PgBenchRepetitions: 1,
        WarmCompileRepetitions: 15,
        ColdCompileRuns: 5);
}
