using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// FROM subqueries and CTEs whose WHERE tests subqueries — EXISTS, NOT EXISTS, IN, an uncorrelated scalar subquery
/// (TPC-H Q22's shape) — bound as queries of their own and then merged into the query, or kept whole where merging
/// would leave a shape the Delta phase does not maintain (pass outer-join-beside-subqueries-to-kept-rows, and
/// flatten-subqueries keeping a semi- or anti-join joined with other relations whole), under the differential checker
/// in every mode. The random writes put NULLs in line's keys and values and duplicate rows of line.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SubqueryTestsInFromSubqueryCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = Schemas.PartsLines;

    private const string Seed = Schemas.PartsLinesSeed;

    public static TheoryData<string, string> Queries => new()
    {
        // Q22's shape: an uncorrelated scalar subquery and NOT EXISTS in a FROM subquery's WHERE, aggregated outside.
        { "q22_shape_scalar_and_not_exists", "SELECT brand, count(*) AS n, sum(size) AS total FROM (SELECT p_brand AS brand, p_size AS size FROM part WHERE p_size >= (SELECT avg(p_size) FROM part WHERE p_size > 0) AND NOT EXISTS (SELECT * FROM offer WHERE o_partkey = p_partkey AND o_suppkey = 1)) AS lonely GROUP BY brand" },
        // A CTE whose WHERE has EXISTS: one table's semi-join, merged into the query.
        { "cte_with_exists", "WITH busy AS (SELECT s_suppkey, s_region FROM supplier WHERE EXISTS (SELECT * FROM line WHERE l_suppkey = s_suppkey AND l_quantity > 5)) SELECT s_region, count(*) AS n FROM busy GROUP BY s_region" },
        // IN over a filtered table.
        { "in_over_a_filtered_table", "SELECT x.p_partkey, x.p_brand FROM (SELECT p_partkey, p_brand FROM part WHERE p_partkey IN (SELECT l_partkey FROM line WHERE l_price > 10)) AS x" },
        // The subquery's anti-join joined with other tables: kept whole as counted rows, an inner join's relation.
        { "not_exists_subquery_joined_with_tables", "SELECT s.s_name, x.p_brand FROM supplier s, (SELECT p_partkey, p_brand FROM part WHERE NOT EXISTS (SELECT * FROM line WHERE l_partkey = p_partkey AND l_suppkey = 3)) AS x, offer o WHERE o.o_partkey = x.p_partkey AND o.o_suppkey = s.s_suppkey" },
        // Q22's shape over a table whose correlated column may be NULL (line.l_partkey).
        { "scalar_and_exists_over_lines", "SELECT l_suppkey, count(*) AS n FROM (SELECT l_suppkey, l_quantity FROM line WHERE l_quantity > (SELECT avg(l_quantity) FROM line) AND EXISTS (SELECT * FROM part WHERE p_partkey = l_partkey AND p_brand = 'A')) AS big GROUP BY l_suppkey" },
        // Two tests: LEFT JOINs onto their distinct correlation values, filtered.
        { "exists_and_not_exists", "SELECT p_partkey FROM (SELECT p_partkey, p_size FROM part WHERE NOT EXISTS (SELECT * FROM line WHERE l_partkey = p_partkey AND l_quantity > 8) AND EXISTS (SELECT * FROM offer WHERE o_partkey = p_partkey AND o_cost > 3)) AS q" },
        // Correlated by <> (Q21's comparison) inside a FROM subquery.
        { "exists_correlated_by_unequal", "SELECT q.p_partkey, q.p_size FROM (SELECT p.p_partkey, p.p_size FROM part p WHERE EXISTS (SELECT * FROM line l WHERE l.l_partkey = p.p_partkey AND l.l_suppkey <> p.p_size)) AS q" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task SubqueryTestInFromSubquery_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(SubqueryCorpus.Scenario(Schema, Seed, name, query));
}
