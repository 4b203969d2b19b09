using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// [NOT] EXISTS correlated by an equality and one comparison (TPC-H Q21's <c>l2.l_suppkey &lt;&gt; l1.l_suppkey</c>) in
/// queries over several tables, which pass semi-join-on-comparison-to-extremes maintains through the extremes of the
/// compared column per equality key, under the differential checker in every mode. The correlated and compared columns
/// of <c>line</c> are nullable and the random writes put NULLs and duplicates in them: a NULL on either side of the
/// comparison never satisfies it, a part with no lines has no group (EXISTS false, NOT EXISTS true), and a line whose
/// key is NULL belongs to no group.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ComparisonCorrelatedExistsCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = Schemas.PartsLines;

    private const string Seed = Schemas.PartsLinesSeed;

    public static TheoryData<string, string> Queries => new()
    {
        // Q21's shape: EXISTS and NOT EXISTS on the same table and equality, the second with a filter of its own, aggregated.
        { "exists_and_not_exists_unequal", "SELECT s.s_name, count(*) AS waiting FROM supplier s, line l1, part p WHERE s.s_suppkey = l1.l_suppkey AND p.p_partkey = l1.l_partkey AND EXISTS (SELECT * FROM line l2 WHERE l2.l_partkey = l1.l_partkey AND l2.l_suppkey <> l1.l_suppkey) AND NOT EXISTS (SELECT * FROM line l3 WHERE l3.l_partkey = l1.l_partkey AND l3.l_suppkey <> l1.l_suppkey AND l3.l_quantity > 5) GROUP BY s.s_name" },
        // The outer compared value may be NULL (l1.l_suppkey): NOT EXISTS holds for it; duplicates of the outer rows are kept.
        { "not_exists_unequal_nullable_outer", "SELECT l1.l_partkey, l1.l_suppkey, p.p_brand FROM line l1, part p WHERE p.p_partkey = l1.l_partkey AND NOT EXISTS (SELECT * FROM line l2 WHERE l2.l_partkey = l1.l_partkey AND l2.l_suppkey <> l1.l_suppkey)" },
        // Outer rows with no inner rows at all (parts without lines), over a cross join.
        { "exists_unequal_cross_join", "SELECT p.p_partkey, s.s_suppkey FROM part p, supplier s WHERE EXISTS (SELECT * FROM line l WHERE l.l_partkey = p.p_partkey AND l.l_suppkey <> s.s_suppkey)" },
        { "not_exists_unequal_cross_join", "SELECT p.p_partkey, s.s_suppkey FROM part p, supplier s WHERE s.s_region = 'WEST' AND NOT EXISTS (SELECT * FROM line l WHERE l.l_partkey = p.p_partkey AND l.l_suppkey <> s.s_suppkey)" },
        // Order comparisons, one written outer-first; numeric against integer.
        { "exists_less_than", "SELECT p.p_partkey, s.s_name FROM part p, supplier s WHERE EXISTS (SELECT * FROM line l WHERE l.l_partkey = p.p_partkey AND l.l_quantity < s.s_suppkey)" },
        { "not_exists_greater_or_equal_flipped", "SELECT p.p_brand, count(*) AS n FROM part p, supplier s WHERE NOT EXISTS (SELECT * FROM line l WHERE l.l_partkey = p.p_partkey AND p.p_size <= l.l_price) GROUP BY p.p_brand" },
        // Two tests on one outer table share one grouped subquery.
        { "two_tests_over_one_table", "SELECT p.p_partkey, p.p_size FROM part p WHERE EXISTS (SELECT * FROM line a WHERE a.l_partkey = p.p_partkey AND a.l_quantity > p.p_size) AND NOT EXISTS (SELECT * FROM line b WHERE b.l_partkey = p.p_partkey AND b.l_price <> p.p_size)" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task ComparisonCorrelatedExists_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(SubqueryCorpus.Scenario(Schema, Seed, name, query));
}
