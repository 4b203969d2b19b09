using Npgsql;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;

namespace Trickle.Cli.Tests;

/// <summary>Compiling against a live database: an installed stream table is a source, captured on its storage.</summary>
public sealed class LiveUpstreamTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Tables = "CREATE TABLE public.visits (id int PRIMARY KEY, page text NOT NULL, ms int NOT NULL);";

    [Fact]
    public async Task InstalledStreamTable_IsReadAsAStreamTable_AndAReaderCompiledAgainstItStaysCorrect()
    {
        await server.ExecuteAsync(Tables + "INSERT INTO public.visits SELECT i, 'p' || (i % 4), i FROM generate_series(1, 40) AS i;");
        var diagnostics = new DiagnosticBag();
        var offline = Compilation.ReadSchema([new SourceText("schema.sql", Tables)], diagnostics);
        await server.ExecuteAsync(Script("SELECT page, count(*) AS hits, sum(ms) AS total_ms FROM visits GROUP BY page", offline, "per_page"));

        var live = await LiveCatalogReader.ReadAsync(server.ConnectionString, CancellationToken.None);
        var perPage = live.Find("public", "per_page")!;
        Assert.True(perPage.IsStreamTable);
        Assert.Equal(["page", "hits", "total_ms"], perPage.Columns.Select(c => c.Name));
        Assert.False(live.Find("public", "visits")!.IsStreamTable);

        await server.ExecuteAsync(Script("SELECT hits, count(*) AS pages FROM per_page GROUP BY hits", live, "by_hits"));
        await server.ExecuteAsync("INSERT INTO public.visits SELECT i, 'p1', i FROM generate_series(41, 45) AS i; DELETE FROM public.visits WHERE id = 2;");
        await server.ExecuteAsync("SELECT trickle.refresh('by_hits')");

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM (
                (SELECT * FROM by_hits EXCEPT ALL SELECT hits, count(*) FROM (SELECT page, count(*) AS hits FROM visits GROUP BY page) AS p GROUP BY hits)
                UNION ALL
                (SELECT hits, count(*) FROM (SELECT page, count(*) AS hits FROM visits GROUP BY page) AS p GROUP BY hits EXCEPT ALL SELECT * FROM by_hits)) AS d
            """, connection);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    private static string Script(string query, SourceCatalog catalog, string name)
    {
        var result = Compilation.Compile(new SourceText("query.sql", query), catalog, new CompilationOptions(Name: name, Mode: RefreshMode.Differential));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Script!;
    }
}
