using Trickle.Database.Tests.Infrastructure;
using Trickle.Postgres;
using Xunit;

namespace Trickle.Database.Tests.InfrastructureTests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Server_IsVersion15OrNewer()
    {
        await using var database = await cluster.CreateDatabaseAsync("version");
        var version = await database.ScalarAsync<string>("SELECT current_setting('server_version_num')");
        Assert.True(int.Parse(version!) >= 150000, $"server_version_num = {version}");
    }

    [Fact]
    public async Task Server_IsTheMajorVersionTheEnvironmentAsksFor()
    {
        // Without TRICKLE_TEST_PG_MAJOR the highest installed Debian server runs; with it, exactly that major must,
        // or a run meant for PostgreSQL 18 would silently test 15. An external server is whatever it is.
        if (PostgresBinaries.RequestedMajorVersion() is not { } major || Environment.GetEnvironmentVariable(PostgresCluster.ConnectionVariable) is { Length: > 0 })
            return;
        await using var database = await cluster.CreateDatabaseAsync("major");
        var version = await database.ScalarAsync<string>("SELECT current_setting('server_version_num')");
        Assert.Equal(major, int.Parse(version!) / 10000);
    }

    [Fact]
    public async Task CreateDatabase_ReturnsIsolatedDatabases()
    {
        await using var first = await cluster.CreateDatabaseAsync("iso");
        await using var second = await cluster.CreateDatabaseAsync("iso");
        Assert.NotEqual(first.Name, second.Name);
        await first.ExecuteAsync("CREATE TABLE only_here (x int)");
        Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'only_here'"));
    }

    [Fact]
    public async Task PsqlScript_ReportsSuccessAndFailure()
    {
        await using var database = await cluster.CreateDatabaseAsync("psql");
        var ok = await database.RunPsqlScriptAsync("CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (2);\n");
        Assert.True(ok.Succeeded, ok.Describe());
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT count(*) FROM t"));

        var failed = await database.RunPsqlScriptAsync("INSERT INTO t VALUES (3);\nSELECT no_such_column FROM t;\nINSERT INTO t VALUES (4);\n");
        Assert.False(failed.Succeeded);
        Assert.Contains("no_such_column", failed.StandardError);
        // ON_ERROR_STOP: nothing after the failing statement ran.
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM t"));
    }

    [Fact]
    public async Task TwoConnections_SeeEachOthersCommitsOnly()
    {
        await using var database = await cluster.CreateDatabaseAsync("conc");
        await database.ExecuteAsync("CREATE TABLE t (x int)");
        await using var writer = await database.OpenConnectionAsync();
        await using var reader = await database.OpenConnectionAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new Npgsql.NpgsqlCommand("INSERT INTO t VALUES (1)", writer, transaction))
            await insert.ExecuteNonQueryAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM t", reader);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        await transaction.CommitAsync();
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}
