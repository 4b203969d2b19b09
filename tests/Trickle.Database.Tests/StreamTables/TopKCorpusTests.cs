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
