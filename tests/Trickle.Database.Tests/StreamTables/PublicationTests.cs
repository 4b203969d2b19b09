using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// A database with a <c>FOR ALL TABLES</c> publication publishes every table Trickle creates too. PostgreSQL then refuses
/// an UPDATE or DELETE of a table without a replica identity, so every refresh that updated storage or consumed a buffer
/// failed. Every query shape's storage (grouped, counted rows, a subquery kept whole, a recursive CTE, a query
/// recomputed as written) is checked in every mode under such a publication.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PublicationTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = Schemas.CustomersOrders + "CREATE TABLE edges (src integer, dst integer);";

    public static TheoryData<string, string> Cases()
    {
        var queries = new[]
        {
            "SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id",
            "SELECT c.region, o.status FROM customers AS c JOIN orders AS o ON o.customer_id = c.id",
            "SELECT c.region, t.total FROM customers AS c JOIN (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id) AS t ON t.customer_id = c.id",
            "WITH RECURSIVE r(a, b) AS (SELECT src, dst FROM edges UNION SELECT r.a, e.dst FROM r JOIN edges e ON e.src = r.b) SELECT a, b FROM r",
        };
        var data = new TheoryData<string, string>();
        foreach (var mode in new[] { "differential", "immediate", "auto", "full" })
            foreach (var query in queries)
                data.Add(mode, query);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public Task StorageInAForAllTablesPublication_KeepsRefreshing(string mode, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunModeAsync(new DifferentialScenario
        {
            SchemaDdl = Schema,
            SeedDataSql = Schemas.CustomersOrdersSeed + """
                INSERT INTO edges VALUES (1, 2), (2, 3), (3, 1), (4, 5);
                ALTER TABLE edges REPLICA IDENTITY FULL;
                CREATE PUBLICATION everything FOR ALL TABLES;
                """,
            DefiningQuery = query,
            StreamTableName = "published",
            CompileScript = TrickleCompiler.CompileScript,
            Steps = 12,
            Seed = 3,
            RequireRows = true,
        }, Enum.Parse<RefreshMode>(mode, ignoreCase: true));
}
