using Trickle.Compiler;
using Trickle.Database.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// Every construct the compiler maintains, checked by the differential checker in every mode: random writes
/// (inserts, updates of values, group keys and primary keys, deletes, NULLs, duplicates, rolled-back transactions),
/// then multiset equality of the stream table with a recomputation of its query after every step.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamTableCorpusTests(PostgresCluster cluster, ITestOutputHelper output)
{
    public static TheoryData<string, string> ItemQueries => new()
    {
        { "projection_star", "SELECT * FROM items" },
        { "projection_expressions", "SELECT id, qty * 2 AS double_qty, upper(grp) AS g, price + 1 AS p FROM items WHERE qty > 3" },
        { "projection_without_key", "SELECT grp, flag FROM items" },
        { "count_star_by_group", "SELECT grp, count(*) AS n FROM items GROUP BY grp" },
        { "integer_aggregates", "SELECT grp, sub, count(qty) AS c, sum(qty) AS s, avg(qty) AS a, min(qty) AS mn, max(qty) AS mx FROM items GROUP BY grp, sub" },
        { "bigint_and_smallint", "SELECT sub, sum(big) AS sb, avg(big) AS ab, sum(sub) AS ss, avg(sub) AS asub FROM items GROUP BY sub" },
        { "numeric_scale", "SELECT grp, sum(price) AS s, avg(price) AS a, min(price) AS mn, max(price) AS mx, sum(weight) AS w, avg(weight) AS aw FROM items GROUP BY grp" },
        { "float_aggregates", "SELECT grp, sum(ratio) AS s, avg(ratio) AS a, min(ratio) AS mn FROM items GROUP BY grp" },
        { "no_group_by", "SELECT count(*) AS n, sum(qty) AS s, avg(price) AS a, min(ts) AS first, max(grp) AS last, count(flag) AS flags FROM items" },
        { "no_group_by_filtered", "SELECT count(*) AS n, sum(qty) AS s, max(price) AS mx FROM items WHERE flag" },
        { "group_by_expressions", "SELECT lower(grp) AS g, qty % 3 AS bucket, count(*) AS n, sum(price) AS total FROM items GROUP BY lower(grp), qty % 3" },
        { "group_by_ordinal_and_alias", "SELECT code AS c, date_trunc('month', ts) AS month, count(*) AS n FROM items GROUP BY 1, month" },
        { "expressions_over_aggregates", "SELECT grp, sum(qty) * 2 + count(*) AS score, CASE WHEN count(*) > 2 THEN 'big' ELSE 'small' END AS size, sum(qty) / NULLIF(count(*), 0) AS per FROM items GROUP BY 1" },
        { "having_filter", "SELECT grp, count(*) AS n FROM items GROUP BY grp HAVING count(*) > 1 AND sum(qty) > 0" },
        { "distinct_rows", "SELECT DISTINCT grp, flag FROM items" },
        { "distinct_on_latest", "SELECT DISTINCT ON (grp) grp, id, qty, price FROM items ORDER BY grp, ts DESC NULLS LAST, id" },
        { "distinct_on_expressions", "SELECT DISTINCT ON (lower(grp), sub) sub, code, ts FROM items WHERE qty IS NOT NULL ORDER BY sub, lower(grp), price DESC, id" },
        { "json_aggregates", "SELECT grp, json_agg(qty ORDER BY id) AS qtys, json_object_agg(id, price ORDER BY id) AS prices, jsonb_object_agg(id, code) AS codes FROM items GROUP BY grp" },
        { "nulls_everywhere", "SELECT sub, count(*) AS n, min(grp) AS g, max(ts) AS t FROM items WHERE price IS NULL OR flag IS NOT TRUE GROUP BY sub" },
        { "predicates", "SELECT id, COALESCE(grp, '?') AS g, CASE WHEN qty BETWEEN 2 AND 5 THEN 'mid' END AS band, GREATEST(qty, sub) AS gr FROM items WHERE grp IN ('a', 'b') OR grp LIKE 'c%' OR code IS DISTINCT FROM 'x'" },
        { "filter_clauses", "SELECT grp, count(*) FILTER (WHERE flag) AS flagged, sum(qty) FILTER (WHERE qty > 2) AS big_qty, avg(price) FILTER (WHERE code = 'x') AS avg_x, max(ts) FILTER (WHERE flag IS NOT TRUE) AS last_unflagged, min(price) FILTER (WHERE sub = 1) AS min_sub1 FROM items GROUP BY grp" },
        { "boolean_aggregates", "SELECT grp, bool_and(flag) AS all_flagged, bool_or(flag) AS any_flagged, every(qty > 0) AS all_positive FROM items GROUP BY grp" },
        { "ordered_aggregates", "SELECT grp, string_agg(code, ',' ORDER BY id) AS codes, array_agg(qty ORDER BY id DESC) AS qtys, jsonb_agg(price ORDER BY id) AS prices FROM items GROUP BY grp" },
        { "statistics_exact", "SELECT sub, stddev(qty) AS sd, variance(price) AS v, var_pop(qty) AS vp, stddev_samp(big) AS sb, bit_and(qty) AS ba, bit_or(qty) AS bo FROM items GROUP BY sub" },
        { "statistics_every_form", "SELECT grp, stddev(qty) AS sd, stddev_samp(big) AS sds, stddev_pop(sub) AS sdp, variance(weight) AS v, var_samp(price) AS vs, var_pop(weight) AS vp, stddev(weight) AS sdw, stddev_pop(price) AS sdpp, var_pop(big) AS vpb, count(*) AS n, sum(weight) AS sw, avg(qty) AS aq, stddev(ratio) AS sdf FROM items GROUP BY grp" },
        { "statistics_with_filter", "SELECT sub, stddev(weight) FILTER (WHERE flag) AS sdw, var_samp(qty) FILTER (WHERE qty > 2) AS vq, var_pop(price) FILTER (WHERE code = 'x') AS vp, stddev_pop(big) FILTER (WHERE flag IS NOT TRUE) AS sb, variance(ratio) FILTER (WHERE flag) AS vf FROM items GROUP BY sub" },
        { "statistics_no_group_by", "SELECT stddev_pop(weight) AS a, var_pop(big) AS b, variance(qty) FILTER (WHERE flag) AS c, stddev(price) AS d, var_samp(sub) AS e, stddev_samp(weight) AS f, avg(weight) AS g FROM items" },
        { "statistics_expressions_having", "SELECT grp, stddev(qty * 2 + sub) AS sd, variance(weight * price) AS v, var_pop(price * 1.5) AS vp, round(stddev_samp(big), 2) AS r FROM items GROUP BY grp HAVING stddev_pop(qty) > 0 OR var_samp(weight) IS NULL" },
        { "distinct_aggregates", "SELECT grp, count(DISTINCT qty) AS kinds, sum(DISTINCT qty) AS distinct_sum, avg(DISTINCT price) AS ad, string_agg(DISTINCT code, ',' ORDER BY code) AS codes, min(DISTINCT qty) AS mn FROM items GROUP BY grp" },
        { "filters_without_group_by", "SELECT count(*) FILTER (WHERE flag) AS f, string_agg(grp, '|' ORDER BY id) FILTER (WHERE qty IS NOT NULL) AS gs, sum(price) AS total FROM items" },
        { "varchar_key_and_casts", "SELECT code, CAST(qty AS numeric) / 4 AS quarter, price::text AS shown FROM items WHERE qty IS NOT NULL" },
    };

    public static TheoryData<string, string> EventQueries => new()
    {
        { "bag_star", "SELECT * FROM events" },
        { "bag_projection", "SELECT kind, n FROM events WHERE n > 0 OR n IS NULL" },
        { "bag_aggregates", "SELECT kind, count(*) AS c, sum(n) AS s, sum(amount) AS total, avg(amount) AS a, max(note) AS m FROM events GROUP BY kind" },
        { "bag_distinct", "SELECT DISTINCT kind, note FROM events" },
        { "bag_distinct_on_ordered_columns", "SELECT DISTINCT ON (kind) kind, note, n FROM events ORDER BY kind, note DESC, n" },
        { "bag_ordered_aggregate", "SELECT kind, string_agg(note, ',' ORDER BY note) AS notes, count(*) FILTER (WHERE n > 0) AS positive FROM events GROUP BY kind" },
        { "bag_distinct_count", "SELECT kind, count(DISTINCT note) AS notes, count(DISTINCT amount) FILTER (WHERE n > 0) AS amounts FROM events GROUP BY kind" },
        { "bag_statistics", "SELECT kind, stddev(amount) AS sd, var_pop(n) AS vp, variance(amount) FILTER (WHERE n > 0) AS v, stddev_pop(n) AS sp, var_samp(amount) AS vs FROM events GROUP BY kind" },
        { "bag_no_group_by", "SELECT count(*) AS c, count(note) AS notes, sum(amount) AS total FROM events" },
    };

    [Theory]
    [MemberData(nameof(ItemQueries))]
    public Task KeyedSource_MatchesRecomputation(string name, string query) =>
        Check(name, Schemas.Items, Schemas.ItemsSeed, query, seed: name.Length * 7919);

    [Theory]
    [MemberData(nameof(EventQueries))]
    public Task KeylessSource_KeepsDuplicates_MatchesRecomputation(string name, string query) =>
        Check(name, Schemas.Events, Schemas.EventsSeed, query, seed: name.Length * 104729);

    /// <summary>
    /// NaN and ±Infinity make every statistic NaN, and deleting them must bring the exact value back: the statistic rule
    /// counts them apart from its sums. Values with 18 decimals set the result's scale (2 × 18 exceeds the 16
    /// significant digits division would otherwise choose), and deleting them must lower it again. The random writes
    /// produce neither; the seed rows hold them.
    /// </summary>
    [Theory]
    [InlineData(4242)]
    [InlineData(17)]
    [InlineData(23)]
    [InlineData(99)]
    [InlineData(1234)]
    [InlineData(8086)]
    public Task Statistics_OverNaNInfinityAndLargeScales_MatchRecomputation(int seed) =>
        Check("statistics_special_values",
            "CREATE TABLE samples (id integer PRIMARY KEY, g smallint, x numeric, y numeric(6,3));",
            "INSERT INTO samples VALUES (1, 1, 'NaN', 1.5), (2, 1, 2.25, 'NaN'), (3, 2, 'Infinity', 0.125), (4, 2, '-Infinity', 2), (5, 2, 1, 2.5), (6, 3, 0.5, 3), "
            + "(7, 6, 'NaN', NULL), (8, 1, 7.0, 1), (9, 3, 0.000000000000000001, 1), (10, 4, 1.000000000000000001, 2), (11, 4, 2, 1), (12, 4, 3.5, 0.5), "
            + "(13, 1, 0.100000000000000000, 2), (14, 2, 5.000000000000000005, 1), (15, 3, 3, 2), (16, 5, 4, 1), (17, 5, 4, 1), (18, 5, -1.250000000000000000000, 3), "
            + "(19, 6, 2, 2), (20, 4, 0.5, 1), (21, 3, 1.5, NULL), (22, 5, 10, 2);",
            "SELECT g, stddev(x) AS sd, var_pop(x) AS vp, stddev_pop(y) AS sp, variance(y) AS v, var_samp(x) FILTER (WHERE y > 1) AS vf, count(*) AS n FROM samples GROUP BY g",
            seed);

    [Fact]
    public Task HostileIdentifiers_AreQuotedEverywhere() =>
        Check("Weird \"Stream\" Täble", Schemas.Hostile, null,
            """"
            SELECT "select", count(*) AS "Row Count", sum("Total Amount") AS "sum ""x""", max("größe") AS "größe", count("group by") AS "from"
            FROM "Order ""Lines""" WHERE "group by" IS NOT FALSE GROUP BY "select"
            """",
            seed: 5, streamTableSqlName: "\"Weird \"\"Stream\"\" Täble\"");

    private Task Check(string name, string schema, string? seedData, string query, int seed, string? streamTableSqlName = null) =>
        CorpusRun.CheckAsync(cluster, output.WriteLine, schema, seedData, name, query, seed, streamTableSqlName);
}
