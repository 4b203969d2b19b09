using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Emit;

/// <summary>
/// <c>WITH (create_indexes = on)</c> or <c>--create-indexes</c>: the install and upgrade scripts create the lookup
/// indexes <c>trickle explain</c> lists, where the source has none leading with those columns; never the ones the
/// catalog already shows (the primary key). Off by default. (Against a real server: Trickle.Database.Tests
/// SourceIndexTests.)
/// </summary>
public sealed class CreateIndexesOptionTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name text NOT NULL);\n" +
        "CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL);");

    private const string Query = "SELECT c.c_custkey, count(o.o_orderkey) AS n FROM customer AS c LEFT JOIN orders AS o ON c.c_custkey = o.o_custkey GROUP BY c.c_custkey";

    private const string OrdersIndex = "CREATE INDEX IF NOT EXISTS \"trickle_orders_o_custkey\" ON \"public\".\"orders\" (\"o_custkey\");";

    [Theory]
    [InlineData("WITH (create_indexes = on) ", null)]
    [InlineData("WITH (create_indexes = true) ", null)]
    [InlineData("", true)]
    [InlineData("WITH (create_indexes = off) ", true)]
    public void CreateIndexes_CreatesTheLookupIndexTheCatalogLacks_NotThePrimaryKey(string option, bool? flag)
    {
        foreach (var upgrade in new[] { false, true })
        {
            var script = TestCompiler.Script($"CREATE STREAM TABLE x {option}AS {Query}", Catalog, new CompilationOptions(Upgrade: upgrade) { CreateIndexes = flag });
            Assert.Contains(OrdersIndex, script);
            Assert.DoesNotContain("ON \"public\".\"customer\" (\"c_custkey\")", script);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("WITH (create_indexes = off) ")]
    public void WithoutTheOption_NoIndexIsCreated(string option)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x {option}AS {Query}", Catalog);
        Assert.DoesNotContain("CREATE INDEX IF NOT EXISTS \"trickle_", script);
    }

    [Fact]
    public void AnUnknownValue_IsAPositionedError()
    {
        var result = TestCompiler.Compile("CREATE STREAM TABLE x WITH (create_indexes = maybe) AS " + Query, Catalog);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Contains("create_indexes 'maybe' is not supported (use on or off)", error.Message);
        Assert.Equal(1, error.Span.Line);
    }
}
