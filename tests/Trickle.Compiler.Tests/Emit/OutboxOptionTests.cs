using Trickle.Compiler.Catalog;
using Xunit;

namespace Trickle.Compiler.Tests.Emit;

/// <summary>
/// <c>WITH (outbox = on | debezium | off)</c>: the install (and an upgrade's swap) turns the stream table's change feed
/// on with its layout and the output columns that identify a row; a bad value is reported at the value. (The feed's
/// guarantees with real clusters: Trickle.Database.Tests OutboxTests.)
/// </summary>
public sealed class OutboxOptionTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog(
        "CREATE TABLE sales (id integer PRIMARY KEY, region text NOT NULL, amount integer NOT NULL);");

    [Theory]
    [InlineData("SELECT region, sum(amount) AS revenue FROM sales GROUP BY region", "on", "'trickle', ARRAY['region']::text[]")]
    [InlineData("SELECT region, sum(amount) AS revenue FROM sales GROUP BY region", "debezium", "'debezium', ARRAY['region']::text[]")]
    // Rows that are not groups, and groups by a key the query does not output, have no key: inserts and deletes only.
    [InlineData("SELECT id, amount FROM sales", "on", "'trickle', NULL")]
    [InlineData("SELECT sum(amount) AS revenue FROM sales GROUP BY region", "on", "'trickle', NULL")]
    public void Outbox_TurnsTheFeedOnAfterPopulating(string query, string value, string arguments)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x WITH (outbox = {value}) AS {query}", Catalog);
        var call = $"SELECT \"trickle\".\"set_outbox\"('public', 'x', {arguments});";
        Assert.Contains(call, script);
        Assert.True(script.IndexOf(call, StringComparison.Ordinal) > script.IndexOf("DO $populate$", StringComparison.Ordinal));
        var upgrade = TestCompiler.Script($"CREATE STREAM TABLE x WITH (outbox = {value}) AS {query}", Catalog, new CompilationOptions(Upgrade: true));
        Assert.True(upgrade.IndexOf(call, StringComparison.Ordinal) is > 0 and var at && at < upgrade.IndexOf("PERFORM \"trickle\".\"swap_generation\"(", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("WITH (outbox = off) ")]
    [InlineData("")]
    public void WithoutOutbox_NoFeedIsTurnedOn(string option)
    {
        var script = TestCompiler.Script($"CREATE STREAM TABLE x {option}AS SELECT id FROM sales", Catalog);
        Assert.DoesNotContain("SELECT \"trickle\".\"set_outbox\"(", script);
    }

    [Fact]
    public void UnknownOutboxValue_IsReportedAtTheValue()
    {
        const string definition = "CREATE STREAM TABLE x WITH (outbox = kafka) AS SELECT id FROM sales";
        var result = TestCompiler.Compile(definition, Catalog);
        var error = Assert.Single(result.Diagnostics, d => d.Message.Contains("outbox 'kafka' is not supported"));
        Assert.Equal(definition.IndexOf("kafka", StringComparison.Ordinal), error.Span.Start);
    }
}
