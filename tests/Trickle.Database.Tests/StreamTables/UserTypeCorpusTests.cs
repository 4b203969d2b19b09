using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Sources with columns of user-defined and extension types, as group keys, join keys and filters, under the
/// differential checker in every mode. The generated functions pin search_path to pg_catalog, so the operators of a
/// base type or extension type must be reached schema-qualified; types without an extended hash function (a base type
/// with only a btree class, a domain or composite over one) must still group and join correctly. Two of the types
/// compare case-insensitively (citext, and "ci", a btree-only type of ours), so equal values have different text and
/// hashing their text would split groups: their keys are not output (PostgreSQL itself returns any member of such a
/// group), only what the grouping computes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UserTypeCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    // Base types need C-language I/O functions: these reuse int4's and text's, which takes a superuser (the test
    // cluster's postgres). Neither has a hash operator class; "ci" compares by lower(), so 'A' = 'a'.
    private const string Schema = """
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN qty AS integer CHECK (VALUE >= 0);
        CREATE TYPE point2 AS (x integer, y integer);

        CREATE TYPE tally;
        CREATE FUNCTION tally_in(cstring) RETURNS tally LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
        CREATE FUNCTION tally_out(tally) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
        CREATE TYPE tally (INPUT = tally_in, OUTPUT = tally_out, LIKE = integer);
        CREATE FUNCTION tally_eq(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
        CREATE FUNCTION tally_ne(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4ne';
        CREATE FUNCTION tally_lt(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4lt';
        CREATE FUNCTION tally_le(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4le';
        CREATE FUNCTION tally_gt(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4gt';
        CREATE FUNCTION tally_ge(tally, tally) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS 'int4ge';
        CREATE FUNCTION tally_cmp(tally, tally) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'btint4cmp';
        CREATE OPERATOR = (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_eq, COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, MERGES);
        CREATE OPERATOR <> (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_ne, COMMUTATOR = <>, NEGATOR = =);
        CREATE OPERATOR < (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_lt, COMMUTATOR = >, NEGATOR = >=);
        CREATE OPERATOR <= (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_le, COMMUTATOR = >=, NEGATOR = >);
        CREATE OPERATOR > (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_gt, COMMUTATOR = <, NEGATOR = <=);
        CREATE OPERATOR >= (LEFTARG = tally, RIGHTARG = tally, FUNCTION = tally_ge, COMMUTATOR = <=, NEGATOR = <);
        CREATE OPERATOR CLASS tally_ops DEFAULT FOR TYPE tally USING btree AS
            OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 tally_cmp(tally, tally);

        CREATE TYPE ci;
        CREATE FUNCTION ci_in(cstring) RETURNS ci LANGUAGE internal IMMUTABLE STRICT AS 'textin';
        CREATE FUNCTION ci_out(ci) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
        CREATE TYPE ci (INPUT = ci_in, OUTPUT = ci_out, LIKE = text);
        CREATE CAST (ci AS text) WITHOUT FUNCTION;
        CREATE FUNCTION ci_cmp(ci, ci) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
            AS 'SELECT pg_catalog.bttextcmp(pg_catalog.lower($1::pg_catalog.text), pg_catalog.lower($2::pg_catalog.text))';
        CREATE FUNCTION ci_eq(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) = 0';
        CREATE FUNCTION ci_ne(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) <> 0';
        CREATE FUNCTION ci_lt(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) < 0';
        CREATE FUNCTION ci_le(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) <= 0';
        CREATE FUNCTION ci_gt(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) > 0';
        CREATE FUNCTION ci_ge(ci, ci) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS 'SELECT public.ci_cmp($1, $2) >= 0';
        CREATE OPERATOR = (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_eq, COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, MERGES);
        CREATE OPERATOR <> (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_ne, COMMUTATOR = <>, NEGATOR = =);
        CREATE OPERATOR < (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_lt, COMMUTATOR = >, NEGATOR = >=);
        CREATE OPERATOR <= (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_le, COMMUTATOR = >=, NEGATOR = >);
        CREATE OPERATOR > (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_gt, COMMUTATOR = <, NEGATOR = <=);
        CREATE OPERATOR >= (LEFTARG = ci, RIGHTARG = ci, FUNCTION = ci_ge, COMMUTATOR = <=, NEGATOR = <);
        CREATE OPERATOR CLASS ci_ops DEFAULT FOR TYPE ci USING btree AS
            OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 ci_cmp(ci, ci);

        CREATE DOMAIN tally_domain AS tally;
        CREATE TYPE tally_pair AS (t tally, n integer);

        CREATE TABLE facts (id integer PRIMARY KEY, m mood, q qty, p point2, t tally, td tally_domain, tp tally_pair, c citext, i ci, v integer);
        CREATE TABLE dims (id integer PRIMARY KEY, t tally, c citext, i ci, m mood, label text);
        """;

    private const string SeedData = """
        INSERT INTO facts VALUES
            (1, 'ok', 1, '(1,2)', '1', '1', '(1,1)', 'a', 'a', 5),
            (2, 'ok', 1, '(1,2)', '1', '1', '(1,1)', 'A', 'A', 7),
            (3, 'sad', 0, '(2,2)', '2', '2', '(2,1)', 'b', 'B', 1),
            (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2);
        INSERT INTO dims VALUES (1, '1', 'A', 'a', 'ok', 'one'), (2, '2', 'b', 'b', 'sad', 'two'), (3, '3', 'Ab', 'AB', 'happy', 'three');
        """;

    private static readonly string[] CaseVariants = ["a", "A", "b", "B", "ab", "Ab", "x"];

    private static readonly IReadOnlyList<TableDefinition> Tables =
    [
        new("public.facts",
        [
            new("id", "integer", Nullable: false),
            new("m", "mood", Values: ["sad", "ok", "happy"]),
            new("q", "qty", Values: ["0", "1", "2", "3"]),
            new("p", "point2", Values: ["(1,2)", "(2,2)", "(1,3)", "(,1)"]),
            new("t", "tally", Values: ["1", "2", "3", "4"]),
            new("td", "tally_domain", Values: ["1", "2", "3"]),
            new("tp", "tally_pair", Values: ["(1,1)", "(2,1)", "(1,2)", "(,2)"]),
            new("c", "citext", Values: CaseVariants),
            new("i", "ci", Values: CaseVariants),
            new("v", "integer"),
        ], ["id"]),
        new("public.dims",
        [
            new("id", "integer", Nullable: false),
            new("t", "tally", Values: ["1", "2", "3", "5"]),
            new("c", "citext", Values: CaseVariants),
            new("i", "ci", Values: CaseVariants),
            new("m", "mood", Values: ["sad", "ok", "happy"]),
            new("label", "text"),
        ], ["id"]),
    ];

    public static TheoryData<string, string> Queries => new()
    {
        // Keys whose text is exact: an enum, a domain over int, a composite, a btree-only base type, a domain and a
        // composite over it (neither hashable).
        { "exact_keys", "SELECT m, q, p, t, count(*) AS n, sum(v) AS total FROM facts GROUP BY m, q, p, t" },
        { "unhashable_wrappers", "SELECT td, tp, count(*) AS n, sum(v) AS total FROM facts GROUP BY td, tp" },
        // Case-insensitive keys: one group for 'a' and 'A'.
        { "citext_groups", "SELECT count(*) AS n, sum(v) AS total, min(lower(c::text)) AS folded FROM facts GROUP BY c" },
        { "btree_only_case_insensitive_groups", "SELECT count(*) AS n, sum(v) AS total, min(lower(i::text)) AS folded FROM facts GROUP BY i, m" },
        { "filters", "SELECT id, v FROM facts WHERE t > '1' AND c <> 'b' AND i >= 'ab' AND m = 'ok'" },
        { "join_on_user_types", "SELECT f.id, d.id AS dim, d.label FROM facts f JOIN dims d ON f.t = d.t AND f.i = d.i" },
        { "join_on_extension_type", "SELECT f.id, d.label FROM facts f JOIN dims d ON f.c = d.c AND f.m = d.m" },
        { "left_join_aggregate", "SELECT d.label, count(f.id) AS n, sum(f.v) AS total FROM dims d LEFT JOIN facts f ON f.i = d.i GROUP BY d.label" },
        { "distinct_keys", "SELECT DISTINCT m, t FROM facts" },
        // Forms that look "=" up by name, spelled out with the type's qualified operators.
        { "spelled_out_comparisons", "SELECT id, v FROM facts WHERE t IS DISTINCT FROM '2' AND (i IN ('a', 'x') OR c NOT BETWEEN 'b' AND 'b')" },
        { "top_k_by_user_types", "SELECT id, t, c FROM facts ORDER BY t DESC NULLS LAST, c, id LIMIT 3" },
        { "casts_to_user_types", "SELECT id, t FROM facts WHERE t >= CAST('2' AS tally) OR td = CAST('1' AS tally_domain)" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public Task UserTypeQuery_MatchesRecomputation(string name, string query) =>
        new DifferentialChecker(cluster, output.WriteLine).RunAsync(new DifferentialScenario
        {
            SchemaDdl = Schema,
            SeedDataSql = SeedData,
            DefiningQuery = query,
            StreamTableName = name,
            CompileScript = (ddl, q, _, mode) => TrickleCompiler.CompileScript(ddl, q, name, mode),
            Tables = Tables,
            Steps = 25,
            Seed = 15,
            RequireRows = true,
        });
}
