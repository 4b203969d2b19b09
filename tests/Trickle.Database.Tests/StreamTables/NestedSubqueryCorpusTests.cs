using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Subqueries kept whole whose own input is a subquery kept whole (TPC-H Q15's max over a grouped CTE, Q18's top-k over
/// groups joined to an IN over groups): each level is maintained from the delta of the level below it, in the same
/// statement; and Q20's IN over a subquery that compares with a correlated <c>0.5 * sum(…)</c>. On a small schema of parts, their lines and suppliers, under the differential checker in every mode. The
/// grouped columns are nullable and repeat, so the random writes make NULL groups, groups that vanish and come back, and
/// several inner groups with the same aggregate (duplicates the outer level counts).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NestedSubqueryCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = Schemas.PartsLines;

    // One more line with neither part nor supplier: a NULL group at both nesting levels.
    private const string Seed = Schemas.PartsLinesSeed + "\nINSERT INTO line VALUES (44, NULL, NULL, 2, 2);";

    public static TheoryData<string, string> Queries => new()
    {
        // Q15's shape: the CTE kept whole twice, once joined and once under max(), compared with equality (ties all kept).
        { "max_over_grouped_cte", "WITH rev (supplier_no, total) AS (SELECT l_suppkey, sum(l_price) FROM line GROUP BY l_suppkey) SELECT s_suppkey, s_name, total FROM supplier, rev WHERE s_suppkey = supplier_no AND total = (SELECT max(total) FROM rev)" },
        // Duplicates: several parts share a line count, and the outer level counts them; a NULL part is a group of its own.
        { "groups_of_group_counts", "SELECT g.lines, count(*) AS parts, sum(g.quantity) AS quantity FROM (SELECT l_partkey, count(*) AS lines, sum(l_quantity) AS quantity FROM line GROUP BY l_partkey) AS g GROUP BY g.lines" },
        // Three levels: the largest number of parts sharing a line count.
        { "three_levels", "SELECT max(b.parts) AS most, count(*) AS counts FROM (SELECT a.lines, count(*) AS parts FROM (SELECT l_partkey, count(*) AS lines FROM line GROUP BY l_partkey) AS a GROUP BY a.lines) AS b" },
        // A table joined to a maximum over groups, per part, with NULL quantities and suppliers in the inner groups.
        { "joined_max_of_sums", "SELECT p.p_brand, g.best FROM part p, (SELECT x.l_partkey, max(x.quantity) AS best FROM (SELECT l_partkey, l_suppkey, sum(l_quantity) AS quantity FROM line GROUP BY l_partkey, l_suppkey) AS x GROUP BY x.l_partkey) AS g WHERE g.l_partkey = p.p_partkey" },
        // Q18's shape: the first rows of groups that join an IN over groups filtered by HAVING.
        { "top_groups_in_grouped_having", "SELECT l.l_partkey, sum(l.l_quantity) AS quantity FROM line l WHERE l.l_partkey IN (SELECT l_partkey FROM line GROUP BY l_partkey HAVING sum(l_quantity) > 20) GROUP BY l.l_partkey ORDER BY 2 DESC, 1 LIMIT 3" },
        // The first groups by count, kept whole inside the join's subquery kept whole; ties broken by the key.
        { "first_groups_joined", "SELECT p.p_brand, x.lines FROM part p JOIN (SELECT l_partkey, count(*) AS lines FROM line GROUP BY l_partkey ORDER BY 2 DESC, 1 LIMIT 3) AS x ON x.l_partkey = p.p_partkey" },
        // The padded side of a LEFT JOIN is the nested one: suppliers without lines (or only NULL-part lines) padded.
        { "left_join_onto_max_of_counts", "SELECT s.s_name, x.most FROM supplier s LEFT JOIN (SELECT g.l_suppkey, max(g.n) AS most FROM (SELECT l_suppkey, l_partkey, count(*) AS n FROM line GROUP BY l_suppkey, l_partkey) AS g GROUP BY g.l_suppkey) AS x ON x.l_suppkey = s.s_suppkey" },
        // DISTINCT over groups: counted rows over a subquery kept whole, read by an aggregate.
        { "distinct_counts_summed", "SELECT sum(b.n) AS total, count(*) AS counts FROM (SELECT DISTINCT a.n FROM (SELECT l_partkey, count(*) AS n FROM line GROUP BY l_partkey) AS a) AS b" },
        // A window over the groups of a subquery kept whole, ranking tied counts alike.
        { "ranks_of_groups", "SELECT a.l_partkey, rank() OVER (ORDER BY a.n DESC) AS rnk FROM (SELECT l_partkey, count(*) AS n FROM line GROUP BY l_partkey) AS a" },
        // Q20's shape: IN over a subquery that is an IN over a table and a comparison with a correlated 0.5 * sum(…), which
        // is NULL for an offer without lines (that offer is not kept): the LEFT JOIN onto the sums becomes an inner join
        // (pass null-rejected-left-join-to-inner), and the IN's subquery, grouped by what it selects, reads those sums.
        { "in_over_in_and_correlated_fraction", "SELECT s_name FROM supplier WHERE s_region = 'WEST' AND s_suppkey IN (SELECT o_suppkey FROM offer WHERE o_partkey IN (SELECT p_partkey FROM part WHERE p_brand = 'A') AND o_cost > (SELECT 0.5 * sum(l_quantity) FROM line WHERE l_partkey = o_partkey AND l_suppkey = o_suppkey))" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task NestedSubquery_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(SubqueryCorpus.Scenario(Schema, Seed, name, query));
}
