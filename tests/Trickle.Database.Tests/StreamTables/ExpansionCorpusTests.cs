using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Set-returning functions in FROM (unnest, generate_series, jsonb_array_elements, …) under the differential checker:
/// random writes change the arrays a row expands (empty, NULL, duplicates), move rows, and delete them; after every
/// step the stream table must equal the query recomputed, in every mode.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ExpansionCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE posts (id integer PRIMARY KEY, author text, score integer, tags text[], counts integer[], items jsonb);
        CREATE TABLE authors (name text PRIMARY KEY, team text);
        """;

    private const string Seed = """
        INSERT INTO posts VALUES (1, 'a', 3, '{x,y}', '{1,2}', '[1, 2]'), (2, 'b', NULL, '{}', NULL, '[]'), (3, 'a', 1, '{x,x,NULL}', '{5}', '["a"]');
        INSERT INTO authors VALUES ('a', 'red'), ('b', 'blue');
        """;

    public static TheoryData<string, string> Queries => new()
    {
        { "unnest_rows", "SELECT p.id, t.tag FROM posts p, unnest(p.tags) AS t(tag)" },
        { "unnest_grouped", "SELECT t.tag, count(*) AS n, sum(p.score) AS total FROM posts p CROSS JOIN LATERAL unnest(p.tags) AS t(tag) GROUP BY t.tag" },
        { "unnest_with_ordinality", "SELECT p.id, u.c, u.n FROM posts AS p, unnest(p.counts) WITH ORDINALITY AS u(c, n) WHERE u.c IS NOT NULL" },
        // p.score % 5: random writes put any integer in score, and generate_series(1, 2000000000) would expand for minutes.
        { "generate_series_over_columns", "SELECT p.author, g, count(*) AS n FROM posts p, generate_series(1, p.score % 5) AS g GROUP BY p.author, g" },
        { "jsonb_elements", "SELECT p.author, e.value, count(*) AS n FROM posts p JOIN LATERAL jsonb_array_elements(p.items) AS e ON TRUE GROUP BY p.author, e.value" },
        { "two_expansions_and_a_join", "SELECT a.team, t.tag, sum(c) AS s FROM posts p JOIN authors a ON a.name = p.author, unnest(p.tags) AS t(tag), unnest(p.counts) AS c GROUP BY a.team, t.tag" },
        { "left_join_lateral_unnest_keeps_empty", "SELECT p.id, p.author, t.tag FROM posts p LEFT JOIN LATERAL unnest(p.tags) AS t(tag) ON TRUE" },
        { "left_join_lateral_elements_counted", "SELECT p.author, count(e.value) AS elements, count(*) AS rows FROM posts p LEFT JOIN LATERAL jsonb_array_elements(p.items) WITH ORDINALITY AS e ON TRUE GROUP BY p.author" },
        { "unnest_distinct", "SELECT DISTINCT t FROM posts, unnest(posts.tags) AS t" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task Expansion_MatchesRecomputation(string name, string query) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, Schema, Seed, name, query, seed: name.Length * 389);
}
