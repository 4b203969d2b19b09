namespace Trickle.Cli.Tests;

/// <summary>
/// <c>trickle explain --connection</c> says which of the indexes the delta queries look rows up by exist: any valid,
/// non-partial btree index whose leading key columns are the lookup's, not only the primary key; a partial index, an
/// index that starts with another column or one on an expression does not count.
/// </summary>
public sealed class LiveIndexAdviceTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = """
        DROP SCHEMA IF EXISTS advice CASCADE;
        CREATE SCHEMA advice;
        CREATE TABLE advice.customer (c_custkey int PRIMARY KEY, c_nationkey int, c_name text);
        CREATE TABLE advice.orders (o_orderkey int PRIMARY KEY, o_custkey int, o_date date, o_comment text);
        CREATE TABLE advice.nation (n_nationkey int, n_name text);
        CREATE INDEX orders_by_customer_and_date ON advice.orders (o_custkey, o_date);
        CREATE INDEX customer_recent_only ON advice.customer (c_nationkey) WHERE c_custkey > 100;
        CREATE INDEX nation_by_lower_name ON advice.nation (lower(n_name), n_nationkey);
        CREATE INDEX nation_by_name_then_key ON advice.nation (n_name, n_nationkey);
        """;

    private const string Query = """
        SELECT n.n_name, count(o.o_orderkey) AS orders
        FROM advice.customer c
          JOIN advice.nation n ON n.n_nationkey = c.c_nationkey
          LEFT JOIN advice.orders o ON o.o_custkey = c.c_custkey
        GROUP BY n.n_name
        """;

    [Fact]
    public async Task Explain_MarksTheLookupsAnExistingIndexServes_AndOnlyThose()
    {
        await server.ExecuteAsync(Schema);
        using var dir = new TempDirectory();

        var run = await CliRunner.RunAsync("explain", dir.File("st.sql", Query), "--connection", server.ConnectionString, "--name", "per_nation");

        Assert.Equal(0, run.ExitCode);
        var advice = run.Stdout.Replace("\r\n", "\n");
        Assert.Contains("""
              CREATE INDEX ON "advice"."customer" ("c_custkey");  -- exists: the primary key
                  changes to orders (o) look up its rows by c_custkey
              CREATE INDEX ON "advice"."customer" ("c_nationkey");
                  changes to nation (n) look up its rows by c_nationkey
              CREATE INDEX ON "advice"."nation" ("n_nationkey");
                  changes to customer (c) look up its rows by n_nationkey
              CREATE INDEX ON "advice"."orders" ("o_custkey");  -- exists: index "orders_by_customer_and_date"
                  changes to customer (c) look up its rows by o_custkey
            """, advice);
    }
}
