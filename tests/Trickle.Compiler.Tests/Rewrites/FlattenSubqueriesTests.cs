using Snapshooter;
using Snapshooter.Xunit;
using Trickle.Compiler.Binding;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Rewrites;
using Xunit;

namespace Trickle.Compiler.Tests.Rewrites;

/// <summary>
/// Pass <c>flatten-subqueries</c>: a subquery or CTE in FROM that joins and filters without aggregating is merged into
/// the query (before/after snapshots), except where merging would change the result; switched off, the query is
/// refused as it was before the pass existed.
/// </summary>
public sealed class FlattenSubqueriesTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE region (r_regionkey integer PRIMARY KEY, r_name text NOT NULL);
        CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name text NOT NULL, n_regionkey integer NOT NULL);
        CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name text NOT NULL, s_nationkey integer NOT NULL);
        CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name text NOT NULL, c_nationkey integer NOT NULL);
        CREATE TABLE part (p_partkey integer PRIMARY KEY, p_name text NOT NULL, p_type text NOT NULL);
        CREATE TABLE partsupp (ps_partkey integer, ps_suppkey integer, ps_supplycost numeric(15,2) NOT NULL, PRIMARY KEY (ps_partkey, ps_suppkey));
        CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_orderdate date NOT NULL);
        CREATE TABLE lineitem (l_orderkey integer, l_linenumber integer, l_partkey integer NOT NULL, l_suppkey integer NOT NULL,
            l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
            l_shipdate date NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber));
        """);

    /// <summary>TPC-H Q7, Q8 and Q9 as the benchmark writes them (ORDER BY dropped: a stream table has no order).</summary>
    public const string Q7 = """
        SELECT supp_nation, cust_nation, l_year, sum(volume) AS revenue
        FROM (
            SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation, extract(year FROM l_shipdate) AS l_year,
                   l_extendedprice * (1 - l_discount) AS volume
            FROM supplier, lineitem, orders, customer, nation n1, nation n2
            WHERE s_suppkey = l_suppkey AND o_orderkey = l_orderkey AND c_custkey = o_custkey
              AND s_nationkey = n1.n_nationkey AND c_nationkey = n2.n_nationkey
              AND ((n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE'))
              AND l_shipdate BETWEEN date '1995-01-01' AND date '1996-12-31'
        ) AS shipping
        GROUP BY supp_nation, cust_nation, l_year
        """;

    public const string Q8 = """
        SELECT o_year, sum(CASE WHEN nation = 'BRAZIL' THEN volume ELSE 0 END) / sum(volume) AS mkt_share
        FROM (
            SELECT extract(year FROM o_orderdate) AS o_year, l_extendedprice * (1 - l_discount) AS volume, n2.n_name AS nation
            FROM part, supplier, lineitem, orders, customer, nation n1, nation n2, region
            WHERE p_partkey = l_partkey AND s_suppkey = l_suppkey AND l_orderkey = o_orderkey AND o_custkey = c_custkey
              AND c_nationkey = n1.n_nationkey AND n1.n_regionkey = r_regionkey AND r_name = 'AMERICA'
              AND s_nationkey = n2.n_nationkey AND o_orderdate BETWEEN date '1995-01-01' AND date '1996-12-31'
              AND p_type = 'ECONOMY ANODIZED STEEL'
        ) AS all_nations
        GROUP BY o_year
        """;

    public const string Q9 = """
        SELECT nation, o_year, sum(amount) AS sum_profit
        FROM (
            SELECT n_name AS nation, extract(year FROM o_orderdate) AS o_year,
                   l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount
            FROM part, supplier, lineitem, partsupp, orders, nation
            WHERE s_suppkey = l_suppkey AND ps_suppkey = l_suppkey AND ps_partkey = l_partkey AND p_partkey = l_partkey
              AND o_orderkey = l_orderkey AND s_nationkey = n_nationkey AND p_name LIKE '%green%'
        ) AS profit
        GROUP BY nation, o_year
        """;

    [Theory]
    [InlineData("tpch_q7", Q7)]
    [InlineData("tpch_q8", Q8)]
    [InlineData("tpch_q9", Q9)]
    [InlineData("cte_read_twice", "WITH placed AS (SELECT o.o_orderkey, c.c_nationkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderdate > date '1995-01-01') SELECT a.o_orderkey, b.o_orderkey AS other FROM placed a JOIN placed b ON a.c_nationkey = b.c_nationkey AND a.o_orderkey < b.o_orderkey")]
    [InlineData("nested_with", "WITH x AS (WITH y AS (SELECT o_orderkey, o_custkey FROM orders WHERE o_orderkey > 2) SELECT y.o_orderkey, c.c_name FROM y JOIN customer c ON c.c_custkey = y.o_custkey) SELECT x.c_name, count(*) AS n FROM x JOIN lineitem l ON l.l_orderkey = x.o_orderkey GROUP BY x.c_name")]
    [InlineData("subquery_in_subquery", "SELECT s.n_name, s.total FROM (SELECT i.n_name, i.o_orderkey * 2 AS total FROM (SELECT n.n_name, o.o_orderkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey JOIN nation n ON n.n_nationkey = c.c_nationkey WHERE n.n_regionkey = 1) AS i WHERE i.o_orderkey > 5) AS s")]
    [InlineData("preserved_side_of_left_join", "SELECT s.o_orderkey, s.c_name, l.l_quantity FROM (SELECT o.o_orderkey, c.c_name FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE o.o_orderkey > 1) s LEFT JOIN lineitem l ON l.l_orderkey = s.o_orderkey")]
    [InlineData("column_aliases", "SELECT d.who, d.k FROM (SELECT c.c_name, o.o_orderkey FROM orders o, customer c WHERE c.c_custkey = o.o_custkey) AS d(who, k)")]
    public void JoiningSubquery_IsMergedIntoTheQuery(string name, string query)
    {
        var (before, after) = BeforeAfter(query);

        Assert.Contains(ScanNode.ScansOf(before), s => s.Flattenable);
        Assert.DoesNotContain(Scans(after), s => s.IsSubquery);
        // Each relation of a merged subquery has a name of its own in the query; a CTE read twice is two copies.
        var names = Scans(after).Select(s => s.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain(ColumnsRead(after), c => ScanNode.ScansOf(before).Any(s => s.IsSubquery && s.Name == c.Relation));
        Snapshot.Match(Print(before, after), new SnapshotNameExtension(name));
    }

    [Theory]
    [InlineData(Q7, RefreshMode.Differential)]
    [InlineData(Q7, RefreshMode.Immediate)]
    [InlineData(Q8, RefreshMode.Differential)]
    [InlineData(Q8, RefreshMode.Immediate)]
    [InlineData(Q9, RefreshMode.Differential)]
    [InlineData(Q9, RefreshMode.Immediate)]
    public void TpchQueriesWithJoiningSubqueries_CompileForIncrementalMaintenance(string query, RefreshMode mode)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: mode));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void SubqueryOnThePaddedSideOfALeftJoin_IsKeptWhole()
    {
        // Merged, its filter would drop customers instead of padding them, and coalesce would not be NULL on padded rows.
        var (before, after) = BeforeAfter("SELECT c.c_custkey, s.o_orderkey, s.nation FROM customer c LEFT JOIN (SELECT o.o_orderkey, o.o_custkey, coalesce(n.n_name, 'none') AS nation FROM orders o JOIN customer c2 ON c2.c_custkey = o.o_custkey JOIN nation n ON n.n_nationkey = c2.c_nationkey WHERE o.o_orderkey > 1) s ON s.o_custkey = c.c_custkey");

        var join = Assert.IsType<JoinNode>(Assert.IsType<ProjectNode>(after).Input);
        Assert.Equal(JoinType.Left, join.Type);
        var kept = Assert.IsType<ScanNode>(join.Right);
        Assert.True(kept.IsSubquery);
        Assert.False(kept.Flattenable);
        Snapshot.Match(Print(before, after));
    }

    [Fact]
    public void SubqueryWithAVolatileColumn_IsKeptWhole()
    {
        // random() read twice above would be two calls with two values.
        var analysis = TestCompiler.Analyze("SELECT s.r, s.r + 1 AS next FROM (SELECT o.o_orderkey, random() AS r FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey) s",
            Catalog, new CompilationOptions(Mode: RefreshMode.Full));

        var after = new FlattenSubqueries().Apply(analysis.Bound.Plan);

        var kept = Assert.Single(ScanNode.ScansOf(after));
        Assert.True(kept.IsSubquery);
        Assert.False(kept.Flattenable);
    }

    [Fact]
    public void NameTakenInTheQuery_GetsANumber()
    {
        var (_, after) = BeforeAfter("SELECT s.o_orderkey FROM (SELECT o.o_orderkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey) s JOIN nation AS \"s.o\" ON \"s.o\".n_nationkey = s.o_orderkey");

        Assert.Equal(["s.o#2", "s.c", "s.o"], Scans(after).Select(s => s.Name));
    }

    [Fact]
    public void CteReadingAnEarlierCte_IsMerged_AndCannotReadItself()
    {
        var (_, after) = BeforeAfter("WITH a AS (SELECT o_orderkey, o_custkey FROM orders), b AS (SELECT a.o_orderkey, c.c_name FROM a JOIN customer c ON c.c_custkey = a.o_custkey) SELECT * FROM b");
        Assert.Equal(["b.a", "b.c"], Scans(after).Select(s => s.Name));

        // A non-recursive CTE does not see itself: "b" inside b is the catalog's, which has no such table.
        var result = TestCompiler.Compile("WITH b AS (SELECT x.o_orderkey FROM b x JOIN orders o ON o.o_orderkey = x.o_orderkey) SELECT * FROM b", Catalog);
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK3001");
    }

    [Theory]
    [InlineData(Q7, "2:6")]
    [InlineData("SELECT s.c_name\nFROM orders o\n  JOIN (SELECT c.c_custkey, c.c_name FROM customer c JOIN nation n ON n.n_nationkey = c.c_nationkey) s ON s.c_custkey = o.o_custkey", "3:8")]
    [InlineData("WITH x AS (SELECT c.c_custkey FROM customer c, nation n WHERE n.n_nationkey = c.c_nationkey)\nSELECT count(*) AS n\nFROM x", "3:6")]
    public void PassSwitchedOff_RefusesTheSubqueryWhereItIsWritten(string query, string position)
    {
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential) { DisabledPasses = ["flatten-subqueries"] });

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4001", error.Code);
        Assert.Equal(position, $"{error.Span.Line}:{error.Span.Column}");
        Assert.Contains("it must either read one table without LIMIT or a nested WITH, or aggregate", error.Message);

        Assert.True(TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Differential)).Success);
    }

    [Fact]
    public void PassSwitchedOff_UnderAuto_RecomputesTheQueryAsWritten()
    {
        var result = TestCompiler.Compile(Q8, Catalog, new CompilationOptions(Mode: RefreshMode.Auto) { DisabledPasses = ["flatten-subqueries"] });

        Assert.True(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK4101");
    }

    private static (RelNode Before, RelNode After) BeforeAfter(string query)
    {
        var analysis = TestCompiler.Analyze(query, Catalog);
        var before = analysis.Bound.Plan;
        // The pass alone, run as the pipeline runs it: inside subqueries first, then the query.
        return (before, RewritePipeline.Run(before, RewritePipeline.Default.Select(p => p.Name).Where(n => n != "flatten-subqueries")));
    }

    /// <summary>Every scan of the plan, those inside subqueries kept whole too.</summary>
    private static IEnumerable<ScanNode> Scans(RelNode plan) =>
        ScanNode.ScansOf(plan).SelectMany(s => s.Subplan is null ? [s] : Scans(s.Subplan).Prepend(s));

    private static List<BoundColumn> ColumnsRead(RelNode plan)
    {
        var columns = new List<BoundColumn>();
        PlanExpressions.Rewrite(plan, new LeafRewriter(e =>
        {
            if (e is BoundColumn c) columns.Add(c);
            return e;
        }));
        return columns;
    }

    private static string Print(RelNode before, RelNode after) =>
        "-- before\n" + IrPrinter.Print(before) + "-- after\n" + IrPrinter.Print(after);
}
