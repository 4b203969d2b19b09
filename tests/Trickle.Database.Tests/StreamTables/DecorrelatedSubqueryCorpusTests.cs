using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Correlated scalar subqueries selecting an expression over aggregates (TPC-H Q17, Q20's <c>0.5 * sum(…)</c>) or
/// reading several tables (Q2's <c>min</c> over a join), IN over a subquery grouped by what it selects (Q18's
/// HAVING) and NOT IN between NOT NULL columns over joins (Q16), on a small schema of parts, their lines and suppliers, under the differential checker in every mode. The
/// correlated and compared columns are nullable, so the random writes put NULLs in them: a line with a NULL part
/// matches no part, a NULL group key matches nothing under IN.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DecorrelatedSubqueryCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = Schemas.PartsLines;

    private const string Seed = Schemas.PartsLinesSeed;

    public static TheoryData<string, string> Queries => new()
    {
        // Q17's shape: the subquery reads the outer query's table too; the correlation is unqualified.
        { "scalar_fraction_of_average", "SELECT sum(line.l_price) AS total FROM line, part WHERE p_partkey = l_partkey AND p_brand = 'A' AND l_quantity < (SELECT 0.8 * avg(l_quantity) FROM line WHERE l_partkey = p_partkey)" },
        // Over no rows count is 0 and coalesce(sum) its default: the expression reads those, not NULL.
        { "scalar_expression_over_count_and_sum", "SELECT p.p_partkey, p.p_size FROM part p WHERE (SELECT 2 * count(*) + coalesce(sum(l.l_quantity), 0) FROM line l WHERE l.l_partkey = p.p_partkey) > p.p_size * 3" },
        { "scalar_expression_in_select_list", "SELECT p.p_partkey, (SELECT max(l.l_quantity) - min(l.l_quantity) FROM line l WHERE l.l_partkey = p.p_partkey) AS spread FROM part p" },
        // Q2's shape: the minimum over a join, correlated to one of the outer query's tables, the outer query joining the same tables.
        { "scalar_minimum_over_a_join", "SELECT s_name, p_partkey, o_cost FROM part, supplier, offer WHERE p_partkey = o_partkey AND s_suppkey = o_suppkey AND s_region = 'WEST' AND o_cost = (SELECT min(o_cost) FROM offer, supplier WHERE p_partkey = o_partkey AND s_suppkey = o_suppkey AND s_region = 'WEST')" },
        // Q18's shape: IN over groups filtered by HAVING, in a query that joins and aggregates, and in one over one table.
        { "in_grouped_having_joined", "SELECT s.s_name, p.p_partkey, sum(l.l_quantity) AS quantity FROM supplier s, line l, part p WHERE l.l_partkey IN (SELECT l_partkey FROM line GROUP BY l_partkey HAVING sum(l_quantity) > 20) AND s.s_suppkey = l.l_suppkey AND p.p_partkey = l.l_partkey GROUP BY s.s_name, p.p_partkey" },
        { "in_grouped_having_one_table", "SELECT o_partkey, o_suppkey, o_cost FROM offer WHERE o_suppkey IN (SELECT l_suppkey FROM line GROUP BY l_suppkey HAVING count(*) > 8)" },
        // Q16's shape: NOT IN over joins, both sides declared NOT NULL (primary-key columns), so it is NOT EXISTS on equality.
        { "not_in_between_not_null_columns", "SELECT p.p_brand, count(DISTINCT o.o_suppkey) AS suppliers FROM offer o, part p WHERE p.p_partkey = o.o_partkey AND o.o_suppkey NOT IN (SELECT s_suppkey FROM supplier WHERE s_region = 'EAST') GROUP BY p.p_brand" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task DecorrelatedSubquery_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(SubqueryCorpus.Scenario(Schema, Seed, name, query));
}
