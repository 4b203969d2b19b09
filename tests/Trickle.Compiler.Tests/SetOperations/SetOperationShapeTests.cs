using Trickle.Compiler.Catalog;
using Trickle.Compiler.Ir;
using Xunit;

namespace Trickle.Compiler.Tests.SetOperations;

/// <summary>
/// Set operators nest as PostgreSQL parses them (INTERSECT binds tighter than UNION and EXCEPT, which associate to the
/// left), and the stream table's copies of a row are computed from its count per branch in that shape.
/// </summary>
public sealed class SetOperationShapeTests
{
    private static readonly SourceCatalog Catalog = TestCompiler.Catalog("""
        CREATE TABLE a (x integer);
        CREATE TABLE b (x integer);
        CREATE TABLE c (x integer);
        """);

    [Theory]
    [InlineData("SELECT x FROM a UNION ALL SELECT x FROM b UNION ALL SELECT x FROM c", "UnionAll(1, 2, 3)", "s.\"__count\"")]
    [InlineData("SELECT x FROM a UNION ALL SELECT x FROM b INTERSECT ALL SELECT x FROM c", "UnionAll(1, IntersectAll(2, 3))",
        "(s.\"b1\" + LEAST(s.\"b2\", s.\"b3\"))")]
    [InlineData("SELECT x FROM a UNION SELECT x FROM b EXCEPT SELECT x FROM c", "Except(Union(1, 2), 3)",
        "CASE WHEN CASE WHEN s.\"b1\" > 0 OR s.\"b2\" > 0 THEN 1 ELSE 0 END > 0 AND s.\"b3\" = 0 THEN 1 ELSE 0 END")]
    [InlineData("SELECT x FROM a EXCEPT ALL (SELECT x FROM b UNION ALL SELECT x FROM c)", "ExceptAll(1, UnionAll(2, 3))",
        "GREATEST(s.\"b1\" - (s.\"b2\" + s.\"b3\"), 0)")]
    public void NestedSetOperations_FollowPostgresPrecedence_AndCountCopiesPerBranch(string query, string shape, string copies)
    {
        var analysis = TestCompiler.Analyze(query, Catalog);

        var root = Assert.IsType<SetOperationNode>(analysis.Bound.Plan);
        var branch = 0;
        Assert.Equal(shape, Shape(root, ref branch));
        var model = Trickle.Compiler.Delta.MaintenanceModelBuilder.Build(analysis.Rewritten, "query.sql", analysis.QuerySpan, new Trickle.Compiler.Diagnostics.DiagnosticBag());
        Assert.NotNull(model);
        Assert.Equal(copies, model.MultiplicitySql);
    }

    private static string Shape(RelNode node, ref int branch)
    {
        if (node is not SetOperationNode operation) return (++branch).ToString();
        var parts = new List<string>();
        foreach (var input in operation.Inputs) parts.Add(Shape(input, ref branch));
        return $"{operation.Kind}({string.Join(", ", parts)})";
    }
}
