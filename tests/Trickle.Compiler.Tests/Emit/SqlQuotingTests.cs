using System.Text;
using CsCheck;
using Trickle.Compiler.Emit;
using Xunit;

namespace Trickle.Compiler.Tests.Emit;

public sealed class SqlQuotingTests
{
    [Theory]
    [InlineData("orders", "\"orders\"")]
    [InlineData("Order Lines", "\"Order Lines\"")]
    [InlineData("select", "\"select\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("Größe", "\"Größe\"")]
    [InlineData("日本語🙂", "\"日本語🙂\"")]
    public void Identifier_IsAlwaysQuoted_WithQuotesDoubledAndUnicodeKept(string name, string expected) =>
        Assert.Equal(expected, SqlQuoting.Identifier(name));

    [Fact]
    public void Qualified_QuotesSchemaAndNameSeparately() =>
        Assert.Equal("\"my.schema\".\"a\"\"b\"", SqlQuoting.Qualified("my.schema", "a\"b"));

    [Theory]
    [InlineData("open", "'open'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("''", "''''''")]
    [InlineData(@"C:\path\n", @"'C:\path\n'")]
    [InlineData("", "''")]
    [InlineData("Größe 🙂", "'Größe 🙂'")]
    public void Literal_DoublesQuotesOnly_BackslashesStayOrdinary(string value, string expected) =>
        Assert.Equal(expected, SqlQuoting.Literal(value));

    [Fact]
    public void InternalName_ShortName_IsBaseTwoUnderscoresSuffix() =>
        Assert.Equal("orders__storage", SqlQuoting.InternalName("orders", "storage"));

    [Theory]
    [InlineData(30, "a")]
    [InlineData(61, "a")]
    [InlineData(200, "a")]
    [InlineData(40, "ü")]
    [InlineData(40, "日")]
    [InlineData(40, "🙂")]
    public void InternalName_LongOrMultibyteName_FitsIn63Utf8BytesWithoutSplittingCharacters(int repeat, string unit)
    {
        var baseName = string.Concat(Enumerable.Repeat(unit, repeat));

        var name = SqlQuoting.InternalName(baseName, "storage");

        Assert.True(Encoding.UTF8.GetByteCount(name) <= 63, $"{Encoding.UTF8.GetByteCount(name)} bytes: {name}");
        Assert.EndsWith("__storage", name);
        Assert.Equal(name, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)));
        Assert.DoesNotContain('\uFFFD', name);
    }

    [Fact]
    public void InternalName_ExactlyAtTheLimit_IsKeptWhole()
    {
        var baseName = new string('a', 63 - "__storage".Length);

        Assert.Equal(baseName + "__storage", SqlQuoting.InternalName(baseName, "storage"));
    }

    [Fact]
    public void InternalName_IsStableAcrossCalls()
    {
        var baseName = "analytics." + new string('x', 80);

        Assert.Equal(SqlQuoting.InternalName(baseName, "refresh"), SqlQuoting.InternalName(new string(baseName), "refresh"));
    }

    [Fact]
    public void StableHash_IsFnv1a32OverUtf8()
    {
        // Published FNV-1a 32-bit test vectors: the hash must not depend on the process or platform.
        Assert.Equal(0x811c9dc5u, SqlQuoting.StableHash(""));
        Assert.Equal(0xe40c292cu, SqlQuoting.StableHash("a"));
        Assert.Equal(0xbf9cf968u, SqlQuoting.StableHash("foobar"));
    }

    [Fact]
    public void InternalName_TwoLongNamesDifferingOnlyAtTheEnd_GetDifferentNames()
    {
        var prefix = new string('n', 100);

        var first = SqlQuoting.InternalName(prefix + "_2024", "storage");
        var second = SqlQuoting.InternalName(prefix + "_2025", "storage");

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Identifier_RoundTripsThroughUnquoting() =>
        Gen.String.Sample(name => Unquote(SqlQuoting.Identifier(name)) == name);

    [Fact]
    public void Literal_RoundTripsThroughUnquoting() =>
        Gen.String.Sample(value => Unquote(SqlQuoting.Literal(value), '\'') == value);

    /// <summary>What PostgreSQL does with a quoted token: drop the outer quotes, read each doubled quote as one.</summary>
    private static string Unquote(string quoted, char quote = '"')
    {
        if (quoted.Length < 2 || quoted[0] != quote || quoted[^1] != quote)
            throw new FormatException($"not quoted: {quoted}");
        var inner = new StringBuilder();
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            if (quoted[i] == quote)
            {
                if (quoted[i + 1] != quote || i + 1 == quoted.Length - 1)
                    throw new FormatException($"lone quote at {i} in {quoted}");
                i++;
            }
            inner.Append(quoted[i]);
        }
        return inner.ToString();
    }
}
