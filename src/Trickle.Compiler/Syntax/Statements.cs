using Trickle.Compiler.Diagnostics;

namespace Trickle.Compiler.Syntax;

/// <summary>How the stream table was written in its input file.</summary>
public enum DefinitionForm
{
    /// <summary>A bare query; the name comes from <c>--name</c> or the file name.</summary>
    BareQuery,
    /// <summary><c>CREATE STREAM TABLE name [WITH (…)] AS query</c>.</summary>
    CreateStreamTable,
    /// <summary><c>SELECT pgtrickle.create_stream_table('name', $$query$$, schedule => …, refresh_mode => …)</c>.</summary>
    PgTrickleCall,
    /// <summary><c>SELECT create_immv('name', 'query')</c> (pg_ivm); defaults to IMMEDIATE.</summary>
    CreateImmvCall,
}

/// <summary>An option given in the file: <c>schedule = '5s'</c> or <c>refresh_mode => 'DIFFERENTIAL'</c>.</summary>
public sealed record DefinitionOption(SourceSpan Span, Identifier Name, string Value, SourceSpan ValueSpan) : SyntaxNode(Span);

/// <summary>
/// One stream table definition: the contents of a <c>trickle compile</c> input file. For the call forms the query
/// was written inside a string literal; it is parsed from that string with spans mapped back to the file.
/// </summary>
public sealed record StreamTableDefinition(
    SourceSpan Span,
    DefinitionForm Form,
    QualifiedName? Name,
    IReadOnlyList<DefinitionOption> Options,
    Query Query,
    string QueryText) : SyntaxNode(Span)
{
    /// <summary>
    /// pg_ivm's column list (<c>create_immv('name(a, b)', …)</c>): new names for the query's first output columns.
    /// <see cref="QueryText"/> then carries the renaming; <see cref="Query"/> is the query as written.
    /// </summary>
    public IReadOnlyList<Identifier> ColumnNames { get; init; } = [];
}

/// <summary>A statement of a schema file. Statements we do not model are kept as <see cref="OtherStatement"/>.</summary>
public abstract record SchemaStatement(SourceSpan Span) : SyntaxNode(Span);

public sealed record CreateTableStatement(
    SourceSpan Span,
    QualifiedName Name,
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<TableConstraint> Constraints,
    bool IfNotExists) : SchemaStatement(Span);

public sealed record ColumnDefinition(
    SourceSpan Span,
    Identifier Name,
    TypeName Type,
    bool NotNull,
    bool PrimaryKey,
    bool Unique,
    Expression? Default) : SyntaxNode(Span);

public enum TableConstraintKind { PrimaryKey, Unique }

public sealed record TableConstraint(
    SourceSpan Span,
    Identifier? Name,
    TableConstraintKind Kind,
    IReadOnlyList<Identifier> Columns) : SyntaxNode(Span);

/// <summary><c>ALTER TABLE [ONLY] t ADD [CONSTRAINT n] PRIMARY KEY|UNIQUE (…)</c>, as pg_dump writes keys.</summary>
public sealed record AlterTableAddConstraint(SourceSpan Span, QualifiedName Table, TableConstraint Constraint) : SchemaStatement(Span);

/// <summary>
/// <c>CREATE STREAM TABLE name AS SELECT …</c> in a schema file: a stream table other stream tables may read. The
/// catalog reader binds its query to learn its columns.
/// </summary>
public sealed record CreateStreamTableStatement(SourceSpan Span, QualifiedName Name, Query Query) : SchemaStatement(Span);

public sealed record CreateSchemaStatement(SourceSpan Span, Identifier Name, bool IfNotExists) : SchemaStatement(Span);

/// <summary>Any other statement (CREATE INDEX, SET, INSERT, GRANT …): skipped when reading a schema.</summary>
public sealed record OtherStatement(SourceSpan Span) : SchemaStatement(Span);

public sealed record SchemaFile(SourceSpan Span, IReadOnlyList<SchemaStatement> Statements) : SyntaxNode(Span);
