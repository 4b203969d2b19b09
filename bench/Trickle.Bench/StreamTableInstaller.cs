using System.Diagnostics;
using Npgsql;
using Trickle.Compiler;
using Trickle.Compiler.Catalog;
using Trickle.Compiler.Diagnostics;
using Trickle.Postgres;

namespace Trickle.Bench;

/// <summary>
/// Compiles stream tables in-process, as the database tests do, installs them with psql the way users do, and times
/// refreshes of stream tables and materialized views on one long-lived session.
/// </summary>
public sealed class StreamTableInstaller(PostgresServer server, OrdersWorkload workload)
{
    private readonly SourceCatalog _catalog = ReadSchema(OrdersWorkload.SchemaDdl);

    public static SourceCatalog ReadSchema(string schemaDdl) => ReadSchema(new SourceText("schema.sql", schemaDdl));

    public static SourceCatalog ReadSchema(params SourceText[] files)
    {
        var diagnostics = new DiagnosticBag();
        var catalog = Compilation.ReadSchema(files, diagnostics);
        if (diagnostics.HasErrors)
            throw new InvalidOperationException("schema did not compile:\n" + string.Join("\n", diagnostics.Items));
        return catalog;
    }

    public static string Compile(SourceCatalog catalog, string fileName, string definition, CompilationOptions options)
    {
        var result = Compilation.Compile(new SourceText(fileName, definition), catalog, options);
        if (!result.Success)
            throw new InvalidOperationException($"{fileName} did not compile:\n" + string.Join("\n", result.Diagnostics));
        return result.Script!;
    }

    public Task InstallStreamTableAsync(string name, string query, RefreshMode mode, CancellationToken cancellationToken) =>
        InstallStreamTableAsync(name, query, mode, _catalog, cancellationToken);

    /// <summary>Installs a stream table compiled against <paramref name="catalog"/>, for queries over other tables.</summary>
    public Task InstallStreamTableAsync(string name, string query, RefreshMode mode, SourceCatalog catalog, CancellationToken cancellationToken) =>
        InstallAsync(server, workload.ConnectionString, catalog, name, query, new CompilationOptions(Name: name, Mode: mode), cancellationToken);

    /// <summary>Compiles <paramref name="query"/> as stream table <paramref name="name"/> and installs it with psql into any database of the server.</summary>
    public static async Task InstallAsync(PostgresServer server, string connectionString, SourceCatalog catalog, string name, string query,
        CompilationOptions options, CancellationToken cancellationToken)
    {
        var script = Compile(catalog, $"{name}.sql", query, options);
        var result = await server.RunPsqlScriptAsync(connectionString, script, cancellationToken);
        if (!result.Succeeded)
            throw new InvalidOperationException($"installing stream table {name} ({options.Mode}) failed: {result.Describe()}");
    }

    public Task InstallMaterializedViewAsync(string name, string query, CancellationToken cancellationToken) =>
        workload.ExecuteAsync($"CREATE MATERIALIZED VIEW {SqlText.Identifier(name)} AS {query}", cancellationToken);

    public Task DropStreamTableAsync(string name, CancellationToken cancellationToken) =>
        workload.ExecuteAsync($"SELECT trickle.drop_stream_table({SqlText.Literal(name)})", cancellationToken);

    public Task DropMaterializedViewAsync(string name, CancellationToken cancellationToken) =>
        workload.ExecuteAsync($"DROP MATERIALIZED VIEW {SqlText.Identifier(name)}", cancellationToken);

    public static string RefreshStreamTableSql(string name) => $"SELECT trickle.refresh({SqlText.Literal(name)})";

    public static string RefreshMaterializedViewSql(string name) => $"REFRESH MATERIALIZED VIEW {SqlText.Identifier(name)}";

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Wall time of one statement as the client sees it, in milliseconds (one round trip on a unix socket included).</summary>
    public static async Task<double> TimeAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        var stopwatch = Stopwatch.StartNew();
        await command.ExecuteNonQueryAsync(cancellationToken);
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>The strategy ('differential' or 'full') of the last recorded refresh of <paramref name="name"/>.</summary>
    public static async Task<string> LastStrategyAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT strategy || ': ' || coalesce(reason, '') FROM trickle.refresh_history WHERE table_name = {SqlText.Literal(name)} ORDER BY id DESC LIMIT 1",
            connection);
        return (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "(none recorded)";
    }
}
