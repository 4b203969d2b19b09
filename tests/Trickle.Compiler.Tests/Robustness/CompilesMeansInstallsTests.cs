using System.Text;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Emit;
using Xunit;

namespace Trickle.Compiler.Tests.Robustness;

/// <summary>
/// Inputs that compiled without a diagnostic and then failed (or meant something else) when the script ran. Each is now
/// a positioned diagnostic at compile time.
/// </summary>
public sealed class CompilesMeansInstallsTests
{
    private static readonly SourceCatalog Shop = TestCompiler.Catalog(File.ReadAllText(Path.Combine(Repository.Examples, "schema.sql")));

    [Fact]
    public void DistinctWithoutASelectList_IsASyntaxError_AsInPostgreSql()
    {
        var error = Assert.Single(TestCompiler.Compile("SELECT DISTINCT FROM customers", Shop).Diagnostics);

        Assert.Equal(("TRK1001", 1, 17), (error.Code, error.Span.Line, error.Span.Column));
        Assert.Equal("syntax error at or near \"FROM\"", error.Message);
    }

    [Theory]
    [InlineData("SELECT id FROM orders WHERE quantity == 2", 38, "==")]
    [InlineData("SELECT id FROM orders WHERE quantity <=> 2", 38, "<=>")]
    [InlineData("SELECT id FROM orders WHERE OPERATOR(pg_catalog.===)(quantity, 2)", 29, "OPERATOR(pg_catalog.===)")]
    [InlineData("SELECT id FROM orders WHERE quantity OPERATOR(other.+) 2", 38, "OPERATOR(other.+)")]
    [InlineData("SELECT id FROM orders ORDER BY quantity USING <=> LIMIT 3", 47, "<=>")]
    public void UnknownOperator_IsTrk3004AtTheOperator(string query, int column, string written)
    {
        var error = Assert.Single(TestCompiler.Compile(query, Shop).Diagnostics);

        Assert.Equal(("TRK3004", column), (error.Code, error.Span.Column));
        Assert.StartsWith($"operator does not exist: {written}:", error.Message);
    }

    [Theory]
    [InlineData("SELECT id FROM orders WHERE status ~ '^o' AND quantity OPERATOR(pg_catalog.+) 1 > 2")]
    [InlineData("SELECT id FROM customers WHERE name ~~* 'a%' OR name !~ 'b' OR name || 'x' = 'y'")]
    [InlineData("SELECT id FROM orders WHERE |/ quantity > 2")]
    public void BuiltInOperators_Compile(string query) =>
        Assert.True(TestCompiler.Compile(query, Shop).Success);

    [Fact]
    public void OperatorTheLiveCatalogKnows_Compiles()
    {
        // What an extension adds is in pg_operator; a live catalog reads it.
        var withExtension = new SourceCatalog(Shop.Tables) { Operators = new HashSet<string> { "<=>" } };

        Assert.True(TestCompiler.Compile("SELECT id FROM orders WHERE (quantity <=> 2) IS NOT NULL", withExtension).Success);
    }

    [Fact]
    public void TablesSharingTheirFirst63Bytes_AreOneTable_AsInPostgreSql()
    {
        var shared = "t_" + new string('x', 61);
        var diagnostics = new DiagnosticBag();

        Compilation.ReadSchema([new SourceText("schema.sql", $"CREATE TABLE {shared}_a (id int);\nCREATE TABLE {shared}_b (id int);")], diagnostics);

        Assert.Equal(["TRK1008", "TRK1008", "TRK2002"], diagnostics.Items.Select(d => d.Code));
        Assert.Equal(2, diagnostics.Items[^1].Span.Line);
    }

    [Fact]
    public void LongIdentifiers_AreTruncatedWithAWarning_AndEveryGeneratedNameFits63Bytes()
    {
        var longTable = "measurements_" + new string('m', 60);
        var longColumn = "reading_" + new string('r', 70);
        var catalog = TestCompiler.Catalog($"CREATE TABLE {longTable[..63]} (id int PRIMARY KEY, {longColumn[..63]} int);");
        var name = "per_sensor_" + new string('s', 70);

        var result = TestCompiler.Compile($"CREATE STREAM TABLE {name} AS SELECT id, sum({longColumn}) AS total FROM {longTable} GROUP BY id", catalog);

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal(["TRK1008", "TRK1008", "TRK1008"], result.Diagnostics.Select(d => d.Code).Order());
        foreach (var identifier in QuotedIdentifiers(result.Script!))
            Assert.True(Encoding.UTF8.GetByteCount(identifier) <= 63, $"{identifier} is longer than 63 bytes");
        Assert.Contains($"\"{name[..63]}\"", result.Script);
    }

    [Fact]
    public void InternalNames_OfLongNamesSharingAPrefix_StayDistinctAndWithin63Bytes()
    {
        var names = Enumerable.Range(0, 20_000).Select(i => "stream_table_with_a_long_common_prefix_" + i.ToString("D6")).ToList();

        var internalNames = names.Select(n => SqlQuoting.InternalName(n, "changes_12")).ToList();

        Assert.Equal(names.Count, internalNames.Distinct(StringComparer.Ordinal).Count());
        Assert.All(internalNames, n => Assert.InRange(Encoding.UTF8.GetByteCount(n), 1, 63));
        Assert.Equal(internalNames, names.Select(n => SqlQuoting.InternalName(n, "changes_12")));
        // Multi-byte names are cut on a character boundary.
        Assert.True(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(SqlQuoting.InternalName(new string('ü', 40), "storage"))).All(c => c != '\uFFFD'));
    }

    /// <summary>Every identifier the generated SQL names is double-quoted (SqlQuoting), so every quoted run is one.</summary>
    private static IEnumerable<string> QuotedIdentifiers(string script) =>
        System.Text.RegularExpressions.Regex.Matches(script, "\"((?:[^\"\n]|\"\")*)\"").Select(m => m.Groups[1].Value.Replace("\"\"", "\""));
}
