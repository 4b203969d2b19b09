using Trickle.Compiler.PgIvm;
using Xunit;

namespace Trickle.Compiler.Tests.PgIvm;

/// <summary>The definition files and the migration plan <c>trickle import-pg-ivm</c> writes, and that the files compile.</summary>
public sealed class PgIvmImportTests
{
    private static readonly Trickle.Compiler.Catalog.SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE orders (id bigint PRIMARY KEY, customer integer, amount numeric(12,2));
        """);

    [Fact]
    public void SameNames_WriteTheQueryAsIs_Immediate()
    {
        var file = PgIvmImport.DefinitionFile(new ImportedImmv("public", "totals", "SELECT customer, count(*) AS n FROM public.orders GROUP BY customer;",
            ["customer", "n"], ["customer", "n"]));

        Assert.EndsWith("CREATE STREAM TABLE \"public\".\"totals\" WITH (refresh_mode = 'immediate') AS\nSELECT customer, count(*) AS n FROM public.orders GROUP BY customer;\n", file);
        AssertCompiles(file, "public.totals", "immediate");
    }

    [Fact]
    public void DifferentNames_BecomeAliases_ReplacingAnAliasOrAddedAfterTheExpression()
    {
        var file = PgIvmImport.DefinitionFile(new ImportedImmv("a", "t", "SELECT o.customer AS c, count(*), o.amount FROM public.orders o GROUP BY 1, 3 UNION ALL SELECT 1, 2, 3",
            ["Cust", "n", "amount"], ["c", "count", "amount"]));

        Assert.Contains("SELECT o.customer AS \"Cust\", count(*) AS \"n\", o.amount FROM public.orders o GROUP BY 1, 3 UNION ALL SELECT 1, 2, 3;", file);
    }

    [Fact]
    public void NamesThatCannotBeAliasesInPlace_UseCreateImmvsColumnList()
    {
        var file = PgIvmImport.DefinitionFile(new ImportedImmv("public", "o'copy", "SELECT * FROM public.orders WHERE amount > 0",
            ["order_id", "customer", "amount"], ["id", "customer", "amount"]));

        Assert.Contains("SELECT create_immv('\"public\".\"o''copy\"(\"order_id\", \"customer\", \"amount\")', $immv$SELECT * FROM public.orders WHERE amount > 0$immv$);", file);
        AssertCompiles(file, "public.o'copy", "immediate");
    }

    [Fact]
    public void FileNames_AreSafe()
    {
        Assert.Equal("public.Customer_Copy_x.sql", PgIvmImport.FileNameFor(new ImportedImmv("public", "Customer Copy/x", "", [], [])));
    }

    [Fact]
    public void MigrationPlan_RunsEveryStepPerImmv_QuotingNamesForEachTool()
    {
        var immv = new ImportedImmv("public", "Order's", "SELECT 1", ["x"], ["x"]);

        var plan = PgIvmImport.MigrationPlan([(immv, PgIvmImport.FileNameFor(immv))], "pgivm.pg_ivm_immv");

        Assert.StartsWith("#!/usr/bin/env bash\n", plan);
        Assert.Contains("\"${trickle[@]}\" compile 'public.Order_s.sql' --connection \"$TRICKLE_CONNECTION\" --name 'public.Order'\\''s__trickle' -o 'build/public.Order_s__trickle.install.sql'", plan);
        Assert.Contains("\"${trickle[@]}\" verify '\"public\".\"Order'\\''s__trickle\"' --against '\"public\".\"Order'\\''s\"' --connection \"$TRICKLE_CONNECTION\"", plan);
        Assert.Contains("ALTER TABLE \"public\".\"Order's\" RENAME TO \"Order's__pg_ivm\";\n\\i 'build/public.Order_s.install.sql'\n", plan);
        Assert.Contains("DROP TABLE \"public\".\"Order's__pg_ivm\";\nSELECT trickle.drop_stream_table('\"public\".\"Order''s__trickle\"');", plan);
        Assert.Contains("DROP EXTENSION IF EXISTS pg_ivm;", plan);
    }

    [Fact]
    public void HostileNames_AreNeverShellOrSqlText()
    {
        var immv = new ImportedImmv("public", "x\n$(touch pwned)`id`\"", "SELECT 1", ["x"], ["x"]);

        var plan = PgIvmImport.MigrationPlan([(immv, PgIvmImport.FileNameFor(immv))], "pgivm.pg_ivm_immv");
        var file = PgIvmImport.DefinitionFile(immv);

        Assert.Contains("# public.x?$(touch pwned)`id`\"\n", plan);
        Assert.Contains("echo \"== \"'public.x\n$(touch pwned)`id`\"'\n", plan);
        Assert.DoesNotContain("\n$(touch pwned)`id`\"\n", plan.Replace("'public.x\n$(touch pwned)`id`\"'", ""));
        Assert.StartsWith("-- Imported from pg_ivm IMMV public.x?$(touch pwned)`id`\" by", file);
    }

    private static void AssertCompiles(string file, string name, string mode)
    {
        var script = TestCompiler.Script(file, Catalog);
        Assert.Contains($"-- Stream table {name} ({mode.ToUpperInvariant()})", script);
    }
}
