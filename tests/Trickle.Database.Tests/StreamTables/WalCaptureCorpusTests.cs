using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The corpus again, every source switched to WAL capture after the install: the same random writes, refreshes in
/// REPEATABLE READ (every other one after a worker read a few changes, so that a refresh finds part of them buffered
/// and reads the rest from the slot itself), multiset equality with the recomputation after every step, in
/// DIFFERENTIAL and AUTO (docs/runtime.md, "WAL capture").
/// </summary>
[Collection(LogicalPostgresCollection.Name)]
public sealed class WalCaptureCorpusTests(LogicalPostgresCluster cluster, ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(StreamTableCorpusTests.ItemQueries), MemberType = typeof(StreamTableCorpusTests))]
    public Task KeyedSource_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Items, Schemas.ItemsSeed, name, query, seed: name.Length * 7919, walCapture: true);

    [Theory]
    [MemberData(nameof(StreamTableCorpusTests.EventQueries), MemberType = typeof(StreamTableCorpusTests))]
    public Task KeylessSource_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schemas.Events, Schemas.EventsSeed, name, query, seed: name.Length * 104729, walCapture: true);

    [Theory]
    [MemberData(nameof(JoinCorpusTests.Queries), MemberType = typeof(JoinCorpusTests))]
    public Task Join_FromTheWal_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, JoinCorpusTests.Schema, JoinCorpusTests.Seed, name, query,
            seed: name.Length * 31337 + JoinCorpusTests.SeedShifts.GetValueOrDefault(name), walCapture: true);
}
