using System.Text;
using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Tpch;
using Xunit;

namespace Trickle.Compiler.Tests.Tpch;

/// <summary>
/// The 22 TPC-H queries as written (tests/Trickle.Tpch/Queries), compiled against the TPC-H schema in DIFFERENTIAL
/// and IMMEDIATE. The outcomes — accepted, or the first error's code, position and message — form a table checked in as
/// this test's snapshot (__snapshots__/TpchAcceptanceTests.TpchQueries_CompileOutcomes_MatchExpectationTable.snap), so a
/// query that stops compiling and one that starts both fail the test until the table is updated with the change (the
/// usual __mismatch__ procedure). The database tests maintain exactly the queries accepted here.
/// </summary>
public sealed class TpchAcceptanceTests
{
    private static readonly RefreshMode[] Modes = [RefreshMode.Differential, RefreshMode.Immediate];

    [Fact]
    public void TpchQueries_CompileOutcomes_MatchExpectationTable()
    {
        var catalog = Catalog();
        var table = new StringBuilder();
        table.Append("| Query | ").AppendJoin(" | ", Modes.Select(mode => mode.ToString().ToUpperInvariant())).Append(" |\n");
        table.Append("|---|").Append(string.Concat(Modes.Select(_ => "---|"))).Append('\n');
        var accepted = Modes.ToDictionary(mode => mode, _ => 0);
        foreach (var query in TpchQueries.All)
        {
            table.Append("| ").Append(query.Name);
            foreach (var mode in Modes)
            {
                var result = Compile(query, catalog, mode);
                if (result.Success)
                    accepted[mode]++;
                table.Append(" | ").Append(Outcome(result).Replace("|", "\\|"));
            }
            table.Append(" |\n");
        }
        table.Append('\n').AppendJoin(", ", Modes.Select(mode => $"{mode.ToString().ToUpperInvariant()} {accepted[mode]}/{TpchQueries.Count}"))
            .Append(" accepted\n");

        Snapshot.Match(table.ToString());
    }

    [Fact]
    public void TpchSchema_ReadsWithoutDiagnostics()
    {
        var diagnostics = new DiagnosticBag();
        Compilation.ReadSchema([new SourceText("tpch-schema.sql", TpchData.SchemaDdl)], diagnostics);

        Assert.Empty(diagnostics.Items);
    }

    private static SourceCatalog Catalog() => TestCompiler.Catalog(TpchData.SchemaDdl);

    private static CompilationResult Compile(TpchQuery query, SourceCatalog catalog, RefreshMode mode) =>
        TestCompiler.Compile(query.Sql, catalog, new CompilationOptions(Name: query.StreamTableName, Mode: mode), path: $"q{query.Number:00}.sql");

    /// <summary>"accepted" (with any warning codes), or the first error: "TRK4004 at 3:7: …".</summary>
    private static string Outcome(CompilationResult result)
    {
        if (result.Success)
        {
            var warnings = result.Diagnostics.Where(d => !d.IsError).Select(d => d.Code).Distinct().ToList();
            return warnings.Count == 0 ? "accepted" : $"accepted, warns {string.Join(", ", warnings)}";
        }
        var error = result.Diagnostics.First(d => d.IsError);
        return $"{error.Code} at {error.Span.Line}:{error.Span.Column}: {Diagnostic.OneLine(error.Message)}";
    }
}
