using System.Text.RegularExpressions;
using Xunit;

namespace Trickle.Compiler.Tests.Definitions;

public sealed class StreamTableNameTests
{
    private static readonly Trickle.Compiler.Catalog.SourceCatalog Catalog = TestCompiler.Catalog("CREATE TABLE t (id int PRIMARY KEY, v int);");

    [Fact]
    public void SchemaQualifiedName_AndDottedNameInPublic_GetDifferentInternalObjects()
    {
        var qualified = TestCompiler.Script("CREATE STREAM TABLE analytics.x AS SELECT id FROM t", Catalog);
        var dotted = TestCompiler.Script("CREATE STREAM TABLE \"analytics.x\" AS SELECT id FROM t", Catalog);

        var qualifiedObjects = InternalObjects(qualified);
        var dottedObjects = InternalObjects(dotted);
        Assert.NotEmpty(qualifiedObjects);
        Assert.Empty(qualifiedObjects.Intersect(dottedObjects));
    }

    [Theory]
    [InlineData("")]
    [InlineData("analytics.")]
    [InlineData(" ")]
    public void EmptyNameFromOptions_IsRejected(string name)
    {
        var result = TestCompiler.Compile("SELECT id FROM t", Catalog, new CompilationOptions(Name: name));

        Assert.Null(result.Script);
        Assert.Contains(result.Diagnostics, d => d.Code == "TRK1004");
    }

    [Theory]
    [InlineData("SELECT ARRAY[nope, v] AS a FROM t")]
    [InlineData("SELECT nope COLLATE \"C\" AS a FROM t")]
    public void ErrorInsideArrayOrCollate_IsReportedOnce(string query)
    {
        var result = TestCompiler.Compile(query, Catalog);

        Assert.Null(result.Script);
        Assert.Single(result.Diagnostics, d => d.Code == "TRK3002");
    }

    private static HashSet<string> InternalObjects(string script) =>
        Regex.Matches(script, "\"trickle\"\\.\"([^\"]*__[a-z_0-9]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
}
