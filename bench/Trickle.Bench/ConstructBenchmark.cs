using Npgsql;
using Trickle.Compiler;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// What a one-row change costs for each construct the rewrites maintain, over a 100,000-row table (or partition): the
/// DIFFERENTIAL refresh that applies it, and the extra time an IMMEDIATE stream table adds to the writing statement,
/// next to the defining query run from scratch. Each construct is installed alone, so measurements do not mix.
/// </summary>
public static class ConstructBenchmark
{
    private const string Schema = """
        CREATE TABLE items (id integer PRIMARY KEY, grp integer NOT NULL, sub integer NOT NULL, v integer NOT NULL, tags text[] NOT NULL);
        CREATE INDEX ON items (grp);
        CREATE TABLE owners (id integer PRIMARY KEY, region text NOT NULL);
        CREATE TABLE nodes (id integer PRIMARY KEY, parent integer);
        CREATE INDEX ON nodes (parent);
        """;

    // 100,000 items in 100 groups of 1,000; a binary tree of 100,000 nodes (depth 17) under 10 roots.
    private const string Seed = """
        INSERT INTO items SELECT i, i % 100, i % 7, (i * 7919) % 100003, ARRAY['t' || (i % 5), 'u' || (i % 3)] FROM generate_series(1, 100000) AS i;
        INSERT INTO owners SELECT g, 'region ' || (g % 4) FROM generate_series(0, 99) AS g;
        INSERT INTO nodes SELECT i, CASE WHEN i <= 10 THEN NULL ELSE i / 2 END FROM generate_series(1, 100000) AS i;
        """;

    private sealed record Construct(string Title, string Query, string Change, string Undo);

    private const string UpdateOne = "UPDATE items SET v = v + 1 WHERE id = 4242";
    private const string UndoOne = "UPDATE items SET v = v - 1 WHERE id = 4242";

    private static readonly Construct[] Constructs =
    [
        new("aggregate (GROUP BY, 100 groups)", "SELECT grp, count(*) AS n, sum(v) AS total, max(v) AS top FROM items GROUP BY grp", UpdateOne, UndoOne),
        new("window, 1,000-row partitions", "SELECT id, grp, rank() OVER (PARTITION BY grp ORDER BY v DESC, id) AS r FROM items", UpdateOne, UndoOne),
        new("window, one 100,000-row partition", "SELECT id, row_number() OVER (ORDER BY v, id) AS rn FROM items", UpdateOne, UndoOne),
        new("per-group top-3 (row_number <= 3)", "SELECT id, grp, v FROM (SELECT id, grp, v, row_number() OVER (PARTITION BY grp ORDER BY v DESC, id) AS rn FROM items) AS ranked WHERE rn <= 3", UpdateOne, UndoOne),
        new("top-10 (ORDER BY … LIMIT), change outside it", "SELECT id, v FROM items ORDER BY v DESC, id LIMIT 10", UpdateOne, UndoOne),
        new("windows over groups (rank of sum)", "SELECT grp, sum(v) AS total, rank() OVER (ORDER BY sum(v) DESC) AS r FROM items GROUP BY grp", UpdateOne, UndoOne),
        new("GROUPING SETS (ROLLUP of 2 keys)", "SELECT grp, sub, count(*) AS n, sum(v) AS total FROM items GROUP BY ROLLUP (grp, sub)", UpdateOne, UndoOne),
        new("LATERAL aggregate per owner", "SELECT o.id, o.region, l.n, l.total FROM owners o, LATERAL (SELECT count(*) AS n, sum(i.v) AS total FROM items i WHERE i.grp = o.id) AS l", UpdateOne, UndoOne),
        new("LATERAL top-3 per owner (ORDER BY … LIMIT 3)", "SELECT o.id, o.region, l.v, l.id AS item FROM owners o, LATERAL (SELECT i.v, i.id FROM items i WHERE i.grp = o.id ORDER BY i.v DESC, i.id LIMIT 3) AS l", UpdateOne, UndoOne),
        new("set-returning function (unnest)", "SELECT t.tag, count(*) AS n FROM items i, unnest(i.tags) AS t(tag) GROUP BY t.tag", "UPDATE items SET tags = tags || 'x'::text WHERE id = 4242", "UPDATE items SET tags = tags[1:2] WHERE id = 4242"),
        new("WITH RECURSIVE UNION ALL (subtree sizes), leaf added",
            "WITH RECURSIVE below(id, root) AS (SELECT id, id FROM nodes WHERE parent IS NULL UNION ALL SELECT n.id, b.root FROM nodes n JOIN below b ON n.parent = b.id) SELECT root, count(*) AS size FROM below GROUP BY root",
            "INSERT INTO nodes VALUES (200000, 4242)", "DELETE FROM nodes WHERE id = 200000"),
    ];

    public static async Task<int> RunAsync(int repetitions, CancellationToken cancellationToken)
    {
        var load = BenchmarkReport.LoadAverage();
        await using var server = await PostgresServer.StartAsync(cancellationToken: cancellationToken);
        var connectionString = await server.CreateDatabaseAsync($"trickle_constructs_{Environment.ProcessId}", cancellationToken);
        await using var session = await PostgresServer.OpenConnectionAsync(connectionString, cancellationToken);
        await StreamTableInstaller.ExecuteAsync(session, Schema + Seed, cancellationToken);
        await StreamTableInstaller.ExecuteAsync(session, "VACUUM ANALYZE", cancellationToken);
        var catalog = StreamTableInstaller.ReadSchema(Schema);

        var table = new MarkdownTable("Construct (100,000 rows)", "DIFFERENTIAL refresh of one change (ms)", "IMMEDIATE: added to the writing statement (ms)", "query from scratch (ms)", "query ÷ refresh");
        foreach (var construct in Constructs)
        {
            Console.Error.WriteLine($"measuring {construct.Title}");
            // count(q.*) builds every row whole: count(*) would let the planner skip columns, and joins, it does not need.
            var scratch = new List<double>();
            for (var i = 0; i < 5; i++)
                scratch.Add(await StreamTableInstaller.TimeAsync(session, $"SELECT count(q.*) FROM ({construct.Query}) AS q", cancellationToken));

            // Differential: each change committed, then one refresh applies it; the undo is applied too, unmeasured.
            await InstallAsync(server, connectionString, catalog, construct, RefreshMode.Differential, cancellationToken);
            var refresh = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                await StreamTableInstaller.ExecuteAsync(session, i % 2 == 0 ? construct.Change : construct.Undo, cancellationToken);
                refresh.Add(await StreamTableInstaller.TimeAsync(session, "SELECT trickle.refresh('construct')", cancellationToken));
            }
            await StreamTableInstaller.ExecuteAsync(session, "SELECT trickle.drop_stream_table('construct')", cancellationToken);
            if (repetitions % 2 == 1)
                await StreamTableInstaller.ExecuteAsync(session, construct.Undo, cancellationToken);

            // Immediate: the same writes with and without the stream table, interleaved pairs on the same data.
            var plain = new List<double>();
            for (var i = 0; i < repetitions; i++)
                plain.Add(await StreamTableInstaller.TimeAsync(session, i % 2 == 0 ? construct.Change : construct.Undo, cancellationToken));
            if (repetitions % 2 == 1)
                await StreamTableInstaller.ExecuteAsync(session, construct.Undo, cancellationToken);
            await InstallAsync(server, connectionString, catalog, construct, RefreshMode.Immediate, cancellationToken);
            var immediate = new List<double>();
            for (var i = 0; i < repetitions; i++)
                immediate.Add(await StreamTableInstaller.TimeAsync(session, i % 2 == 0 ? construct.Change : construct.Undo, cancellationToken));
            await StreamTableInstaller.ExecuteAsync(session, "SELECT trickle.drop_stream_table('construct')", cancellationToken);
            if (repetitions % 2 == 1)
                await StreamTableInstaller.ExecuteAsync(session, construct.Undo, cancellationToken);

            var added = new Sample([Math.Max(0, new Sample(immediate).Median - new Sample(plain).Median)]);
            table.Add(construct.Title, new Sample(refresh).Milliseconds(), added.Milliseconds(), new Sample(scratch).Milliseconds(),
                Sample.FormatNumber(new Sample(scratch).Median / Math.Max(new Sample(refresh).Median, 0.001)) + "×");
        }
        Console.WriteLine($"PostgreSQL 15, {repetitions} one-row changes per construct, medians (min–max); load average at start {load}");
        Console.WriteLine();
        Console.Write(table);
        return 0;
    }

    private static Task InstallAsync(PostgresServer server, string connectionString, Trickle.Compiler.Catalog.SourceCatalog catalog,
        Construct construct, RefreshMode mode, CancellationToken cancellationToken) =>
        StreamTableInstaller.InstallAsync(server, connectionString, catalog, "construct", construct.Query,
            new CompilationOptions(Name: "construct", Mode: mode), cancellationToken);
}
