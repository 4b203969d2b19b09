using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Queries that cannot be maintained incrementally yet compile under FULL and AUTO as their query recomputed on every
/// refresh, as written (TRK4101). The differential checker proves the plumbing: install under a pinned search_path,
/// refresh, equality with the recomputation after every step.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class VerbatimCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE edges (src integer NOT NULL, dst integer NOT NULL);
        CREATE TABLE customers (id integer PRIMARY KEY, region text);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount numeric(8,2));
        """;

    private const string Seed = """
        INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), (4, 5), (5, 5);
        INSERT INTO customers VALUES (1, 'north'), (2, 'south'), (3, NULL);
        INSERT INTO orders VALUES (1, 1, 10.50), (2, 1, 3.25), (3, 2, 7.00), (4, NULL, 1.00);
        """;

    public static TheoryData<string, string> Queries => new()
    {
        // A recursive step with an outer join is not maintained: it stays recomputed.
        { "walk_with_dead_ends", "WITH RECURSIVE r(node, depth) AS (SELECT 1, 0 UNION ALL SELECT coalesce(e.dst, -1), r.depth + 1 FROM r LEFT JOIN edges e ON e.src = r.node WHERE r.depth < 3) SELECT node, depth FROM r" },
        // A LATERAL subquery correlated by an inequality (the earlier orders of the same customer) is not maintained.
        { "lateral_previous_orders", "SELECT p.id, x.amount FROM orders p, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = p.customer_id AND o.id < p.id ORDER BY o.amount DESC, o.id LIMIT 2) AS x" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task NotIncremental_RecomputedVerbatim_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(new DifferentialScenario
        {
            SchemaDdl = Schema,
            SeedDataSql = Seed,
            DefiningQuery = query,
            StreamTableName = name,
            CompileScript = (ddl, q, _, mode) => TrickleCompiler.CompileScript(ddl, q, name, mode),
            Modes = [RefreshMode.Full, RefreshMode.Auto],
            Steps = 20,
            Seed = name.Length * 131,
        });
}
