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
    internal const string Schema = Schemas.CustomersOrders + "\nCREATE TABLE tags (customer_id integer, tag text);";

    internal const string Seed = Schemas.CustomersOrdersSeed + "\nINSERT INTO tags VALUES (1, 'vip'), (1, 'vip'), (2, 'new'), (NULL, 'orphan');";

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
        { "greater_than_any", "SELECT o.id, o.qty FROM orders o WHERE o.qty > ANY (SELECT c.tier FROM customers c WHERE c.region = 'north')" },
        { "at_least_all_with_nulls", "SELECT o.id, o.amount FROM orders o WHERE o.qty >= ALL (SELECT c.tier FROM customers c)" },
        { "not_equal_all", "SELECT t.tag, t.customer_id FROM tags t WHERE t.customer_id <> ALL (SELECT o.customer_id FROM orders o WHERE o.status = 'open')" },
        { "not_equal_any", "SELECT c.id, c.region FROM customers c WHERE NOT (c.id = ANY (SELECT o.customer_id FROM orders o))" },
        { "not_less_than_all", "SELECT c.id FROM customers c WHERE NOT c.tier < ALL (SELECT o.qty FROM orders o WHERE o.customer_id = c.id)" },
        { "correlated_any_aggregate", "SELECT c.region, count(*) AS n FROM customers c WHERE c.tier = ANY (SELECT o.qty FROM orders o WHERE o.customer_id = c.id) GROUP BY c.region" },
        { "distinct_on_join", "SELECT DISTINCT ON (c.region) c.region, o.id, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY c.region, o.amount DESC NULLS FIRST, o.id, c.id" },
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
        { "join_aggregated_subquery", "SELECT c.region, count(*) AS customers, sum(t.total) AS revenue, max(t.biggest) AS biggest FROM customers c JOIN (SELECT customer_id, sum(amount) AS total, max(qty) AS biggest FROM orders GROUP BY customer_id) AS t ON t.customer_id = c.id GROUP BY c.region" },
        { "aggregate_of_aggregate", "SELECT count(*) AS buyers, avg(t.n) AS avg_orders, max(t.n) AS most FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) AS t" },
        { "filter_over_aggregated_cte", "WITH spend AS (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id HAVING count(*) > 1) SELECT s.customer_id, s.total FROM spend s WHERE s.total > 5" },
        { "join_distinct_subquery", "SELECT c.id, c.region FROM customers c JOIN (SELECT DISTINCT customer_id FROM tags) AS t ON t.customer_id = c.id" },
        { "above_the_mean", "SELECT o.id, o.amount FROM orders o, (SELECT avg(amount) AS mean FROM orders) AS a WHERE o.amount > a.mean" },
        { "two_aggregated_subqueries", "SELECT c.id, o.n, t.tags FROM customers c JOIN (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) o ON o.customer_id = c.id JOIN (SELECT customer_id, count(*) AS tags FROM tags GROUP BY customer_id) t ON t.customer_id = c.id" },
        { "row_with_group_maximum", "SELECT o.id, o.amount, m.top FROM orders o JOIN (SELECT customer_id, max(amount) AS top FROM orders GROUP BY customer_id) m ON m.customer_id = o.customer_id AND o.amount = m.top" },
        { "scalar_subquery_in_where", "SELECT o.id, o.amount FROM orders o WHERE o.amount > (SELECT avg(amount) FROM orders)" },
        { "scalar_subquery_in_select_list", "SELECT t.tag, t.customer_id, (SELECT max(qty) FROM orders) AS max_qty FROM tags t" },
        { "share_of_scalar_total", "SELECT c.region, count(*) AS n, count(*) * 1.0 / NULLIF((SELECT count(*) FROM customers), 0) AS share FROM customers c GROUP BY c.region" },
        { "scalar_subquery_inside_aggregate", "SELECT c.region, sum(c.tier - (SELECT min(tier) FROM customers)) AS above_min FROM customers c GROUP BY c.region" },
        { "left_join_aggregated_subquery", "SELECT c.id, c.region, COALESCE(t.n, 0) AS orders, t.total FROM customers c LEFT JOIN (SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id) AS t ON t.customer_id = c.id" },
        { "left_join_subquery_then_aggregate", "SELECT c.region, count(t.customer_id) AS tagged, sum(t.tags) AS tags FROM customers c LEFT JOIN (SELECT customer_id, count(*) AS tags FROM tags GROUP BY customer_id) t ON t.customer_id = c.id GROUP BY c.region" },
        { "right_join_onto_subquery", "SELECT c.id, t.n, c.region FROM (SELECT customer_id, count(*) AS n FROM orders WHERE qty > 1 GROUP BY customer_id) t RIGHT JOIN customers c ON c.id = t.customer_id" },
        { "lateral_aggregates_per_customer", "SELECT c.id, c.region, l.n, l.total, l.biggest FROM customers c, LATERAL (SELECT count(*) AS n, sum(o.amount) AS total, max(o.amount) AS biggest FROM orders o WHERE o.customer_id = c.id AND o.status <> 'x') AS l" },
        { "lateral_renamed_columns_then_grouped", "SELECT c.region, sum(s.orders) AS orders, max(s.qty) AS qty FROM customers c, LATERAL (SELECT count(o.id), sum(o.qty) FROM orders o WHERE c.id = o.customer_id) AS s(orders, qty) GROUP BY c.region" },
        { "lateral_top_two_per_customer", "SELECT c.id, c.region, x.amount, x.order_id FROM customers c, LATERAL (SELECT o.amount, o.id AS order_id FROM orders o WHERE o.customer_id = c.id AND o.status <> 'x' ORDER BY o.amount DESC NULLS LAST, o.id LIMIT 2) AS x" },
        { "lateral_offset_star", "SELECT c.region, x.* FROM customers c, LATERAL (SELECT * FROM orders o WHERE c.id = o.customer_id ORDER BY o.qty, 2, o.id LIMIT 2 OFFSET 1) AS x" },
        { "lateral_with_ties_grouped", "SELECT c.region, count(*) AS n, sum(x.qty) AS q FROM customers c, LATERAL (SELECT o.qty FROM orders o WHERE o.customer_id = c.id ORDER BY o.qty DESC FETCH FIRST 1 ROWS WITH TIES) AS x GROUP BY c.region" },
        { "lateral_keyless_duplicates", "SELECT c.id, l.tag FROM customers c, LATERAL (SELECT t.tag FROM tags t WHERE t.customer_id = c.id ORDER BY t.tag DESC LIMIT 2) AS l" },
        { "lateral_self_biggest_sibling", "SELECT p.id, p.customer_id, x.amount AS biggest FROM orders p, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = p.customer_id ORDER BY o.amount DESC NULLS LAST LIMIT 1) AS x" },
        { "lateral_top_over_join", "SELECT o.id, c.region, l.tag FROM orders o JOIN customers c ON c.id = o.customer_id, LATERAL (SELECT t.tag FROM tags t WHERE t.customer_id = o.customer_id ORDER BY t.tag LIMIT 1) AS l" },
        { "lateral_rows_filtered", "SELECT c.id, c.tier, l.amount FROM customers c, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = c.id AND o.status <> 'x') AS l" },
        { "cross_join_lateral_rows_star", "SELECT c.region, l.* FROM customers c CROSS JOIN LATERAL (SELECT o.qty * 2 AS twice, o.status FROM orders o WHERE c.id = o.customer_id) AS l" },
        { "join_lateral_top_on_condition", "SELECT c.id, l.amount FROM customers c JOIN LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC NULLS LAST, o.id LIMIT 2) AS l ON l.amount > c.tier" },
        { "left_join_lateral_top", "SELECT c.id, c.region, l.qty, l.id AS order_id FROM customers c LEFT JOIN LATERAL (SELECT o.qty, o.id FROM orders o WHERE o.customer_id = c.id ORDER BY o.qty NULLS FIRST, o.id LIMIT 1) AS l ON TRUE" },
        { "left_join_lateral_aggregate", "SELECT c.id, l.n, l.total FROM customers c LEFT JOIN LATERAL (SELECT count(*) AS n, sum(o.amount) AS total FROM orders o WHERE o.customer_id = c.id) AS l ON TRUE" },
        { "join_top_three_per_customer", "SELECT c.region, r.id, r.amount FROM customers c JOIN (SELECT customer_id, amount, id, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC NULLS LAST, id) AS rn FROM orders) r ON r.customer_id = c.id WHERE r.rn <= 3" },
        { "cte_lag_in_join", "WITH steps AS (SELECT customer_id, id, qty, lag(qty) OVER (PARTITION BY customer_id ORDER BY id) AS previous FROM orders) SELECT c.region, steps.id, steps.qty - steps.previous AS change FROM customers c JOIN steps ON steps.customer_id = c.id" },
        { "left_join_window_counts", "SELECT c.id, r.n, r.qty FROM customers c LEFT JOIN (SELECT customer_id, qty, count(*) OVER (PARTITION BY customer_id) AS n FROM orders) r ON r.customer_id = c.id" },
        { "comma_join_rank_filter_grouped", "SELECT c.region, count(*) AS n, sum(r.amount) AS top_total FROM customers c, (SELECT customer_id, amount, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC NULLS LAST) AS rk FROM orders) r WHERE r.customer_id = c.id AND r.rk = 1 GROUP BY c.region" },
        { "top_orders_subquery_joined", "SELECT c.region, t.id, t.amount FROM (SELECT id, customer_id, amount FROM orders ORDER BY amount DESC NULLS LAST, id LIMIT 3) t JOIN customers c ON c.id = t.customer_id" },
        { "top_rows_subquery_with_offset", "SELECT t.qty * 2 AS double_qty FROM (SELECT qty FROM orders WHERE status <> 'x' ORDER BY qty NULLS FIRST LIMIT 4 OFFSET 1) AS t" },
        { "two_laterals_biggest_and_latest", "SELECT c.id, a.amount AS biggest, b.qty AS latest_qty FROM customers c, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC NULLS LAST, o.id LIMIT 1) AS a, LATERAL (SELECT o.qty FROM orders o WHERE o.customer_id = c.id ORDER BY o.id DESC LIMIT 1) AS b" },
        { "lateral_top_then_lateral_rows", "SELECT c.id, a.amount, t.tag FROM customers c, LATERAL (SELECT o.amount FROM orders o WHERE o.customer_id = c.id ORDER BY o.amount DESC NULLS LAST, o.id LIMIT 2) AS a, LATERAL (SELECT t.tag FROM tags t WHERE t.customer_id = c.id) AS t" },
        { "lateral_over_join", "SELECT o.id, c.region, l.tags FROM orders o JOIN customers c ON c.id = o.customer_id, LATERAL (SELECT count(*) AS tags FROM tags t WHERE t.customer_id = o.customer_id) AS l WHERE l.tags < 3" },
        { "correlated_count_subquery", "SELECT c.id, c.region, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND o.status <> 'x') AS orders FROM customers c" },
        { "correlated_sum_in_where", "SELECT c.id, c.tier FROM customers c WHERE (SELECT sum(o.qty) FROM orders o WHERE o.customer_id = c.id) > 2" },
        { "correlated_subquery_inside_aggregate", "SELECT c.region, count(*) AS n, sum((SELECT count(*) FROM tags t WHERE c.id = t.customer_id)) AS tags FROM customers c GROUP BY c.region" },
        { "correlated_string_agg", "SELECT c.id, (SELECT string_agg(t.tag, ',' ORDER BY t.tag) FROM tags t WHERE t.customer_id = c.id) AS tags FROM customers c WHERE c.tier IS NOT NULL" },
        { "exists_over_join", "SELECT o.id, c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM tags t WHERE t.customer_id = c.id AND t.tag <> 'new')" },
        { "in_subquery_over_join_aggregate", "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.qty IN (SELECT t2.tier FROM customers t2 WHERE t2.region IS NOT NULL) GROUP BY c.region" },
        { "two_subquery_tests", "SELECT c.id, c.tier FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.qty > 1) AND c.id = ANY (SELECT t.customer_id FROM tags t)" },
        { "uncorrelated_exists_over_join", "SELECT o.id, c.tier FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM tags t WHERE t.tag = 'vip')" },
        { "inner_then_left_join", "SELECT o.id, c.region, t.tag FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN tags t ON t.customer_id = c.id" },
        { "inner_then_left_join_aggregate", "SELECT c.region, count(*) AS n, count(t.tag) AS tagged, max(t.tag) AS last_tag FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN tags t ON t.customer_id = o.customer_id AND t.tag <> 'new' WHERE o.qty > 1 GROUP BY c.region" },
        { "three_tables_then_left_anti", "SELECT o.id, c.tier FROM orders o JOIN customers c ON c.id = o.customer_id CROSS JOIN customers d LEFT JOIN tags t ON t.customer_id = d.id WHERE d.tier = 1 AND t.tag IS NULL" },
        { "not_exists_over_join", "SELECT o.id, c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.customer_id = c.id AND t.tag = 'vip')" },
        { "uncorrelated_not_exists_over_join", "SELECT o.id, c.tier FROM orders o JOIN customers c ON c.id = o.customer_id WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.tag = 'orphan')" },
        { "correlated_scalar_over_join", "SELECT o.id, c.region, (SELECT count(*) FROM tags t WHERE t.customer_id = o.customer_id) AS tags FROM orders o JOIN customers c ON c.id = o.customer_id" },
        { "exists_under_or", "SELECT c.id, c.tier FROM customers c WHERE c.tier = 2 OR EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.qty > 3)" },
        { "not_exists_under_or_over_join", "SELECT o.id, c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.qty > 4 OR NOT EXISTS (SELECT 1 FROM tags t WHERE t.customer_id = o.customer_id)" },
        { "left_join_chain", "SELECT c.id, o.id AS order_id, t.tag FROM customers c LEFT JOIN orders o ON o.customer_id = c.id LEFT JOIN tags t ON t.customer_id = o.customer_id" },
        { "left_join_chain_aggregate", "SELECT c.region, count(*) AS n, count(o.id) AS orders, count(t.tag) AS tags FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.qty > 1 LEFT JOIN tags t ON t.customer_id = c.id WHERE c.tier IS NOT NULL GROUP BY c.region" },
        { "left_join_chain_anti", "SELECT c.id, c.tier FROM customers c LEFT JOIN orders o ON o.customer_id = c.id LEFT JOIN tags t ON t.customer_id = c.id WHERE o.id IS NULL AND t.tag IS NULL" },
        { "left_join_chain_of_three", "SELECT c.id, o.id AS order_id, t.tag, d.region FROM customers c LEFT JOIN orders o ON o.customer_id = c.id LEFT JOIN tags t ON t.customer_id = c.id LEFT JOIN customers d ON d.id = o.qty" },
        { "inner_then_left_chain", "SELECT o.id, c.region, t.tag, d.tier FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN tags t ON t.customer_id = c.id LEFT JOIN customers d ON d.id = o.qty WHERE o.status <> 'x'" },
        { "left_join_then_inner_join", "SELECT c.id, o.id AS order_id, t.tag FROM customers c LEFT JOIN orders o ON o.customer_id = c.id JOIN tags t ON t.customer_id = c.id" },
        { "left_join_then_inner_join_aggregate", "SELECT t.tag, count(*) AS n, count(o.id) AS orders, sum(o.qty) AS qty FROM customers c LEFT JOIN orders o ON o.customer_id = c.id JOIN tags t ON t.customer_id = c.id WHERE c.tier IS NOT NULL GROUP BY t.tag" },
        { "left_join_inner_join_left_join", "SELECT c.id, o.id AS order_id, t.tag, d.tier FROM customers c LEFT JOIN orders o ON o.customer_id = c.id JOIN tags t ON t.customer_id = c.id LEFT JOIN customers d ON d.id = o.qty JOIN customers e ON e.id = c.id" },
        { "full_join_then_inner_join", "SELECT c.id, o.id AS order_id, t.tag FROM customers c FULL JOIN orders o ON o.customer_id = c.id JOIN tags t ON t.customer_id = o.customer_id" },
        { "full_join_then_left_join_aggregate", "SELECT c.region, t.tag, count(*) AS n, count(o.id) AS orders FROM customers c FULL JOIN orders o ON o.customer_id = c.id LEFT JOIN tags t ON t.customer_id = c.id GROUP BY c.region, t.tag" },
        { "distinct_over_aggregate", "SELECT DISTINCT count(*) AS orders, max(o.qty) AS top FROM orders o GROUP BY o.customer_id" },
        { "distinct_over_join_aggregate", "SELECT DISTINCT c.region, count(*) > 1 AS repeat_buyer FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region, c.id" },
        { "exists_in_select_list", "SELECT c.id, EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) AS has_orders FROM customers c" },
        { "case_exists_in_select_list_over_join", "SELECT o.id, CASE WHEN EXISTS (SELECT 1 FROM tags t WHERE t.customer_id = c.id) THEN 'tagged' ELSE 'plain' END AS kind FROM orders o JOIN customers c ON c.id = o.customer_id" },
        { "union_all_of_aggregates", "SELECT 'orders' AS what, count(*) AS n FROM orders UNION ALL SELECT region, count(*) FROM customers GROUP BY region" },
        { "except_grouped_branch", "SELECT customer_id FROM tags EXCEPT SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 1" },
        { "union_then_except", "SELECT customer_id FROM orders UNION SELECT customer_id FROM tags EXCEPT SELECT id FROM customers WHERE tier = 1" },
        { "intersect_binds_tighter", "SELECT customer_id FROM tags UNION ALL SELECT customer_id FROM orders INTERSECT ALL SELECT id FROM customers" },
        { "parenthesised_set_operations", "(SELECT customer_id FROM orders EXCEPT ALL SELECT customer_id FROM tags) UNION ALL (SELECT id FROM customers INTERSECT SELECT customer_id FROM orders WHERE qty > 1)" },
        { "except_of_union", "SELECT id FROM customers EXCEPT (SELECT customer_id FROM orders UNION SELECT customer_id FROM tags WHERE tag <> 'new')" },
        { "join_statistics", "SELECT c.region, stddev(o.amount) AS sd, var_pop(o.qty) AS vp, variance(o.amount * o.qty) FILTER (WHERE o.status = 'open') AS v, stddev_pop(c.tier) AS st, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region" },
        { "left_join_statistics", "SELECT c.id, stddev_samp(o.qty) AS s, var_samp(o.amount) AS v, stddev_pop(o.amount) AS sp FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id" },
        { "left_join_min_max", "SELECT c.region, min(o.amount) AS lo, max(o.qty) AS hi, count(*) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.region" },
        { "full_join_projection", "SELECT c.id, c.region, o.id AS order_id, o.amount FROM customers c FULL JOIN orders o ON o.customer_id = c.id" },
        { "full_join_aggregate", "SELECT c.region, o.status, count(*) AS n, count(o.id) AS orders, count(c.id) AS customers, COALESCE(sum(o.amount), 0) AS revenue FROM customers c FULL OUTER JOIN orders o ON o.customer_id = c.id GROUP BY c.region, o.status" },
        { "full_join_no_group_by", "SELECT count(*) AS n, count(c.id) AS customers, count(o.id) AS orders, sum(o.qty) AS q FROM customers c FULL JOIN orders o ON o.customer_id = c.id" },
        { "full_join_using", "SELECT customer_id, t.tag, o.qty FROM tags t FULL JOIN orders o USING (customer_id)" },
        { "full_join_using_star", "SELECT * FROM tags FULL JOIN orders USING (customer_id)" },
        { "full_join_using_grouped", "SELECT customer_id, count(*) AS n, count(t.tag) AS tags, sum(o.qty) AS q FROM tags t FULL JOIN orders o USING (customer_id) GROUP BY customer_id" },
        { "full_join_where_padded", "SELECT c.id, o.id AS order_id FROM customers c FULL JOIN orders o ON o.customer_id = c.id WHERE c.id IS NULL OR o.id IS NULL" },
        { "full_self_join", "SELECT a.id, b.id AS other FROM customers a FULL JOIN customers b ON b.region = a.region AND b.id > a.id" },
        { "full_self_join_keyless", "SELECT t.tag, u.tag AS other FROM tags t FULL JOIN tags u ON u.customer_id = t.customer_id AND u.tag <> t.tag" },
        { "full_join_filtered_on", "SELECT c.id, c.tier, o.id AS order_id, o.qty FROM orders o FULL JOIN customers c ON o.customer_id = c.id AND o.status = 'open'" },
        { "full_join_equi_and_non_equi", "SELECT o.id, c.id AS cid FROM orders o FULL JOIN customers c ON o.customer_id = c.id AND o.qty > c.tier" },
        { "full_join_min_max", "SELECT c.region, min(o.amount) AS lo, max(o.qty) AS hi, max(c.tier) AS top, count(*) AS n FROM customers c FULL JOIN orders o ON o.customer_id = c.id GROUP BY c.region" },
        { "full_join_keyless", "SELECT t.tag, o.status, count(*) AS n FROM tags t FULL JOIN orders o ON o.customer_id = t.customer_id GROUP BY t.tag, o.status" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task Join_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query,
            seed: name.Length * 31337 + SeedShifts.GetValueOrDefault(name));

    // A NULL in the subquery's column empties these queries until a write removes it. At their base seed the one write
    // that did so is rolled back to a savepoint, so the run would prove nothing (the checker refuses a stream table
    // that never had a row); the next seed reaches rows.
    internal static readonly Dictionary<string, int> SeedShifts = new()
    {
        ["not_in_with_nulls"] = 1,
        ["not_equal_any"] = 1,
    };

}
