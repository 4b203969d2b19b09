using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The corpus again, every source switched to WAL capture after the install: the same random writes, refreshes in
/// REPEATABLE READ (every other one after a worker read a few changes, so that a refresh finds part of them buffered
/// and reads the rest from the slot itself), multiset equality with the recomputation after every step, in
/// DIFFERENTIAL and AUTO (docs/runtime.md, "WAL capture"). Every third query of each corpus: on PostgreSQL before 17 a
/// refresh over a WAL-captured source waits for the WAL writer's flush, and the whole corpus took most of CI's time;
/// trigger capture runs every query.
/// </summary>
[Collection(LogicalPostgresCollection.Name)]
public sealed class WalCaptureCorpusTests(LogicalPostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string> ItemSample => EveryThird(StreamTableCorpusTests.ItemQueries);
    public static TheoryData<string, string> EventSample => EveryThird(StreamTableCorpusTests.EventQueries);
    public static TheoryData<string, string> JoinSample => EveryThird(JoinCorpusTests.Queries);

    /// <summary>The first query of a corpus and every third after it, in the corpus's order.</summary>
    private static TheoryData<string, string> EveryThird(TheoryData<string, string> corpus)
    {
        var sample = new TheoryData<string, string>();
        var index = 0;
        foreach (var row in corpus)
            if (index++ % 3 == 0)
                sample.Add((string)row[0], (string)row[1]);
        return sample;
    }

    [Theory]
    [MemberData(nameof(ItemSample))]
    public Task KeyedSource_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 7919, walCapture: true);

    [Theory]
    [MemberData(nameof(EventSample))]
    public Task KeylessSource_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Events, Schemas.EventsSeed, name, query, seed: name.Length * 104729, walCapture: true);

    [Theory]
    [MemberData(nameof(JoinSample))]
    public Task Join_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, JoinCorpusTests.Schema, JoinCorpusTests.Seed, name, query,
            seed: name.Length * 31337 + JoinCorpusTests.SeedShifts.GetValueOrDefault(name), walCapture: true);
}
