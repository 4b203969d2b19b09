using System.Text.RegularExpressions;
using Antlr4.Runtime;
using Antlr4.Runtime.Misc;
using Antlr4.Runtime.Tree;
using Trickle.Compiler.Parsing.Generated;
using Trickle.Compiler.Syntax;
using P = Trickle.Compiler.Parsing.Generated.TrickleSqlParser;

namespace Trickle.Compiler.Parsing;

/// <summary>Builds the statements of a schema file; constraints that do not matter to us (CHECK, FOREIGN KEY) are dropped.</summary>
internal sealed class SchemaBuilder
{
    private readonly NameBuilder _names;
    private readonly ExpressionBuilder _expressions;
    private readonly QueryBuilder _queries;

    public SchemaBuilder(NameBuilder names)
    {
        _names = names;
        _queries = new QueryBuilder(names);
        _expressions = _queries.Expressions;
    }

    public SchemaFile SchemaFile(P.SchemaFileContext context) =>
        new(_names.Span(context), context.schemaStatement().Select(Statement).ToArray());

    private SchemaStatement Statement(P.SchemaStatementContext context)
    {
        if (context.createTable() is { } createTable)
            return CreateTable(createTable);
        if (context.createStreamTable() is { } createStreamTable)
            return new CreateStreamTableStatement(_names.Span(createStreamTable),
                _names.QualifiedName(createStreamTable.qualifiedName()), _queries.Query(createStreamTable.query()));
        if (context.createSchema() is { } createSchema)
            return new CreateSchemaStatement(
                _names.Span(createSchema), _names.Identifier(createSchema.columnIdentifier(0)), createSchema.IF() is not null);
        if (context.alterTableAddConstraint() is { } alter)
            return AlterTableAddConstraint(alter);
        if (context.createView() is { } createView)
            return CreateView(createView);
        if (context.createMaterializedView() is { } materialized)
            return new CreateMaterializedViewStatement(_names.Span(materialized), _names.QualifiedName(materialized.qualifiedName()));
        if (context.createForeignTable() is { } foreign)
            return new CreateForeignTableStatement(_names.Span(foreign), _names.QualifiedName(foreign.qualifiedName()));
        if (context.createType() is { } createType)
            return CreateType(createType);
        if (context.createDomain() is { } createDomain)
            return new CreateDomainStatement(_names.Span(createDomain),
                _names.QualifiedName(createDomain.qualifiedName()), _names.TypeName(createDomain.typeName()));
        if (context.createExtension() is { } createExtension)
        {
            var names = createExtension.columnIdentifier();
            return new CreateExtensionStatement(_names.Span(createExtension), _names.Identifier(names[0]),
                names.Length > 1 ? _names.Identifier(names[1]) : null);
        }
        if (context.createOperatorClass() is { } operatorClass)
            return new CreateOperatorClassStatement(_names.Span(operatorClass), _names.TypeName(operatorClass.typeName()),
                _names.Identifier(operatorClass.columnIdentifier()).Value, operatorClass.DEFAULT() is not null);
        return new OtherStatement(_names.Span(context));
    }

    private CreateViewStatement CreateView(P.CreateViewContext context)
    {
        var body = context.viewBody();
        var tokens = Enumerable.Range(0, body.ChildCount).Select(i => ((ITerminalNode)body.GetChild(i)).Symbol).ToList();
        // WITH [CASCADED | LOCAL] CHECK OPTION constrains writes through the view, not what it reads.
        var end = tokens.Count;
        if (end >= 3 && IsWord(tokens[end - 1], "option") && tokens[end - 2].Type == TrickleSqlLexer.CHECK)
        {
            var with = end - 3;
            if (with > 0 && (IsWord(tokens[with], "cascaded") || tokens[with].Type == TrickleSqlLexer.LOCAL)) with--;
            if (with > 0 && tokens[with].Type == TrickleSqlLexer.WITH) end = with;
        }
        var text = tokens[0].InputStream.GetText(new Interval(tokens[0].StartIndex, tokens[end - 1].StopIndex));
        var options = context.balancedParentheses() is { } parenthesised
            ? parenthesised.Start.InputStream.GetText(new Interval(parenthesised.Start.StartIndex, parenthesised.Stop.StopIndex))
            : "";
        return new CreateViewStatement(_names.Span(context), _names.QualifiedName(context.qualifiedName()),
            _names.IdentifierList(context.identifierList()), text, context.RECURSIVE() is not null,
            IsSet(options, "security_barrier"), IsSet(options, "security_invoker"));
    }

    private static bool IsWord(IToken token, string word) =>
        token.Type == TrickleSqlLexer.IDENTIFIER && string.Equals(token.Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>A boolean view option in <c>(name [= value], …)</c>: written alone it is true, as PostgreSQL reads it.</summary>
    private static bool IsSet(string options, string name)
    {
        var match = Regex.Match(options, $@"(?i)\b{name}\s*(=\s*'?(?<value>\w+)'?)?");
        return match.Success && (!match.Groups["value"].Success
            || match.Groups["value"].Value.ToLowerInvariant() is "true" or "on" or "yes" or "1" or "t" or "y");
    }

    private CreateTypeStatement CreateType(P.CreateTypeContext context) => context switch
    {
        P.EnumTypeContext e => new(_names.Span(e), _names.QualifiedName(e.qualifiedName()), UserTypeKind.Enum, []),
        P.RangeTypeContext r => new(_names.Span(r), _names.QualifiedName(r.qualifiedName()), UserTypeKind.Range, []),
        P.CompositeTypeContext c => new(_names.Span(c), _names.QualifiedName(c.qualifiedName()), UserTypeKind.Composite,
            c.compositeAttribute().Select(a => (_names.Identifier(a.columnIdentifier()), _names.TypeName(a.typeName()))).ToList()),
        P.BaseTypeContext b => new(_names.Span(b), _names.QualifiedName(b.qualifiedName()), UserTypeKind.Base, []),
        _ => throw new InvalidOperationException($"unexpected CREATE TYPE form {context.GetType().Name}"),
    };

    private CreateTableStatement CreateTable(P.CreateTableContext context)
    {
        var columns = new List<ColumnDefinition>();
        var constraints = new List<TableConstraint>();
        foreach (var element in context.tableElement())
        {
            if (element.columnDefinition() is { } column)
                columns.Add(ColumnDefinition(column));
            else if (element.tableConstraint() is { } constraint && TableConstraint(constraint) is { } modelled)
                constraints.Add(modelled);
        }
        return new CreateTableStatement(
            _names.Span(context), _names.QualifiedName(context.qualifiedName()), columns, constraints, context.IF() is not null);
    }

    private ColumnDefinition ColumnDefinition(P.ColumnDefinitionContext context)
    {
        var notNull = false;
        var primaryKey = false;
        var unique = false;
        Expression? defaultValue = null;
        foreach (var constraint in context.columnConstraint())
        {
            switch (constraint.columnConstraintBody())
            {
                case P.NotNullConstraintContext:
                    notNull = true;
                    break;
                case P.PrimaryKeyColumnConstraintContext:
                    primaryKey = true;
                    break;
                case P.UniqueColumnConstraintContext:
                    unique = true;
                    break;
                case P.DefaultConstraintContext defaultConstraint:
                    defaultValue = _expressions.Arithmetic(defaultConstraint.arithmeticExpression());
                    break;
            }
        }
        // A primary key column is NOT NULL whether or not the DDL says so.
        return new ColumnDefinition(
            _names.Span(context), _names.Identifier(context.columnIdentifier()), _names.TypeName(context.typeName()),
            notNull || primaryKey, primaryKey, unique, defaultValue);
    }

    private TableConstraint? TableConstraint(P.TableConstraintContext context)
    {
        var name = context.columnIdentifier() is { } constraintName ? _names.Identifier(constraintName) : null;
        return context.tableConstraintBody() switch
        {
            P.PrimaryKeyTableConstraintContext primaryKey => new TableConstraint(
                _names.Span(context), name, TableConstraintKind.PrimaryKey, _names.IdentifierList(primaryKey.identifierList())),
            P.UniqueTableConstraintContext unique => new TableConstraint(
                _names.Span(context), name, TableConstraintKind.Unique, _names.IdentifierList(unique.identifierList())),
            _ => null,
        };
    }

    private AlterTableAddConstraint AlterTableAddConstraint(P.AlterTableAddConstraintContext context)
    {
        var name = context.columnIdentifier() is { } constraintName ? _names.Identifier(constraintName) : null;
        var body = context.alterConstraintBody();
        var constraintSpan = _names.SourceMap.FromTokens(context.CONSTRAINT()?.Symbol ?? body.Start, body.Stop);
        var constraint = body switch
        {
            P.AlterPrimaryKeyContext primaryKey => new TableConstraint(
                constraintSpan, name, TableConstraintKind.PrimaryKey, _names.IdentifierList(primaryKey.identifierList())),
            P.AlterUniqueContext unique => new TableConstraint(
                constraintSpan, name, TableConstraintKind.Unique, _names.IdentifierList(unique.identifierList())),
            _ => throw new InvalidOperationException($"unexpected constraint syntax {body.GetType().Name}"),
        };
        return new AlterTableAddConstraint(_names.Span(context), _names.QualifiedName(context.qualifiedName()), constraint);
    }
}
