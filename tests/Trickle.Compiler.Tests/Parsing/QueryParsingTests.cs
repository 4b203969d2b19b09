using Trickle.Compiler.Syntax;
using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class QueryParsingTests
{
    [Theory]
    [InlineData("SELECT a, b AS c, d e FROM t", "(select (items a (as b c) (as d e)) (from t))")]
    [InlineData("SELECT * FROM s.t", "(select (items *) (from s.t))")]
    [InlineData("SELECT t.*, u.x FROM t, u", "(select (items t.* u.x) (from t u))")]
    [InlineData("SELECT", "(select (items))")]
    [InlineData("SELECT 1 AS select", "(select (items (as 1 select)))")]
    [InlineData("SELECT ALL a FROM t", "(select (items a) (from t))")]
    [InlineData("SELECT DISTINCT a FROM t", "(select distinct (items a) (from t))")]
    [InlineData("SELECT DISTINCT ON (a, b) a, c FROM t ORDER BY a, b, c DESC",
        "(query (select (distinct-on a b) (items a c) (from t)) (order-by a b (sort c desc)))")]
    [InlineData("SELECT a FROM t WHERE a > 1 GROUP BY a HAVING count(*) > 2",
        "(select (items a) (from t) (where (> a 1)) (group-by a) (having (> (call count *) 2)))")]
    [InlineData("SELECT a FROM t GROUP BY DISTINCT ROLLUP (a, (b, c)), CUBE (d), GROUPING SETS ((a, b), (a), ())",
        "(select (items a) (from t) (group-by-distinct (rollup a (implicit-row b c)) (cube d) (grouping-sets (implicit-row a b) (paren a) ())))")]
    [InlineData("SELECT a FROM t GROUP BY ()", "(select (items a) (from t) (group-by ()))")]
    [InlineData("SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY a), v AS (w ORDER BY b)",
        "(select (items (call sum x (over w))) (from t) (windows (define w (window (partition-by a))) (define v (window w (order-by b)))))")]
    [InlineData("SELECT a FROM t ORDER BY a ASC NULLS FIRST, b DESC NULLS LAST, c USING >",
        "(query (select (items a) (from t)) (order-by (sort a asc nulls-first) (sort b desc nulls-last) (sort c using >)))")]
    [InlineData("SELECT a FROM t LIMIT 10 OFFSET 5", "(query (select (items a) (from t)) (limit 10) (offset 5))")]
    [InlineData("SELECT a FROM t OFFSET 5 ROWS", "(query (select (items a) (from t)) (offset 5))")]
    [InlineData("SELECT a FROM t LIMIT ALL", "(select (items a) (from t))")]
    [InlineData("SELECT a FROM t ORDER BY a FETCH FIRST 3 ROWS ONLY", "(query (select (items a) (from t)) (order-by a) (limit 3))")]
    [InlineData("SELECT a FROM t ORDER BY a OFFSET 1 ROW FETCH NEXT 3 ROWS WITH TIES",
        "(query (select (items a) (from t)) (order-by a) (limit-with-ties 3) (offset 1))")]
    [InlineData("SELECT a FROM t FETCH FIRST ROW ONLY", "(query (select (items a) (from t)) (limit 1))")]
    [InlineData("VALUES (1, 'a'), (2, 'b')", "(values (row 1 'a') (row 2 'b'))")]
    [InlineData("TABLE t", "(select (items *) (from t))")]
    public void SelectClauses(string sql, string expected) => Assert.Equal(expected, PrintQuery(sql));

    [Theory]
    [InlineData("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3",
        "(union-all (union (select (items 1)) (select (items 2))) (select (items 3)))")]
    [InlineData("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3",
        "(union (select (items 1)) (intersect (select (items 2)) (select (items 3))))")]
    [InlineData("SELECT 1 INTERSECT ALL SELECT 2 EXCEPT DISTINCT SELECT 3",
        "(except (intersect-all (select (items 1)) (select (items 2))) (select (items 3)))")]
    [InlineData("(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3",
        "(intersect (nested (union (select (items 1)) (select (items 2)))) (select (items 3)))")]
    [InlineData("(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT b FROM u) ORDER BY 1",
        "(query (union-all (nested (query (select (items a) (from t)) (order-by a) (limit 1))) (nested (select (items b) (from u)))) (order-by 1))")]
    [InlineData("SELECT a FROM t EXCEPT VALUES (1)", "(except (select (items a) (from t)) (values (row 1)))")]
    public void SetOperations_HaveIntersectBindingTighter(string sql, string expected) =>
        Assert.Equal(expected, PrintQuery(sql));

    [Theory]
    [InlineData("WITH x AS (SELECT 1) SELECT * FROM x", "(query (with (cte x (select (items 1)))) (select (items *) (from x)))")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
        "(query (with-recursive (cte r (columns n) (union-all (select (items 1)) (select (items (+ n 1)) (from r) (where (< n 5)))))) (select (items n) (from r)))")]
    [InlineData("WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (SELECT 2) SELECT 3",
        "(query (with (cte a materialized (select (items 1))) (cte b not-materialized (select (items 2)))) (select (items 3)))")]
    public void CommonTableExpressions(string sql, string expected) => Assert.Equal(expected, PrintQuery(sql));

    [Theory]
    [InlineData("SELECT 1 FROM a JOIN b ON a.id = b.id", "(select (items 1) (from (inner-join a b (on (= a.id b.id)))))")]
    [InlineData("SELECT 1 FROM a INNER JOIN b USING (id, k)", "(select (items 1) (from (inner-join a b (using id k))))")]
    [InlineData("SELECT 1 FROM a LEFT JOIN b ON true RIGHT OUTER JOIN c ON false FULL JOIN d ON x",
        "(select (items 1) (from (full-join (right-join (left-join a b (on true)) c (on false)) d (on x))))")]
    [InlineData("SELECT 1 FROM a CROSS JOIN b NATURAL LEFT JOIN c", "(select (items 1) (from (natural-left-join (cross-join a b) c)))")]
    [InlineData("SELECT 1 FROM a NATURAL JOIN b", "(select (items 1) (from (natural-inner-join a b)))")]
    [InlineData("SELECT 1 FROM a JOIN b JOIN c ON b.x = c.x ON a.y = b.y",
        "(select (items 1) (from (inner-join a (inner-join b c (on (= b.x c.x))) (on (= a.y b.y)))))")]
    [InlineData("SELECT 1 FROM (a JOIN b ON true) AS j(x, y) LEFT JOIN c ON true",
        "(select (items 1) (from (left-join (paren (inner-join a b (on true)) (alias j x y)) c (on true))))")]
    [InlineData("SELECT 1 FROM t AS x (a, b), ONLY u, v w",
        "(select (items 1) (from (table t (alias x a b)) (table u only) (table v (alias w))))")]
    [InlineData("SELECT 1 FROM (SELECT 1) s", "(select (items 1) (from (derived (select (items 1)) (alias s))))")]
    [InlineData("SELECT 1 FROM t, LATERAL (SELECT t.a) s", "(select (items 1) (from t (derived lateral (select (items t.a)) (alias s))))")]
    [InlineData("SELECT 1 FROM t CROSS JOIN LATERAL unnest(t.arr) WITH ORDINALITY AS u(v, n)",
        "(select (items 1) (from (cross-join t (function lateral ordinality (call unnest t.arr) (alias u v n)))))")]
    [InlineData("SELECT 1 FROM generate_series(1, 3) g", "(select (items 1) (from (function (call generate_series 1 3) (alias g))))")]
    [InlineData("SELECT 1 FROM ROWS FROM (unnest(a), unnest(b)) WITH ORDINALITY r",
        "(select (items 1) (from (function ordinality (call unnest a) (call unnest b) (alias r))))")]
    [InlineData("SELECT 1 FROM (VALUES (1), (2)) v(x)", "(select (items 1) (from (derived (values (row 1) (row 2)) (alias v x))))")]
    [InlineData("SELECT 1 FROM ((SELECT 1) UNION (SELECT 2)) u",
        "(select (items 1) (from (derived (union (nested (select (items 1))) (nested (select (items 2)))) (alias u))))")]
    public void FromClause_CoversEveryJoinKind(string sql, string expected) => Assert.Equal(expected, PrintQuery(sql));

    [Fact]
    public void Spans_PointAtTheWrittenText()
    {
        const string sql = "SELECT a,\n       sum(b) AS total\nFROM orders o";
        var select = Assert.IsType<SelectCore>(ParseQuery(sql).Body);
        var total = Assert.IsType<ExpressionItem>(select.Items[1]);
        Assert.Equal("sum(b) AS total", sql.Substring(total.Span.Start, total.Span.Length));
        Assert.Equal((2, 8), (total.Span.Line, total.Span.Column));
        Assert.Equal((2, 18), (total.Alias!.Span.Line, total.Alias.Span.Column));
        var orders = Assert.IsType<NamedTable>(Assert.Single(select.From));
        Assert.Equal("orders o", sql.Substring(orders.Span.Start, orders.Span.Length));
        Assert.Equal((3, 6), (orders.Span.Line, orders.Span.Column));
    }
}
