using System.Globalization;
using System.Text;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Schedules;

/// <summary>
/// A stream table's refresh schedule, checked and normalised at compile time so the runtime reads one spelling:
/// a duration (<c>'1m30s'</c>: refresh that long after the previous refresh started), a 5-field cron expression in UTC
/// (<c>'*/5 * * * *'</c>; <c>@hourly</c>, <c>@daily</c> … are stored as their fields), or <c>'calculated'</c> (from the
/// stream tables that read this one). <see cref="Text"/> is what <c>trickle.stream_table_catalog.schedule</c> holds.
/// </summary>
public sealed record Schedule(ScheduleKind Kind, string Text)
{
    /// <summary>The longest duration accepted: a schedule is about freshness, a year apart is none.</summary>
    public static readonly TimeSpan LongestDuration = TimeSpan.FromDays(366);

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    /// <summary>Parses a schedule as written; on failure returns null and the problem, positioned within <paramref name="text"/>.</summary>
    public static Schedule? Parse(string text, out ScheduleError? error)
    {
        error = null;
        var trimmed = text.Trim();
        if (trimmed.Equals("calculated", StringComparison.OrdinalIgnoreCase))
            return new Schedule(ScheduleKind.Calculated, "calculated");
        if (trimmed.StartsWith('@'))
        {
            if (Aliases.TryGetValue(trimmed, out var fields))
                return new Schedule(ScheduleKind.Cron, fields);
            error = new ScheduleError(DiagnosticCode.InvalidSchedule, text.IndexOf('@'), trimmed.Length,
                $"unknown schedule '{trimmed}' (use @yearly, @monthly, @weekly, @daily or @hourly)");
            return null;
        }
        // A duration may contain spaces ('1m 30s'); five fields, or a '*', make it a cron expression.
        if (ParseDurationMilliseconds(text) is null
            && (trimmed.Contains('*') || trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length == 5))
            return CronExpression.Parse(text, out error) is { } cron ? new Schedule(ScheduleKind.Cron, cron) : null;
        return ParseDuration(text, out error);
    }

    /// <summary>A duration's length; null for cron and calculated schedules.</summary>
    public TimeSpan? Period => Kind == ScheduleKind.Duration ? ParseDurationMilliseconds(Text) is { } ms ? TimeSpan.FromMilliseconds(ms) : null : null;

    private static Schedule? ParseDuration(string text, out ScheduleError? error)
    {
        error = null;
        var total = ParseDurationMilliseconds(text);
        if (total is null)
        {
            var start = text.Length - text.TrimStart().Length;
            error = new ScheduleError(DiagnosticCode.InvalidSchedule, start, text.Trim().Length,
                $"schedule '{text.Trim()}' is not a duration such as '500ms', '3s', '1m30s' or '1h', a cron expression such as '*/5 * * * *', @hourly, @daily or 'calculated'");
            return null;
        }
        if (total <= 0 || total > LongestDuration.TotalMilliseconds)
        {
            var start = text.Length - text.TrimStart().Length;
            error = new ScheduleError(DiagnosticCode.ScheduleOutOfRange, start, text.Trim().Length,
                $"schedule '{text.Trim()}' must be longer than zero and at most 366 days");
            return null;
        }
        return new Schedule(ScheduleKind.Duration, FormatDuration(total.Value));
    }

    /// <summary>Sum of <c>&lt;digits&gt;&lt;unit&gt;</c> parts (units ms, s, m or min, h, d; spaces allowed between parts).</summary>
    private static long? ParseDurationMilliseconds(string text)
    {
        long total = 0;
        var i = 0;
        var parts = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i == text.Length) return parts > 0 ? total : null;
            var digitsStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == digitsStart || i - digitsStart > 12) return null;
            var amount = long.Parse(text.Substring(digitsStart, i - digitsStart), CultureInfo.InvariantCulture);
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            long? scale = text[unitStart..i].ToLowerInvariant() switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" or "min" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => null,
            };
            if (scale is null) return null;
            total += amount * scale.Value;
            if (total > 100L * 366 * 86_400_000) return total;
            parts++;
        }
    }

    /// <summary>The one spelling stored: largest units first, each at most once (<c>90s</c> → <c>1m30s</c>).</summary>
    private static string FormatDuration(long milliseconds)
    {
        var text = new StringBuilder();
        foreach (var (unit, size) in new[] { ("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1_000L), ("ms", 1L) })
        {
            if (milliseconds < size) continue;
            text.Append((milliseconds / size).ToString(CultureInfo.InvariantCulture)).Append(unit);
            milliseconds %= size;
        }
        return text.ToString();
    }
}

public enum ScheduleKind
{
    Duration,
    Cron,
    Calculated,
}

/// <summary>Why a schedule was rejected, and where within its text (0-based offset, length).</summary>
public sealed record ScheduleError(DiagnosticCode Code, int Offset, int Length, string Message);
