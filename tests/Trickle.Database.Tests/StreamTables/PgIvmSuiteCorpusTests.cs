using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The view shapes of pg_ivm's published regression suite (its <c>sql/pg_ivm.sql</c> and <c>sql/outer_join.sql</c>),
/// restated here over small tables of our own, under the differential checker in every mode: users who move from
/// pg_ivm bring exactly these. Covered: joins (USING, self-joins, the same CTE read twice), DISTINCT and duplicate rows,
/// sum/count/avg/min/max with and without GROUP BY, EXISTS, simple subqueries and CTEs in FROM at any nesting, joins
/// inside FROM subqueries and CTEs, cross joins, pg_ivm's column-list form naming two columns of one name apart, the
/// 3-way outer joins of every first and second join (INNER, LEFT, RIGHT, FULL; with and without DISTINCT), nested FULL
/// joins, a CROSS JOIN inside a LEFT JOIN's side, and an aggregate over them. The suite's user-defined type and
/// row-level security views are covered by UserTypeCorpusTests and RowSecurityTests (whose semantics differ from
/// pg_ivm's on purpose: docs/runtime.md, "Row-level security").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PgIvmSuiteCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE base_a (i integer, j integer);
        CREATE TABLE base_b (i integer, k integer);
        CREATE TABLE base_t (i integer, v integer);
        CREATE TABLE base_r (i integer, v integer);
        CREATE TABLE base_s (i integer, v integer);
        CREATE TABLE oj_r (i integer);
        CREATE TABLE oj_s (i integer, j integer);
        CREATE TABLE oj_t (j integer);
        """;

    private const string Seed = """
        INSERT INTO base_a VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (2, 20), (NULL, 60);
        INSERT INTO base_b VALUES (1, 101), (2, 102), (3, 103), (4, 104), (2, 112);
        INSERT INTO base_t VALUES (1, 10), (2, 20), (3, 30), (NULL, 1), (1, 11);
        INSERT INTO base_r VALUES (1, 10), (2, 20), (3, 30);
        INSERT INTO base_s VALUES (1, 100), (2, 200), (3, 300), (3, 301);
        INSERT INTO oj_r VALUES (1), (2), (3), (3);
        INSERT INTO oj_s VALUES (2, 1), (2, 2), (3, 1), (4, 1), (4, 2);
        INSERT INTO oj_t VALUES (2), (3), (3);
        """;

    public static TheoryData<string, string> Views()
    {
        var views = new TheoryData<string, string>
        {
            { "ivm_join_using", "SELECT i, j, k FROM base_a AS a INNER JOIN base_b AS b USING (i)" },
            { "ivm_duplicates", "SELECT j FROM base_a" },
            { "ivm_distinct", "SELECT DISTINCT j FROM base_a" },
            { "ivm_sum_count_avg", "SELECT i, sum(j), count(i), avg(j) FROM base_a GROUP BY i" },
            { "ivm_sum_count_star", "SELECT i, sum(j), count(*) FROM base_a GROUP BY i" },
            { "ivm_no_group", "SELECT sum(j), count(j), avg(j) FROM base_a" },
            { "ivm_min_max", "SELECT create_immv('ivm_min_max(i, min_j, max_j)', 'SELECT i, min(j), max(j) FROM base_a GROUP BY i')" },
            { "ivm_min_max_no_group", "SELECT create_immv('ivm_min_max_no_group(min_j, max_j)', 'SELECT min(j), max(j) FROM base_a')" },
            { "ivm_self_join", "SELECT create_immv('ivm_self_join(v1, v2)', 'SELECT t1.v, t2.v FROM base_t AS t1 JOIN base_t AS t2 ON t1.i = t2.i')" },
            { "ivm_two_sources", "SELECT create_immv('ivm_two_sources(v1, v2)', 'SELECT r.v, s.v FROM base_r AS r JOIN base_s AS s USING (i)')" },
            { "ivm_exists", "SELECT a.i, a.j FROM base_a AS a WHERE EXISTS (SELECT 1 FROM base_b AS b WHERE a.i = b.i)" },
            { "ivm_exists_and", "SELECT a.i, a.j FROM base_a AS a WHERE EXISTS (SELECT 1 FROM base_b AS b WHERE a.i = b.i) AND a.i > 2" },
            { "ivm_simple_subquery", "SELECT a.i, a.j FROM base_a AS a, (SELECT * FROM base_b) AS b WHERE a.i = b.i" },
            { "ivm_join_subquery", "SELECT i, j, k FROM (SELECT i, a.j, b.k FROM base_b AS b INNER JOIN base_a AS a USING (i)) AS tmp" },
            { "ivm_nested_join_subquery", "SELECT i, j, k FROM (SELECT i, a.j, b.k FROM base_b AS b INNER JOIN (SELECT * FROM base_a) AS a USING (i)) AS tmp" },
            { "ivm_cte", "WITH b AS (SELECT * FROM base_b) SELECT a.i, a.j FROM base_a AS a, b WHERE a.i = b.i" },
            { "ivm_two_ctes", "WITH a AS (SELECT * FROM base_a), b AS (SELECT * FROM base_b) SELECT a.i, a.j FROM a, b WHERE a.i = b.i" },
            { "ivm_cte_in_subquery", "WITH b AS (SELECT * FROM base_b) SELECT v.i, v.j FROM (WITH a AS (SELECT * FROM base_a) SELECT a.i, a.j FROM a, b WHERE a.i = b.i) AS v" },
            { "ivm_ctes_in_subquery", "SELECT * FROM (WITH a AS (SELECT * FROM base_a), b AS (SELECT * FROM base_b) SELECT a.i, a.j FROM a, b WHERE a.i = b.i) AS v" },
            { "ivm_cte_over_subquery", "WITH b AS (SELECT * FROM (SELECT * FROM base_b) AS b2) SELECT v.i, v.j FROM (WITH a AS (SELECT * FROM base_a) SELECT a.i, a.j FROM a, b WHERE a.i = b.i) AS v" },
            { "ivm_join_cte", "WITH x AS (SELECT i, a.j, b.k FROM base_b AS b INNER JOIN base_a AS a USING (i)) SELECT * FROM x" },
            { "ivm_nested_cte", "WITH v AS (WITH a AS (SELECT * FROM base_a) SELECT i, a.j, b.k FROM base_b AS b INNER JOIN a USING (i)) SELECT * FROM v" },
            { "ivm_cte_twice", "SELECT create_immv('ivm_cte_twice(v1, v2)', 'WITH t AS (SELECT * FROM base_t) SELECT t1.v, t2.v FROM t AS t1 JOIN t AS t2 ON t1.i = t2.i')" },
            { "ivm_whole_table", "SELECT * FROM base_t" },
            { "ivm_null_groups_sum", "SELECT i, sum(v) FROM base_t GROUP BY i" },
            { "ivm_null_groups_min_max", "SELECT i, min(v), max(v) FROM base_t GROUP BY i" },
            { "ivm_cross_join", "SELECT create_immv('ivm_cross_join(i_a, i_b)', 'SELECT a.i, b.i FROM base_a AS a, base_b AS b')" },
            { "ivm_cross_join_columns", "SELECT a.i, b.k FROM base_a AS a, base_b AS b" },
            { "ivm_cross_join_subqueries", "SELECT create_immv('ivm_cross_join_subqueries(i_a, i_b)', 'SELECT a.i, b.i FROM (SELECT * FROM base_a) AS a, (SELECT * FROM base_b) AS b')" },
        };
        foreach (var first in new[] { "FULL", "LEFT", "RIGHT", "INNER" })
            foreach (var second in new[] { "LEFT", "INNER", "FULL", "RIGHT" })
                foreach (var distinct in new[] { "", "DISTINCT " })
                    views.Add($"ivm_oj_{first}_{second}{(distinct == "" ? "" : "_distinct")}".ToLowerInvariant(),
                        $"SELECT {distinct}r.i AS r, s.i AS si, s.j AS sj, t.j AS t FROM oj_r AS r {first} JOIN oj_s AS s ON r.i = s.i {second} JOIN oj_t AS t ON s.j = t.j");
        // A join on the padded side of an outer join: nested FULL joins, and a CROSS JOIN inside a LEFT JOIN's side.
        views.Add("ivm_oj_nested_full", "SELECT r.i AS r, s.i AS si, s.j AS sj, t.j AS t FROM oj_r AS r FULL JOIN (oj_s AS s FULL JOIN oj_t AS t ON s.j = t.j) ON r.i = s.i");
        views.Add("ivm_oj_nested_full_both", "SELECT r.i AS r, s.i AS si, t.j AS t, b.k FROM (oj_r AS r FULL JOIN oj_s AS s ON r.i = s.i) FULL JOIN (oj_t AS t FULL JOIN base_b AS b ON t.j = b.i) ON s.j = t.j");
        views.Add("ivm_oj_cross_in_left", "SELECT r.i AS r, s.i AS si, s.j AS sj, t.j AS t FROM oj_r AS r LEFT JOIN (oj_s AS s CROSS JOIN oj_t AS t) ON r.i = s.i AND s.j = t.j");
        views.Add("ivm_oj_full_right_count", "SELECT s.j, count(*) AS n, count(r.i) AS nr, sum(t.j) AS st FROM oj_r AS r RIGHT JOIN oj_s AS s ON r.i = s.i FULL JOIN oj_t AS t ON s.j = t.j GROUP BY s.j");
        return views;
    }

    [Theory]
    [MemberData(nameof(Views))]
    public Task PgIvmView_StaysEqualToItsQuery_InEveryMode(string name, string definition) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, definition, seed: 7_001 + name.Length * 37);
}
