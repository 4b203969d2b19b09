using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using DiagnosticBag = Trickle.Compiler.Diagnostics.DiagnosticBag;
using SourceText = Trickle.Compiler.SourceText;
using TrickleOptions = Trickle.Compiler.CompilationOptions;
using Trickle.Generators;
using static Trickle.Integrations.Tests.GeneratorHarness;

namespace Trickle.Integrations.Tests;

public sealed class GeneratorTests
{
    private const string SchemaText = """
        CREATE TABLE customers (
            id     integer PRIMARY KEY,
            name   text NOT NULL,
            region text
        );
        CREATE TABLE orders (
            id          bigint PRIMARY KEY,
            customer_id integer NOT NULL,
            amount      numeric(12,2),
            ordered_at  timestamptz NOT NULL
        );
        """;

    private const string OrderTotalsText = """
        CREATE STREAM TABLE order_totals AS
        SELECT customer_id, count(*) AS orders, sum(amount) AS revenue, max(ordered_at) AS last_order
        FROM orders
        GROUP BY customer_id;
        """;

    private const string CustomerOrdersText = """
        SELECT c.id AS customer_id, c.name, c.region, o.id AS order_id, o.amount
        FROM customers c
        LEFT JOIN orders o ON o.customer_id = c.id;
        """;

    private static readonly AdditionalText SchemaFile = Schema("/db/schema.sql", SchemaText);
    private static readonly AdditionalText OrderTotalsFile = StreamTable("/db/order_totals.sql", OrderTotalsText);
    private static readonly AdditionalText CustomerOrdersFile = StreamTable("/db/customer_orders.sql", CustomerOrdersText);

    [Fact]
    public void Generates_a_row_record_with_nullability_from_the_query_the_install_script_and_a_reader()
    {
        var driver = Driver([SchemaFile, OrderTotalsFile, CustomerOrdersFile]).RunGenerators(Compilation());
        var result = driver.GetRunResult();
        Assert.Empty(result.Diagnostics);
        var sources = result.Results.Single().GeneratedSources.ToDictionary(s => s.HintName.Split('.')[1], s => s.SourceText.ToString());

        var totals = sources["order_totals"];
        // count(*) and a NOT NULL group key are never NULL; sum and max over nullable or any rows are declared nullable.
        Assert.Contains("public sealed partial record OrderTotals(", totals);
        Assert.Contains("int CustomerId,", totals);
        Assert.Contains("long Orders,", totals);
        Assert.Contains("decimal? Revenue,", totals);
        Assert.Contains("global::System.DateTime? LastOrder", totals);
        Assert.Contains("namespace Shop.Data", totals);

        // The right side of a LEFT JOIN is padded with NULLs: its NOT NULL primary key is nullable in the row.
        var customerOrders = sources["customer_orders"];
        Assert.Contains("int CustomerId,", customerOrders);
        Assert.Contains("string Name,", customerOrders);
        Assert.Contains("string? Region,", customerOrders);
        Assert.Contains("long? OrderId,", customerOrders);

        // The generated code compiles against Npgsql, and its install script is exactly the compiler's.
        var compiled = Compilation().AddSyntaxTrees(result.GeneratedTrees);
        var errors = compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal(ExpectedScript("/db/order_totals.sql", OrderTotalsText), ConstantOf(compiled, "Shop.Data.OrderTotals", "InstallScript"));
        Assert.Equal("SELECT \"customer_id\", \"orders\", \"revenue\", \"last_order\" FROM \"public\".\"order_totals\"",
            ConstantOf(compiled, "Shop.Data.OrderTotals", "SelectSql"));
    }

    [Fact]
    public void Reports_compiler_diagnostics_at_their_position_in_the_additional_file()
    {
        var broken = StreamTable("/db/broken.sql", "SELECT customer_id,\n       sum(amont) AS revenue\nFROM orders\nGROUP BY customer_id;\n");
        var driver = Driver([SchemaFile, broken, OrderTotalsFile]).RunGenerators(Compilation());
        var result = driver.GetRunResult();
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("TRK3002", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/db/broken.sql", span.Path);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(1, 11), span.StartLinePosition);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(1, 16), span.EndLinePosition);
        Assert.Equal(31, diagnostic.Location.SourceSpan.Start);
        Assert.Contains("amont", diagnostic.GetMessage());
        // The broken definition generates nothing; the good one still does.
        Assert.Equal(["order_totals"], result.Results.Single().GeneratedSources.Select(s => s.HintName.Split('.')[1]));
    }

    [Fact]
    public void Schema_errors_are_reported_once_in_the_schema_file()
    {
        var schema = Schema("/db/schema.sql", SchemaText + "\nCREATE TABLE orders (id integer);\n");
        var driver = Driver([schema, OrderTotalsFile, CustomerOrdersFile]).RunGenerators(Compilation());
        var duplicate = Assert.Single(driver.GetRunResult().Diagnostics, d => d.Id == "TRK2002");
        Assert.Equal("/db/schema.sql", duplicate.Location.GetLineSpan().Path);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(11, 13), duplicate.Location.GetLineSpan().StartLinePosition);
    }

    [Fact]
    public void An_unrelated_change_reruns_nothing_and_an_edited_definition_recompiles_only_itself()
    {
        var driver = Driver([SchemaFile, OrderTotalsFile, CustomerOrdersFile]).RunGenerators(Compilation("class A { }"));

        // A C# edit and a new additional file that is not Trickle's: every compile step's output is cached.
        driver = driver.AddAdditionalTexts([new TestAdditionalFile("/notes.txt", "hello", new Dictionary<string, string>())])
            .RunGenerators(Compilation("class A { int x; }"));
        var unrelated = driver.GetRunResult().Results.Single();
        Assert.Equal(2, Reasons(unrelated, StreamTableGenerator.Steps.Compiled).Count);
        Assert.All(Reasons(unrelated, StreamTableGenerator.Steps.Compiled), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(unrelated, StreamTableGenerator.Steps.Schemas), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));

        // Editing one definition recompiles it alone.
        var edited = StreamTable("/db/order_totals.sql", OrderTotalsText.Replace("max(ordered_at)", "min(ordered_at)"));
        driver = driver.ReplaceAdditionalText(OrderTotalsFile, edited).RunGenerators(Compilation("class A { int x; }"));
        var reasons = Reasons(driver.GetRunResult().Results.Single(), StreamTableGenerator.Steps.Compiled);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Cached));
    }

    private static string ExpectedScript(string path, string text)
    {
        var catalog = Trickle.Compiler.Compilation.ReadSchema([new SourceText("/db/schema.sql", SchemaText)], new DiagnosticBag());
        var result = Trickle.Compiler.Compilation.Compile(new SourceText(path, text), catalog, new TrickleOptions());
        Assert.True(result.Success);
        return result.Script!;
    }

    /// <summary>The value of a generated constant, read from the compiled symbol, not the source text.</summary>
    private static string ConstantOf(CSharpCompilation compilation, string typeName, string name)
    {
        var field = compilation.GetTypeByMetadataName(typeName)!.GetMembers(name).OfType<IFieldSymbol>().Single();
        return (string)field.ConstantValue!;
    }
}
