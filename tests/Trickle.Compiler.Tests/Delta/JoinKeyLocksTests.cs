using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Delta;

/// <summary>
/// Which IMMEDIATE joins lock their join key's values instead of the whole stream table (Delta/JoinKeyLocks.cs): every
/// table joined on one key of one type, and a stored row's key that is that key from a table no outer join pads.
/// </summary>
public sealed class JoinKeyLocksTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE customers (id integer PRIMARY KEY, region text, code bigint);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer, amount numeric, code bigint);
        CREATE TABLE notes (customer_id integer, body text);
        """);

    [Theory]
    [InlineData("SELECT c.id, count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id", true)]
    [InlineData("SELECT o.id, o.customer_id, c.region FROM orders o JOIN customers c ON c.id = o.customer_id", true)]
    [InlineData("SELECT c.id, count(*) AS n FROM orders o, customers c WHERE c.id = o.customer_id GROUP BY c.id", true)]
    [InlineData("SELECT n.customer_id, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id JOIN notes n ON n.customer_id = o.customer_id GROUP BY n.customer_id", true)]
    // The stored rows are per region: writers of two customers may update one region's row.
    [InlineData("SELECT c.region, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region", false)]
    // Grouped by the padded side's key: padded rows of every customer share the NULL group.
    [InlineData("SELECT o.customer_id, count(*) AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY o.customer_id", false)]
    // Two keys (a chain), not one: a change to customers reaches notes through orders' other column.
    [InlineData("SELECT c.id, count(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.id JOIN notes n ON n.body = o.id::text GROUP BY c.id", false)]
    // Equal values of integer and bigint need not hash alike.
    [InlineData("SELECT c.id, count(*) AS n FROM customers c JOIN orders o ON o.code = c.id GROUP BY c.id", false)]
    // A FULL JOIN pads both sides.
    [InlineData("SELECT c.id, count(o.id) AS n FROM customers c FULL JOIN orders o ON o.customer_id = c.id GROUP BY c.id", false)]
    public void ImmediateJoin_LocksTheJoinKey_OnlyWhereThatIsSound(string query, bool locksKey)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Name: "j", Mode: RefreshMode.Immediate));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(locksKey, result.Script!.Contains("CROSS JOIN LATERAL (VALUES (c.", StringComparison.Ordinal));
        // A writer's statement takes the whole stream table's lock right after its operation's test.
        Assert.Equal(!locksKey, result.Script.Contains("THEN\n        LOCK TABLE \"trickle\".\"j__refresh_lock\" IN EXCLUSIVE MODE;", StringComparison.Ordinal));
    }
}
