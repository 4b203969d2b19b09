using System.Globalization;

namespace Trickle.Bench;

/// <summary>Repeated measurements of one quantity, reported as median and spread.</summary>
public sealed record Sample(IReadOnlyList<double> Values)
{
    public double Median
    {
        get
        {
            var sorted = Values.Order().ToArray();
            var middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public double Min => Values.Min();

    public double Max => Values.Max();

    /// <summary>Per-repetition ratios numerator[i] / denominator[i]: both were measured on the same data.</summary>
    public static Sample Ratio(Sample numerator, Sample denominator) =>
        new(numerator.Values.Zip(denominator.Values, (n, d) => n / Math.Max(d, 0.001)).ToArray());

    /// <summary>"12.3 (11.9–13.0)"; a single value has no spread to show.</summary>
    public string Format(Func<double, string> format) =>
        Values.Count == 1 ? format(Median) : $"{format(Median)} ({format(Min)}–{format(Max)})";

    public string Milliseconds() => Format(FormatMilliseconds);

    public string Times() => Format(value => FormatNumber(value) + "×");

    public static string FormatMilliseconds(double value) => FormatNumber(value);

    public static string FormatNumber(double value) => value switch
    {
        < 10 => value.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("#,0", CultureInfo.InvariantCulture),
    };
}
