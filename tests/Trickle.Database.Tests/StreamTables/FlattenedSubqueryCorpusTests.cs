using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Subqueries and CTEs in FROM that join tables without aggregating (pass <c>flatten-subqueries</c>), on a small
/// TPC-H-shaped schema: TPC-H Q7, Q8 and Q9 as the benchmark writes them, a CTE read twice, nested WITH, a subquery
/// inside a subquery, and outer joins around and inside the subquery, under the differential checker in every mode.
/// The CHECKs keep every line's volume positive, so Q8's share never divides by zero; writes they refuse are undone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FlattenedSubqueryCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE region (r_regionkey integer PRIMARY KEY, r_name text NOT NULL);
        CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name text NOT NULL, n_regionkey integer);
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_nationkey integer);
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_nationkey integer, c_name text);
        CREATE TABLE part (p_partkey integer PRIMARY KEY, p_name text, p_type text);
        CREATE TABLE partsupp (ps_partkey integer, ps_suppkey integer, ps_supplycost numeric(15,2), PRIMARY KEY (ps_partkey, ps_suppkey));
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer, o_orderdate date);
        CREATE TABLE lineitem (
            l_orderkey integer, l_linenumber integer, l_partkey integer, l_suppkey integer, l_quantity numeric(15,2),
            l_extendedprice numeric(15,2) NOT NULL CHECK (l_extendedprice > 0),
            l_discount numeric(15,2) NOT NULL CHECK (l_discount BETWEEN 0 AND 0.5),
            l_shipdate date,
            PRIMARY KEY (l_orderkey, l_linenumber));
        """;

    // Nations share names so that a few renamed by the random writes leave the benchmark's parameters matching.
    private const string Seed = """
        INSERT INTO region VALUES (0, 'AMERICA'), (1, 'EUROPE'), (2, 'AMERICA');
        INSERT INTO nation SELECT i, (ARRAY['FRANCE', 'GERMANY', 'BRAZIL'])[i % 3 + 1], i % 3 FROM generate_series(0, 8) AS i;
        INSERT INTO supplier SELECT i, i % 9 FROM generate_series(1, 8) AS i;
        INSERT INTO customer SELECT i, (i * 5) % 9, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 10) AS i;
        INSERT INTO part SELECT i, CASE WHEN i % 2 = 0 THEN 'forest green' ELSE 'navy' END, CASE WHEN i % 3 = 0 THEN 'SMALL' ELSE 'ECONOMY ANODIZED STEEL' END FROM generate_series(1, 6) AS i;
        INSERT INTO partsupp SELECT p, s, (p + s) / 2.0 FROM generate_series(1, 6) AS p, generate_series(1, 8) AS s;
        INSERT INTO orders SELECT i, i % 10 + 1, DATE '1995-01-15' + i * 41 FROM generate_series(1, 12) AS i;
        INSERT INTO lineitem SELECT o, n, (o + n) % 6 + 1, (o * n) % 8 + 1, n + 1, 10 * n + o, (o % 3) / 10.0, DATE '1995-02-01' + o * 47 + n
            FROM generate_series(1, 12) AS o, generate_series(1, 3) AS n;
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "tpch_q7", """
            select supp_nation, cust_nation, l_year, sum(volume) as revenue
            from (
                select n1.n_name as supp_nation, n2.n_name as cust_nation, extract(year from l_shipdate) as l_year,
                       l_extendedprice * (1 - l_discount) as volume
                from supplier, lineitem, orders, customer, nation n1, nation n2
                where s_suppkey = l_suppkey and o_orderkey = l_orderkey and c_custkey = o_custkey
                  and s_nationkey = n1.n_nationkey and c_nationkey = n2.n_nationkey
                  and ((n1.n_name = 'FRANCE' and n2.n_name = 'GERMANY') or (n1.n_name = 'GERMANY' and n2.n_name = 'FRANCE'))
                  and l_shipdate between date '1995-01-01' and date '1996-12-31'
            ) as shipping
            group by supp_nation, cust_nation, l_year
            order by supp_nation, cust_nation, l_year
            """ },
        { "tpch_q8", """
            select o_year, sum(case when nation = 'BRAZIL' then volume else 0 end) / sum(volume) as mkt_share
            from (
                select extract(year from o_orderdate) as o_year, l_extendedprice * (1 - l_discount) as volume, n2.n_name as nation
                from part, supplier, lineitem, orders, customer, nation n1, nation n2, region
                where p_partkey = l_partkey and s_suppkey = l_suppkey and l_orderkey = o_orderkey and o_custkey = c_custkey
                  and c_nationkey = n1.n_nationkey and n1.n_regionkey = r_regionkey and r_name = 'AMERICA'
                  and s_nationkey = n2.n_nationkey and o_orderdate between date '1995-01-01' and date '1996-12-31'
                  and p_type = 'ECONOMY ANODIZED STEEL'
            ) as all_nations
            group by o_year
            order by o_year
            """ },
        { "tpch_q9", """
            select nation, o_year, sum(amount) as sum_profit
            from (
                select n_name as nation, extract(year from o_orderdate) as o_year,
                       l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity as amount
                from part, supplier, lineitem, partsupp, orders, nation
                where s_suppkey = l_suppkey and ps_suppkey = l_suppkey and ps_partkey = l_partkey and p_partkey = l_partkey
                  and o_orderkey = l_orderkey and s_nationkey = n_nationkey and p_name like '%green%'
            ) as profit
            group by nation, o_year
            order by nation, o_year desc
            """ },
        { "join_subquery_filtered_outside", "SELECT * FROM (SELECT c.c_custkey, o.o_orderkey, c.c_name FROM customer c JOIN orders o ON o.o_custkey = c.c_custkey) s WHERE s.o_orderkey > 2" },
        { "join_using_subquery", "SELECT s.ps_partkey, s.n FROM (SELECT ps_partkey, s_nationkey AS n FROM supplier JOIN partsupp ON ps_suppkey = s_suppkey WHERE ps_supplycost > 2) AS s WHERE s.n <> 3" },
        { "cte_joined_to_table_aggregate", "WITH x AS (SELECT l.l_orderkey, l.l_extendedprice, p.p_type FROM lineitem l JOIN part p ON p.p_partkey = l.l_partkey) SELECT o.o_custkey, x.p_type, count(*) AS n, sum(x.l_extendedprice) AS total FROM x JOIN orders o ON o.o_orderkey = x.l_orderkey GROUP BY o.o_custkey, x.p_type" },
        { "cte_read_twice", "WITH placed AS (SELECT o.o_orderkey, c.c_nationkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderdate < date '1996-06-01') SELECT a.o_orderkey, b.o_orderkey AS other FROM placed a JOIN placed b ON a.c_nationkey = b.c_nationkey AND a.o_orderkey < b.o_orderkey" },
        { "nested_with", "WITH x AS (WITH y AS (SELECT o_orderkey, o_custkey FROM orders WHERE o_orderkey > 2) SELECT y.o_orderkey, c.c_name FROM y JOIN customer c ON c.c_custkey = y.o_custkey) SELECT x.c_name, count(*) AS n, sum(l.l_quantity) AS q FROM x JOIN lineitem l ON l.l_orderkey = x.o_orderkey GROUP BY x.c_name" },
        { "cte_reading_earlier_cte", "WITH a AS (SELECT o_orderkey, o_custkey FROM orders WHERE o_orderdate > date '1995-06-01'), b AS (SELECT a.o_orderkey, c.c_nationkey FROM a JOIN customer c ON c.c_custkey = a.o_custkey) SELECT b.c_nationkey, count(*) AS n FROM b GROUP BY b.c_nationkey" },
        { "subquery_in_subquery", "SELECT s.n_name, s.total FROM (SELECT i.n_name, i.o_orderkey * 2 AS total FROM (SELECT n.n_name, o.o_orderkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey JOIN nation n ON n.n_nationkey = c.c_nationkey WHERE n.n_regionkey = 1) AS i WHERE i.o_orderkey > 2) AS s" },
        { "joining_subquery_left_join_table", "SELECT s.o_orderkey, s.c_name, l.l_quantity FROM (SELECT o.o_orderkey, c.c_name FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderkey > 1) s LEFT JOIN lineitem l ON l.l_orderkey = s.o_orderkey" },
        { "left_join_onto_joining_subquery", "SELECT c.c_custkey, s.o_orderkey, s.nation FROM customer c LEFT JOIN (SELECT o.o_orderkey, o.o_custkey, coalesce(n.n_name, 'none') AS nation FROM orders o JOIN customer c2 ON c2.c_custkey = o.o_custkey JOIN nation n ON n.n_nationkey = c2.c_nationkey WHERE o.o_orderkey > 3) s ON s.o_custkey = c.c_custkey" },
        { "joining_subquery_inside_aggregating_one", "SELECT c.c_name, g.total FROM customer c JOIN (SELECT x.o_custkey, sum(x.l_quantity) AS total FROM (SELECT o.o_custkey, l.l_quantity FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey) x GROUP BY x.o_custkey) g ON g.o_custkey = c.c_custkey" },
        { "aggregating_subquery_inside_joining_one", "SELECT s.c_name, s.total FROM (SELECT c.c_name, g.total FROM customer c JOIN (SELECT o_custkey, count(*) AS total FROM orders GROUP BY o_custkey) g ON g.o_custkey = c.c_custkey) s WHERE s.total > 1" },
        { "right_join_onto_joining_subquery", "SELECT c.c_custkey, s.o_orderkey, s.n_name FROM (SELECT o.o_orderkey, o.o_custkey, n.n_name FROM orders o JOIN customer c2 ON c2.c_custkey = o.o_custkey JOIN nation n ON n.n_nationkey = c2.c_nationkey WHERE n.n_regionkey <> 1) s RIGHT JOIN customer c ON c.c_custkey = s.o_custkey" },
        { "exists_over_joining_subquery", "SELECT s.o_orderkey, s.c_name FROM (SELECT o.o_orderkey, c.c_name FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey) s WHERE EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = s.o_orderkey)" },
        { "not_exists_over_joining_subquery", "SELECT s.o_orderkey, s.c_name FROM (SELECT o.o_orderkey, c.c_name FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderkey > 1) s WHERE NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = s.o_orderkey AND l.l_quantity > 2)" },
        { "outer_join_inside_subquery", "SELECT s.c_custkey, s.o_orderkey, n.n_name FROM (SELECT c.c_custkey, c.c_nationkey, o.o_orderkey FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey) s JOIN nation n ON n.n_nationkey = s.c_nationkey" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task FlattenedSubquery_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(SubqueryCorpus.Scenario(Schema, Seed, name, query) with
        {
            ToleratedErrors = new HashSet<string> { "23514" },
        });
}
