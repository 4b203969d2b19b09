using Npgsql;
using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;

namespace Trickle.Database.Tests.Lifecycle;

/// <summary>
/// <c>create_indexes = on</c> (or <c>--create-indexes</c>): the install script creates, on the sources, the indexes the
/// delta queries look rows up by, unless one leading with those columns is already there; a role that does not own the
/// source gets one line saying what to run instead, and nothing is installed. The stream table is then maintained as
/// before (checked against a recomputation).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SourceIndexTests(PostgresCluster cluster)
{
    private const string Schema = """
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name text NOT NULL);
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_comment text);
        """;

    private const string Seed = """
        INSERT INTO customer SELECT i, 'c' || i FROM generate_series(1, 50) AS i;
        INSERT INTO orders SELECT i, 1 + i % 40, CASE WHEN i % 7 = 0 THEN 'special requests' ELSE 'plain' END FROM generate_series(1, 400) AS i;
        """;

    // TPC-H Q13's shape: changes to customer look up orders by o_custkey, which only the advice's index serves.
    private const string Query = """
        SELECT c.c_custkey, count(o.o_orderkey) AS c_count
        FROM customer AS c LEFT JOIN orders AS o ON c.c_custkey = o.o_custkey AND o.o_comment NOT LIKE '%special%'
        GROUP BY c.c_custkey
        """;

    private const string IndexesOnOrders = """
        SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'orders'::regclass
        """;

    private static string Compile(string query, string name, bool? createIndexes)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", Schema)], diagnostics);
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog,
            new CompilationOptions(Name: name, Mode: RefreshMode.Differential) { CreateIndexes = createIndexes });
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    [Fact]
    public async Task CreateIndexes_CreatesTheMissingLookupIndexOnce_AndTheStreamTableStaysEqualToItsQuery()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_indexes");
        await database.ExecuteAsync(Schema + Seed);

        // Without the option, nothing is added to the source.
        await database.ExecutePsqlScriptAsync(Compile(Query, "plain_counts", createIndexes: null), "plain_counts");
        Assert.Equal("orders_pkey", await database.ScalarAsync<string>(IndexesOnOrders));

        await database.ExecutePsqlScriptAsync(Compile(Query, "counts", createIndexes: true), "counts");
        Assert.Equal("orders_pkey, trickle_orders_o_custkey", await database.ScalarAsync<string>(IndexesOnOrders));

        // A second stream table needing the same lookup finds it and creates no other; so does WITH (create_indexes = on).
        await database.ExecutePsqlScriptAsync(Compile(
            "CREATE STREAM TABLE counts_again WITH (create_indexes = on) AS " + Query, "counts_again", createIndexes: null), "counts_again");
        Assert.Equal("orders_pkey, trickle_orders_o_custkey", await database.ScalarAsync<string>(IndexesOnOrders));

        await database.ExecuteAsync("""
            INSERT INTO orders SELECT i, 1 + i % 50, 'plain' FROM generate_series(401, 450) AS i;
            DELETE FROM orders WHERE o_orderkey % 9 = 0;
            UPDATE orders SET o_comment = 'special' WHERE o_orderkey % 5 = 0;
            DELETE FROM customer WHERE c_custkey = 3;
            INSERT INTO customer VALUES (51, 'c51');
            SELECT trickle.refresh('counts');
            """);
        await using var connection = await database.OpenConnectionAsync();
        var comparison = await ResultComparer.CompareAsync(connection, "counts", Query);
        Assert.True(comparison.IsMatch, comparison.Describe());

        // The index stays the source's when the stream tables go.
        await database.ExecuteAsync("SELECT trickle.drop_stream_table('counts'); SELECT trickle.drop_stream_table('counts_again')");
        Assert.Equal("orders_pkey, trickle_orders_o_custkey", await database.ScalarAsync<string>(IndexesOnOrders));
    }

    [Fact]
    public async Task CreateIndexes_AnExistingIndexLeadingWithTheColumns_ServesInstead()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_indexes_existing");
        await database.ExecuteAsync(Schema + Seed + "CREATE INDEX orders_by_customer ON orders (o_custkey, o_orderkey);");
        await database.ExecutePsqlScriptAsync(Compile(Query, "counts", createIndexes: true), "counts");
        Assert.Equal("orders_by_customer, orders_pkey", await database.ScalarAsync<string>(IndexesOnOrders));
    }

    [Fact]
    public async Task CreateIndexes_ByARoleThatDoesNotOwnTheSource_IsRefusedWithWhatToRun_AndInstallsNothing()
    {
        await using var database = await cluster.CreateDatabaseAsync("source_indexes_refused");
        await database.ExecuteAsync(Schema + Seed);
        var installer = database.Name + "_installer";
        await database.ExecuteAsync($"""
            DO $$ BEGIN CREATE ROLE "{installer}" LOGIN NOSUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            GRANT CREATE ON DATABASE "{database.Name}" TO "{installer}";
            GRANT CREATE ON SCHEMA public TO "{installer}";
            GRANT SELECT, TRIGGER ON customer, orders TO "{installer}";
            """);
        var asInstaller = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = installer }.ConnectionString;
        try
        {
            var result = await cluster.RunPsqlScriptAsync(asInstaller, Compile(Query, "counts", createIndexes: true));
            Assert.False(result.Succeeded);
            Assert.Contains("cannot create an index on \"public\".\"orders\", which the installing role", result.StandardError);
            Assert.Contains("CREATE INDEX \"trickle_orders_o_custkey\" ON \"public\".\"orders\" (\"o_custkey\")", result.StandardError);
            Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('orders'::regclass, 'customer'::regclass)"));
            Assert.Null(await database.ScalarAsync<string>("SELECT to_regclass('counts')::text"));

            // Without the option the same role installs it (the triggers need only TRIGGER on the sources).
            var plain = await cluster.RunPsqlScriptAsync(asInstaller, Compile(Query, "counts", createIndexes: null));
            Assert.True(plain.Succeeded, plain.Describe());
        }
        finally
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(asInstaller));
        }
    }
}
