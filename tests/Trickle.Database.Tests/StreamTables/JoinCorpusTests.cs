using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Inner and outer joins under the differential checker: random writes to every joined table (join keys updated, rows of either
/// side appearing and disappearing, NULL keys, duplicates in the keyless table), several tables per transaction, then
/// multiset equality with the recomputation after every step, in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class JoinCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE customers (id integer PRIMARY KEY, region text, tier smallint);
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount numeric(8,2), qty integer, status text);
        CREATE TABLE tags (customer_id integer, tag text);
        """;

    private const string Seed = """
        INSERT INTO customers VALUES (1, 'north', 1), (2, 'south', 2), (3, NULL, 1), (4, 'north', NULL);
        INSERT INTO orders VALUES (1, 1, 10.50, 2, 'open'), (2, 1, 3.25, 1, 'open'), (3, 2, 7.00, 5, 'x'), (4, 5, 1.00, 1, 'open'), (5, NULL, 2.00, 3, 'open');
        INSERT INTO tags VALUES (1, 'vip'), (1, 'vip'), (2, 'new'), (NULL, 'orphan');
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "join_projection", "SELECT o.id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id" },
        { "join_aggregate", "SELECT c.region, count(*) AS n, sum(o.amount) AS total, avg(o.qty) AS avg_qty, min(o.qty) AS mn, max(o.qty) AS mx FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "comma_join_where", "SELECT c.tier, count(o.amount) AS priced, sum(o.amount) AS total FROM orders o, customers c WHERE o.customer_id = c.id AND o.status <> 'x' GROUP BY c.tier" },
        { "join_using", "SELECT customer_id, t.tag, o.qty FROM orders o JOIN tags t USING (customer_id)" },
        { "three_way_join", "SELECT c.region, t.tag, count(*) AS n, sum(o.qty) AS q FROM orders o JOIN customers c ON c.id = o.customer_id JOIN tags t ON t.customer_id = c.id GROUP BY c.region, t.tag" },
        { "self_join", "SELECT a.id, b.id AS other, a.region FROM customers a JOIN customers b ON a.region = b.region AND a.id < b.id" },
        { "non_equi_join", "SELECT o.id, c.id AS cid FROM orders o JOIN customers c ON o.qty > c.tier" },
        { "cross_join_aggregate", "SELECT count(*) AS n, sum(o.qty * c.tier) AS s FROM orders o CROSS JOIN customers c" },
        { "natural_join_star", "SELECT * FROM tags NATURAL JOIN orders" },
        { "join_distinct", "SELECT DISTINCT c.region, t.tag FROM customers c JOIN tags t ON t.customer_id = c.id" },
        { "join_having", "SELECT c.region, sum(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.region HAVING count(*) > 1" },
        { "left_join_aggregate", "SELECT c.id, c.region, count(o.id) AS orders, COALESCE(sum(o.amount), 0) AS revenue FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.region" },
        { "left_join_projection", "SELECT c.id, o.id AS order_id, o.amount FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'x'" },
        { "left_anti_join", "SELECT c.id, c.region FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL" },
        { "right_join", "SELECT o.id, c.region, o.qty FROM customers c RIGHT JOIN orders o ON c.id = o.customer_id" },
        { "left_join_keyless", "SELECT t.tag, count(o.id) AS n, count(*) AS rows FROM tags t LEFT JOIN orders o ON o.customer_id = t.customer_id GROUP BY t.tag" },
        { "left_join_using", "SELECT customer_id, t.tag, o.qty FROM tags t LEFT JOIN orders o USING (customer_id)" },
        { "left_self_join", "SELECT a.id, b.id AS other FROM customers a LEFT JOIN customers b ON b.region = a.region AND b.id > a.id" },
        { "left_join_non_equi", "SELECT o.id, c.id AS cid FROM orders o LEFT JOIN customers c ON o.qty > c.tier" },
        { "exists_subquery", "SELECT c.id, c.region FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status <> 'x')" },
        { "not_exists_subquery", "SELECT c.id, c.tier FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)" },
        { "in_subquery", "SELECT o.id, o.amount FROM orders o WHERE o.customer_id IN (SELECT c.id FROM customers c WHERE c.region = 'north')" },
        { "not_in_with_nulls", "SELECT o.id, o.qty FROM orders o WHERE o.customer_id NOT IN (SELECT t.customer_id FROM tags t)" },
        { "exists_under_aggregate", "SELECT c.region, count(*) AS n, max(c.tier) AS top FROM customers c WHERE EXISTS (SELECT 1 FROM tags t WHERE t.customer_id = c.id) AND c.tier IS NOT NULL GROUP BY c.region" },
        { "not_in_keyless_aggregate", "SELECT t.tag, count(*) AS n FROM tags t WHERE t.customer_id NOT IN (SELECT o.customer_id FROM orders o WHERE o.qty > 2) GROUP BY t.tag" },
        { "join_distinct_count", "SELECT c.region, count(DISTINCT o.customer_id) AS buyers, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "cte_in_join", "WITH open_orders AS (SELECT id, customer_id AS cust, amount * qty AS line FROM orders WHERE status = 'open') SELECT c.region, count(*) AS n, sum(oo.line) AS total FROM open_orders oo JOIN customers c ON c.id = oo.cust GROUP BY c.region" },
        { "derived_table", "SELECT s.region, count(*) AS n, sum(s.tier) AS tiers FROM (SELECT region, tier FROM customers WHERE tier IS NOT NULL) AS s GROUP BY s.region" },
        { "cte_used_twice", "WITH named AS (SELECT id, region FROM customers WHERE region IS NOT NULL) SELECT a.id, b.id AS other FROM named a JOIN named b ON a.region = b.region AND a.id < b.id" },
        { "derived_column_aliases", "SELECT * FROM (SELECT o.id, o.qty * 2 FROM orders o WHERE o.qty > 1) AS d(order_id, double_qty)" },
        { "cte_non_strict_expression", "WITH t2 AS (SELECT COALESCE(tag, 'none') AS tag, customer_id FROM tags) SELECT t2.tag, count(*) AS n FROM t2 JOIN customers c ON c.id = t2.customer_id GROUP BY t2.tag" },
        { "union_all", "SELECT customer_id AS id, 'order' AS what FROM orders WHERE status <> 'x' UNION ALL SELECT id, 'customer' FROM customers WHERE region IS NOT NULL" },
        { "union_distinct", "SELECT customer_id FROM orders UNION SELECT customer_id FROM tags" },
        { "intersect_distinct", "SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM tags" },
        { "intersect_all", "SELECT customer_id FROM orders INTERSECT ALL SELECT customer_id FROM tags" },
        { "except_distinct", "SELECT id FROM customers EXCEPT SELECT customer_id FROM orders" },
        { "except_all", "SELECT customer_id FROM tags EXCEPT ALL SELECT customer_id FROM orders" },
        { "union_all_three_branches", "SELECT qty AS v FROM orders UNION ALL SELECT tier FROM customers UNION ALL SELECT qty FROM orders WHERE qty > 2" },
        { "join_statistics", "SELECT c.region, stddev(o.amount) AS sd, var_pop(o.qty) AS vp, variance(o.amount * o.qty) FILTER (WHERE o.status = 'open') AS v, stddev_pop(c.tier) AS st, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "left_join_statistics", "SELECT c.id, stddev_samp(o.qty) AS s, var_samp(o.amount) AS v, stddev_pop(o.amount) AS sp FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id" },
        { "left_join_min_max", "SELECT c.region, min(o.amount) AS lo, max(o.qty) AS hi, count(*) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.region" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task Join_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 31337);

}
