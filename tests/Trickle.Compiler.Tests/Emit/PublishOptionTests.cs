using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Emit;

/// <summary>
/// <c>WITH (publish = on | off)</c>: the install publishes the stream table (a mirror table for logical replication)
/// after populating it, with the group keys the mirror indexes; an upgrade's swap publishes the new generation after the
/// swap (the mirror takes the new definition's rows); a bad value is reported at the value. (Replication to a real
/// subscriber: Trickle.Database.Tests PublishedStreamTableTests.)
/// </summary>
public sealed class PublishOptionTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE sales (id integer PRIMARY KEY, region text NOT NULL, amount integer NOT NULL);");

    [Theory]
    [InlineData("SELECT region, sum(amount) AS revenue FROM sales GROUP BY region", "ARRAY['region']::text[]")]
    [InlineData("SELECT id, amount FROM sales", "NULL")]
    public void Publish_PublishesAfterPopulating_AndAfterAnUpgradesSwap(string query, string keys)
    {
        var call = $"SELECT \"trickle\".\"set_publish\"('public', 'x', true, {keys});";
        var script = TestCompiler.Script($"CREATE STREAM TABLE x WITH (publish = on) AS {query}", Catalog);
        Assert.True(script.IndexOf(call, StringComparison.Ordinal) > script.IndexOf("DO $populate$", StringComparison.Ordinal));
        var upgrade = TestCompiler.Script($"CREATE STREAM TABLE x WITH (publish = on) AS {query}", Catalog, new CompilationOptions(Upgrade: true));
        Assert.True(upgrade.IndexOf(call, StringComparison.Ordinal) > upgrade.IndexOf("PERFORM \"trickle\".\"outbox_after_swap\"(", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("WITH (publish = off) ")]
    [InlineData("")]
    public void WithoutPublish_NothingIsPublished(string option)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x {option}AS SELECT id FROM sales", Catalog);
        Assert.DoesNotContain("SELECT \"trickle\".\"set_publish\"(", script);
    }

    [Fact]
    public void UnknownPublishValue_IsReportedAtTheValue()
    {
        const string definition = "CREATE STREAM TABLE x WITH (publish = kafka) AS SELECT id FROM sales";
        var result = TestCompiler.Compile(definition, Catalog);
        var error = Assert.Single(result.Diagnostics, d => d.Message.Contains("publish 'kafka' is not supported"));
        Assert.Equal(definition.IndexOf("kafka", StringComparison.Ordinal), error.Span.Start);
    }
}
