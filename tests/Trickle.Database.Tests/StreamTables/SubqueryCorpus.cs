using Trickle.Database.Tests.Infrastructure;

namespace Trickle.Database.Tests.StreamTables;

/// <summary>
/// The differential-checker scenario the subquery corpora share: a query over a schema and its seed, compiled in each
/// mode, 30 random steps seeded by the query's name, and a result that must not stay empty.
/// </summary>
internal static class SubqueryCorpus
{
    public static DifferentialScenario Scenario(string schema, string seed, string name, string query) => new()
    {
        SchemaDdl = schema,
        SeedDataSql = seed,
        DefiningQuery = query,
        StreamTableName = name,
        CompileScript = (_, q, _, mode) => TrickleCompiler.CompileScript(schema, q, name, mode),
        Steps = 30,
        Seed = name.Length * 7919,
        RequireRows = true,
    };
}
