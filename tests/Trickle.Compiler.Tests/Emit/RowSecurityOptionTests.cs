using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Emit;

/// <summary>
/// <c>WITH (row_security = on)</c>: the stream table's view reads its storage with the reader's rights and the storage
/// has row-level security enabled, for maintained stream tables and those recomputed as written alike; the option is
/// part of the definition, so an upgrade that turns it on or off is a new generation. (Its behaviour with real roles:
/// Trickle.Database.Tests RowSecurityTests.)
/// </summary>
public sealed class RowSecurityOptionTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE sales (id integer PRIMARY KEY, region text NOT NULL, amount integer NOT NULL);\n" +
        "CREATE TABLE edges (src integer NOT NULL, dst integer NOT NULL);");

    private const string Maintained = "SELECT region, sum(amount) AS revenue FROM sales GROUP BY region";
    private const string Recomputed = "WITH RECURSIVE r(a, b) AS (\n  SELECT src, dst FROM edges\n  UNION SELECT r.a, e.dst FROM r LEFT JOIN edges e ON e.src = r.b\n)\nSELECT a, b FROM r";

    [Theory]
    [InlineData(Maintained, "on")]
    [InlineData(Maintained, "true")]
    [InlineData(Recomputed, "on")]
    public void RowSecurityOn_MakesTheViewSecurityInvoker_AndEnablesRowSecurityOnTheStorage(string query, string value)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x WITH (row_security = {value}) AS {query}", Catalog);
        Assert.Contains("CREATE VIEW \"public\".\"x\" WITH (security_invoker = true) AS", script);
        Assert.Contains("ALTER TABLE \"trickle\".\"x__storage\" ENABLE ROW LEVEL SECURITY;", script);
    }

    [Theory]
    [InlineData(Maintained, "WITH (row_security = off) ")]
    [InlineData(Maintained, "")]
    [InlineData(Recomputed, "")]
    public void WithoutRowSecurity_TheViewReadsAsItsOwner(string query, string option)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x {option}AS {query}", Catalog);
        Assert.DoesNotContain("security_invoker = true", script);
        Assert.DoesNotContain("ENABLE ROW LEVEL SECURITY", script);
        // Every install refuses sources whose row-level security would filter its owner.
        Assert.Contains("PERFORM \"trickle\".\"check_row_security\"(", script);
    }

    [Fact]
    public void TurningRowSecurityOnOrOff_IsANewGeneration()
    {
        var options = new CompilationOptions(Upgrade: true);
        var plain = TestCompiler.Script($"CREATE STREAM TABLE x AS {Maintained}", Catalog, options);
        var secured = TestCompiler.Script($"CREATE STREAM TABLE x WITH (row_security = on) AS {Maintained}", Catalog, options);
        static string Storage(string script) =>
            System.Text.RegularExpressions.Regex.Match(script, "\"trickle\"\\.\"x~(g[0-9a-f]{8})__storage\"").Groups[1].Value;
        Assert.NotEqual("", Storage(plain));
        Assert.NotEqual(Storage(plain), Storage(secured));
        Assert.Contains("ALTER VIEW \"public\".\"x\" SET (security_invoker = true);", secured);
        Assert.Contains("ALTER VIEW \"public\".\"x\" RESET (security_invoker);", plain);
    }
}
