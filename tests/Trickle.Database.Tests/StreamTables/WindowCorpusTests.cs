using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Window functions under the differential checker: random writes move rows between partitions, change the order
/// inside them, add and remove their first and last rows; after every step each stream table must equal its query
/// recomputed, in every mode. Maintenance recomputes the partitions a change touches, so these also prove that
/// the partitions found are all the ones that changed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WindowCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string> ItemQueries => new()
    {
        { "window_ranks", "SELECT id, grp, qty, rank() OVER (PARTITION BY grp ORDER BY qty DESC) AS r, dense_rank() OVER (PARTITION BY grp ORDER BY qty DESC) AS dr FROM items" },
        { "window_row_number", "SELECT id, grp, row_number() OVER (PARTITION BY grp ORDER BY price DESC NULLS LAST, id) AS rn FROM items" },
        { "window_running_totals", "SELECT id, sub, sum(qty) OVER (PARTITION BY sub ORDER BY id) AS running, count(*) OVER (PARTITION BY sub) AS n, avg(price) OVER (PARTITION BY sub) AS avg_price FROM items WHERE flag IS NOT FALSE" },
        { "window_lag_lead_named", "SELECT id, grp, qty, lag(qty) OVER w AS prev, lead(qty, 2, -1) OVER w AS next2, first_value(qty) OVER w AS first, last_value(qty) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last FROM items WINDOW w AS (PARTITION BY grp ORDER BY ts NULLS FIRST, id)" },
        { "window_without_partition", "SELECT id, qty, rank() OVER (ORDER BY qty) AS r, percent_rank() OVER (ORDER BY qty) AS pr, cume_dist() OVER (ORDER BY qty) AS cd FROM items" },
        { "window_ntile_nth_value", "SELECT id, code, ntile(3) OVER (PARTITION BY code ORDER BY id) AS bucket, nth_value(price, 2) OVER (PARTITION BY code ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second FROM items" },
        { "window_frames", "SELECT id, grp, sum(qty) OVER (PARTITION BY grp ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS moving, max(price) OVER (PARTITION BY grp ORDER BY qty RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS mx, count(*) OVER (PARTITION BY grp ORDER BY sub GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS near FROM items" },
        { "window_top_k_per_group", "SELECT id, grp, price FROM (SELECT id, grp, price, row_number() OVER (PARTITION BY grp ORDER BY price DESC NULLS LAST, id) AS rn FROM items WHERE qty IS NOT NULL) AS ranked WHERE rn <= 2" },
        { "window_rank_filtered_outside", "SELECT r.grp, r.qty, r.dr FROM (SELECT grp, qty, dense_rank() OVER (PARTITION BY grp ORDER BY qty) AS dr FROM items) r WHERE r.dr = 1 OR r.qty IS NULL" },
        { "window_inside_expressions", "SELECT id, qty - avg(qty) OVER (PARTITION BY grp) AS diff, 100.0 * price / NULLIF(sum(price) OVER (PARTITION BY grp), 0) AS pct, CASE WHEN rank() OVER (PARTITION BY grp ORDER BY qty) = 1 THEN 'low' END AS lowest FROM items" },
        { "window_different_partitions", "SELECT id, grp, sub, count(*) OVER (PARTITION BY grp, sub) AS n_gs, count(*) OVER (PARTITION BY grp) AS n_g, max(qty) OVER (PARTITION BY sub, grp) AS mx FROM items" },
        { "window_filter_and_ordered_aggregate", "SELECT id, grp, count(*) FILTER (WHERE flag) OVER (PARTITION BY grp) AS flagged, string_agg(code, ',') OVER (PARTITION BY grp ORDER BY id) AS codes FROM items" },
        { "window_partition_by_expression", "SELECT id, lower(grp) AS g, rank() OVER (PARTITION BY lower(grp) ORDER BY ts DESC NULLS LAST) AS r, bool_and(flag) OVER (PARTITION BY lower(grp)) AS all_flagged FROM items" },
    };

    /// <summary>Window functions of aggregate queries: they run over the groups, after GROUP BY and HAVING.</summary>
    public static TheoryData<string, string> GroupQueries => new()
    {
        { "groups_ranked", "SELECT grp, count(*) AS n, sum(qty) AS total, rank() OVER (ORDER BY sum(qty) DESC NULLS LAST) AS r FROM items GROUP BY grp" },
        { "groups_partitioned_with_having", "SELECT grp, sub, count(*) AS n, sum(count(*)) OVER (PARTITION BY grp) AS per_grp, row_number() OVER (PARTITION BY grp ORDER BY count(*) DESC, sub) AS pos FROM items GROUP BY grp, sub HAVING count(*) > 1" },
        { "groups_lag_of_an_aggregate", "SELECT sub, sum(price) AS p, lag(sum(price)) OVER (ORDER BY sub) AS prev, max(max(qty)) OVER (ORDER BY sub ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS recent_max FROM items WHERE flag IS NOT NULL GROUP BY sub" },
        { "groups_over_one_global_row", "SELECT count(*) AS n, sum(qty) AS total, count(*) OVER () AS rows_in_window FROM items" },
        { "groups_by_expression", "SELECT lower(grp) AS g, count(*) AS n, dense_rank() OVER (ORDER BY count(*)) AS dr, lower(grp) || '/' || rank() OVER (ORDER BY min(qty) NULLS FIRST) AS tag FROM items GROUP BY lower(grp)" },
    };

    public static TheoryData<string, string> EventQueries => new()
    {
        { "bag_window_ranks", "SELECT kind, n, rank() OVER (PARTITION BY kind ORDER BY n) AS r, count(*) OVER (PARTITION BY kind) AS c, sum(amount) OVER (PARTITION BY kind ORDER BY n) AS running FROM events" },
        { "bag_row_number_over_every_column", "SELECT kind, n, note, row_number() OVER (PARTITION BY kind ORDER BY n, note) AS rn FROM events" },
    };

    public static TheoryData<string, string> JoinQueries => new()
    {
        { "join_window", "SELECT o.id, c.region, o.amount, rank() OVER (PARTITION BY c.region ORDER BY o.amount DESC) AS r, sum(o.amount) OVER (PARTITION BY c.region) AS region_total FROM orders o JOIN customers c ON c.id = o.customer_id" },
        { "join_groups_share_and_rank", "SELECT c.region, sum(o.amount) AS revenue, 100.0 * sum(o.amount) / NULLIF(sum(sum(o.amount)) OVER (), 0) AS share, dense_rank() OVER (ORDER BY sum(o.amount) DESC NULLS LAST) AS dr FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "left_join_window", "SELECT c.id, o.id AS order_id, count(o.id) OVER (PARTITION BY c.id) AS n, max(o.amount) OVER (PARTITION BY c.region) AS top FROM customers c LEFT JOIN orders o ON o.customer_id = c.id" },
    };

    [Theory]
    [MemberData(nameof(ItemQueries))]
    public Task KeyedSource_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 7919);

    [Theory]
    [MemberData(nameof(GroupQueries))]
    public Task AggregateQuery_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 6007);

    [Theory]
    [MemberData(nameof(EventQueries))]
    public Task KeylessSource_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Events, Schemas.EventsSeed, name, query, seed: name.Length * 104729);

    [Theory]
    [MemberData(nameof(JoinQueries))]
    public Task Join_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, name, query, seed: name.Length * 31);
}
