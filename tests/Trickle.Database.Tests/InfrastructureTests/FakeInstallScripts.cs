namespace Trickle.Database.Tests.InfrastructureTests;

/// <summary>Stand-ins for compiled install scripts, used to prove the checker catches what it should.</summary>
internal static class FakeInstallScripts
{
    private const string RuntimeWithMaterializedViewRefresh = """
        CREATE SCHEMA IF NOT EXISTS trickle;
        CREATE OR REPLACE FUNCTION trickle.refresh(stream_table text) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
        BEGIN
            EXECUTE format('REFRESH MATERIALIZED VIEW %s', stream_table);
        END
        $$;
        """;

    /// <summary>Always correct: a materialized view recomputed on every refresh.</summary>
    public static string Correct(string schemaDdl, string query, string name, string mode) =>
        $"{RuntimeWithMaterializedViewRefresh}\nCREATE MATERIALIZED VIEW {name} AS {query};\n";

    /// <summary>Populated once, never maintained.</summary>
    public static string Stale(string schemaDdl, string query, string name, string mode) => $"""
        CREATE SCHEMA IF NOT EXISTS trickle;
        CREATE OR REPLACE FUNCTION trickle.refresh(stream_table text) RETURNS void LANGUAGE sql AS $$ SELECT $$;
        CREATE TABLE {name} AS {query};
        """;

    /// <summary>Correct rows, but the first output column carries the wrong name.</summary>
    public static string RenamedFirstColumn(string schemaDdl, string query, string name, string mode) =>
        $"{RuntimeWithMaterializedViewRefresh}\nCREATE MATERIALIZED VIEW {name} (renamed) AS {query};\n";
}
