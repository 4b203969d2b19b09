using Trickle.Compiler.Syntax;
using Xunit;
using static Trickle.Compiler.Tests.Parsing.ParsingTestHelpers;

namespace Trickle.Compiler.Tests.Parsing;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("SELECT OrderId FROM Orders", "(select (items orderid) (from orders))")]
    [InlineData("SELECT \"OrderId\" FROM \"My Orders\"", "(select (items \"OrderId\") (from \"My Orders\"))")]
    [InlineData("SELECT \"Weird \"\"Name\"\"\" FROM t", "(select (items \"Weird \"\"Name\"\"\") (from t))")]
    [InlineData("SELECT Ünïcode, \"Ünïcode\", 名前 FROM t", "(select (items Ünïcode \"Ünïcode\" 名前) (from t))")]
    [InlineData("SELECT \"select\", \"from\".\"where\" FROM \"from\"", "(select (items \"select\" \"from\".\"where\") (from \"from\"))")]
    [InlineData("SELECT U&\"d\\0061t\\+000061\" FROM t", "(select (items \"data\") (from t))")]
    [InlineData("SELECT a$b FROM t", "(select (items a$b) (from t))")]
    public void Identifiers_FoldUnquotedAndKeepQuoted(string sql, string expected) =>
        Assert.Equal(expected, PrintQuery(sql));

    [Theory]
    [InlineData("name")]
    [InlineData("value")]
    [InlineData("type")]
    [InlineData("date")]
    [InlineData("year")]
    [InlineData("key")]
    [InlineData("data")]
    [InlineData("position")]
    [InlineData("filter")]
    [InlineData("over")]
    [InlineData("timestamp")]
    [InlineData("time")]
    [InlineData("zone")]
    [InlineData("first")]
    [InlineData("last")]
    [InlineData("partition")]
    [InlineData("rows")]
    [InlineData("range")]
    [InlineData("schema")]
    [InlineData("stream")]
    public void NonReservedKeywords_AreOrdinaryColumnAndTableNames(string word)
    {
        var sql = $"SELECT {word}, t.{word}, {word} + 1 AS {word} FROM {word} t WHERE {word} IS NOT NULL ORDER BY {word}";
        var expected = $"(query (select (items {word} t.{word} (as (+ {word} 1) {word})) (from (table {word} (alias t))) (where (is-not-null {word}))) (order-by {word}))";
        Assert.Equal(expected, PrintQuery(sql));
    }

    [Fact]
    public void QuotedIdentifier_IsMarkedQuoted()
    {
        var select = Assert.IsType<SelectCore>(ParseQuery("SELECT \"Total\", total FROM t").Body);
        var quoted = Assert.IsType<ColumnReference>(Assert.IsType<ExpressionItem>(select.Items[0]).Expression);
        var plain = Assert.IsType<ColumnReference>(Assert.IsType<ExpressionItem>(select.Items[1]).Expression);
        Assert.Equal(new[] { ("Total", true) }, quoted.Parts.Select(p => (p.Value, p.Quoted)));
        Assert.Equal(new[] { ("total", false) }, plain.Parts.Select(p => (p.Value, p.Quoted)));
    }

    [Theory]
    [InlineData("SELECT select FROM t")]
    [InlineData("SELECT a FROM table")]
    [InlineData("SELECT user.a FROM t")]
    [InlineData("SELECT a FROM t group")]
    public void ReservedWords_NeedQuotes(string sql) =>
        Assert.Equal("TRK1001", SingleError(sql).Code);

    [Fact]
    public void Comments_AreIgnoredIncludingNestedBlockComments()
    {
        const string sql = "-- leading\nSELECT /* outer /* inner */ still comment */ a -- trailing\nFROM t";
        Assert.Equal("(select (items a) (from t))", PrintQuery(sql));
    }
}
