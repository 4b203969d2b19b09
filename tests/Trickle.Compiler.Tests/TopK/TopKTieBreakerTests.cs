using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Xunit;

namespace Trickle.Compiler.Tests.TopK;

/// <summary>
/// <c>ORDER BY … LIMIT</c> whose order leaves ties at the limit: the output columns break them (in output-column order,
/// ascending, NULLs last, until the order decides every tie), warning TRK4102 names them at the ORDER BY, the plan
/// orders by them, and the query every recomputation runs (the catalog's defining query) has them appended as ordinals.
/// </summary>
public sealed class TopKTieBreakerTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE items (
            id    integer PRIMARY KEY,
            grp   text,
            qty   integer,
            price numeric(10,2),
            tx    xid
        );
        CREATE TABLE events (
            kind  text,
            n     integer
        );
        """);

    private static readonly CompilationOptions Differential = new(Mode: RefreshMode.Differential);

    /// <summary>Query as written; the effective query; the warning's position; the tie-breakers it names.</summary>
    public static TheoryData<string, string, string, string> TiedQueries => new()
    {
        { "SELECT grp, qty\nFROM items\nORDER BY qty DESC\nLIMIT 3", "SELECT grp, qty\nFROM items\nORDER BY qty DESC, 1\nLIMIT 3", "3:10", "\"grp\" (1)" },
        // A selected primary key decides every tie once it is ordered: the columns after it are not needed.
        { "SELECT grp, id, qty FROM items ORDER BY qty NULLS FIRST LIMIT 2 OFFSET 1", "SELECT grp, id, qty FROM items ORDER BY qty NULLS FIRST, 1, 2 LIMIT 2 OFFSET 1", "1:41", "\"grp\" (1), \"id\" (2)" },
        { "SELECT * FROM items ORDER BY price DESC LIMIT 2", "SELECT * FROM items ORDER BY price DESC, 1 LIMIT 2", "1:30", "\"id\" (1)" },
        // Duplicate output rows are possible: rows tied on every output column are identical, so the count kept decides.
        { "SELECT grp FROM items ORDER BY qty LIMIT 3", "SELECT grp FROM items ORDER BY qty, 1 LIMIT 3", "1:32", "\"grp\" (1)" },
        { "SELECT kind, n FROM events ORDER BY n DESC LIMIT 2", "SELECT kind, n FROM events ORDER BY n DESC, 1 LIMIT 2", "1:37", "\"kind\" (1)" },
        { "SELECT grp, qty FROM items ORDER BY qty OFFSET 2", "SELECT grp, qty FROM items ORDER BY qty, 1 OFFSET 2", "1:37", "\"grp\" (1)" },
        // Over an aggregate: the tie-breakers are the grouped rows' output columns (TPC-H Q10's shape).
        { "SELECT grp, sum(qty) AS total, count(*) AS n FROM items GROUP BY grp ORDER BY total DESC LIMIT 2",
          "SELECT grp, sum(qty) AS total, count(*) AS n FROM items GROUP BY grp ORDER BY total DESC, 1 LIMIT 2", "1:79", "\"grp\" (1)" },
        { "SELECT kind, sum(n) AS total FROM events GROUP BY kind, n ORDER BY total DESC LIMIT 2",
          "SELECT kind, sum(n) AS total FROM events GROUP BY kind, n ORDER BY total DESC, 1 LIMIT 2", "1:68", "\"kind\" (1)" },
        // A column ORDER BY cannot sort is passed over when a later one decides every tie.
        { "SELECT tx, qty, id FROM items ORDER BY qty LIMIT 3", "SELECT tx, qty, id FROM items ORDER BY qty, 3 LIMIT 3", "1:40", "\"id\" (3)" },
        // In a subquery in FROM: its own output columns, appended to its own ORDER BY.
        { "SELECT t.grp FROM (SELECT grp, qty FROM items ORDER BY qty DESC LIMIT 3) AS t",
          "SELECT t.grp FROM (SELECT grp, qty FROM items ORDER BY qty DESC, 1 LIMIT 3) AS t", "1:56", "\"grp\" (1)" },
    };

    [Theory]
    [MemberData(nameof(TiedQueries))]
    public void TiesAtTheLimit_AreBrokenByTheOutputColumns_WithAWarningAtTheOrderBy(string query, string effective, string position, string breakers)
    {
        var result = TestCompiler.Compile(query, Catalog, Differential);

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        var warning = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(position, $"{warning.Span.Line}:{warning.Span.Column}");
        Assert.Contains($"ordered further by the output column{(breakers.Contains(',') ? "s" : "")} {breakers}, ascending with NULLs last", warning.Message);
        Assert.Equal(effective, result.EffectiveQuery);
        // The catalog's defining query: the template indents its continuation lines.
        Assert.Contains("$query$" + effective.Replace("\n", "\n    ") + "$query$", result.Script);
    }

    [Fact]
    public void ALateralSubqueryWithLimit_IsRankedWithTheTieBreakers()
    {
        var query = "SELECT i.id, l.qty\nFROM items i,\n     LATERAL (SELECT j.qty, j.price FROM items j WHERE j.grp = i.grp ORDER BY j.grp LIMIT 1) AS l";
        var result = TestCompiler.Compile(query, Catalog, Differential);

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        var warning = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id);
        Assert.Equal("3:79", $"{warning.Span.Line}:{warning.Span.Column}");
        Assert.Contains("the subquery's columns \"qty\" (1), \"price\" (2), ascending with NULLs last", warning.Message);
        Assert.Equal(query.Replace("ORDER BY j.grp LIMIT", "ORDER BY j.grp, 1, 2 LIMIT"), result.EffectiveQuery);
        Assert.Contains("ORDER BY \"j\".\"grp\", \"j\".\"qty\", \"j\".\"price\"", TestCompiler.Analyze(query, Catalog, Differential).IrText);
    }

    private static readonly SourceCatalog TpchCatalog = TestCompiler.Catalog("""
            CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name char(25) NOT NULL, n_regionkey integer NOT NULL, n_comment varchar(152));
            CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL, c_nationkey integer NOT NULL, c_phone char(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL, c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL);
            CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_orderstatus char(1) NOT NULL, o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL, o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL);
            CREATE TABLE lineitem (l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL, l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL, l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber));
        """);

    /// <summary>TPC-H Q3 and Q10 as written (the corpus's texts, tests/Trickle.Tpch), refused with TRK4004 before: their orders tie at the limit.</summary>
    public static TheoryData<string, string, string> TpchQueries => new()
    {
        {
            global::Trickle.Tpch.TpchQueries.Get(3).Sql,
            "revenue desc,\n    o_orderdate, 1, 4\nlimit 10",
            "\"l_orderkey\" (1), \"o_shippriority\" (4)"
        },
        {
            global::Trickle.Tpch.TpchQueries.Get(10).Sql,
            // The selected GROUP BY keys identify a group only together: the compiler knows no functional dependencies.
            "revenue desc, 1, 2, 4, 5, 6, 7, 8\nlimit 20",
            "\"c_custkey\" (1), \"c_name\" (2), \"c_acctbal\" (4), \"n_name\" (5), \"c_address\" (6), \"c_phone\" (7), \"c_comment\" (8)"
        },
    };

    [Theory]
    [MemberData(nameof(TpchQueries))]
    public void TpchQueries_TiedAtTheLimit_CompileInBothIncrementalModes(string query, string effectiveEnd, string breakers)
    {
        foreach (var mode in new[] { RefreshMode.Differential, RefreshMode.Immediate })
        {
            var result = TestCompiler.Compile(query, TpchCatalog, new CompilationOptions(Mode: mode));

            Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
            Assert.EndsWith(effectiveEnd, result.EffectiveQuery);
            Assert.Contains(breakers, Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id).Message);
        }
    }

    [Fact]
    public void ThePlan_OrdersByTheTieBreakers()
    {
        var analysis = TestCompiler.Analyze("SELECT grp, qty, id FROM items ORDER BY qty DESC LIMIT 3", Catalog, Differential);

        Assert.Contains("TopK order=[\"items\".\"qty\" DESC, \"items\".\"grp\", \"items\".\"id\"] LIMIT 3", analysis.IrText);
        Assert.Equal("SELECT grp, qty, id FROM items ORDER BY qty DESC, 1, 3 LIMIT 3", analysis.Rewritten.QueryText);
        // trickle explain lists it under "Rewritten while binding".
        Assert.Contains("ties at the limit → broken by the output columns \"grp\", \"id\", appended to the ORDER BY as 1, 3 (at 1:41)", analysis.BinderRewrites);
    }

    [Theory]
    [InlineData("SELECT id, qty FROM items ORDER BY qty, id LIMIT 3")]
    [InlineData("SELECT grp, qty FROM items ORDER BY qty, grp LIMIT 3")]
    [InlineData("SELECT grp, qty FROM items ORDER BY qty FETCH FIRST 2 ROWS WITH TIES")]
    [InlineData("SELECT grp, sum(qty) AS s FROM items GROUP BY grp ORDER BY s, grp LIMIT 3")]
    [InlineData("SELECT grp, qty FROM items ORDER BY qty LIMIT 0")]
    public void AnOrderThatDecidesEveryTie_IsKeptAsWritten(string query)
    {
        var result = TestCompiler.Compile(query, Catalog, Differential);

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.DoesNotContain(result.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id);
        Assert.Equal(query, result.EffectiveQuery);
    }

    [Fact]
    public void AColumnWithoutOrdering_ThatWouldHaveToBreakTies_IsRefusedAtThatColumn()
    {
        var result = TestCompiler.Compile("SELECT grp,\n       tx, qty\nFROM items\nORDER BY qty DESC\nLIMIT 3", Catalog, Differential);

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4004 at 2:8", $"{error.Code} at {error.Span.Line}:{error.Span.Column}");
        Assert.Contains("rows tied in the ORDER BY at 4:10", error.Message);
        Assert.Contains("column \"tx\" is of type xid, which has no ordering", error.Message);
    }

    [Fact]
    public void TiesInAViewsDefinition_AreRefused_TheRecomputationReadsTheViewAsItIs()
    {
        var catalog = TestCompiler.Catalog("""
            CREATE TABLE items (id integer PRIMARY KEY, grp text, qty integer);
            CREATE VIEW top_items AS SELECT grp, qty FROM items ORDER BY qty DESC LIMIT 3;
            """);
        var result = TestCompiler.Compile("SELECT grp\nFROM top_items", catalog, Differential);

        Assert.Null(result.Script);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("TRK4004 at 2:6", $"{error.Code} at {error.Span.Line}:{error.Span.Column}");
        Assert.StartsWith("view public.top_items: rows tied in this ORDER BY at the limit", error.Message);
    }

    [Fact]
    public void CallForms_AppendToTheQueryInsideTheLiteral_AndACreateImmvColumnListStillRenames()
    {
        var stream = TestCompiler.Compile("SELECT pgtrickle.create_stream_table('top', $$SELECT grp, qty FROM items ORDER BY qty LIMIT 3$$)", Catalog, Differential);
        Assert.True(stream.Success, string.Join(Environment.NewLine, stream.Diagnostics));
        Assert.Equal("SELECT grp, qty FROM items ORDER BY qty, 1 LIMIT 3", stream.EffectiveQuery);
        var warning = Assert.Single(stream.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id);
        Assert.Equal("1:83", $"{warning.Span.Line}:{warning.Span.Column}");

        // E'' escapes shift the literal's characters against the file; the addition still lands after the ORDER BY.
        var immv = TestCompiler.Compile("SELECT create_immv('top(g)', E'SELECT grp, qty FROM items WHERE grp <> \\'x\\' ORDER BY qty LIMIT 3')", Catalog, Differential);
        Assert.True(immv.Success, string.Join(Environment.NewLine, immv.Diagnostics));
        Assert.Equal("SELECT * FROM (\nSELECT grp, qty FROM items WHERE grp <> 'x' ORDER BY qty, 1 LIMIT 3\n) AS \"immv\"(\"g\")", immv.EffectiveQuery);
    }

    [Fact]
    public void RecomputedAsWritten_UnderAuto_StillAppliesTheTieBreakers()
    {
        // A subquery kept whole padded by a chain of outer joins is not maintained yet, so AUTO recomputes the query on every refresh, with the tie-breakers its warning named.
        var query = "SELECT t.grp, e.kind FROM events e LEFT JOIN events f ON f.n = e.n LEFT JOIN (SELECT grp, qty FROM items ORDER BY qty LIMIT 3) AS t ON e.n = t.qty";
        var result = TestCompiler.Compile(query, Catalog, new CompilationOptions(Mode: RefreshMode.Auto));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK4101");
        Assert.Contains(result.Diagnostics, d => d.Code == DiagnosticCode.TiesBrokenByOutputColumns.Id);
        var effective = "SELECT t.grp, e.kind FROM events e LEFT JOIN events f ON f.n = e.n LEFT JOIN (SELECT grp, qty FROM items ORDER BY qty, 1 LIMIT 3) AS t ON e.n = t.qty";
        Assert.Equal(effective, result.EffectiveQuery);
        Assert.Contains("$query$" + effective + "$query$", result.Script);
    }
}
