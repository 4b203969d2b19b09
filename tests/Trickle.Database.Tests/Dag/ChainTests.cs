using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Dag.StreamTableGraph;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Dag;

/// <summary>
/// Chains a → b → e under seeded random writes, in pairs of modes of the upstream and the reader: after every step and
/// refresh, every stream table equals its recomputation from what it reads and from a. The upstreams cover a grouped
/// stream table with HAVING (its view filters stored rows) and a bag (a stored row stands for several copies).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChainTests(PostgresCluster cluster)
{
    private const string Tables = "CREATE TABLE a (id integer PRIMARY KEY, g integer NOT NULL, v integer);";
    private const string Seed = "INSERT INTO a SELECT i, i % 6, CASE WHEN i % 10 = 0 THEN NULL ELSE i % 4 END FROM generate_series(1, 80) AS i;";

    private const string Grouped = "SELECT g, sum(v) AS s, count(*) AS n FROM a GROUP BY g HAVING count(*) > 12";
    private const string Bag = "SELECT g, v FROM a WHERE v IS DISTINCT FROM 1";
    private static readonly (string Name, string Upstream, string Query, string FromA)[] Readers =
    [
        ("e_grouped", "b_grouped", "SELECT s % 3 AS k, count(*) AS groups, sum(n) AS rows_read FROM b_grouped GROUP BY s % 3",
            $"SELECT s % 3 AS k, count(*) AS groups, sum(n) AS rows_read FROM ({Grouped}) AS b GROUP BY s % 3"),
        ("e_bag_totals", "b_bag", "SELECT g, count(*) AS c, count(v) AS cv, sum(v) AS t, max(v) AS mx FROM b_bag GROUP BY g",
            $"SELECT g, count(*) AS c, count(v) AS cv, sum(v) AS t, max(v) AS mx FROM ({Bag}) AS b GROUP BY g"),
        ("e_bag_rows", "b_bag", "SELECT v, g FROM b_bag WHERE g <> 3",
            $"SELECT v, g FROM ({Bag}) AS b WHERE g <> 3"),
    ];

    [Theory]
    [InlineData("differential", "differential")]
    [InlineData("auto", "differential")]
    [InlineData("immediate", "differential")]
    [InlineData("full", "differential")]
    [InlineData("differential", "auto")]
    [InlineData("full", "auto")]
    [InlineData("differential", "immediate")]
    [InlineData("immediate", "immediate")]
    [InlineData("auto", "immediate")]
    [InlineData("differential", "full")]
    [InlineData("immediate", "full")]
    public async Task Chain_SeededRandomWrites_EveryStreamTableMatchesItsRecomputation(string upstreamMode, string readerMode)
    {
        await using var database = await cluster.CreateDatabaseAsync($"chain_{upstreamMode}_{readerMode}");
        await database.ExecuteAsync(Tables + Seed);
        await InstallAsync(database, Tables,
            [new("b_grouped", upstreamMode, Grouped), new("b_bag", upstreamMode, Bag),
             .. Readers.Select(r => new GraphNode(r.Name, readerMode, r.Query))]);

        var random = new Random(upstreamMode.Length * 31 + readerMode.Length);
        var nextId = 1000;
        await using var connection = await database.OpenConnectionAsync();
        for (var step = 0; step < 12; step++)
        {
            var statements = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(5) switch
            {
                0 => $"INSERT INTO a SELECT i, {random.Next(7)}, {Value(random)} FROM generate_series({nextId += 10}, {nextId + random.Next(8)}) AS i",
                1 => $"UPDATE a SET v = {Value(random)} WHERE id % 7 = {random.Next(7)}",
                2 => $"UPDATE a SET g = {random.Next(7)} WHERE id % 11 = {random.Next(11)}",
                3 => $"DELETE FROM a WHERE id % 9 = {random.Next(9)}",
                _ => $"UPDATE a SET id = id + 100000 WHERE id % 13 = {random.Next(13)}",
            }).ToList();
            var rolledBack = random.Next(6) == 0;
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                foreach (var sql in statements)
                    await ExecuteAsync(connection, sql, transaction);
                if (rolledBack)
                    await transaction.RollbackAsync();
                else
                    await transaction.CommitAsync();
            }

            var because = $"after step {step} ({upstreamMode} upstream, {readerMode} reader): {string.Join("; ", statements)}{(rolledBack ? " (rolled back)" : "")}";
            foreach (var reader in Readers)
                await RefreshAsync(connection, reader.Name);
            await AssertMatchesAsync(connection, "b_grouped", Grouped, because);
            await AssertMatchesAsync(connection, "b_bag", Bag, because);
            foreach (var reader in Readers)
            {
                await AssertMatchesAsync(connection, reader.Name, reader.Query, because + " (against its upstream)");
                await AssertMatchesAsync(connection, reader.Name, reader.FromA, because + " (against a)");
            }
        }
    }

    private static string Value(Random random) => random.Next(6) == 0 ? "NULL" : random.Next(4).ToString();
}
