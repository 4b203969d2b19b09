using System.Text;
using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Xunit;

namespace Trickle.Compiler.Tests.Snapshots;

/// <summary>
/// The examples shipped in <c>examples/</c>, compiled against <c>examples/schema.sql</c> (and the stream table
/// <c>examples/order_totals.sql</c>, which another example reads): any change to the generated
/// script or to a plan shows up as a snapshot diff to review.
/// </summary>
public sealed class ExampleScriptSnapshotTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.Examples, "*.sql").Order(StringComparer.Ordinal))
            if (Path.GetFileName(file) != "schema.sql")
                data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Fact]
    public void ExamplesFolder_HoldsStreamTablesBesidesTheSchema() =>
        Assert.True(Examples().Count >= 4, $"expected the four examples in {Repository.Examples}");

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_EmittedScript_MatchesSnapshot(string example)
    {
        var script = CompileExample(example);

        Snapshot.Match(script, new SnapshotNameExtension(example));
    }

    /// <summary>The upgrade script (<c>--upgrade</c>) of one example, as it is and switched to IMMEDIATE.</summary>
    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public void OrderTotals_UpgradeScript_MatchesSnapshot(string mode)
    {
        var result = Compilation.Compile(ExampleSource("order_totals"), ExampleCatalog(),
            new CompilationOptions(Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true), Upgrade: true));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));

        Snapshot.Match(result.Script!, new SnapshotNameExtension(mode));
    }

    /// <summary>IMMEDIATE applied at COMMIT (<c>immediate_apply = 'commit'</c>): capture and queue in the statement, apply at COMMIT.</summary>
    [Fact]
    public void OrderTotals_ImmediateAppliedAtCommit_MatchesSnapshot()
    {
        var result = Compilation.Compile(ExampleSource("order_totals"), ExampleCatalog(),
            new CompilationOptions(Mode: RefreshMode.Immediate) { ImmediateApply = ImmediateApply.Commit });
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));

        Snapshot.Match(result.Script!);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_BoundPlanAndPlanAfterEachRewritePass_MatchSnapshot(string example)
    {
        var diagnostics = new DiagnosticBag();
        var analysis = Compilation.Analyze(ExampleSource(example), ExampleCatalog(), new CompilationOptions(), diagnostics);
        Assert.DoesNotContain(diagnostics.Items, d => d.IsError);
        Assert.NotNull(analysis);

        var text = new StringBuilder();
        text.Append("-- bound\n").Append(IrPrinter.Print(analysis.Bound.Plan));
        foreach (var (pass, plan) in analysis.Passes)
            text.Append("-- after ").Append(pass).Append('\n').Append(plan);

        Snapshot.Match(text.ToString(), new SnapshotNameExtension(example));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_CompiledTwice_YieldsByteIdenticalScripts(string example)
    {
        var first = CompileExample(example);
        var second = CompileExample(example);

        Assert.Equal(Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_Script_HasUnixLineEndingsNoTrailingSpacesAndEndsWithOneNewline(string example)
    {
        var script = CompileExample(example);

        Assert.DoesNotContain('\r', script);
        var lines = script.Split('\n');
        var withTrailingSpace = lines.Select((line, index) => (line, number: index + 1))
            .Where(l => l.line.EndsWith(' ') || l.line.EndsWith('\t'))
            .Select(l => $"{l.number}: [{l.line}]")
            .ToList();
        Assert.True(withTrailingSpace.Count == 0, "lines with trailing whitespace:\n" + string.Join("\n", withTrailingSpace));
        Assert.EndsWith("\n", script);
        Assert.False(script.EndsWith("\n\n", StringComparison.Ordinal), "the script ends with more than one newline");
    }

    private static string CompileExample(string example)
    {
        var result = Compilation.Compile(ExampleSource(example), ExampleCatalog(), new CompilationOptions());
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }

    private static SourceText ExampleSource(string example)
    {
        var path = Path.Combine(Repository.Examples, example + ".sql");
        return new SourceText($"examples/{example}.sql", File.ReadAllText(path));
    }

    /// <summary>The tables of <c>schema.sql</c>, and the stream table order_totals, which customer_tiers reads.</summary>
    private static SourceCatalog ExampleCatalog()
    {
        var diagnostics = new DiagnosticBag();
        var catalog = Compilation.ReadSchema(
            new[] { "schema.sql", "order_totals.sql" }.Select(f => new SourceText($"examples/{f}", File.ReadAllText(Path.Combine(Repository.Examples, f)))),
            diagnostics);
        Assert.Empty(diagnostics.Items);
        return catalog;
    }
}
