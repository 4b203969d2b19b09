namespace Trickle.Compiler.Catalog;

/// <summary>
/// The source schema a stream table is checked against, whether read from DDL files or from a live database.
/// Unqualified names resolve through <see cref="SearchPath"/>, as PostgreSQL resolves them.
/// </summary>
public sealed class SourceCatalog
{
    private readonly Dictionary<(string Schema, string Name), CatalogTable> _tables = new();

    public SourceCatalog(IEnumerable<CatalogTable> tables, IReadOnlyList<string>? searchPath = null)
    {
        foreach (var table in tables)
            _tables[(table.Schema, table.Name)] = table;
        SearchPath = searchPath ?? ["public"];
    }

    public IReadOnlyList<string> SearchPath { get; }

    public IEnumerable<CatalogTable> Tables => _tables.Values.OrderBy(t => t.Schema, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal);

    public CatalogTable? Find(string? schema, string name)
    {
        if (schema is not null)
            return _tables.GetValueOrDefault((schema, name));
        foreach (var candidate in SearchPath)
            if (_tables.TryGetValue((candidate, name), out var table))
                return table;
        return null;
    }
}
