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

    /// <summary>
    /// The four TPC-H tables Q3 and Q10 read, as the benchmark defines them except that char(n) is varchar(n): the DML
    /// generator writes no blank-padded text.
    /// </summary>
    private const string TpchSchema = """
        CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name varchar(25) NOT NULL, n_regionkey integer NOT NULL, n_comment varchar(152));
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL, c_nationkey integer NOT NULL, c_phone varchar(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL, c_mktsegment varchar(10) NOT NULL, c_comment varchar(117) NOT NULL);
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_orderstatus varchar(1) NOT NULL, o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority varchar(15) NOT NULL, o_clerk varchar(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL);
        CREATE TABLE lineitem (l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL, l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag varchar(1) NOT NULL, l_linestatus varchar(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL, l_shipinstruct varchar(25) NOT NULL, l_shipmode varchar(10) NOT NULL, l_comment varchar(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber));
        """;

    /// <summary>
    /// More qualifying groups than either limit, their revenues from a few values, so both limits cut through ties:
    /// Q3 keeps 10 of about 22 orders, Q10 20 of 24 customers.
    /// </summary>
    private const string TpchSeed = """
        INSERT INTO nation VALUES (1, 'GERMANY', 0, 'x'), (2, 'FRANCE', 0, 'y');
        INSERT INTO customer SELECT i, 'Customer#' || i, 'address ' || i % 3, 1 + i % 2, 'phone ' || i % 4, (i % 3) * 100,
            CASE WHEN i % 4 = 0 THEN 'MACHINERY' ELSE 'BUILDING' END, 'c' FROM generate_series(1, 24) AS i;
        INSERT INTO orders SELECT i, 1 + i % 24, 'O', 10, DATE '1993-10-01' + (i % 5) * 7, '1-URGENT', 'Clerk', i % 2, 'o'
            FROM generate_series(1, 30) AS i;
        INSERT INTO lineitem SELECT o, 1, 1, n, 1, CASE WHEN o % 3 = 0 THEN 200 ELSE 100 END, 0.10, 0, CASE WHEN n = 1 THEN 'R' ELSE 'N' END, 'F',
            DATE '1995-04-01', DATE '1995-04-01', DATE '1995-04-01', 'NONE', 'AIR', 'l' FROM generate_series(1, 30) AS o, generate_series(1, 2) AS n;
        """;

    /// <summary>TPC-H Q3 and Q10 as written (the corpus's texts, tests/Trickle.Tpch): the orders tie at the limit.</summary>
    public static TheoryData<string, string> TpchQueries => new()
    {
        { "tpch_q3", global::Trickle.Tpch.TpchQueries.Get(3).Sql },
        { "tpch_q10", global::Trickle.Tpch.TpchQueries.Get(10).Sql },
    };

    [Theory]
    [MemberData(nameof(TpchQueries))]
    public Task Tpch_TiesAtTheLimit_MatchRecomputationWithTheSameTieBreakers(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, TpchSchema, TpchSeed, name, query, seed: name.Length * 7);

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
