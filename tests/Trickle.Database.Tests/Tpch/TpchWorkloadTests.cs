using System.Text.RegularExpressions;
using Trickle.Tpch;
using Xunit;

namespace Trickle.Database.Tests.Tpch;

/// <summary>The TPC-H generator and workload on their own, without a server: determinism, key structure, coverage.</summary>
public sealed partial class TpchWorkloadTests
{
    [Fact]
    public void Generator_SameSeed_SameRows_DifferentSeed_DifferentRows()
    {
        var first = TpchGenerator.Generate(TpchScale.Ci, seed: 5).ToInsertSql();

        Assert.Equal(first, TpchGenerator.Generate(TpchScale.Ci, seed: 5).ToInsertSql());
        Assert.NotEqual(first, TpchGenerator.Generate(TpchScale.Ci, seed: 6).ToInsertSql());
    }

    [Fact]
    public void Generator_KeepsTheSpecificationsKeyStructure()
    {
        var data = TpchGenerator.Generate(TpchScale.Ci, seed: 1);

        Assert.Equal(TpchScale.Ci.Orders, data.Orders.Count);
        Assert.Equal(4 * data.Parts.Count, data.PartSuppliers.Count);
        Assert.Equal(data.PartSuppliers.Count, data.PartSuppliers.Select(offer => (offer.PartKey, offer.SupplierKey)).Distinct().Count());
        var offers = data.PartSuppliers.Select(offer => (offer.PartKey, offer.SupplierKey)).ToHashSet();
        Assert.All(data.LineItems, line => Assert.Contains((line.PartKey, line.SupplierKey), offers));
        Assert.DoesNotContain(data.Orders, order => order.CustomerKey % 3 == 0);
        Assert.All(data.LineItems.GroupBy(line => line.OrderKey), lines => Assert.InRange(lines.Count(), 1, 7));
        Assert.Equal(Enumerable.Range(0, TpchDomains.NationCount), data.Suppliers.Select(supplier => supplier.NationKey).Distinct().Order());
    }

    [Fact]
    public void Workload_SameSeed_SameStatements()
    {
        var data = TpchGenerator.Generate(TpchScale.Ci, seed: 1);

        Assert.Equal(Script(new TpchWorkload(data, seed: 3)), Script(new TpchWorkload(data, seed: 3)));
        Assert.NotEqual(Script(new TpchWorkload(data, seed: 3)), Script(new TpchWorkload(data, seed: 4)));
    }

    [Fact]
    public void RefreshDelete_TakesTheLowestLiveOrders_AndNeverTheSameTwice()
    {
        var workload = new TpchWorkload(TpchGenerator.Generate(TpchScale.Ci, seed: 1), seed: 1);

        Assert.Equal("DELETE FROM lineitem WHERE l_orderkey IN (1, 2, 3)", workload.RefreshDelete(3)[0].Sql);
        Assert.Equal("DELETE FROM orders WHERE o_orderkey IN (4, 5)", workload.RefreshDelete(2)[1].Sql);
    }

    /// <summary>
    /// Every non-key column any of the 22 queries names is set by the update batches one corpus run makes: the
    /// workload's column list and the corpus test's schedule cannot drift away from the queries.
    /// </summary>
    [Fact]
    public void UpdateBatchesOfOneRun_SetEveryColumnTheQueriesRead()
    {
        var workload = new TpchWorkload(TpchGenerator.Generate(TpchScale.Ci, seed: 1), seed: 1);
        // The SET lists only (an assignment's value may name other columns, as the name swaps do).
        var set = Enumerable.Range(0, TpchCorpusTests.UpdateBatchesPerRun).SelectMany(_ => workload.RandomUpdates())
            .SelectMany(statement => Assignments().Matches(statement.Sql).Select(match => match.Groups["target"].Value))
            .SelectMany(target => ColumnName().Matches(target).Select(match => match.Value))
            .ToHashSet();
        var columns = ColumnName().Matches(TpchData.SchemaDdl).Select(match => match.Value).ToHashSet();
        var keys = new HashSet<string> { "r_regionkey", "n_nationkey", "p_partkey", "s_suppkey", "ps_partkey", "ps_suppkey", "c_custkey", "o_orderkey", "l_orderkey", "l_linenumber" };

        var read = TpchQueries.All.SelectMany(query => ColumnName().Matches(query.Sql).Select(match => match.Value))
            .Where(column => columns.Contains(column) && !keys.Contains(column)).ToHashSet();

        Assert.True(workload.BatchesToUpdateEveryColumn <= TpchCorpusTests.UpdateBatchesPerRun);
        Assert.Empty(read.Except(set).Order());
    }

    private static string Script(TpchWorkload workload) =>
        string.Join(";\n", workload.RefreshInsert(2).Concat(workload.RandomUpdates()).Concat(workload.RefreshDelete(2)).Select(s => s.Sql));

    /// <summary>The assignment targets of an UPDATE: a column, or a parenthesized list of them, before "=".</summary>
    [GeneratedRegex(@"(?:SET |, )(?<target>\([a-z_, ]+\)|[a-z_]+) = ")]
    private static partial Regex Assignments();

    /// <summary>TPC-H column names: a table prefix (r_, n_, p_, s_, ps_, c_, o_, l_) and a word.</summary>
    [GeneratedRegex(@"\b(?:r|n|p|s|ps|c|o|l)_[a-z]+\b")]
    private static partial Regex ColumnName();
}
