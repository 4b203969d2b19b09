using Trickle.Compiler.Catalog;

namespace Trickle.Cli.Tests;

public sealed class LiveCatalogReaderTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Schema = """
        CREATE SCHEMA "Sales";
        CREATE SCHEMA trickle;
        CREATE TABLE public.orders (
            id bigint PRIMARY KEY,
            customer varchar(20) NOT NULL,
            amount numeric(10,2),
            tags int[],
            matrix text[][],
            placed_at timestamptz NOT NULL,
            precise timestamp(3) with time zone,
            code char(3),
            span interval year to month
        );
        CREATE TABLE "Sales"."LineItem" (
            "Order" bigint,
            line int,
            "Ünïcödé" text,
            PRIMARY KEY (line, "Order")
        );
        CREATE TABLE public.no_key (a int, dropped int, b text);
        ALTER TABLE public.no_key DROP COLUMN dropped;
        CREATE TABLE public.empty ();
        CREATE TYPE "Mood" AS ENUM ('ok', 'sad');
        CREATE TABLE public.feelings (m "Mood"[] NOT NULL);
        CREATE TABLE public.measurements (at date NOT NULL, v real) PARTITION BY RANGE (at);
        CREATE VIEW public.big_orders AS SELECT id, amount FROM public.orders WHERE amount > 100;
        CREATE TABLE trickle.refresh_log (id int PRIMARY KEY);
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE DOMAIN cash AS money;
        CREATE TYPE cash_pair AS (a money, b int);
        CREATE TYPE int_pair AS (a int, b int);
        CREATE DOMAIN name_ci AS citext;
        CREATE TABLE public.typed (c citext, d cash, p cash_pair, q int_pair, n name_ci, cs citext[]);
        """;

    private async Task<SourceCatalog> ReadAsync()
    {
        await server.ExecuteAsync($"""
            DROP SCHEMA IF EXISTS "Sales", trickle CASCADE;
            DROP TABLE IF EXISTS public.orders, public.no_key, public.empty, public.feelings, public.measurements, public.typed CASCADE;
            DROP TYPE IF EXISTS "Mood", cash_pair, int_pair;
            DROP DOMAIN IF EXISTS cash, name_ci;
            {Schema}
            """);
        return await LiveCatalogReader.ReadAsync(server.ConnectionString, CancellationToken.None);
    }

    [Fact]
    public async Task ReadsColumnsInOrder_WithCanonicalTypesModifiersAndArrays()
    {
        var catalog = await ReadAsync();

        var orders = catalog.Find("public", "orders")!;
        Assert.Equal(
            [
                new CatalogColumn("id", SqlType.BigInt, true),
                new CatalogColumn("customer", new SqlType("character varying", "20"), true),
                new CatalogColumn("amount", new SqlType("numeric", "10,2"), false),
                new CatalogColumn("tags", new SqlType("integer", null, 1), false),
                // PostgreSQL does not tell text[] from text[][] (attndims is not enforced): one array type either way.
                new CatalogColumn("matrix", new SqlType("text", null, 1), false),
                new CatalogColumn("placed_at", SqlType.TimestampTz, true),
                new CatalogColumn("precise", new SqlType("timestamp with time zone", "3"), false),
                new CatalogColumn("code", new SqlType("character", "3"), false),
                new CatalogColumn("span", SqlType.Interval, false),
            ],
            orders.Columns);
        Assert.Equal(["id"], orders.PrimaryKey);
        Assert.Equal("numeric(10,2)", orders.FindColumn("amount")!.Type.ToSql());
        Assert.Equal("timestamp(3) with time zone", orders.FindColumn("precise")!.Type.ToSql());
    }

    [Fact]
    public async Task QuotedUpperCaseAndUnicodeNames_AreKeptExactly_CompositeKeyInKeyOrder()
    {
        var catalog = await ReadAsync();

        var lineItem = catalog.Find("Sales", "LineItem")!;
        Assert.Equal(["Order", "line", "Ünïcödé"], lineItem.Columns.Select(c => c.Name));
        Assert.Equal(["line", "Order"], lineItem.PrimaryKey);
        Assert.Null(catalog.Find("sales", "lineitem"));
    }

    [Fact]
    public async Task TablesWithoutKey_DroppedColumns_AndEmptyTables()
    {
        var catalog = await ReadAsync();

        var noKey = catalog.Find("public", "no_key")!;
        Assert.Equal([new CatalogColumn("a", SqlType.Integer, false), new CatalogColumn("b", SqlType.Text, false)], noKey.Columns);
        Assert.False(noKey.HasPrimaryKey);
        Assert.Empty(catalog.Find("public", "empty")!.Columns);
    }

    [Fact]
    public async Task UserDefinedTypeNames_AreSchemaQualified_AndKeepTheirQuoting()
    {
        var catalog = await ReadAsync();

        // Qualified: the generated functions run with search_path pinned to pg_catalog. An enum array compares and
        // hashes with pg_catalog's polymorphic functions: no operator schema, hashable.
        Assert.Equal(new CatalogColumn("m", new SqlType("public.\"Mood\"", null, 1), true), Assert.Single(catalog.Find("public", "feelings")!.Columns));
    }

    [Fact]
    public async Task UserDefinedTypes_CarryTheirOperatorSchemaAndWhetherTheyHash()
    {
        var catalog = await ReadAsync();

        Assert.Equal(
            [
                // citext's "=" lives in the extension's schema; it has a hash class with an extended hash function.
                new CatalogColumn("c", new SqlType("public.citext") { OperatorSchema = "public" }, false),
                // money has no hash function: neither has a domain over it, nor a composite holding it.
                new CatalogColumn("d", new SqlType("public.cash") { Hashable = false }, false),
                new CatalogColumn("p", new SqlType("public.cash_pair") { Hashable = false }, false),
                new CatalogColumn("q", new SqlType("public.int_pair"), false),
                // A domain compares with its base type's operators.
                new CatalogColumn("n", new SqlType("public.name_ci") { OperatorSchema = "public" }, false),
                // An array compares with pg_catalog's array_eq and hashes through its element.
                new CatalogColumn("cs", new SqlType("public.citext", null, 1), false),
            ],
            catalog.Find("public", "typed")!.Columns);
    }

    [Fact]
    public async Task IncludesPartitionedTablesAndViews_ExcludesSystemAndTrickleSchemas()
    {
        var catalog = await ReadAsync();

        var names = catalog.Tables.Select(t => t.ToString()).ToList();
        Assert.Equal(
            ["Sales.LineItem", "public.big_orders", "public.empty", "public.feelings", "public.measurements", "public.no_key", "public.orders", "public.typed"],
            names);
        Assert.Equal([new CatalogColumn("id", SqlType.BigInt, false), new CatalogColumn("amount", new SqlType("numeric", "10,2"), false)],
            catalog.Find("public", "big_orders")!.Columns);
    }

    [Fact]
    public async Task SearchPath_IsTheSessionsEffectiveSchemas()
    {
        var catalog = await ReadAsync();

        Assert.Equal(["public"], catalog.SearchPath);
        Assert.NotNull(catalog.Find(null, "orders"));
    }

    [Fact]
    public async Task SearchPath_FollowsTheConnectionsSetting()
    {
        await ReadAsync();

        var connection = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString) { SearchPath = "\"Sales\", public" };
        var catalog = await LiveCatalogReader.ReadAsync(connection.ConnectionString, CancellationToken.None);

        Assert.Equal(["Sales", "public"], catalog.SearchPath);
        Assert.Equal("Sales", catalog.Find(null, "LineItem")!.Schema);
    }

    [Fact]
    public async Task CancelledToken_Throws()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => LiveCatalogReader.ReadAsync(server.ConnectionString, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task CompileWithConnection_ReadsTheLiveCatalog_AndHandsItToTheCompiler()
    {
        await ReadAsync();
        using var dir = new TempDirectory();
        SourceCatalog? seen = null;
        var compiler = CompilerEntryPoints.Default with
        {
            ReadSchema = (_, _) => throw new InvalidOperationException("--connection must not read DDL files"),
            Compile = (_, catalog, _) =>
            {
                seen = catalog;
                return new Trickle.Compiler.CompilationResult("-- script\n", []);
            },
        };

        var run = await CliRunner.RunAsync(compiler, "compile", dir.File("st.sql", "SELECT 1"), "--connection", server.ConnectionString);

        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["id"], seen!.Find("public", "orders")!.PrimaryKey);
    }
}

/// <summary>The text-only part of the reader: how format_type's spelling becomes a <see cref="SqlType"/>.</summary>
public sealed class FormattedTypeTests
{
    [Theory]
    [InlineData("numeric", "numeric(10,2)", "numeric", "10,2", 0)]
    [InlineData("character varying", "character varying(20)", "character varying", "20", 0)]
    [InlineData("character varying[]", "character varying(20)[]", "character varying", "20", 1)]
    [InlineData("integer[]", "integer[]", "integer", null, 1)]
    [InlineData("timestamp with time zone", "timestamp(3) with time zone", "timestamp with time zone", "3", 0)]
    [InlineData("interval", "interval year to month", "interval", null, 0)]
    [InlineData("interval", "interval day to second(3)", "interval", null, 0)]
    [InlineData("bit varying", "bit varying(8)", "bit varying", "8", 0)]
    [InlineData("\"Mood\"", "\"Mood\"", "\"Mood\"", null, 0)]
    [InlineData("\"My Schema\".\"Point3\"[]", "\"My Schema\".\"Point3\"[]", "\"My Schema\".\"Point3\"", null, 1)]
    public void ParseFormattedType(string withoutModifiers, string withModifiers, string name, string? modifiers, int dimensions)
    {
        Assert.Equal(new SqlType(name, modifiers, dimensions), LiveCatalogReader.ParseFormattedType(withoutModifiers, withModifiers));
    }
}
