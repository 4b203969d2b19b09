using Trickle.Database.Tests.Infrastructure;
using Xunit;
using static Trickle.Database.Tests.Lifecycle.StreamTableHarness;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>FULL recomputes on refresh and not before; refreshing an IMMEDIATE table is a no-op.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RefreshModeTests(PostgresCluster cluster)
{
    private const string Schema = "CREATE TABLE m (id integer PRIMARY KEY, g integer NOT NULL, v numeric);";
    private const string Seed = "INSERT INTO m SELECT i, i % 3, i FROM generate_series(1, 12) AS i;";
    private const string Totals = "SELECT g, count(*) AS n, sum(v) AS s, max(v) AS mx FROM m GROUP BY g";
    private const string Contents = "SELECT g, n, s::text, mx::text FROM st";

    [Fact]
    public async Task Full_IsStaleUntilRefreshed_ThenEqualsTheRecomputation()
    {
        await using var database = await cluster.CreateDatabaseAsync("full_mode");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "full");
        await AssertMatchesAsync(database, "st", Totals, "after install");
        var installed = await RowsAsync(database, Contents);

        await database.ExecuteAsync("INSERT INTO m VALUES (100, 9, 1); UPDATE m SET v = 0 WHERE id = 12; DELETE FROM m WHERE id = 1");
        Assert.Equal(installed, await RowsAsync(database, Contents));

        var applied = await RefreshAsync(database, "st");
        Assert.Equal(await database.ScalarAsync<long>("SELECT count(*) FROM (" + Totals + ") AS q"), applied);
        await AssertMatchesAsync(database, "st", Totals, "after refresh");
        await database.ExecuteAsync("TRUNCATE m; INSERT INTO m VALUES (1, 1, 1)");
        await RefreshAsync(database, "st");
        await AssertMatchesAsync(database, "st", Totals, "after truncate and refresh");
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT refresh_count FROM trickle.stream_tables WHERE name = 'st'"));
    }

    [Fact]
    public async Task RefreshOfAnImmediateTable_ReturnsZero_AndChangesNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("immediate_refresh");
        await CreateAndInstallAsync(database, Schema, Seed, Totals, "st", "immediate");
        await database.ExecuteAsync("INSERT INTO m VALUES (100, 9, 1.50); DELETE FROM m WHERE id = 1");
        await AssertMatchesAsync(database, "st", Totals, "without refresh");
        var storage = await database.ScalarAsync<string>("SELECT storage_table::text FROM trickle.stream_table_catalog WHERE table_name = 'st'");
        var storageRows = await RowsAsync(database, $"SELECT s.ctid::text || s::text FROM {storage} AS s");

        Assert.Equal(0L, await RefreshAsync(database, "st"));

        Assert.Equal(storageRows, await RowsAsync(database, $"SELECT s.ctid::text || s::text FROM {storage} AS s"));
        await AssertMatchesAsync(database, "st", Totals, "after the no-op refresh");
    }
}
