using Trickle.Compiler.Syntax;
using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class SchemaParsingTests
{
    [Fact]
    public void CreateTable_ReadsColumnsAndKeys()
    {
        var schema = ParseSchema("""
            CREATE TABLE IF NOT EXISTS shop.orders (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                "Customer" integer NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
                amount numeric(12, 2) DEFAULT 0 CHECK (amount >= 0),
                note text COLLATE "C" NULL,
                code character varying(10) CONSTRAINT code_unique UNIQUE,
                created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
                tags text[],
                total numeric GENERATED ALWAYS AS (amount * 2) STORED,
                CONSTRAINT orders_code_key UNIQUE NULLS NOT DISTINCT (code, note),
                FOREIGN KEY ("Customer") REFERENCES shop.customers (id),
                CHECK (amount < 1000000) NO INHERIT
            ) WITH (fillfactor = 90);
            """);
        var table = Assert.IsType<CreateTableStatement>(Assert.Single(schema.Statements));
        Assert.Equal("shop.orders", table.Name.ToString());
        Assert.True(table.IfNotExists);
        Assert.Equal(
            new[]
            {
                "id {bigint} not-null primary-key",
                "\"Customer\" {integer} not-null",
                "amount {numeric(12,2)} default=0",
                "note {text}",
                "code {character varying(10)} unique",
                "created_at {timestamp with time zone(3)} not-null default=(call now)",
                "tags {text[]}",
                "total {numeric}",
            },
            table.Columns.Select(Describe));
        var constraint = Assert.Single(table.Constraints);
        Assert.Equal(("orders_code_key", TableConstraintKind.Unique), (constraint.Name!.Value, constraint.Kind));
        Assert.Equal(new[] { "code", "note" }, constraint.Columns.Select(c => c.Value));
    }

    [Fact]
    public void CreateTable_TablePrimaryKeyAndPersistence()
    {
        var schema = ParseSchema("create unlogged table t (a int, b int, primary key (a, b)); CREATE TEMP TABLE u (x int);");
        var t = Assert.IsType<CreateTableStatement>(schema.Statements[0]);
        var key = Assert.Single(t.Constraints);
        Assert.Equal(TableConstraintKind.PrimaryKey, key.Kind);
        Assert.Null(key.Name);
        Assert.Equal(new[] { "a", "b" }, key.Columns.Select(c => c.Value));
        Assert.IsType<CreateTableStatement>(schema.Statements[1]);
    }

    [Fact]
    public void PgDumpOutput_SkipsEverythingElse()
    {
        const string dump = """
            --
            -- PostgreSQL database dump
            --
            \restrict abc123
            SET statement_timeout = 0;
            SET client_encoding = 'UTF8';
            SELECT pg_catalog.set_config('search_path', '', false);
            CREATE SCHEMA shop;
            CREATE SCHEMA IF NOT EXISTS "Audit";
            CREATE FUNCTION shop.touch() RETURNS trigger
                LANGUAGE plpgsql
                AS $_$
            BEGIN
              NEW.note := 'a;b'; -- semicolons inside the body
              RETURN NEW;
            END;
            $_$;
            COMMENT ON FUNCTION shop.touch() IS 'it''s; fine';
            CREATE TABLE shop.customers (
                id integer NOT NULL,
                name text
            );
            ALTER TABLE shop.customers OWNER TO app;
            CREATE SEQUENCE shop.customers_id_seq AS integer START WITH 1;
            ALTER TABLE ONLY shop.customers ALTER COLUMN id SET DEFAULT nextval('shop.customers_id_seq'::regclass);
            INSERT INTO shop.customers VALUES (1, 'x;y');
            ALTER TABLE ONLY shop.customers
                ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
            ALTER TABLE ONLY IF EXISTS shop.customers ADD CONSTRAINT customers_name_key UNIQUE (name);
            ALTER TABLE IF EXISTS shop.customers ADD UNIQUE (id, name);
            ALTER TABLE ONLY shop.customers ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES shop.other(id);
            CREATE UNIQUE INDEX customers_name_idx ON shop.customers USING btree (name);
            CREATE TABLE shop.archive AS SELECT * FROM shop.customers;
            GRANT SELECT ON shop.customers TO reader;
            \unrestrict abc123
            """;
        var schema = ParseSchema(dump);
        Assert.Equal(
            new[]
            {
                "other", "other", "other", "schema shop", "schema \"Audit\"", "other", "other", "table shop.customers",
                "other", "other", "other", "other", "pk shop.customers(id) customers_pkey",
                "unique shop.customers(name) customers_name_key", "unique shop.customers(id,name) ", "other", "other", "other", "other",
            },
            schema.Statements.Select(Describe));
        var function = schema.Statements[5];
        Assert.EndsWith("$_$", dump.Substring(function.Span.Start, function.Span.Length));
    }

    [Fact]
    public void SchemaSyntaxError_IsReportedWithSchemaCode()
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        var schema = Trickle.Compiler.Parsing.SqlParser.ParseSchema(
            new SourceText("db/schema.sql", "CREATE SCHEMA s;\nCREATE TABLE s.t (\n  id int,\n  name text text\n);"), diagnostics);
        Assert.Null(schema);
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal("TRK2001", error.Code);
        Assert.Equal((4, 13), (error.Span.Line, error.Span.Column));
        Assert.Equal("syntax error at or near \"text\"", error.Message);
    }

    [Theory]
    [InlineData("CREATE TABLE IF NOT EXISTS t (a int int);", 1, 37)]
    [InlineData("CREATE TEMP TABLE t (a int,);", 1, 28)]
    [InlineData("SET x = 1;\nCREATE TABLE s.t (a int, b);", 2, 27)]
    public void UnreadableCreateTable_IsAnErrorNotSkipped(string text, int line, int column)
    {
        var diagnostics = new Trickle.Compiler.Diagnostics.DiagnosticBag();
        Assert.Null(Trickle.Compiler.Parsing.SqlParser.ParseSchema(new SourceText("schema.sql", text), diagnostics));
        var error = Assert.Single(diagnostics.Items);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void CreateTableAsOrPartitionOf_IsSkipped()
    {
        var schema = ParseSchema("CREATE TABLE a AS SELECT 1; CREATE TABLE p2024 PARTITION OF p FOR VALUES FROM (1) TO (2); CREATE TEMP VIEW v AS SELECT 1");
        Assert.All(schema.Statements, s => Assert.IsType<OtherStatement>(s));
        Assert.Equal(3, schema.Statements.Count);
    }

    private static string Describe(ColumnDefinition column)
    {
        var parts = new List<string> { SyntaxPrinter.Name(column.Name), SyntaxPrinter.Type(column.Type) };
        if (column.NotNull)
            parts.Add("not-null");
        if (column.PrimaryKey)
            parts.Add("primary-key");
        if (column.Unique)
            parts.Add("unique");
        if (column.Default is { } value)
            parts.Add("default=" + SyntaxPrinter.Print(value));
        return string.Join(" ", parts);
    }

    private static string Describe(SchemaStatement statement) => statement switch
    {
        CreateSchemaStatement schema => "schema " + SyntaxPrinter.Name(schema.Name),
        CreateTableStatement table => "table " + table.Name,
        AlterTableAddConstraint alter =>
            $"{(alter.Constraint.Kind == TableConstraintKind.PrimaryKey ? "pk" : "unique")} {alter.Table}({string.Join(",", alter.Constraint.Columns)}) {alter.Constraint.Name}",
        OtherStatement => "other",
        _ => statement.GetType().Name,
    };
}
