using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// pg_ivm's <c>create_immv('name(col, …)', 'query')</c> under the differential checker: the list names the stream
/// table's first columns (as CREATE TABLE AS's column list does), and the renamed columns hold the query's values. The
/// checker recomputes the effective query — the query wrapped in the renaming — and compares column names and rows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ImmvColumnListCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string, string> Definitions => new()
    {
        {
            "immv_renamed_totals",
            "SELECT create_immv('immv_renamed_totals(cust, \"Total\", n)', 'SELECT customer_id, sum(amount), count(*) FROM orders GROUP BY customer_id')",
            "SELECT * FROM (\nSELECT customer_id, sum(amount), count(*) FROM orders GROUP BY customer_id\n) AS \"immv\"(\"cust\", \"Total\", \"n\")"
        },
        {
            // Fewer names than columns: the first column is renamed, the others keep the query's names.
            "immv_renamed_first",
            "SELECT create_immv('immv_renamed_first(who)', 'SELECT o.customer_id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id')",
            "SELECT * FROM (\nSELECT o.customer_id, c.region, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id\n) AS \"immv\"(\"who\")"
        },
        {
            // A top-k with ties inside: the tie-breakers land inside the literal's query, the renaming around it.
            "immv_renamed_top",
            "SELECT create_immv('immv_renamed_top(r, q)', 'SELECT c.region, o.qty FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.qty DESC LIMIT 2')",
            "SELECT * FROM (\nSELECT c.region, o.qty FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.qty DESC, 1 LIMIT 2\n) AS \"immv\"(\"r\", \"q\")"
        },
        {
            // Two selected columns of one name (a self-join): the list names them apart, as pg_ivm's own suite does.
            "immv_self_join",
            "SELECT create_immv('immv_self_join(first_amount, second_amount)', 'SELECT o1.amount, o2.amount FROM orders AS o1 JOIN orders AS o2 ON o1.customer_id = o2.customer_id AND o1.id < o2.id')",
            "SELECT * FROM (\nSELECT o1.amount, o2.amount FROM orders AS o1 JOIN orders AS o2 ON o1.customer_id = o2.customer_id AND o1.id < o2.id\n) AS \"immv\"(\"first_amount\", \"second_amount\")"
        },
        {
            // The same through a CTE read twice.
            "immv_cte_twice",
            "SELECT create_immv('immv_cte_twice(q1, q2)', 'WITH t AS (SELECT * FROM orders) SELECT t1.qty, t2.qty FROM t AS t1 JOIN t AS t2 ON t1.id = t2.id')",
            "SELECT * FROM (\nWITH t AS (SELECT * FROM orders) SELECT t1.qty, t2.qty FROM t AS t1 JOIN t AS t2 ON t1.id = t2.id\n) AS \"immv\"(\"q1\", \"q2\")"
        },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public Task ColumnList_RenamesTheColumns_AndTheyHoldTheQuerysValues(string name, string definition, string recomputed)
    {
        foreach (var mode in new[] { "differential", "immediate", "auto", "full" })
            Assert.Equal(recomputed, TrickleCompiler.Compile(Schemas.CustomersOrders, definition, name, mode).EffectiveQuery);
        return CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.CustomersOrders, Schemas.CustomersOrdersSeed, name, definition, seed: name.Length * 401);
    }
}
