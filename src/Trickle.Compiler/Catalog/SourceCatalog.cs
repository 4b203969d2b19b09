namespace Trickle.Compiler.Catalog;

/// <summary>
/// The source schema a stream table is checked against, whether read from DDL files or from a live database.
/// Unqualified names resolve through <see cref="SearchPath"/>, as PostgreSQL resolves them.
/// </summary>
public sealed class SourceCatalog
{
    private readonly Dictionary<(string Schema, string Name), CatalogTable> _tables = new();

    public SourceCatalog(IEnumerable<CatalogTable> tables, IReadOnlyList<string>? searchPath = null, (string Schema, string Name)? self = null)
    {
        foreach (var table in tables)
            _tables[(table.Schema, table.Name)] = table;
        SearchPath = searchPath ?? ["public"];
        Self = self;
    }

    public IReadOnlyList<string> SearchPath { get; }

    /// <summary>The user-defined types schema files declare; casts to them resolve here. Empty for a live catalog, whose column types come resolved.</summary>
    public UserTypes Types { get; init; } = UserTypes.None;

    /// <summary>
    /// Names of the operators the database defines, read from <c>pg_operator</c> by a live catalog (extensions add their
    /// own); empty for DDL files, where only PostgreSQL's built-in operators are known.
    /// </summary>
    public ISet<string> Operators { get; init; } = new HashSet<string>();

    /// <summary>The stream table being compiled: a query may not read it (it would be its own upstream).</summary>
    public (string Schema, string Name)? Self { get; }

    public IEnumerable<CatalogTable> Tables => _tables.Values.OrderBy(t => t.Schema, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>The same tables plus <paramref name="extra"/>, with the same search path and self.</summary>
    public SourceCatalog With(IEnumerable<CatalogTable> extra) => new(Tables.Concat(extra), SearchPath, Self) { Types = Types, Operators = Operators };

    /// <summary>The same tables, compiling the stream table <paramref name="schema"/>.<paramref name="name"/>.</summary>
    public SourceCatalog For(string schema, string name) => new(Tables, SearchPath, (schema, name)) { Types = Types, Operators = Operators };

    public bool IsSelf(CatalogTable table) => Self is { } self && self.Schema == table.Schema && self.Name == table.Name;

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
