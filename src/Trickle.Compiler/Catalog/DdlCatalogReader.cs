using Trickle.Compiler.Binding;
using Trickle.Compiler.Diagnostics;
using Trickle.Compiler.Ir;
using Trickle.Compiler.Parsing;
using Trickle.Compiler.Syntax;

namespace Trickle.Compiler.Catalog;

/// <summary>
/// Builds a catalog from DDL files: offline and deterministic, so builds and CI need no database. Reads CREATE TABLE,
/// the key constraints pg_dump writes as ALTER TABLE … ADD CONSTRAINT, CREATE [OR REPLACE] VIEW (its query kept as
/// text, expanded where a stream table reads the view), and the names of materialized views and foreign tables; every
/// other statement is skipped.
/// A schema file may also declare stream tables (<c>CREATE STREAM TABLE b AS SELECT …</c>, the compiler's own input
/// form), so that a stream table reading them compiles offline: each is bound against the tables of every file and the
/// stream tables declared before it, to learn its output columns, and becomes a source marked as a stream table.
/// </summary>
public static class DdlCatalogReader
{
    public static SourceCatalog Read(IEnumerable<SourceText> files, DiagnosticBag diagnostics)
    {
        var tables = new Dictionary<(string, string), TableUnderConstruction>();
        var streamTables = new List<(CreateStreamTableStatement Statement, string Path)>();
        var statements = new List<(SchemaStatement Statement, string Path)>();
        foreach (var file in files)
        {
            var schemaFile = SqlParser.ParseSchema(file, diagnostics);
            if (schemaFile is null) continue;
            statements.AddRange(schemaFile.Statements.Select(statement => (statement, file.Path)));
        }
        // Types first: a table may name a type declared later in the file set (pg_dump orders them before, people may not).
        var types = DeclaredTypes(statements.Select(s => s.Statement));
        foreach (var (statement, path) in statements)
        {
            if (statement is CreateStreamTableStatement streamTable)
                streamTables.Add((streamTable, path));
            else
                Apply(statement, path, tables, types, diagnostics);
        }
        var catalog = new SourceCatalog(tables.Values.Select(t => t.Build())) { Types = types };
        foreach (var (statement, path) in streamTables)
            if (DescribeStreamTable(statement, path, catalog, diagnostics) is { } described)
                catalog = catalog.With([described]);
        return catalog;
    }

    /// <summary>
    /// Adds the stream tables that <paramref name="files"/> declare (<c>CREATE STREAM TABLE … AS SELECT …</c>) to a catalog
    /// read from DDL files or from a database, each bound against the catalog and the ones declared before it: how tools
    /// that compile a set of definitions (trickle migrations, trickle dbt compile) let one read another offline.
    /// </summary>
    public static SourceCatalog DeclareStreamTables(SourceCatalog catalog, IEnumerable<SourceText> files, DiagnosticBag diagnostics)
    {
        foreach (var file in files)
        {
            if (SqlParser.ParseSchema(file, diagnostics) is not { } schemaFile) continue;
            foreach (var statement in schemaFile.Statements.OfType<CreateStreamTableStatement>())
                if (DescribeStreamTable(statement, file.Path, catalog, diagnostics) is { } described)
                    catalog = catalog.With([described]);
        }
        return catalog;
    }

    /// <summary>
    /// Binds a declared stream table's query to learn its columns. Its errors are reported where they are; a query
    /// that only full recomputation could maintain has no bound plan to read its columns from, so it is reported too.
    /// </summary>
    private static CatalogTable? DescribeStreamTable(CreateStreamTableStatement statement, string path, SourceCatalog catalog, DiagnosticBag diagnostics)
    {
        var (schema, name) = Resolve(statement.Name);
        if (catalog.Find(schema, name) is not null)
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, path, statement.Name.Span, $"table {schema}.{name} is defined twice");
            return null;
        }
        var local = new DiagnosticBag();
        var bound = new QueryBinder(catalog.For(schema, name), path, local, RefreshMode.Full).Bind(statement.Query);
        var errors = local.Items.Where(d => d.IsError).ToList();
        var columns = bound is null || errors.Count > 0 ? null : OutputColumns(bound.Value.Plan);
        if (columns is null)
        {
            if (errors.Count > 0 && errors.All(e => e.Code is "TRK4001" or "TRK4004"))
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, path, errors[0].Span,
                    $"the columns of stream table {schema}.{name} cannot be learned offline ({errors[0].Message}): compile against --connection");
            else if (errors.Count > 0)
                foreach (var error in errors)
                    diagnostics.Add(error);
            else
                diagnostics.Error(DiagnosticCode.UnsupportedConstruct, path, statement.Query.Span,
                    $"the columns of stream table {schema}.{name} cannot be learned offline: compile against --connection");
            return null;
        }
        return new CatalogTable(schema, name,
            columns.Select(c => new CatalogColumn(c.Name, c.Expression.Type == SqlType.Unknown ? SqlType.Text : c.Expression.Type, false)).ToList(), [])
        {
            Upstream = UpstreamStreamTable.For(schema, name),
        };
    }

    /// <summary>The output columns of a bound plan: its top projection, under the nodes that only filter or cut rows.</summary>
    private static IReadOnlyList<OutputColumn>? OutputColumns(RelNode plan) => plan switch
    {
        ProjectNode project => project.Columns,
        DistinctNode distinct => OutputColumns(distinct.Input),
        DistinctOnNode distinctOn => OutputColumns(distinctOn.Input),
        TopKNode topK => OutputColumns(topK.Input),
        FilterNode filter => OutputColumns(filter.Input),
        SetOperationNode setOperation => OutputColumns(setOperation.Inputs[0]),
        _ => null,
    };

    /// <summary>
    /// The user-defined types the statements declare. A default hash operator class declared for a base type makes it
    /// hashable; an extension's known types live in its WITH SCHEMA (public by default, the first schema of a fresh
    /// database's search_path).
    /// </summary>
    private static UserTypes DeclaredTypes(IEnumerable<SchemaStatement> statements)
    {
        var declared = new List<DeclaredType>();
        var hashClasses = new HashSet<(string, string)>();
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case CreateTypeStatement type:
                {
                    var (schema, name) = Resolve(type.Name);
                    var kind = type.Kind switch
                    {
                        UserTypeKind.Enum => DeclaredTypeKind.Enum,
                        UserTypeKind.Composite => DeclaredTypeKind.Composite,
                        UserTypeKind.Range => DeclaredTypeKind.Range,
                        _ => DeclaredTypeKind.Base,
                    };
                    // A base type is declared twice (its shell, then its definition): keep one.
                    declared.RemoveAll(d => d.Schema == schema && d.Name == name);
                    declared.Add(new DeclaredType(schema, name, kind) { Attributes = type.Attributes.Select(a => a.Type).ToList() });
                    break;
                }
                case CreateDomainStatement domain:
                {
                    var (schema, name) = Resolve(domain.Name);
                    declared.Add(new DeclaredType(schema, name, DeclaredTypeKind.Domain) { BaseType = domain.BaseType });
                    break;
                }
                case CreateExtensionStatement extension:
                    declared.AddRange(UserTypes.OfExtension(extension.Name.Value, extension.Schema?.Value ?? "public"));
                    break;
                case CreateOperatorClassStatement { IsDefault: true, Method: "hash" } hashClass:
                    hashClasses.Add((hashClass.ForType.Schema?.Last.Value ?? "public", hashClass.ForType.Name));
                    break;
            }
        }
        return new UserTypes(
            declared.Select(d => d.Kind == DeclaredTypeKind.Base && hashClasses.Contains((d.Schema, d.Name)) ? d with { HasHashClass = true } : d),
            ["public"]);
    }

    private static void Apply(SchemaStatement statement, string path, Dictionary<(string, string), TableUnderConstruction> tables, UserTypes types, DiagnosticBag diagnostics)
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
                    table.Columns.Add(new CatalogColumn(column.Name.Value, types.Resolve(column.Type), column.NotNull || column.PrimaryKey));
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
            case CreateViewStatement view:
                AddRelation(view.Name, path, tables, diagnostics, replace: true, new ViewDefinition(view.QueryText,
                    view.ColumnNames.Select(c => c.Value).ToList(), view.Recursive, view.SecurityBarrier, view.SecurityInvoker));
                return;
            case CreateMaterializedViewStatement materialized:
                AddRelation(materialized.Name, path, tables, diagnostics, replace: false, kind: RelationKind.MaterializedView);
                return;
            case CreateForeignTableStatement foreign:
                AddRelation(foreign.Name, path, tables, diagnostics, replace: false, kind: RelationKind.ForeignTable);
                return;
        }
    }

    /// <summary>
    /// A view, materialized view or foreign table: its columns are not needed (a view's come from binding its
    /// definition where it is read; the other two can only be recomputed, which reads no catalog columns).
    /// CREATE OR REPLACE VIEW replaces an earlier view of that name, as it would in the database.
    /// </summary>
    private static void AddRelation(QualifiedName name, string path, Dictionary<(string, string), TableUnderConstruction> tables,
        DiagnosticBag diagnostics, bool replace, ViewDefinition? view = null, RelationKind kind = RelationKind.View)
    {
        var key = Resolve(name);
        if (tables.TryGetValue(key, out var existing) && !(replace && existing.Kind == RelationKind.View))
        {
            diagnostics.Error(DiagnosticCode.DuplicateTable, path, name.Span, $"relation {key.Item1}.{key.Item2} is defined twice");
            return;
        }
        tables[key] = new TableUnderConstruction(key.Item1, key.Item2) { Kind = kind, View = view };
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
        public RelationKind Kind { get; init; } = RelationKind.Table;
        public ViewDefinition? View { get; init; }

        public CatalogTable Build() => new(Schema, Name, Columns.ToList(), PrimaryKey.ToList()) { Kind = Kind, View = View };
    }
}
