using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests.Catalog;

/// <summary>Reading source tables from DDL files, including the shape pg_dump writes.</summary>
public sealed class DdlCatalogReaderTests
{
    [Fact]
    public void PgDumpSchema_PrimaryKeyAddedByLaterAlterTable_IsTheTablesKey()
    {
        var catalog = Read("""
            SET statement_timeout = 0;
            SET client_encoding = 'UTF8';
            SELECT pg_catalog.set_config('search_path', '', false);

            CREATE TABLE public.orders (
                id bigint NOT NULL,
                customer_id integer,
                note character varying(200)
            );

            ALTER TABLE public.orders OWNER TO shop;

            ALTER TABLE ONLY public.orders
                ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
            """);

        var orders = Assert.Single(catalog.Tables);
        Assert.Equal(("public", "orders"), (orders.Schema, orders.Name));
        Assert.Equal(["id"], orders.PrimaryKey);
        Assert.Equal(["id", "customer_id", "note"], orders.Columns.Select(c => c.Name));
    }

    [Fact]
    public void UserDefinedTypes_AreSchemaQualified_WithTheirOperatorSchemaAndWhetherTheyHash()
    {
        // pg_dump's shape: extension, types and operator classes before the table that uses them.
        var catalog = Read("""
            CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ext;
            CREATE TYPE public.mood AS ENUM ('sad', 'ok');
            CREATE TYPE public.tally;
            CREATE TYPE public.tally (INPUT = tally_in, OUTPUT = tally_out, LIKE = integer);
            CREATE OPERATOR CLASS public.tally_ops DEFAULT FOR TYPE public.tally USING btree AS OPERATOR 3 =;
            CREATE TYPE hashed;
            CREATE OPERATOR CLASS hashed_ops DEFAULT FOR TYPE hashed USING hash AS OPERATOR 1 =;
            CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
            CREATE DOMAIN tally_domain tally;
            CREATE DOMAIN cash AS money;
            CREATE TYPE pair AS (a integer, b text COLLATE "C");
            CREATE TYPE tally_pair AS (t tally, n integer);
            CREATE TYPE span AS RANGE (subtype = integer);
            CREATE TABLE t (m mood, tl public.tally, h hashed, p positive, td tally_domain, c cash, pr pair, tp tally_pair,
                            s span, ci ext.citext, ms mood[], ts tally[], plain integer, type text, domain text);
            """);

        Assert.Equal(
            [
                new CatalogColumn("m", new SqlType("\"public\".\"mood\""), false),
                new CatalogColumn("tl", new SqlType("\"public\".\"tally\"") { OperatorSchema = "public", Hashable = false }, false),
                new CatalogColumn("h", new SqlType("\"public\".\"hashed\"") { OperatorSchema = "public" }, false),
                new CatalogColumn("p", new SqlType("\"public\".\"positive\""), false),
                new CatalogColumn("td", new SqlType("\"public\".\"tally_domain\"") { OperatorSchema = "public", Hashable = false }, false),
                // money hashes only through a cast, which a domain's values do not get.
                new CatalogColumn("c", new SqlType("\"public\".\"cash\"") { Hashable = false }, false),
                new CatalogColumn("pr", new SqlType("\"public\".\"pair\""), false),
                new CatalogColumn("tp", new SqlType("\"public\".\"tally_pair\"") { Hashable = false }, false),
                new CatalogColumn("s", new SqlType("\"public\".\"span\"") { Hashable = false }, false),
                new CatalogColumn("ci", new SqlType("\"ext\".\"citext\"") { OperatorSchema = "ext" }, false),
                new CatalogColumn("ms", new SqlType("\"public\".\"mood\"", null, 1), false),
                new CatalogColumn("ts", new SqlType("\"public\".\"tally\"", null, 1) { Hashable = false }, false),
                new CatalogColumn("plain", SqlType.Integer, false),
                // The new keywords stay usable as names.
                new CatalogColumn("type", SqlType.Text, false),
                new CatalogColumn("domain", SqlType.Text, false),
            ],
            Assert.Single(catalog.Tables).Columns);
    }

    [Fact]
    public void PrimaryKeyAddedLater_MakesItsColumnsNotNull()
    {
        var catalog = Read("""
            CREATE TABLE t (a integer, b integer);
            ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (a);
            """);

        var table = catalog.Find(null, "t")!;
        Assert.True(table.FindColumn("a")!.NotNull);
        Assert.False(table.FindColumn("b")!.NotNull);
    }

    [Fact]
    public void TableWithoutKey_HasNoPrimaryKey()
    {
        var table = Read("CREATE TABLE events (kind text, at timestamptz);").Find(null, "events")!;

        Assert.False(table.HasPrimaryKey);
    }

    [Fact]
    public void CompositePrimaryKey_KeepsTheKeyColumnOrderNotTheColumnOrder()
    {
        var table = Read("""
            CREATE TABLE order_lines (
                line_no  integer,
                order_id bigint,
                qty      integer,
                PRIMARY KEY (order_id, line_no)
            );
            """).Find(null, "order_lines")!;

        Assert.Equal(["order_id", "line_no"], table.PrimaryKey);
    }

    [Theory]
    [InlineData("int4", "integer", null)]
    [InlineData("INT", "integer", null)]
    [InlineData("int8", "bigint", null)]
    [InlineData("serial", "integer", null)]
    [InlineData("varchar(20)", "character varying", "20")]
    [InlineData("character varying(20)", "character varying", "20")]
    [InlineData("numeric(12,2)", "numeric", "12,2")]
    [InlineData("decimal(10, 3)", "numeric", "10,3")]
    [InlineData("timestamptz", "timestamp with time zone", null)]
    [InlineData("timestamp with time zone", "timestamp with time zone", null)]
    [InlineData("timestamp", "timestamp without time zone", null)]
    [InlineData("float8", "double precision", null)]
    [InlineData("double precision", "double precision", null)]
    [InlineData("float4", "real", null)]
    [InlineData("bool", "boolean", null)]
    public void ColumnType_AliasesAreNormalisedToCanonicalNames(string written, string name, string? modifiers)
    {
        var column = Read($"CREATE TABLE t (c {written});").Find(null, "t")!.Columns.Single();

        Assert.Equal(name, column.Type.Name);
        Assert.Equal(modifiers, column.Type.Modifiers);
        Assert.Equal(0, column.Type.ArrayDimensions);
    }

    [Fact]
    public void ArrayColumn_KeepsItsDimensions()
    {
        var column = Read("CREATE TABLE t (c int4[]);").Find(null, "t")!.Columns.Single();

        Assert.Equal(new SqlType("integer", null, 1), column.Type);
    }

    [Fact]
    public void QuotedAndUnicodeNames_KeepTheirSpelling_UnquotedNamesFoldToLowerCase()
    {
        var catalog = Read(""""
            CREATE TABLE "Sales Data"."Bestellungen Größe" (
                "Größe" integer PRIMARY KEY,
                "has ""quotes""" text,
                Plain text
            );
            """");

        var table = Assert.Single(catalog.Tables);
        Assert.Equal(("Sales Data", "Bestellungen Größe"), (table.Schema, table.Name));
        Assert.Equal(["Größe", "has \"quotes\"", "plain"], table.Columns.Select(c => c.Name));
        Assert.Equal(["Größe"], table.PrimaryKey);
    }

    [Fact]
    public void TableDefinedTwice_IsTrk2002AtTheSecondName()
    {
        var diagnostics = new DiagnosticBag();

        Compilation.ReadSchema([new SourceText("schema.sql", "CREATE TABLE t (a integer);\nCREATE TABLE public.t (b integer);")], diagnostics);

        var error = Assert.Single(diagnostics.Items);
        Assert.StartsWith("schema.sql:2:14: error TRK2002: ", error.ToString());
    }

    [Fact]
    public void TableDefinedTwiceAcrossFiles_IsTrk2002InTheSecondFile()
    {
        var diagnostics = new DiagnosticBag();

        Compilation.ReadSchema([new SourceText("a.sql", "CREATE TABLE t (a integer);"), new SourceText("b.sql", "CREATE TABLE t (a integer);")], diagnostics);

        Assert.StartsWith("b.sql:1:14: error TRK2002: ", Assert.Single(diagnostics.Items).ToString());
    }

    [Fact]
    public void CreateTableIfNotExists_ForAnExistingTable_IsNotAnError()
    {
        var diagnostics = new DiagnosticBag();

        var catalog = Compilation.ReadSchema([new SourceText("schema.sql", "CREATE TABLE t (a integer);\nCREATE TABLE IF NOT EXISTS t (b integer);")], diagnostics);

        Assert.Empty(diagnostics.Items);
        Assert.Equal(["a"], catalog.Find(null, "t")!.Columns.Select(c => c.Name));
    }

    [Theory]
    [InlineData("CREATE TABLE t (a integer, PRIMARY KEY (a,\n    missing));", "2:5")]
    [InlineData("CREATE TABLE t (a integer);\nALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (missing);", "2:55")]
    public void KeyNamingUnknownColumn_IsTrk2004AtThatColumn(string ddl, string position)
    {
        var diagnostics = new DiagnosticBag();

        Compilation.ReadSchema([new SourceText("schema.sql", ddl)], diagnostics);

        Assert.StartsWith($"schema.sql:{position}: error TRK2004: ", Assert.Single(diagnostics.Items).ToString());
    }

    [Fact]
    public void SchemaQualifiedTable_IsFoundOnlyThroughItsSchemaWhenNotOnTheSearchPath()
    {
        var catalog = Read("CREATE TABLE sales.orders (id integer);");

        Assert.NotNull(catalog.Find("sales", "orders"));
        Assert.Null(catalog.Find(null, "orders"));
    }

    private static SourceCatalog Read(string ddl) => TestCompiler.Catalog(ddl);
}
