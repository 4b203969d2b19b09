using System.Text.Json;

namespace Trickle.Cli.Deploy;

/// <summary>A dbt model materialized as <c>stream_table</c>, as dbt's manifest describes it.</summary>
internal sealed record DbtStreamTableModel(
    string UniqueId,
    string PackageName,
    string Name,
    string Schema,
    string Alias,
    string CompiledCode,
    string? RefreshMode,
    string? Schedule,
    string OriginalFilePath,
    IReadOnlyList<string> DependsOn)
{
    /// <summary>The macro the generated file defines and the materialization calls: one per model of each package.</summary>
    public string MacroName => "trickle_script__" + MigrationFolder.Describe(PackageName) + "__" + MigrationFolder.Describe(Name);
}

/// <summary>
/// Reads dbt's <c>target/manifest.json</c> (schema v12, written by <c>dbt compile</c>, <c>dbt run</c> and <c>dbt parse</c>
/// with compilation): the nodes whose <c>resource_type</c> is <c>model</c> and whose <c>config.materialized</c> is
/// <c>stream_table</c>, with their compiled SQL, configuration (<c>refresh_mode</c>, <c>schedule</c>), relation and
/// dependencies. Other models (tables, views, ephemeral ones whose SQL dbt inlines as CTEs) are not stream tables.
/// </summary>
internal static class DbtManifest
{
    public const string Materialization = "stream_table";

    /// <summary>The stream-table models, in the manifest's order; an exception with a one-line message when unreadable.</summary>
    public static IReadOnlyList<DbtStreamTableModel> Read(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("not a dbt manifest: no \"nodes\" object");

        var models = new List<DbtStreamTableModel>();
        foreach (var node in nodes.EnumerateObject())
        {
            var value = node.Value;
            if (Text(value, "resource_type") != "model")
                continue;
            if (!value.TryGetProperty("config", out var config) || Text(config, "materialized") != Materialization)
                continue;
            var name = Text(value, "name") ?? throw new InvalidDataException($"model {node.Name} has no name");
            // compiled_code since manifest v7; compiled_sql before. Absent when the manifest was written without compiling.
            var compiled = Text(value, "compiled_code") ?? Text(value, "compiled_sql")
                ?? throw new InvalidDataException($"model {node.Name} has no compiled_code: write the manifest with dbt compile (or dbt run), not dbt parse");
            var dependsOn = value.TryGetProperty("depends_on", out var depends) && depends.TryGetProperty("nodes", out var dependencies)
                && dependencies.ValueKind == JsonValueKind.Array
                ? dependencies.EnumerateArray().Select(d => d.GetString() ?? "").Where(d => d.Length > 0).ToList()
                : [];
            models.Add(new DbtStreamTableModel(
                Text(value, "unique_id") ?? node.Name,
                Text(value, "package_name") ?? "",
                name,
                Text(value, "schema") ?? throw new InvalidDataException($"model {node.Name} has no schema"),
                Text(config, "alias") ?? Text(value, "alias") ?? name,
                compiled,
                Text(config, "refresh_mode"),
                Text(config, "schedule"),
                Text(value, "original_file_path") ?? Text(value, "path") ?? node.Name,
                dependsOn));
        }
        return models;
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
