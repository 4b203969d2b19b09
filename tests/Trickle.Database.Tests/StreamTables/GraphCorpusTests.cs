using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// A small graph schema (nodes, and keyless weighted edges where parallel edges are real) under the differential
/// checker: degrees, two-hop paths through a self-join, sinks through NOT EXISTS, labels through LEFT JOIN.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GraphCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE nodes (id integer PRIMARY KEY, label text, kind text);
        CREATE TABLE edges (src integer, dst integer, weight integer);
        """;

    private const string Seed = """
        INSERT INTO nodes VALUES (1, 'a', 'city'), (2, 'b', 'city'), (3, 'c', 'town'), (4, NULL, 'town'), (5, 'e', NULL);
        INSERT INTO edges VALUES (1, 2, 5), (1, 2, 5), (2, 3, 1), (3, 1, 2), (3, 4, NULL), (4, 4, 1), (NULL, 2, 3);
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "out_degree", "SELECT src, count(*) AS out_degree, sum(weight) AS total_weight, min(weight) AS lightest FROM edges GROUP BY src" },
        { "in_degree_by_kind", "SELECT n.kind, count(*) AS edges_in FROM edges e JOIN nodes n ON n.id = e.dst GROUP BY n.kind" },
        { "two_hop_paths", "SELECT e1.src, e2.dst, count(*) AS paths, min(e1.weight + e2.weight) AS shortest FROM edges e1 JOIN edges e2 ON e1.dst = e2.src GROUP BY e1.src, e2.dst" },
        { "sinks", "SELECT n.id, n.label FROM nodes n WHERE NOT EXISTS (SELECT 1 FROM edges e WHERE e.src = n.id)" },
        { "labelled_edges", "SELECT e.src, n.label AS target, e.weight FROM edges e LEFT JOIN nodes n ON n.id = e.dst" },
        { "self_loops_and_reciprocal", "SELECT DISTINCT a.src, a.dst FROM edges a JOIN edges b ON a.src = b.dst AND a.dst = b.src" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task Graph_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 7717);

}
