using Trickle.Compiler.Delta;
using Xunit;

namespace Trickle.Compiler.Tests.Delta;

/// <summary>
/// The indexes trickle explain lists: each side of an equality join is looked up by its join columns when the other
/// side changes (TPC-H Q13's o_custkey, which no index covered and made the refresh slower than recomputing); a
/// rescanned group reads its rows by its GROUP BY columns; the primary key covers what it starts with.
/// </summary>
public sealed class IndexAdviceTests
{
    private static readonly Compiler.Catalog.SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name text, c_nationkey integer);
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer, o_comment text, o_total numeric);
        CREATE TABLE lineitem (l_orderkey integer, l_linenumber integer, l_qty integer, PRIMARY KEY (l_orderkey, l_linenumber));
        """);

    private static IReadOnlyList<IndexSuggestion> Advice(string query)
    {
        var analysis = TestCompiler.Analyze(query, Catalog);
        var rescans = query.Contains("max(", StringComparison.Ordinal);
        return IndexAdvice.For(analysis.Rewritten.Plan, rescans);
    }

    [Fact]
    public void LeftJoinOfTpchQ13_AsksForTheUnindexedJoinColumn_AndNamesThePrimaryKeyThatCoversTheOther()
    {
        var advice = Advice("SELECT c_custkey, count(o_orderkey) AS n FROM customer LEFT JOIN orders ON c_custkey = o_custkey AND o_comment NOT LIKE '%x%' GROUP BY c_custkey");

        Assert.Equal(
        [
            "CREATE INDEX ON \"public\".\"customer\" (\"c_custkey\"); covered by the primary key",
            "CREATE INDEX ON \"public\".\"orders\" (\"o_custkey\"); covered by nothing",
        ], advice.Select(a => $"{a.Statement} covered by {a.CoveredBy ?? "nothing"}"));
        Assert.Equal(["changes to customer look up its rows by o_custkey"], advice[1].Reasons);
    }

    [Fact]
    public void JoinWrittenInWhere_AndAMultiColumnKey_AreLookedUpTogether()
    {
        var advice = Advice("SELECT o_orderkey, sum(l_qty) AS q FROM orders, lineitem WHERE l_orderkey = o_orderkey AND l_linenumber = o_custkey GROUP BY o_orderkey");

        var lineitem = Assert.Single(advice, a => a.Table == "\"public\".\"lineitem\"");
        Assert.Equal(["\"l_orderkey\"", "\"l_linenumber\""], lineitem.Columns);
        Assert.Equal("the primary key", lineitem.CoveredBy);
        var orders = Assert.Single(advice, a => a.Table == "\"public\".\"orders\"");
        Assert.Equal(["\"o_orderkey\"", "\"o_custkey\""], orders.Columns);
        Assert.Null(orders.CoveredBy);
    }

    [Fact]
    public void RescannedGroups_AskForTheGroupByColumns_AndASingleTableWithoutRescansAsksForNothing()
    {
        Assert.Empty(Advice("SELECT o_custkey, sum(o_total) AS t FROM orders GROUP BY o_custkey"));

        var advice = Assert.Single(Advice("SELECT o_custkey, max(o_total) AS t FROM orders GROUP BY o_custkey"));
        Assert.Equal("CREATE INDEX ON \"public\".\"orders\" (\"o_custkey\");", advice.Statement);
        Assert.Contains("GROUP BY columns o_custkey", advice.Reasons[0]);
    }

    [Fact]
    public void Explain_PrintsTheAdvice()
    {
        var result = Compilation.Explain(new SourceText("q.sql", "SELECT c_name, count(*) AS n FROM customer JOIN orders ON o_custkey = c_custkey GROUP BY c_name"),
            Catalog, new CompilationOptions(Name: "per_name"));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.Contains("""
            Indexes the delta queries look rows up by (without one, each lookup reads the whole table; WITH (create_indexes = on) or --create-indexes has the script create the missing ones):
              CREATE INDEX ON "public"."customer" ("c_custkey");  -- exists: the primary key
                  changes to orders look up its rows by c_custkey
              CREATE INDEX ON "public"."orders" ("o_custkey");
                  changes to customer look up its rows by o_custkey
            """, result.Script!.Replace("\r\n", "\n"));
    }
}
