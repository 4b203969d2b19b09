using System.Globalization;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Schedules;

/// <summary>
/// The five cron fields (minute, hour, day of month, month, day of week), each a comma list of <c>*</c>, <c>n</c>,
/// <c>a-b</c>, with an optional <c>/step</c>. Month and weekday names (<c>jan</c>, <c>mon</c>) become numbers, so the
/// runtime's reader (<c>trickle.cron_field</c>) only knows digits. As in Vixie cron, when both day fields are
/// restricted a day matches either; the runtime evaluates the expression in UTC.
/// </summary>
public static class CronExpression
{
    private static readonly string[] FieldNames = ["minute", "hour", "day of month", "month", "day of week"];
    private static readonly (int Low, int High)[] Ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] Weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private static readonly int[] LongestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    /// <summary>The normalised expression (fields lower-case, names as numbers, one space apart), or null and the problem.</summary>
    public static string? Parse(string text, out ScheduleError? error)
    {
        error = null;
        var fields = SplitFields(text);
        if (fields.Count != 5)
        {
            var start = text.Length - text.TrimStart().Length;
            error = new ScheduleError(DiagnosticCode.InvalidCronField, start, text.Trim().Length,
                $"cron schedule '{text.Trim()}' has {fields.Count} fields; it needs 5: minute hour day-of-month month day-of-week");
            return null;
        }
        var normalised = new string[5];
        var values = new HashSet<int>[5];
        for (var f = 0; f < 5; f++)
        {
            var (offset, field) = fields[f];
            var names = f == 3 ? Months : f == 4 ? Weekdays : null;
            var result = ParseField(field.ToLowerInvariant(), Ranges[f], names, f == 3 ? 1 : 0);
            if (result.Error is { } message)
            {
                error = new ScheduleError(DiagnosticCode.InvalidCronField, offset, field.Length, $"cron {FieldNames[f]} field '{field}': {message}");
                return null;
            }
            normalised[f] = result.Text!;
            values[f] = result.Values!;
        }
        // With the weekday unrestricted, a day of month that no listed month has (30 February) never comes.
        if (normalised[4] == "*" && !values[3].Any(month => values[2].Any(day => day <= LongestMonth[month - 1])))
        {
            var (offset, field) = fields[2];
            error = new ScheduleError(DiagnosticCode.InvalidCronField, offset, field.Length,
                $"cron schedule '{text.Trim()}' never fires: no listed month has day {values[2].Min()}");
            return null;
        }
        return string.Join(' ', normalised);
    }

    private static List<(int Offset, string Text)> SplitFields(string text)
    {
        var fields = new List<(int, string)>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            fields.Add((start, text[start..i]));
        }
        return fields;
    }

    private readonly record struct FieldResult(string? Text, HashSet<int>? Values, string? Error);

    private static FieldResult ParseField(string field, (int Low, int High) range, string[]? names, int nameBase)
    {
        var items = new List<string>();
        var values = new HashSet<int>();
        foreach (var item in field.Split(','))
        {
            var slash = item.IndexOf('/');
            var rangePart = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
                return new FieldResult(null, null, $"step '{item[(slash + 1)..]}' is not a positive number");
            int low, high;
            string written;
            if (rangePart == "*")
            {
                (low, high, written) = (range.Low, range.High, "*");
            }
            else
            {
                var dash = rangePart.IndexOf('-');
                var lowText = dash < 0 ? rangePart : rangePart[..dash];
                if (Value(lowText, names, nameBase) is not { } first)
                    return new FieldResult(null, null, $"'{lowText}' is not a number{(names is null ? "" : " or name")}");
                low = first;
                high = slash >= 0 && dash < 0 ? range.High : first;
                if (dash >= 0)
                {
                    var highText = rangePart[(dash + 1)..];
                    if (Value(highText, names, nameBase) is not { } last)
                        return new FieldResult(null, null, $"'{highText}' is not a number{(names is null ? "" : " or name")}");
                    high = last;
                }
                if (low < range.Low || low > range.High || high < range.Low || high > range.High)
                    return new FieldResult(null, null, $"values must be between {range.Low} and {range.High}");
                if (low > high)
                    return new FieldResult(null, null, $"range {low}-{high} runs backwards");
                written = dash >= 0 ? $"{low}-{high}" : low.ToString(CultureInfo.InvariantCulture);
            }
            items.Add(slash >= 0 ? $"{written}/{step}" : written);
            for (var v = low; v <= high; v += step) values.Add(v);
        }
        return new FieldResult(string.Join(',', items), values, null);
    }

    private static int? Value(string text, string[]? names, int nameBase)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit) && text.Length <= 3)
            return int.Parse(text, CultureInfo.InvariantCulture);
        var index = names is null ? -1 : Array.IndexOf(names, text);
        return index < 0 ? null : index + nameBase;
    }
}
