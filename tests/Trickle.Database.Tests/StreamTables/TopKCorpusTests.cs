using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// ORDER BY … LIMIT under the differential checker: random writes move rows into and out of the rows kept, change
/// the last one kept, and land beyond it (where a refresh must leave the result alone); after every step the stream
/// table must equal the query recomputed, in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TopKCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string> ItemQueries => new()
    {
        { "top_k_by_key", "SELECT id, grp, qty FROM items ORDER BY id LIMIT 5" },
        { "top_k_desc_nulls", "SELECT id, price, grp FROM items WHERE code <> 'zz' ORDER BY price DESC NULLS LAST, id LIMIT 4" },
        { "top_k_offset", "SELECT id, qty FROM items ORDER BY qty NULLS FIRST, id DESC LIMIT 3 OFFSET 2" },
        { "top_k_mixed_directions", "SELECT grp, ts, id FROM items ORDER BY grp DESC NULLS LAST, ts ASC NULLS FIRST, id LIMIT 6" },
        { "top_k_fetch_first", "SELECT id, lower(grp) AS g FROM items ORDER BY sub, id FETCH FIRST 3 ROWS ONLY" },
        { "top_k_with_ties", "SELECT grp, qty FROM items ORDER BY qty DESC FETCH FIRST 2 ROWS WITH TIES" },
        { "top_k_offset_only", "SELECT id, big FROM items ORDER BY big NULLS FIRST, id OFFSET 3" },
        { "top_k_groups", "SELECT grp, sum(qty) AS total, count(*) AS n FROM items GROUP BY grp ORDER BY total DESC NULLS LAST, grp LIMIT 3" },
        { "top_k_distinct_rows", "SELECT DISTINCT sub, flag FROM items ORDER BY 1, 2 LIMIT 3" },
    };

    public static TheoryData<string, string> EventQueries => new()
    {
        { "bag_top_k_every_column", "SELECT kind, n FROM events ORDER BY n DESC, kind LIMIT 3" },
    };

    public static TheoryData<string, string> JoinQueries => new()
    {
        { "join_top_k", "SELECT o.id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.amount DESC NULLS LAST, o.id, c.id LIMIT 3" },
        { "left_join_top_k", "SELECT c.id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id ORDER BY o.amount NULLS FIRST, c.id, o.id LIMIT 4" },
    };

    /// <summary>
    /// Orders that leave ties at the limit: name, query, and the query with the tie-breakers the compiler must append
    /// (written here by hand, so the recomputation the checker runs is not only the compiler's word).
    /// </summary>
    public static TheoryData<string, string, string> TiedItemQueries => new()
    {
        { "ties_single_table", "SELECT grp, qty FROM items ORDER BY qty DESC LIMIT 3", "SELECT grp, qty FROM items ORDER BY qty DESC, 1 LIMIT 3" },
        { "ties_nulls_first", "SELECT grp, sub, flag FROM items ORDER BY sub NULLS FIRST LIMIT 4", "SELECT grp, sub, flag FROM items ORDER BY sub NULLS FIRST, 1, 3 LIMIT 4" },
        { "ties_offset", "SELECT flag, qty FROM items ORDER BY qty DESC NULLS LAST LIMIT 2 OFFSET 2", "SELECT flag, qty FROM items ORDER BY qty DESC NULLS LAST, 1 LIMIT 2 OFFSET 2" },
        { "ties_offset_only", "SELECT sub FROM items ORDER BY flag OFFSET 2", "SELECT sub FROM items ORDER BY flag, 1 OFFSET 2" },
        { "ties_groups", "SELECT sub, count(*) AS n FROM items GROUP BY sub, flag ORDER BY n DESC LIMIT 2", "SELECT sub, count(*) AS n FROM items GROUP BY sub, flag ORDER BY n DESC, 1 LIMIT 2" },
    };

    public static TheoryData<string, string, string> TiedEventQueries => new()
    {
        // Keyless rows: identical rows tie on every column, so how many copies are kept at the limit is what matters.
        { "ties_duplicates", "SELECT kind, note FROM events ORDER BY n DESC NULLS LAST LIMIT 3", "SELECT kind, note FROM events ORDER BY n DESC NULLS LAST, 1, 2 LIMIT 3" },
        { "ties_duplicates_offset", "SELECT kind FROM events ORDER BY n LIMIT 2 OFFSET 1", "SELECT kind FROM events ORDER BY n, 1 LIMIT 2 OFFSET 1" },
    };

    public static TheoryData<string, string, string> TiedJoinQueries => new()
    {
        { "ties_join", "SELECT c.region, o.qty FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.qty DESC LIMIT 3",
          "SELECT c.region, o.qty FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.qty DESC, 1 LIMIT 3" },
        // TPC-H Q10's shape: revenue per customer over a join, the first customers by revenue. The selected GROUP BY keys
        // identify a group only together (functional dependencies are not known), so both break ties.
        { "ties_join_groups_q10", "SELECT c.id, c.region, sum(o.amount) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'open' GROUP BY c.id, c.region ORDER BY revenue DESC LIMIT 2",
          "SELECT c.id, c.region, sum(o.amount) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'open' GROUP BY c.id, c.region ORDER BY revenue DESC, 1, 2 LIMIT 2" },
        // The first row per customer: the subquery's selected columns break ties inside each customer's orders.
        { "ties_lateral", "SELECT c.id, x.status, x.qty FROM customers c, LATERAL (SELECT o.status, o.qty FROM orders o WHERE o.customer_id = c.id ORDER BY o.qty DESC LIMIT 1) AS x",
          "SELECT c.id, x.status, x.qty FROM customers c, LATERAL (SELECT o.status, o.qty FROM orders o WHERE o.customer_id = c.id ORDER BY o.qty DESC, 1 LIMIT 1) AS x" },
        // TPC-H Q3's shape: ordered by revenue, then a second column; groups not identified by the selected columns.
        { "ties_join_groups_q3", "SELECT c.tier, sum(o.qty) AS revenue, c.region FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.id, c.tier, c.region ORDER BY revenue DESC, region LIMIT 3",
          "SELECT c.tier, sum(o.qty) AS revenue, c.region FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.id, c.tier, c.region ORDER BY revenue DESC, region, 1 LIMIT 3" },
    };

    [Theory]
    [MemberData(nameof(TiedItemQueries))]
    public Task KeyedSource_TiesAtTheLimit_MatchRecomputationWithTheSameTieBreakers(string name, string query, string recomputed) =>
        CheckTiedAsync(Schemas.Items, Schemas.ItemsSeed, name, query, recomputed, seed: name.Length * 7919);

    [Theory]
    [MemberData(nameof(TiedEventQueries))]
    public Task KeylessSource_TiesAtTheLimit_MatchRecomputationWithTheSameTieBreakers(string name, string query, string recomputed) =>
        CheckTiedAsync(Schemas.Events, Schemas.EventsSeed, name, query, recomputed, seed: name.Length * 3571);

    [Theory]
    [MemberData(nameof(TiedJoinQueries))]
    public Task Join_TiesAtTheLimit_MatchRecomputationWithTheSameTieBreakers(string name, string query, string recomputed) =>
        CheckTiedAsync(Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, name, query, recomputed, seed: name.Length * 211);

    private Task CheckTiedAsync(string schema, string seedData, string name, string query, string recomputed, int seed)
    {
        foreach (var mode in new[] { "differential", "immediate", "auto", "full" })
            Assert.Equal(recomputed, TrickleCompiler.Compile(schema, query, name, mode).EffectiveQuery);
        return CorpusRun.CheckAsync(cluster, output.WriteLine, schema, seedData, name, query, seed);
    }

    [Theory]
    [MemberData(nameof(ItemQueries))]
    public Task KeyedSource_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 6151);

    [Theory]
    [MemberData(nameof(EventQueries))]
    public Task KeylessSource_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Events, Schemas.EventsSeed, name, query, seed: name.Length * 104729);

    [Theory]
    [MemberData(nameof(JoinQueries))]
    public Task Join_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, name, query, seed: name.Length * 53);
}
