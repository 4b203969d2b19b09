using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Linear recursive CTEs maintained incrementally, in every mode: UNION (delete and rederive; the seeded graph has
/// cycles and self-loops, and random writes delete edges inside them, re-point them and add new ones) and UNION ALL
/// (counted closure, depth-bounded because the random data has cycles), with the outer query projecting, joining or
/// aggregating the recursive rows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecursiveCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE edges (src integer, dst integer);
        CREATE TABLE nodes (id integer PRIMARY KEY, kind text);
        CREATE TABLE components (assembly integer NOT NULL, component integer NOT NULL, qty integer);
        CREATE TABLE employees (id integer PRIMARY KEY, manager_id integer, name text);
        """;

    private const string Seed = """
        INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), (3, 4), (4, 5), (5, 5), (6, 7), (7, 6), (2, 3), (NULL, 1), (8, NULL);
        INSERT INTO nodes VALUES (1, 'a'), (2, 'b'), (3, 'a'), (4, NULL), (6, 'b');
        INSERT INTO components VALUES (1, 2, 3), (1, 3, 1), (2, 4, 2), (3, 4, 5), (4, 5, 1), (2, 5, NULL), (6, 1, 2);
        INSERT INTO employees VALUES (1, NULL, 'ceo'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'c'), (5, 4, 'd'), (6, 6, 'loop'), (7, NULL, 'x'), (8, 7, 'y');
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "reachable_pairs_with_cycles", "WITH RECURSIVE r(a, b) AS (SELECT src, dst FROM edges UNION SELECT r.a, e.dst FROM r JOIN edges e ON e.src = r.b) SELECT a, b FROM r" },
        { "reachable_from_one", "WITH RECURSIVE r(node) AS (SELECT 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node FROM r" },
        { "reachable_from_filtered_roots", "WITH RECURSIVE r(root, node) AS (SELECT id, id FROM nodes WHERE kind = 'a' UNION SELECT r.root, e.dst FROM r JOIN edges e ON e.src = r.node WHERE e.dst IS NOT NULL) SELECT root, node FROM r" },
        { "reachable_kinds", "WITH RECURSIVE r(node) AS (SELECT id FROM nodes WHERE kind = 'b' UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT n.kind, count(*) AS reached FROM r JOIN nodes n ON n.id = r.node GROUP BY n.kind" },
        // qty as numeric: random writes put any integer in qty, and a product of four of them overflows integer (in the
        // query itself, as a soak seed showed).
        { "bill_of_materials", "WITH RECURSIVE bom(root, part, qty, depth) AS (SELECT assembly, component, qty::numeric, 1 FROM components UNION ALL SELECT b.root, c.component, b.qty * c.qty, b.depth + 1 FROM bom b JOIN components c ON c.assembly = b.part WHERE b.depth < 4) SELECT root, part, sum(qty) AS total_qty, count(*) AS paths FROM bom GROUP BY root, part" },
        { "org_chart_chains", "WITH RECURSIVE chain(id, name, top, depth) AS (SELECT id, name, id, 0 FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, e.name, c.top, c.depth + 1 FROM chain c JOIN employees e ON e.manager_id = c.id WHERE c.depth < 5) SELECT id, name, top, depth FROM chain" },
        { "paths_up_to_depth_three", "WITH RECURSIVE p(start_node, end_node, depth) AS (SELECT src, dst, 1 FROM edges UNION ALL SELECT p.start_node, e.dst, p.depth + 1 FROM p JOIN edges e ON e.src = p.end_node WHERE p.depth < 3) SELECT start_node, depth, count(*) AS paths FROM p GROUP BY start_node, depth" },
        { "labelled_paths_two_sources", "WITH RECURSIVE p(node, kind, depth) AS (SELECT n.id, n.kind, 0 FROM nodes n UNION ALL SELECT e.dst, n.kind, p.depth + 1 FROM p JOIN edges e ON e.src = p.node JOIN nodes n ON n.id = e.dst WHERE p.depth < 3) SELECT node, kind, depth FROM p" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task Recursive_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 4243);

    /// <summary>
    /// A name long enough to be shortened with a hash in every internal name, over a table (nodes) that both the
    /// recursion and the outer query read: under IMMEDIATE the recursion's triggers on it must still fire after the
    /// stream table's own, or a change joins both sides' changes twice. The seed is one whose writes showed that.
    /// </summary>
    [Fact]
    public Task Recursive_LongNameOverASharedSource_MatchesRecomputation() =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, "reachable_kinds_under_a_name_long_enough_to_be_shortened_everywhere",
            "WITH RECURSIVE r(node) AS (SELECT id FROM nodes WHERE kind = 'b' UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT n.kind, count(*) AS reached FROM r JOIN nodes n ON n.id = r.node GROUP BY n.kind",
            seed: 63645);
}

/// <summary>The objects a recursive CTE adds (its storage, buffers, triggers on its sources) follow the stream table's lifecycle.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RecursiveLifecycleTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE edges (src integer, dst integer);";
    private const string Reach = "WITH RECURSIVE r(node) AS (SELECT 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.node) SELECT node FROM r";

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    [InlineData("auto")]
    [InlineData("full")]
    public async Task Recursive_TruncateThenDrop_RecomputesThenRemovesEverything(string mode)
    {
        await using var database = await Lifecycle.StreamTableHarness.WithinAsync(TimeSpan.FromMinutes(1), "database",
            _ => cluster.CreateDatabaseAsync("recursive_" + mode));
        await database.ExecuteAsync(Schema);
        await database.ExecuteAsync("INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), (3, 4)");
        var empty = await Lifecycle.StreamTableHarness.SnapshotObjectsAsync(database);

        await database.ExecutePsqlScriptAsync(Lifecycle.StreamTableHarness.Compile(Schema, Reach, "reach", mode), "reach");
        await Lifecycle.StreamTableHarness.AssertMatchesAsync(database, "reach", Reach, "after install");
        await database.ExecuteAsync("TRUNCATE edges; INSERT INTO edges VALUES (1, 5), (5, 6)");
        await Lifecycle.StreamTableHarness.RefreshAsync(database, "reach");
        await Lifecycle.StreamTableHarness.AssertMatchesAsync(database, "reach", Reach, "after TRUNCATE of a source of the recursive CTE");

        await database.ExecuteAsync("SELECT trickle.drop_stream_table('reach')");
        var afterDrop = await Lifecycle.StreamTableHarness.SnapshotObjectsAsync(database);
        Assert.Equal(empty.ToList(), afterDrop.Where(line => !Lifecycle.StreamTableHarness.IsRuntimeObject(line)).ToList());
    }
}
