using System.Text;
using Trickle.Compiler.Syntax;
using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class ParserPerformanceTests
{
    /// <summary>
    /// Deep nesting and long operator chains are where a badly factored grammar backtracks exponentially; this input
    /// has about 3,600 tokens of both. Completing at all is the assertion: a regression would hang the test run.
    /// </summary>
    [Fact]
    public void LargeQuery_WithDeepNestingAndLongChains_Parses()
    {
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < 60; i++)
            sql.Append($"coalesce(sum(t{i}.a) FILTER (WHERE t{i}.b > {i}), 0) + ");
        sql.Append("0 AS total, ");
        sql.Append(new string('(', 40)).Append("x").Append(new string(')', 40)).Append(" AS nested ");
        sql.Append("FROM t0");
        for (var i = 1; i < 60; i++)
            sql.Append($" LEFT JOIN t{i} ON t{i}.id = t{i - 1}.id AND t{i}.k IN (1, 2, 3)");
        sql.Append(" WHERE ");
        for (var i = 0; i < 60; i++)
            sql.Append($"(t{i}.c BETWEEN {i} AND {i + 10} OR t{i}.d IS NULL) AND ");
        sql.Append("true");

        var query = ParseQuery(sql.ToString());
        var select = Assert.IsType<SelectCore>(query.Body);
        Assert.Equal(2, select.Items.Count);
        Assert.IsType<JoinedTable>(Assert.Single(select.From));
    }
}
