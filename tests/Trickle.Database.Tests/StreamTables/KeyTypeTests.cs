using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Group keys of types with equality but no extended hash function (money, bit strings, tsvector) are hashed through
/// an exact cast; grouping by them must install and stay equal to the recomputation.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeyTypeTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE ledger (id int PRIMARY KEY, price money, flags bit varying(8), doc tsvector, qty int);";
    private const string Query = "SELECT price, flags, doc, count(*) AS n, sum(qty) AS q FROM ledger GROUP BY price, flags, doc";

    [Theory]
    [InlineData("differential")]
    [InlineData("immediate")]
    public async Task KeysWithoutHashFunction_AreMaintained(string mode)
    {
        await using var database = await cluster.CreateDatabaseAsync("keytypes");
        await database.ExecutePsqlScriptAsync(Schema, "schema");
        await database.ExecutePsqlScriptAsync(TrickleCompiler.CompileScript(Schema, Query, "ledger_groups", mode), "install");
        string[] steps =
        [
            // 'a b' and 'b a' are the same tsvector: one group.
            "INSERT INTO ledger VALUES (1, 2.5, B'101', 'a b', 1), (2, 2.5, B'101', 'b a', 2), (3, NULL, NULL, NULL, 3)",
            "UPDATE ledger SET qty = 10 WHERE id = 2",
            "UPDATE ledger SET price = 7, flags = B'1' WHERE id = 1",
            "DELETE FROM ledger WHERE id = 3",
            "INSERT INTO ledger VALUES (4, 7, B'1', 'c', 1)",
        ];
        foreach (var step in steps)
        {
            await database.ExecuteAsync(step);
            await database.ExecuteAsync("SELECT trickle.refresh('ledger_groups')");
            await using var connection = await database.OpenConnectionAsync();
            var comparison = await ResultComparer.CompareAsync(connection, "ledger_groups", Query);
            Assert.True(comparison.IsMatch, $"after {step}:\n{comparison.Describe()}");
        }
    }
}
