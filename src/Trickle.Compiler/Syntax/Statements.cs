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

    /// <summary>The query text as written and where it stands in the file: what binding's additions are spliced into.</summary>
    public WrittenQuery? Written { get; init; }

    /// <summary>Every operator written by name or symbol in the query (<c>~</c>, <c>OPERATOR(s.===)</c>), where it stands.</summary>
    public IReadOnlyList<OperatorUse> Operators { get; init; } = [];
}

/// <summary>
/// An operator the query uses whose existence the grammar cannot vouch for: any symbol sequence lexes as an operator,
/// and PostgreSQL only fails on an unknown one when the script runs.
/// </summary>
public sealed record OperatorUse(SourceSpan Span, string? Schema, string Name);

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

/// <summary>
/// <c>CREATE [OR REPLACE] [RECURSIVE] VIEW name [(columns)] [WITH (options)] AS query</c>. The query is kept as text,
/// without a trailing <c>WITH CHECK OPTION</c>, and parsed when a stream table reads the view.
/// </summary>
public sealed record CreateViewStatement(
    SourceSpan Span,
    QualifiedName Name,
    IReadOnlyList<Identifier> ColumnNames,
    string QueryText,
    bool Recursive,
    bool SecurityBarrier,
    bool SecurityInvoker) : SchemaStatement(Span);

/// <summary><c>CREATE MATERIALIZED VIEW name …</c>: a relation only a recomputation can read.</summary>
public sealed record CreateMaterializedViewStatement(SourceSpan Span, QualifiedName Name) : SchemaStatement(Span);

/// <summary><c>CREATE FOREIGN TABLE name …</c>: a relation only a recomputation can read.</summary>
public sealed record CreateForeignTableStatement(SourceSpan Span, QualifiedName Name) : SchemaStatement(Span);

public sealed record CreateSchemaStatement(SourceSpan Span, Identifier Name, bool IfNotExists) : SchemaStatement(Span);

public enum UserTypeKind { Enum, Composite, Range, Base }

/// <summary>
/// <c>CREATE TYPE</c>: an enum, a composite type (with its attributes), a range or a base type (or its shell). What the
/// compiler needs of a column's type is its schema and whether it has a hash function consistent with its equality.
/// </summary>
public sealed record CreateTypeStatement(SourceSpan Span, QualifiedName Name, UserTypeKind Kind, IReadOnlyList<(Identifier Name, TypeName Type)> Attributes)
    : SchemaStatement(Span);

public sealed record CreateDomainStatement(SourceSpan Span, QualifiedName Name, TypeName BaseType) : SchemaStatement(Span);

/// <summary><c>CREATE EXTENSION name [WITH SCHEMA s]</c>: where the extension's types (citext, …) live.</summary>
public sealed record CreateExtensionStatement(SourceSpan Span, Identifier Name, Identifier? Schema) : SchemaStatement(Span);

/// <summary><c>CREATE OPERATOR CLASS … [DEFAULT] FOR TYPE t USING method</c>: a default hash class makes t hashable.</summary>
public sealed record CreateOperatorClassStatement(SourceSpan Span, TypeName ForType, string Method, bool IsDefault) : SchemaStatement(Span);

/// <summary>Any other statement (CREATE INDEX, SET, INSERT, GRANT …): skipped when reading a schema.</summary>
public sealed record OtherStatement(SourceSpan Span) : SchemaStatement(Span);

public sealed record SchemaFile(SourceSpan Span, IReadOnlyList<SchemaStatement> Statements) : SyntaxNode(Span);
