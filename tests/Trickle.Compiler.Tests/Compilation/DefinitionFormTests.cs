using Trickle.Compiler.Catalog;
using Xunit;

// Not "…Tests.Compilation": a namespace of that name would hide the Compilation class from every other test.
namespace Trickle.Compiler.Tests.Definitions;

/// <summary>The four ways to write a stream table, what each means for name, mode and schedule, and how flags override them.</summary>
public sealed class DefinitionFormTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE orders (
            id       bigint PRIMARY KEY,
            customer integer NOT NULL,
            amount   numeric(12,2)
        );
        """);

    private const string GroupedQuery = "SELECT customer, count(*) AS n FROM orders GROUP BY customer";

    [Fact]
    public void BareQuery_IsNamedAfterItsFile_InAutoModeWithoutSchedule()
    {
        var script = TestCompiler.Script(GroupedQuery, Catalog, path: "definitions/orders_per_customer.sql");

        Assert.Contains("CREATE VIEW \"public\".\"orders_per_customer\" AS", script);
        Assert.Contains("-- Stream table public.orders_per_customer (AUTO)", script);
        Assert.Contains(CatalogRow("public", "orders_per_customer", "auto", "NULL"), script);
    }

    [Fact]
    public void BareQuery_NameOption_OverridesTheFileName()
    {
        var script = TestCompiler.Script(GroupedQuery, Catalog, new CompilationOptions(Name: "per_customer"), path: "orders_per_customer.sql");

        Assert.Contains("CREATE VIEW \"public\".\"per_customer\" AS", script);
        Assert.DoesNotContain("orders_per_customer", script);
    }

    [Fact]
    public void NameOption_WithSchema_CreatesTheViewInThatSchema()
    {
        var script = TestCompiler.Script(GroupedQuery, Catalog, new CompilationOptions(Name: "reports.per_customer"));

        Assert.Contains("CREATE VIEW \"reports\".\"per_customer\" AS", script);
    }

    [Fact]
    public void CreateStreamTable_TakesNameModeAndScheduleFromItsWithOptions()
    {
        var script = TestCompiler.Script(
            $"CREATE STREAM TABLE per_customer\nWITH (schedule = '5s', refresh_mode = 'full')\nAS {GroupedQuery}", Catalog, path: "ignored.sql");

        Assert.Contains("CREATE VIEW \"public\".\"per_customer\" AS", script);
        Assert.Contains("-- Stream table public.per_customer (FULL)", script);
        Assert.Contains(CatalogRow("public", "per_customer", "full", "'5s'"), script);
    }

    [Fact]
    public void CreateStreamTable_WithoutOptions_IsAuto()
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE per_customer AS {GroupedQuery}", Catalog);

        Assert.Contains("(AUTO)", script);
        Assert.Contains(CatalogRow("public", "per_customer", "auto", "NULL"), script);
        Assert.Contains("\"trickle\".\"choose_refresh_strategy\"('public', 'per_customer', pending, source_rows)", script);
    }

    [Fact]
    public void CreateStreamTable_SchemaQualifiedName_CreatesTheViewInThatSchema()
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE analytics.x AS {GroupedQuery}", Catalog);

        Assert.Contains("CREATE VIEW \"analytics\".\"x\" AS", script);
        Assert.Contains("-- Stream table analytics.x (AUTO)", script);
        Assert.DoesNotContain("CREATE VIEW \"public\".", script);
    }

    [Fact]
    public void PgTrickleCall_TakesScheduleAndRefreshModeFromNamedArguments()
    {
        var script = TestCompiler.Script(
            $"SELECT pgtrickle.create_stream_table(\n    'per_customer',\n    $${GroupedQuery}$$,\n    schedule => '1m30s',\n    refresh_mode => 'IMMEDIATE'\n);",
            Catalog, path: "ignored.sql");

        Assert.Contains("CREATE VIEW \"public\".\"per_customer\" AS", script);
        Assert.Contains("-- Stream table public.per_customer (IMMEDIATE)", script);
        Assert.Contains(CatalogRow("public", "per_customer", "immediate", "'1m30s'"), script);
    }

    [Fact]
    public void PgTrickleCall_SchemaQualifiedName_CreatesTheViewInThatSchema()
    {
        var script = TestCompiler.Script($"SELECT pgtrickle.create_stream_table('analytics.x', $${GroupedQuery}$$);", Catalog);

        Assert.Contains("CREATE VIEW \"analytics\".\"x\" AS", script);
    }

    [Fact]
    public void CreateImmvCall_DefaultsToImmediate()
    {
        var script = TestCompiler.Script($"SELECT create_immv('per_customer', '{GroupedQuery}');", Catalog, path: "ignored.sql");

        Assert.Contains("CREATE VIEW \"public\".\"per_customer\" AS", script);
        Assert.Contains("-- Stream table public.per_customer (IMMEDIATE)", script);
        Assert.Contains(CatalogRow("public", "per_customer", "immediate", "NULL"), script);
    }

    [Fact]
    public void CreateImmvCall_ModeOption_OverridesTheImmediateDefault()
    {
        var script = TestCompiler.Script($"SELECT create_immv('per_customer', '{GroupedQuery}');", Catalog, new CompilationOptions(Mode: RefreshMode.Differential));

        Assert.Contains("-- Stream table public.per_customer (DIFFERENTIAL)", script);
    }

    [Fact]
    public void Options_OverrideNameModeAndScheduleWrittenInTheFile()
    {
        var definition = $"CREATE STREAM TABLE per_customer\nWITH (schedule = '5s', refresh_mode = 'differential')\nAS {GroupedQuery}";

        var script = TestCompiler.Script(definition, Catalog, new CompilationOptions(Name: "analytics.renamed", Mode: RefreshMode.Full, Schedule: "1h"));

        Assert.Contains("CREATE VIEW \"analytics\".\"renamed\" AS", script);
        Assert.Contains("-- Stream table analytics.renamed (FULL)", script);
        Assert.Contains(CatalogRow("analytics", "renamed", "full", "'1h'"), script);
        Assert.DoesNotContain("'5s'", script);
    }

    [Fact]
    public void ModeOption_OverridesAnInvalidModeInTheFile()
    {
        var definition = $"CREATE STREAM TABLE per_customer WITH (refresh_mode = 'sometimes') AS {GroupedQuery}";

        var result = TestCompiler.Compile(definition, Catalog, new CompilationOptions(Mode: RefreshMode.Immediate));

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("(IMMEDIATE)", result.Script);
    }

    [Fact]
    public void ScheduleOption_Invalid_IsRejectedEvenWhenTheFileHasAValidOne()
    {
        var definition = $"CREATE STREAM TABLE per_customer WITH (schedule = '5s') AS {GroupedQuery}";

        var result = TestCompiler.Compile(definition, Catalog, new CompilationOptions(Schedule: "5 parsecs"));

        Assert.Null(result.Script);
        Assert.Equal("TRK5002", Assert.Single(result.Diagnostics).Code);
    }

    /// <summary>The head of the row the script inserts into trickle.stream_table_catalog.</summary>
    private static string CatalogRow(string schema, string name, string mode, string schedule) =>
        $"VALUES (\n    '{schema}',\n    '{name}',\n    '{mode}',\n    {schedule},\n";
}
