using System.Collections.Frozen;
using Trickle.Compiler.Catalog;

namespace Trickle.Compiler.Binding;

public enum FunctionVolatility { Immutable, Stable, Volatile, TimeDependent }

/// <summary>A built-in function the binder knows: how volatile it is and how its result type follows from its arguments.</summary>
internal sealed record BuiltinFunction(string Name, FunctionVolatility Volatility, Func<IReadOnlyList<SqlType>, SqlType> ResultType);

/// <summary>
/// The functions a stream table may call. The list is closed on purpose: offline (from DDL files) the compiler cannot
/// see a user-defined function's volatility, and a volatile function would make incremental results wrong.
/// </summary>
internal static class BuiltinFunctions
{
    private static readonly FrozenDictionary<string, BuiltinFunction> Functions = Build();

    public static BuiltinFunction? Find(string name) => Functions.GetValueOrDefault(name);

    /// <summary>Aggregates the compiler recognises by name, whether or not it can maintain them yet.</summary>
    public static readonly FrozenSet<string> KnownAggregates = new[]
    {
        "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg", "array_agg", "json_agg", "jsonb_agg",
        "json_object_agg", "jsonb_object_agg", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp",
        "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_count",
        "regr_r2", "regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy", "percentile_cont", "percentile_disc", "mode",
        "rank", "dense_rank", "percent_rank", "cume_dist", "xmlagg", "range_agg", "range_intersect_agg", "any_value",
    }.ToFrozenSet();

    private static FrozenDictionary<string, BuiltinFunction> Build()
    {
        var table = new Dictionary<string, BuiltinFunction>();
        void Add(FunctionVolatility volatility, Func<IReadOnlyList<SqlType>, SqlType> result, params string[] names)
        {
            foreach (var name in names) table[name] = new BuiltinFunction(name, volatility, result);
        }
        Func<IReadOnlyList<SqlType>, SqlType> Fixed(SqlType type) => _ => type;
        SqlType FirstArgument(IReadOnlyList<SqlType> args) => args.Count > 0 ? TypeRules.Plain(args[0]) : SqlType.Unknown;
        SqlType SecondArgument(IReadOnlyList<SqlType> args) => args.Count > 1 ? TypeRules.Plain(args[1]) : SqlType.Unknown;

        const FunctionVolatility immutable = FunctionVolatility.Immutable, stable = FunctionVolatility.Stable;
        Add(immutable, Fixed(SqlType.Text), "lower", "upper", "initcap", "btrim", "ltrim", "rtrim", "substring", "substr", "replace",
            "left", "right", "lpad", "rpad", "md5", "repeat", "reverse", "split_part", "translate", "quote_ident", "quote_literal",
            "quote_nullable", "chr", "regexp_replace", "regexp_substr", "overlay", "array_to_string", "encode", "sha256_hex", "to_hex");
        // concat/concat_ws/format are stable because their output depends on datestyle etc. for some argument types.
        Add(stable, Fixed(SqlType.Text), "concat", "concat_ws", "format", "to_char");
        Add(immutable, Fixed(SqlType.Integer), "length", "char_length", "character_length", "octet_length", "bit_length", "position",
            "strpos", "ascii", "array_length", "cardinality", "width_bucket", "array_position");
        Add(immutable, Fixed(SqlType.Boolean), "starts_with", "isfinite", "regexp_like");
        Add(immutable, FirstArgument, "abs", "ceil", "ceiling", "floor", "sign", "mod", "gcd", "lcm");
        Add(immutable, args => args.Count == 1 && args[0].Category == TypeCategory.Float ? SqlType.DoublePrecision : SqlType.NumericType,
            "round", "trunc");
        Add(immutable, args => args.Any(a => a.Name == "numeric") ? SqlType.NumericType : SqlType.DoublePrecision,
            "power", "pow", "sqrt", "cbrt", "exp", "ln", "log", "log10");
        Add(immutable, Fixed(SqlType.NumericType), "div", "scale", "trim_scale", "min_scale");
        Add(immutable, Fixed(SqlType.DoublePrecision), "pi", "degrees", "radians", "sin", "cos", "tan", "asin", "acos", "atan", "atan2");
        Add(immutable, args => TypeRules.Common(args), "coalesce", "greatest", "least");
        Add(immutable, FirstArgument, "nullif");
        // extract() returns numeric since PostgreSQL 14; date_part() still returns double precision.
        Add(immutable, Fixed(SqlType.NumericType), "extract");
        Add(stable, Fixed(SqlType.DoublePrecision), "date_part");
        Add(stable, SecondArgument, "date_trunc");
        Add(immutable, SecondArgument, "date_bin");
        Add(stable, Fixed(SqlType.Date), "to_date");
        Add(immutable, Fixed(SqlType.Date), "make_date");
        Add(stable, Fixed(SqlType.TimestampTz), "to_timestamp");
        Add(immutable, Fixed(SqlType.Timestamp), "make_timestamp");
        Add(immutable, Fixed(SqlType.Interval), "make_interval", "justify_days", "justify_hours", "justify_interval");
        Add(immutable, Fixed(SqlType.Interval), "age");
        Add(immutable, Fixed(new SqlType("jsonb")), "to_jsonb", "jsonb_build_object", "jsonb_build_array", "jsonb_strip_nulls", "jsonb_set");
        Add(stable, Fixed(new SqlType("json")), "to_json", "json_build_object", "json_build_array");
        Add(immutable, Fixed(SqlType.Text), "jsonb_extract_path_text", "json_extract_path_text", "jsonb_typeof", "json_typeof");
        Add(immutable, Fixed(new SqlType("text", null, 1)), "string_to_array", "regexp_split_to_array");
        Add(immutable, FirstArgument, "array_append", "array_cat", "array_remove", "array_replace");
        Add(immutable, SecondArgument, "array_prepend");
        Add(immutable, Fixed(SqlType.Integer), "num_nonnulls", "num_nulls");
        Add(immutable, Fixed(SqlType.BigInt), "hashtext");
        return table.ToFrozenDictionary();
    }

    /// <summary>
    /// Functions whose result changes without any write to the sources. PostgreSQL marks some of them STABLE (now())
    /// and some VOLATILE (random()); for incremental maintenance both are wrong, so both are rejected.
    /// </summary>
    public static readonly FrozenDictionary<string, string> NonDeterministic = new Dictionary<string, string>
    {
        ["now"] = "depends on the current time", ["current_timestamp"] = "depends on the current time",
        ["current_date"] = "depends on the current time", ["current_time"] = "depends on the current time",
        ["localtime"] = "depends on the current time", ["localtimestamp"] = "depends on the current time",
        ["clock_timestamp"] = "is volatile", ["statement_timestamp"] = "depends on the current time",
        ["transaction_timestamp"] = "depends on the current time", ["timeofday"] = "is volatile",
        ["random"] = "is volatile", ["random_normal"] = "is volatile", ["setseed"] = "is volatile",
        ["nextval"] = "is volatile", ["currval"] = "is volatile", ["lastval"] = "is volatile", ["setval"] = "is volatile",
        ["gen_random_uuid"] = "is volatile", ["uuid_generate_v4"] = "is volatile",
        ["txid_current"] = "is volatile", ["pg_current_xact_id"] = "is volatile", ["pg_backend_pid"] = "depends on the session",
        ["current_user"] = "depends on the session", ["session_user"] = "depends on the session", ["user"] = "depends on the session",
        ["current_role"] = "depends on the session", ["current_schema"] = "depends on the session", ["current_catalog"] = "depends on the session",
        ["inet_client_addr"] = "depends on the session", ["pg_sleep"] = "is volatile",
    }.ToFrozenDictionary();
}
