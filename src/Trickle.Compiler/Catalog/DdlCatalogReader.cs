using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Catalog;

/// <summary>
/// Builds a catalog from DDL files: offline and deterministic, so builds and CI need no database. Reads CREATE TABLE
/// and the key constraints pg_dump writes as ALTER TABLE … ADD CONSTRAINT; every other statement is skipped.
/// </summary>
public static class DdlCatalogReader
{
    public static SourceCatalog Read(IEnumerable<SourceText> files, DiagnosticBag diagnostics)
    {
        var tables = new Dictionary<(string, string), TableUnderConstruction>();
        foreach (var file in files)
        {
            var schemaFile = SqlParser.ParseSchema(file, diagnostics);
            if (schemaFile is null) continue;
            foreach (var statement in schemaFile.Statements)
                Apply(statement, file.Path, tables, diagnostics);
        }
        return new SourceCatalog(tables.Values.Select(t => t.Build()));
    }

    private static void Apply(SchemaStatement statement, string path, Dictionary<(string, string), TableUnderConstruction> tables, DiagnosticBag diagnostics)
    {
        switch (statement)
        {
            case CreateTableStatement create:
            {
                var key = Resolve(create.Name);
                if (tables.ContainsKey(key))
                {
                    if (!create.IfNotExists)
                        diagnostics.Error(DiagnosticCode.DuplicateTable, path, create.Name.Span, $"table {key.Item1}.{key.Item2} is defined twice");
                    return;
                }
                var table = new TableUnderConstruction(key.Item1, key.Item2);
                foreach (var column in create.Columns)
                {
                    table.Columns.Add(new CatalogColumn(column.Name.Value, ToSqlType(column.Type), column.NotNull || column.PrimaryKey));
                    if (column.PrimaryKey) table.PrimaryKey.Add(column.Name.Value);
                }
                foreach (var constraint in create.Constraints)
                    AddConstraint(table, constraint, path, diagnostics);
                tables[key] = table;
                return;
            }
            case AlterTableAddConstraint alter when tables.TryGetValue(Resolve(alter.Table), out var altered):
                AddConstraint(altered, alter.Constraint, path, diagnostics);
                return;
        }
    }

    private static void AddConstraint(TableUnderConstruction table, TableConstraint constraint, string path, DiagnosticBag diagnostics)
    {
        foreach (var column in constraint.Columns)
        {
            if (table.Columns.All(c => c.Name != column.Value))
            {
                diagnostics.Error(DiagnosticCode.UnknownColumnInConstraint, path, column.Span, $"column \"{column.Value}\" named in a key does not exist in {table.Schema}.{table.Name}");
                return;
            }
        }
        if (constraint.Kind != TableConstraintKind.PrimaryKey) return;
        table.PrimaryKey.Clear();
        table.PrimaryKey.AddRange(constraint.Columns.Select(c => c.Value));
        // PRIMARY KEY implies NOT NULL on its columns.
        for (var i = 0; i < table.Columns.Count; i++)
            if (table.PrimaryKey.Contains(table.Columns[i].Name))
                table.Columns[i] = table.Columns[i] with { NotNull = true };
    }

    private static (string, string) Resolve(QualifiedName name) =>
        name.Parts.Count >= 2 ? (name.Parts[^2].Value, name.Last.Value) : ("public", name.Last.Value);

    public static SqlType ToSqlType(TypeName type) =>
        SqlType.Of(type.Name, type.Modifiers.Count == 0 ? null : string.Join(",", type.Modifiers), type.ArrayDimensions);

    private sealed class TableUnderConstruction(string schema, string name)
    {
        public string Schema { get; } = schema;
        public string Name { get; } = name;
        public List<CatalogColumn> Columns { get; } = [];
        public List<string> PrimaryKey { get; } = [];

        public CatalogTable Build() => new(Schema, Name, Columns.ToList(), PrimaryKey.ToList());
    }
}
