using Trickle.Compiler.Catalog;

namespace Trickle.Cli.Tests;

/// <summary>
/// On a Citus coordinator, <c>trickle compile --connection</c> tells distributed, reference and Citus managed local
/// tables from plain ones by <c>pg_dist_partition</c>, and refuses to maintain a query over one incrementally: its
/// writes run on shard placements, where the coordinator's capture triggers would not fire (docs/citus.md). Citus cannot
/// be installed here, so the test creates its catalog table as Citus does (same name, schema and columns) and fills it
/// the way Citus describes each kind of table; a plain table next to them compiles as before.
/// </summary>
public sealed class LiveCitusTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = """
        DROP SCHEMA IF EXISTS shop CASCADE;
        CREATE SCHEMA shop;
        CREATE TABLE shop.events (id bigint PRIMARY KEY, tenant int, amount int);
        CREATE TABLE shop.tenants (id int PRIMARY KEY, region text);
        CREATE TABLE shop.notes (id int PRIMARY KEY, tenant int);
        CREATE TABLE shop.sharded_schema_table (id int PRIMARY KEY, tenant int);
        CREATE TABLE shop.plain (id int PRIMARY KEY, tenant int, amount int);
        SET allow_system_table_mods = on;
        CREATE TABLE IF NOT EXISTS pg_catalog.pg_dist_partition (
            logicalrelid regclass NOT NULL, partmethod "char" NOT NULL, partkey text,
            colocationid integer NOT NULL DEFAULT 0, repmodel "char" NOT NULL DEFAULT 'c');
        RESET allow_system_table_mods;
        GRANT SELECT ON pg_catalog.pg_dist_partition TO PUBLIC;
        TRUNCATE pg_catalog.pg_dist_partition;
        INSERT INTO pg_catalog.pg_dist_partition VALUES
            ('shop.events', 'h', '{VAR :varattno 2}', 1, 's'),
            ('shop.tenants', 'n', NULL, 2, 't'),
            ('shop.notes', 'n', NULL, 0, 's'),
            ('shop.sharded_schema_table', 'n', NULL, 3, 's');
        """;

    [Fact]
    public async Task Reader_TellsEachKindOfCitusTable_FromAPlainOne()
    {
        await server.ExecuteAsync(Schema);

        var catalog = await LiveCatalogReader.ReadAsync(server.ConnectionString, CancellationToken.None);

        Assert.Equal(CitusDistribution.Distributed, catalog.Find("shop", "events")!.Citus);
        Assert.Equal(CitusDistribution.Reference, catalog.Find("shop", "tenants")!.Citus);
        Assert.Equal(CitusDistribution.CitusLocal, catalog.Find("shop", "notes")!.Citus);
        Assert.Equal(CitusDistribution.Distributed, catalog.Find("shop", "sharded_schema_table")!.Citus);
        Assert.Equal(CitusDistribution.None, catalog.Find("shop", "plain")!.Citus);
    }

    [Theory]
    [InlineData("shop.events", "is distributed by Citus")]
    [InlineData("shop.tenants", "is a Citus reference table")]
    [InlineData("shop.notes", "is a Citus managed local table")]
    public async Task Differential_OverACitusTable_IsRefusedAtTheTableName(string table, string reason)
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var query = dir.File("st.sql", $"SELECT p.tenant, count(*) AS n\nFROM shop.plain p JOIN {table} t ON t.id = p.tenant\nGROUP BY p.tenant\n");

        var run = await CliRunner.RunAsync("compile", query, "--connection", server.ConnectionString, "--mode", "differential");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"st.sql:2:24: error TRK4001:", run.Stderr);
        Assert.Contains(reason, run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Auto_OverADistributedTable_RecomputesAndPutsNoTriggerOnIt()
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var query = dir.File("st.sql", "SELECT tenant, sum(amount) AS total FROM shop.events GROUP BY tenant\n");

        var run = await CliRunner.RunAsync("compile", query, "--connection", server.ConnectionString, "--mode", "auto");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning TRK4101", run.Stderr);
        Assert.Contains("is distributed by Citus", run.Stderr);
        // FULL installs no capture trigger on a source: the install needs nothing Citus refuses on a distributed table.
        Assert.DoesNotMatch("(?m)^CREATE TRIGGER [^\\n]* ON \"shop\".\"events\"", run.Stdout);
        Assert.Contains("'full', 'install'", run.Stdout);
    }

    [Fact]
    public async Task Differential_OverAPlainTableNextToCitusTables_Compiles()
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();
        var query = dir.File("st.sql", "SELECT tenant, sum(amount) AS total FROM shop.plain GROUP BY tenant\n");

        var run = await CliRunner.RunAsync("compile", query, "--connection", server.ConnectionString, "--mode", "differential");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Matches("(?m)^CREATE TRIGGER [^\\n]* ON \"shop\".\"plain\"", run.Stdout);
    }
}
