using System.Diagnostics;
using System.Text;
using Xunit;

namespace Trickle.Compiler.Tests.Robustness;

/// <summary>
/// Compile time grows linearly with the query. Bounds are generous (CI machines are shared and slow); they catch a
/// quadratic phase, which at a megabyte takes minutes, not a few per cent.
/// </summary>
public sealed class LargeQueryTests
{
    [Fact]
    public void MegabyteQuery_Compiles_AndTwiceTheSizeTakesLessThanFourTimesAsLong()
    {
        var catalog = TestCompiler.Catalog(File.ReadAllText(Path.Combine(Repository.Examples, "schema.sql")));
        TestCompiler.Compile(Query(10_000), catalog); // warm-up: JIT and the parser's prediction cache

        var small = Time(Query(128 * 1024), catalog);
        var twice = Time(Query(256 * 1024), catalog);
        var megabyte = Time(Query(1024 * 1024), catalog);

        Assert.True(megabyte < TimeSpan.FromSeconds(60), $"1 MB took {megabyte}");
        Assert.True(twice < 4 * small + TimeSpan.FromSeconds(2), $"128 KB took {small}, 256 KB {twice}");
    }

    private static TimeSpan Time(string query, Trickle.Compiler.Catalog.SourceCatalog catalog)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = TestCompiler.Compile(query, catalog);
        stopwatch.Stop();
        Assert.True(result.Success, string.Join('\n', result.Diagnostics.Take(3)));
        return stopwatch.Elapsed;
    }

    /// <summary>A filter of many terms and a long select list: the shapes generated queries have.</summary>
    private static string Query(int bytes)
    {
        var text = new StringBuilder("SELECT id, customer_id, status, amount, quantity FROM orders WHERE quantity = 0");
        for (var i = 1; text.Length < bytes; i++)
            text.Append(i % 2 == 0 ? $"\n   OR quantity = {i}" : $" OR status = 'state_{i}'");
        return text.ToString();
    }
}
