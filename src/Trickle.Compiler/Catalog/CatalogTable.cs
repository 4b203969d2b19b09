namespace Trickle.Compiler.Catalog;

public sealed record CatalogColumn(string Name, SqlType Type, bool NotNull);

/// <summary>A source table as the compiler sees it: columns in order and the primary key, if any.</summary>
public sealed record CatalogTable(string Schema, string Name, IReadOnlyList<CatalogColumn> Columns, IReadOnlyList<string> PrimaryKey)
{
    public CatalogColumn? FindColumn(string name) => Columns.FirstOrDefault(c => c.Name == name);

    public bool HasPrimaryKey => PrimaryKey.Count > 0;

    public override string ToString() => $"{Schema}.{Name}";
}
