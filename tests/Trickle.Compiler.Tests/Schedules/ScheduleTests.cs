using Trickle.Compiler.Catalog;
using Trickle.Compiler.Schedules;
using Xunit;

namespace Trickle.Compiler.Tests.Schedules;

/// <summary>What a schedule may say, the one spelling the catalog stores, and where a bad one is reported.</summary>
public sealed class ScheduleTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("CREATE TABLE items (id bigint PRIMARY KEY, kind text);");

    [Theory]
    [InlineData("500ms", "500ms")]
    [InlineData("3s", "3s")]
    [InlineData("1m30s", "1m30s")]
    [InlineData("90s", "1m30s")]
    [InlineData("1m 30s", "1m30s")]
    [InlineData("2min", "2m")]
    [InlineData("1h", "1h")]
    [InlineData("1500ms", "1s500ms")]
    [InlineData("1d", "1d")]
    [InlineData("*/5 * * * *", "*/5 * * * *")]
    [InlineData("  0   3 * * MON-fri ", "0 3 * * 1-5")]
    [InlineData("15,45 9-17/2 1 jan,Jul 7", "15,45 9-17/2 1 1,7 7")]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@DAILY", "0 0 * * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("Calculated", "calculated")]
    public void ValidSchedule_IsStoredNormalised(string written, string stored)
    {
        var schedule = Schedule.Parse(written, out var error);

        Assert.Null(error);
        Assert.Equal(stored, schedule!.Text);
    }

    [Theory]
    // code, column of the diagnostic (the value's opening quote is at column 18)
    [InlineData("5 parsecs", "TRK5002", 19)]
    [InlineData("soon", "TRK5002", 19)]
    [InlineData("3x", "TRK5002", 19)]
    [InlineData("@often", "TRK5002", 19)]
    [InlineData("0s", "TRK5004", 19)]
    [InlineData("400d", "TRK5004", 19)]
    [InlineData("* * * *", "TRK5003", 19)]
    [InlineData("0 24 * * *", "TRK5003", 21)]
    [InlineData("0 0 * * 8", "TRK5003", 27)]
    [InlineData("*/0 * * * *", "TRK5003", 19)]
    [InlineData("0 0 5-1 * *", "TRK5003", 23)]
    [InlineData("0 0 * foo *", "TRK5003", 25)]
    [InlineData("0 0 30 feb *", "TRK5003", 23)]
    public void InvalidSchedule_IsReportedAtTheOffendingPart(string written, string code, int column)
    {
        var result = TestCompiler.Compile($"CREATE STREAM TABLE x\nWITH (schedule = '{written}')\nAS SELECT id FROM items", Catalog);

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal($"{code} at 2:{column}", $"{error.Code} at {error.Span.Line}:{error.Span.Column}");
    }

    [Fact]
    public void CronSchedule_ThatFiresOnlyInSomeMonths_IsAccepted()
    {
        Assert.Equal("0 0 31 1,2 *", Schedule.Parse("0 0 31 1,2 *", out _)!.Text);
        // Restricted weekday: the day matches either field, so 30 February with Mondays still fires.
        Assert.Equal("0 0 30 2 1", Schedule.Parse("0 0 30 2 1", out _)!.Text);
    }

    [Fact]
    public void Schedule_OnAnImmediateStreamTable_WarnsThatItHasNoEffect()
    {
        var result = TestCompiler.Compile("CREATE STREAM TABLE x\nWITH (schedule = '1s', refresh_mode = 'immediate')\nAS SELECT id FROM items", Catalog);

        Assert.True(result.Success);
        Assert.Equal("TRK5005 at 2:18", Assert.Single(result.Diagnostics, d => !d.IsError) is var w ? $"{w.Code} at {w.Span.Line}:{w.Span.Column}" : "");
    }

    [Fact]
    public void Schedule_IsStoredInTheCatalogRowNormalised()
    {
        var script = TestCompiler.Script("CREATE STREAM TABLE x WITH (schedule = '90s') AS SELECT id FROM items", Catalog);

        Assert.Contains("'differential',\n    '1m30s',", script.Replace("'auto'", "'differential'"));
    }
}
