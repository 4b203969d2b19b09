using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Outer joins whose padded side is itself a join (pass <c>padded-join-to-subquery</c>): FULL and RIGHT joins after
/// another join, nested FULL joins, a CROSS JOIN inside a LEFT JOIN, chains of four tables, FULL JOIN … USING chains,
/// and aggregates, DISTINCT, window functions and top-k over them; also an outer join of two relations with a
/// subquery kept whole (aggregating, top-k, windowed) on its preserved side or on both sides of a FULL JOIN. Under the
/// differential checker in every mode. The tables have NULL join keys and duplicate rows; the random writes insert,
/// delete (a row losing its last match is padded again, one gaining its first is padded no more) and update join
/// columns of every table.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OuterJoinShapeCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE oa (id integer PRIMARY KEY, k integer, v integer);
        CREATE TABLE ob (k integer, m integer, w integer);
        CREATE TABLE oc (m integer, x text);
        CREATE TABLE od (id integer PRIMARY KEY, m integer, y integer);
        """;

    private const string Seed = """
        INSERT INTO oa VALUES (1, 1, 10), (2, 2, 20), (3, 2, 30), (4, NULL, 40), (5, 7, NULL);
        INSERT INTO ob VALUES (1, 1, 100), (2, 1, 200), (2, 1, 200), (3, 2, 300), (NULL, 1, 400), (2, NULL, 500);
        INSERT INTO oc VALUES (1, 'p'), (1, 'q'), (2, 'r'), (3, 's'), (NULL, 't');
        INSERT INTO od VALUES (1, 1, 5), (2, 3, 6), (3, NULL, 7), (4, 2, 8);
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "left_then_full", "SELECT a.id, b.w, c.x FROM oa a LEFT JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m" },
        { "full_then_full", "SELECT a.id, a.k, b.k AS bk, b.m, c.m AS cm, c.x FROM oa a FULL JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m" },
        { "inner_then_right", "SELECT a.id, b.w, c.m, c.x FROM oa a JOIN ob b ON b.k = a.k RIGHT JOIN oc c ON c.m = b.m" },
        { "right_then_right", "SELECT a.id, b.k, b.w, c.x FROM oa a RIGHT JOIN ob b ON b.k = a.k RIGHT JOIN oc c ON c.m = b.m" },
        { "full_of_inner_join", "SELECT a.id, a.v, b.w, c.x FROM oa a FULL JOIN (ob b JOIN oc c ON c.m = b.m) ON b.k = a.k" },
        { "left_of_nested_full", "SELECT a.id, b.w, c.x FROM oa a LEFT JOIN (ob b FULL JOIN oc c ON c.m = b.m) ON b.k = a.k" },
        { "left_of_cross_join", "SELECT a.id, b.w, c.x FROM oa a LEFT JOIN (ob b CROSS JOIN oc c) ON b.k = a.k AND c.m = b.m" },
        { "full_of_two_fulls", "SELECT a.id, b.w, c.x, d.y FROM (oa a FULL JOIN ob b ON b.k = a.k) FULL JOIN (oc c FULL JOIN od d ON d.m = c.m) ON c.m = b.m" },
        { "four_full_chain", "SELECT a.id, b.w, c.x, d.y FROM oa a FULL JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m FULL JOIN od d ON d.m = c.m" },
        { "left_chain_padding_a_join", "SELECT a.id, b.w, c.x, d.y FROM oa a LEFT JOIN ob b ON b.k = a.k LEFT JOIN (oc c JOIN od d ON d.m = c.m) ON c.m = b.m" },
        { "aggregate_over_full_full", "SELECT c.m, count(*) AS n, count(a.id) AS na, sum(b.w) AS sw, min(a.v) AS mn, max(c.x) AS mx FROM oa a FULL JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m GROUP BY c.m" },
        { "aggregate_over_right_padded_join", "SELECT count(*) AS n, sum(a.v) AS sv, count(b.k) AS nb FROM oa a JOIN ob b ON b.k = a.k RIGHT JOIN od d ON d.m = b.m" },
        { "distinct_over_full_right", "SELECT DISTINCT b.m, c.x FROM oa a RIGHT JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m" },
        // The second USING compares the first's merged column, COALESCE(ob.m, oc.m), not ob.m.
        { "full_using_chain_star", "SELECT * FROM ob FULL JOIN oc USING (m) FULL JOIN od USING (m)" },
        { "full_using_then_left_using", "SELECT m, ob.w, oc.x, od.y FROM ob FULL JOIN oc USING (m) LEFT JOIN od USING (m)" },
        { "self_join_across_padded_join", "SELECT a.id, a2.id AS id2, b.w FROM oa a LEFT JOIN (oa a2 JOIN ob b ON b.k = a2.k) ON a2.v = a.v - 10" },
        // A subquery kept whole on either side of an outer join of two relations.
        { "full_join_aggregating_subquery", "SELECT a.id, a.k, g.m, g.n, g.total FROM oa a FULL JOIN (SELECT k, max(m) AS m, count(*) AS n, sum(w) AS total FROM ob GROUP BY k) AS g ON g.k = a.k" },
        { "aggregating_subquery_left_join_table", "SELECT g.m, g.n, c.x FROM (SELECT m, count(*) AS n FROM ob GROUP BY m) AS g LEFT JOIN oc c ON c.m = g.m" },
        { "full_join_top_k_subquery", "SELECT t.id, t.v, c.x FROM (SELECT id, k, v FROM oa ORDER BY v DESC NULLS LAST, id LIMIT 3) AS t FULL JOIN oc c ON c.m = t.k" },
        { "full_join_window_subquery", "SELECT w.id, w.rk, d.y FROM (SELECT id, k, rank() OVER (PARTITION BY k ORDER BY v) AS rk FROM oa) AS w FULL JOIN od d ON d.m = w.k" },
        { "window_over_padded_join", "SELECT a.id, c.x, row_number() OVER (PARTITION BY c.m ORDER BY a.id, b.w, c.x) AS rn FROM oa a LEFT JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m" },
        { "top_k_over_padded_join", "SELECT a.id, b.w, c.x FROM oa a LEFT JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m ORDER BY a.id, b.w, c.x LIMIT 3" },
        { "filter_over_padded_join", "SELECT a.id, b.w, c.x FROM oa a FULL JOIN ob b ON b.k = a.k FULL JOIN oc c ON c.m = b.m WHERE coalesce(a.v, 0) < 35 OR c.x IS NULL" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task OuterJoinShape_StaysEqualToItsQuery_InEveryMode(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: 18_001 + name.Length * 41);
}
