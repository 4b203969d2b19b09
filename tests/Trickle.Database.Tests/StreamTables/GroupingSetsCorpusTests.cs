using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// GROUPING SETS, ROLLUP and CUBE under the differential checker: every grouping set's groups appear and disappear with
/// their rows, NULL keys in the data sit beside the NULLs of the sets that do not group by them, and GROUPING() tells
/// them apart; after every step the stream table must equal the query recomputed, in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GroupingSetsCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string> ItemQueries => new()
    {
        { "rollup", "SELECT grp, sub, count(*) AS n, sum(qty) AS total FROM items GROUP BY ROLLUP (grp, sub)" },
        { "cube_with_grouping", "SELECT grp, flag, GROUPING(grp, flag) AS g, count(*) AS n, max(price) AS top FROM items GROUP BY CUBE (grp, flag)" },
        { "grouping_sets_and_empty_set", "SELECT grp, code, sum(price) AS s, avg(qty) AS a FROM items WHERE qty IS NOT NULL GROUP BY GROUPING SETS ((grp), (code), ())" },
        { "plain_key_times_rollup", "SELECT sub, grp, code, count(*) AS n FROM items GROUP BY sub, ROLLUP (grp, code) HAVING count(*) > 0" },
        { "rollup_of_expressions", "SELECT lower(grp) AS g, date_trunc('month', ts) AS m, count(*) AS n, string_agg(code, ',' ORDER BY id) AS codes FROM items GROUP BY ROLLUP (lower(grp), date_trunc('month', ts))" },
    };

    [Theory]
    [MemberData(nameof(ItemQueries))]
    public Task KeyedSource_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 7121);

    [Fact]
    public Task KeylessSource_RollupOverDuplicates_MatchesRecomputation() =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Events, Schemas.EventsSeed, "bag_rollup",
            "SELECT kind, note, count(*) AS c, sum(amount) AS total FROM events GROUP BY ROLLUP (kind, note)", seed: 4711);

    [Fact]
    public Task Join_CubeOverTwoTables_MatchesRecomputation() =>
        CorpusRun.CheckAsync(cluster, output.WriteLine,
            Schemas.CustomersOrders,
            """
            INSERT INTO customers VALUES (1, 'north', 1), (2, 'south', 2), (3, NULL, 1);
            INSERT INTO orders VALUES (1, 1, 10.50, 2, 'open'), (2, 1, 3.25, 1, 'open'), (3, 2, 7.00, 5, 'x');
            """,
            "join_cube", "SELECT c.region, o.status, GROUPING(c.region) AS gr, count(*) AS n, sum(o.amount) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY CUBE (c.region, o.status)",
            seed: 99);
}
