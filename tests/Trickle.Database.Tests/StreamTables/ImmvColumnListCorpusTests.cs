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
