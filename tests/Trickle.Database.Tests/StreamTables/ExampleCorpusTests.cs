using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The examples shipped in <c>examples/</c>, as a user first meets them: each definition file compiled as it is (its
/// options overridden by the mode under test), installed over <c>examples/schema.sql</c>, and checked against its own
/// query after random writes to every table, in every mode. The recursive examples (whose random parent links could
/// form cycles that a UNION ALL recursion never leaves) and the one reading another stream table are covered by the
/// recursion and DAG tests instead.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ExampleCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    // Rows the examples' filters keep ('open' orders, spend over 1000, known regions): random writes alone would
    // rarely produce them. The writes then update and delete these rows and add their own.
    private const string Seed = """
        INSERT INTO customers VALUES (1, 'Ada', 'north', '2026-01-01'), (2, 'Bo', 'south', '2026-02-01'), (3, 'Cy', NULL, '2026-03-01'), (4, 'Di', 'north', '2026-04-01');
        INSERT INTO orders VALUES
            (1, 1, 'open', 600.00, 2, '2026-05-01 10:00+00'), (2, 1, 'shipped', 700.00, 1, '2026-05-02 10:00+00'),
            (3, 2, 'open', 20.50, 3, '2026-05-03 10:00+00'), (4, 2, 'cancelled', 1500.00, 1, '2026-05-04 10:00+00'),
            (5, 3, 'open', NULL, 1, '2026-05-05 10:00+00'), (6, 4, 'shipped', 1200.00, 2, '2026-05-06 10:00+00'),
            (7, 9, 'open', 5.00, 1, '2026-05-07 10:00+00');
        INSERT INTO page_views VALUES ('/', NULL, 120, '2026-05-01 10:00+00'), ('/', 'search', 80, '2026-05-01 11:00+00'), ('/cart', '/', NULL, '2026-05-02 09:00+00');
        """;

    public static TheoryData<string> Examples => new()
    {
        "big_spenders", "customer_activity", "latest_orders", "open_orders", "order_totals", "popular_pages", "region_revenue", "shop_summary",
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public Task Example_MatchesItsQuery_AfterRandomWrites(string name)
    {
        var schema = File.ReadAllText(Path.Combine(Repository.Root, "examples", "schema.sql"));
        var definition = new SourceText($"examples/{name}.sql", File.ReadAllText(Path.Combine(Repository.Root, "examples", $"{name}.sql")));
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("examples/schema.sql", schema)], diagnostics);
        var analysis = Compilation.Analyze(definition, catalog, new CompilationOptions(), diagnostics)
            ?? throw new InvalidOperationException($"examples/{name}.sql did not compile:\n" + string.Join("\n", diagnostics.Items));
        var query = definition.Text.Substring(analysis.QuerySpan.Start, analysis.QuerySpan.Length);
        return new DifferentialChecker(cluster, output.WriteLine).RunAsync(new DifferentialScenario
        {
            SchemaDdl = schema,
            SeedDataSql = Seed,
            DefiningQuery = query,
            StreamTableName = name,
            CompileScript = (_, _, _, mode) => Compile(definition, catalog, mode),
            Steps = 30,
            Seed = name.Length * 7919,
            RequireRows = true,
        });
    }

    private static string Compile(SourceText definition, Trickle.Compiler.Catalog.SourceCatalog catalog, string mode)
    {
        var result = Compilation.Compile(definition, catalog, new CompilationOptions(Mode: Enum.Parse<RefreshMode>(mode, ignoreCase: true)));
        return result.Success ? result.Script! : throw new InvalidOperationException($"{definition.Path} did not compile in {mode}:\n" + string.Join("\n", result.Diagnostics));
    }

}
