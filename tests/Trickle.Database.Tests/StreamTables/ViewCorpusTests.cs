using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Stream tables over views, under the differential checker in every mode: the compiler reads the views from CREATE VIEW
/// statements of the schema file and maintains each stream table from the tables they read, which the random writes
/// change; after every step the stream table must equal its query recomputed (through the views, by PostgreSQL).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ViewCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    // 'a' is one of the checker's small text values, so about one row in eight is "paid".
    private const string Schema = """
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer, status text);
        CREATE TABLE customers (id integer PRIMARY KEY, name text, region text);
        CREATE VIEW paid_orders AS SELECT id, customer_id, amount FROM orders WHERE status = 'a' OR status = 'b';
        CREATE VIEW big_paid (order_id, cust, amt) WITH (security_barrier) AS
            SELECT id, customer_id, amount FROM paid_orders WHERE amount > 2;
        CREATE VIEW customer_totals AS SELECT customer_id, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer_id;
        CREATE VIEW big_totals AS SELECT customer_id, total FROM customer_totals WHERE total > 5;
        CREATE VIEW regions AS SELECT id, upper(region) AS region FROM customers WHERE region IS NOT NULL;
        CREATE VIEW order_regions AS SELECT o.id, o.amount, c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'a';
        """;

    private const string Seed = """
        INSERT INTO customers SELECT i, 'c' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'r' || (i % 2) END FROM generate_series(-3, 12) AS i;
        INSERT INTO orders SELECT i, i % 9 - 2, i % 7, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 24) AS i;
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "view_rows", "SELECT * FROM paid_orders" },
        { "view_grouped", "SELECT customer_id, sum(amount) AS total, count(*) AS n FROM paid_orders GROUP BY customer_id" },
        { "view_joined_with_table", "SELECT c.region, sum(p.amount) AS total, count(*) AS n FROM paid_orders p JOIN customers c ON c.id = p.customer_id GROUP BY c.region" },
        { "view_joined_with_view", "SELECT r.region, count(*) AS n FROM paid_orders p JOIN regions r ON r.id = p.customer_id GROUP BY r.region" },
        { "nested_view_column_list", "SELECT b.cust, b.amt FROM big_paid b WHERE b.amt < 6" },
        { "aggregating_view_joined", "SELECT c.name, t.total, t.n FROM customer_totals t JOIN customers c ON c.id = t.customer_id" },
        { "view_over_aggregating_view", "SELECT c.name, b.total FROM big_totals b JOIN customers c ON c.id = b.customer_id" },
        { "joining_view_grouped", "SELECT r.region, sum(r.amount) AS total, count(*) AS n FROM order_regions r GROUP BY r.region" },
        { "joining_view_read_twice", "SELECT a.id, b.id AS other FROM order_regions a JOIN order_regions b ON a.region = b.region AND a.id < b.id" },
        { "view_in_exists", "SELECT c.name FROM customers c WHERE EXISTS (SELECT 1 FROM paid_orders p WHERE p.customer_id = c.id)" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task View_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 571);
}
