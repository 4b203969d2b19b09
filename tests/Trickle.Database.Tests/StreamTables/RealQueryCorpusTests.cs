using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Shapes from real schemas that once compiled into scripts PostgreSQL refused at install (EXTRACT), or were refused
/// although PostgreSQL accepts them (an unqualified outer column in a correlated EXISTS over a join): installed and
/// checked against the recomputed query in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RealQueryCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, status text, placed timestamp, due date);
        CREATE TABLE customers (id integer PRIMARY KEY, region text);
        CREATE TABLE refunds (rid integer PRIMARY KEY, order_id integer, reason text);
        """;

    private const string Seed = """
        INSERT INTO customers SELECT i, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(-3, 12) AS i;
        INSERT INTO orders SELECT i, i % 9 - 2, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END, TIMESTAMP '2024-01-01' + i * INTERVAL '19 hours', DATE '2024-02-27' + i FROM generate_series(1, 20) AS i;
        INSERT INTO refunds SELECT i, i % 11, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'zz' END FROM generate_series(1, 10) AS i;
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "extract_fields", "SELECT EXTRACT(year FROM placed) AS y, EXTRACT(dow FROM due) AS dow, EXTRACT(epoch FROM placed) AS e, count(*) AS n FROM orders GROUP BY 1, 2, 3" },
        { "extract_and_date_part", "SELECT id, EXTRACT(quarter FROM due) AS q, EXTRACT(hour FROM placed) AS h, date_part('isodow', due) AS d FROM orders WHERE EXTRACT(month FROM due) <> 3" },
        { "exists_unqualified_outer", "SELECT o.id, c.region FROM orders o JOIN customers c ON c.id = o.customer_id WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.reason = region)" },
        { "not_exists_unqualified_outer", "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE NOT EXISTS (SELECT 1 FROM refunds WHERE order_id = customer_id AND reason = status)" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task RealQuery_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 613);
}
