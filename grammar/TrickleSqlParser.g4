// PostgreSQL's SELECT language, the CREATE TABLE subset of schema files, and the four ways a stream table file
// can be written. Written from the PostgreSQL 16 documentation (SQL Commands: SELECT, CREATE TABLE; Lexical
// Structure; Operator Precedence; Value Expressions; Appendix C, SQL Key Words).
parser grammar TrickleSqlParser;

options { tokenVocab = TrickleSqlLexer; }

// ================================================================================================================
// Entry rules
// ================================================================================================================

// A bare query or CREATE STREAM TABLE. The call forms (pgtrickle.create_stream_table, create_immv) are bare
// queries syntactically; the definition builder recognises them afterwards.
definitionFile
    : (createStreamTable | query) SEMICOLON? EOF
    ;

// The query written inside the string literal of a call form.
queryFile
    : query SEMICOLON? EOF
    ;

createStreamTable
    : CREATE STREAM TABLE (IF NOT EXISTS)? qualifiedName
      (WITH LEFT_PAREN definitionOption (COMMA definitionOption)* RIGHT_PAREN)?
      AS query
    ;

definitionOption
    : columnLabel (EQUAL | NAMED_ARGUMENT_ARROW) definitionOptionValue
    ;

definitionOptionValue
    : stringLiteral
    | MINUS? (INTEGER_LITERAL | NUMERIC_LITERAL)
    | TRUE
    | FALSE
    | columnLabel
    ;

schemaFile
    : SEMICOLON* (schemaStatement (SEMICOLON+ schemaStatement)* SEMICOLON*)? EOF
    ;

// When a statement matches both a modelled form and otherStatement, ANTLR picks the first alternative.
schemaStatement
    : createTable
    | createStreamTable
    | createSchema
    | alterTableAddConstraint
    | createView
    | createMaterializedView
    | createForeignTable
    | createType
    | createDomain
    | createExtension
    | createOperatorClass
    | otherStatement
    ;

// CREATE TABLE … AS / PARTITION OF / OF type are not column lists: they are skipped. A CREATE TABLE with a
// column list must parse as createTable, so a table we cannot read is an error rather than silently missing.
otherStatement
    : CREATE tablePersistence? TABLE (IF NOT EXISTS)? qualifiedName (AS | PARTITION | OF) ~SEMICOLON*
    | CREATE tablePersistence? ~(TABLE | UNLOGGED | TEMP | TEMPORARY | GLOBAL | LOCAL | SEMICOLON) ~SEMICOLON*
    | ~(CREATE | SEMICOLON) ~SEMICOLON*
    ;

// ================================================================================================================
// Schema statements
// ================================================================================================================

createTable
    : CREATE tablePersistence? TABLE (IF NOT EXISTS)? qualifiedName
      LEFT_PAREN (tableElement (COMMA tableElement)*)? RIGHT_PAREN
      ~SEMICOLON*
    ;

tablePersistence
    : UNLOGGED
    | TEMP
    | TEMPORARY
    | (GLOBAL | LOCAL) (TEMP | TEMPORARY)
    ;

tableElement
    : tableConstraint
    | LIKE qualifiedName (IDENTIFIER | ALL)*
    | columnDefinition
    ;

columnDefinition
    : columnIdentifier typeName columnConstraint*
    ;

columnConstraint
    : (CONSTRAINT columnIdentifier)? columnConstraintBody
    ;

columnConstraintBody
    : NOT NULL                                                                     # notNullConstraint
    | NULL                                                                         # nullConstraint
    | DEFAULT arithmeticExpression                                                 # defaultConstraint
    | PRIMARY KEY indexParameters                                                  # primaryKeyColumnConstraint
    | UNIQUE nullsDistinct? indexParameters                                        # uniqueColumnConstraint
    | CHECK balancedParentheses (NO INHERIT)?                                      # skippedColumnConstraint
    | REFERENCES qualifiedName identifierList? referentialClause*                 # skippedColumnConstraint
    | GENERATED (ALWAYS | BY DEFAULT) AS IDENTITY balancedParentheses?             # skippedColumnConstraint
    | GENERATED ALWAYS AS balancedParentheses STORED                               # skippedColumnConstraint
    | COLLATE qualifiedName                                                        # skippedColumnConstraint
    | constraintAttribute                                                          # skippedColumnConstraint
    ;

tableConstraint
    : (CONSTRAINT columnIdentifier)? tableConstraintBody constraintAttribute*
    ;

tableConstraintBody
    : PRIMARY KEY identifierList indexParameters                                   # primaryKeyTableConstraint
    | UNIQUE nullsDistinct? identifierList indexParameters                         # uniqueTableConstraint
    | CHECK balancedParentheses (NO INHERIT)?                                      # skippedTableConstraint
    | FOREIGN KEY identifierList REFERENCES qualifiedName identifierList? referentialClause*  # skippedTableConstraint
    | EXCLUDE (USING columnIdentifier)? balancedParentheses indexParameters (WHERE balancedParentheses)?  # skippedTableConstraint
    ;

nullsDistinct
    : NULLS NOT? DISTINCT
    ;

indexParameters
    : (INCLUDE identifierList)? (WITH balancedParentheses)? (USING INDEX TABLESPACE columnIdentifier)?
    ;

referentialClause
    : ON (DELETE | UPDATE) referentialAction
    | MATCH (FULL | PARTIAL | SIMPLE)
    ;

referentialAction
    : NO ACTION
    | RESTRICT
    | CASCADE
    | SET (NULL | DEFAULT) identifierList?
    ;

constraintAttribute
    : DEFERRABLE
    | NOT DEFERRABLE
    | INITIALLY (DEFERRED | IMMEDIATE)
    | NOT VALID
    ;

// Contents we skip (CHECK expressions, storage parameters) only need their parentheses to balance.
balancedParentheses
    : LEFT_PAREN (balancedParentheses | ~(LEFT_PAREN | RIGHT_PAREN))* RIGHT_PAREN
    ;

// The query of a view is kept as text (viewBody) and parsed when a stream table reads the view: a view whose query
// uses syntax we do not read yet must not make the whole schema file unreadable, only the stream tables that read it.
// A temporary view belongs to the session that creates it, not to the schema: it is skipped like other statements.
createView
    : CREATE (OR REPLACE)? RECURSIVE? VIEW qualifiedName identifierList?
      (WITH balancedParentheses)? AS viewBody
    ;

viewBody
    : ~SEMICOLON+
    ;

// Neither can be maintained from captured changes, so only their names matter: a stream table that reads one is told so.
createMaterializedView
    : CREATE MATERIALIZED VIEW (IF NOT EXISTS)? qualifiedName ~SEMICOLON*
    ;

createForeignTable
    : CREATE FOREIGN TABLE (IF NOT EXISTS)? qualifiedName ~SEMICOLON*
    ;

// The user-defined types columns may have: what the compiler must know of them is how they compare and hash.
createType
    : CREATE TYPE qualifiedName AS ENUM balancedParentheses                                         # enumType
    | CREATE TYPE qualifiedName AS LEFT_PAREN (compositeAttribute (COMMA compositeAttribute)*)? RIGHT_PAREN  # compositeType
    | CREATE TYPE qualifiedName AS RANGE balancedParentheses                                        # rangeType
    | CREATE TYPE qualifiedName balancedParentheses?                                                # baseType
    ;

compositeAttribute
    : columnIdentifier typeName (COLLATE qualifiedName)?
    ;

createDomain
    : CREATE DOMAIN qualifiedName AS? typeName ~SEMICOLON*
    ;

// Extension types (citext, …) live in the schema the extension is created in.
createExtension
    : CREATE EXTENSION (IF NOT EXISTS)? columnIdentifier (WITH? SCHEMA columnIdentifier)? ~SEMICOLON*
    ;

// A default hash operator class makes a type hashable.
createOperatorClass
    : CREATE OPERATOR CLASS qualifiedName DEFAULT? FOR TYPE typeName USING columnIdentifier ~SEMICOLON*
    ;

createSchema
    : CREATE SCHEMA (IF NOT EXISTS)? columnIdentifier (AUTHORIZATION columnIdentifier)?
    ;

alterTableAddConstraint
    : ALTER TABLE ((IF EXISTS)? ONLY? | ONLY IF EXISTS) qualifiedName STAR?
      ADD (CONSTRAINT columnIdentifier)? alterConstraintBody ~SEMICOLON*
    ;

alterConstraintBody
    : PRIMARY KEY identifierList       # alterPrimaryKey
    | UNIQUE nullsDistinct? identifierList # alterUnique
    ;

// ================================================================================================================
// Queries
// ================================================================================================================

query
    : withClause? queryExpression orderByClause? limitOffsetClause?
    ;

withClause
    : WITH RECURSIVE? commonTableExpression (COMMA commonTableExpression)*
    ;

commonTableExpression
    : columnIdentifier identifierList? AS (NOT? MATERIALIZED)? LEFT_PAREN query RIGHT_PAREN
    ;

// Earlier alternatives bind tighter: INTERSECT before UNION/EXCEPT, as in PostgreSQL.
queryExpression
    : queryExpression INTERSECT setQuantifier? queryExpression                     # intersectQuery
    | queryExpression (UNION | EXCEPT) setQuantifier? queryExpression              # unionExceptQuery
    | selectCore                                                                   # selectQuery
    | valuesClause                                                                 # valuesQuery
    | TABLE ONLY? qualifiedName STAR?                                              # tableQuery
    | LEFT_PAREN query RIGHT_PAREN                                                 # nestedQuery
    ;

setQuantifier
    : ALL
    | DISTINCT
    ;

// PostgreSQL allows an empty select list (SELECT FROM t), but not after DISTINCT: SELECT DISTINCT FROM t is a syntax error.
selectCore
    : SELECT (distinctClause selectList | ALL? selectList?)
      fromClause? whereClause? groupByClause? havingClause? windowClause?
    ;

distinctClause
    : DISTINCT (ON LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN)?
    ;

selectList
    : selectItem (COMMA selectItem)*
    ;

selectItem
    : STAR                                                                         # allColumnsItem
    | expression (AS columnLabel | bareColumnLabel)?                               # expressionSelectItem
    ;

valuesClause
    : VALUES valuesRow (COMMA valuesRow)*
    ;

valuesRow
    : LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN
    ;

fromClause
    : FROM tableReference (COMMA tableReference)*
    ;

tableReference
    : tableReference CROSS JOIN tableReference                                     # crossJoin
    | tableReference NATURAL joinType? JOIN tableReference                         # naturalJoin
    | tableReference joinType? JOIN tableReference joinCondition                   # qualifiedJoin
    | tablePrimary                                                                 # primaryTableReference
    ;

joinType
    : INNER
    | (LEFT | RIGHT | FULL) OUTER?
    ;

joinCondition
    : ON expression                                                                # onJoinCondition
    | USING identifierList (AS columnIdentifier)?                                  # usingJoinCondition
    ;

tablePrimary
    : ONLY? qualifiedName STAR? tableAlias?                                        # namedTable
    | ONLY LEFT_PAREN qualifiedName RIGHT_PAREN tableAlias?                        # namedTable
    | LATERAL? LEFT_PAREN query RIGHT_PAREN tableAlias?                            # derivedTable
    | LATERAL? functionCall withOrdinality? tableAlias?                            # functionTable
    | LATERAL? ROWS FROM LEFT_PAREN functionCall (COMMA functionCall)* RIGHT_PAREN withOrdinality? tableAlias?  # rowsFromTable
    | LEFT_PAREN tableReference RIGHT_PAREN tableAlias?                            # parenthesizedTable
    ;

withOrdinality
    : WITH ORDINALITY
    ;

tableAlias
    : AS? columnIdentifier identifierList?
    ;

whereClause
    : WHERE expression
    ;

groupByClause
    : GROUP BY (ALL | DISTINCT)? groupingElement (COMMA groupingElement)*
    ;

// ROLLUP( and CUBE( are also function calls syntactically; listing them first makes them win, as in PostgreSQL.
groupingElement
    : LEFT_PAREN RIGHT_PAREN                                                       # emptyGroupingSet
    | ROLLUP LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN                 # rollupGrouping
    | CUBE LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN                   # cubeGrouping
    | GROUPING SETS LEFT_PAREN groupingElement (COMMA groupingElement)* RIGHT_PAREN  # groupingSetsGrouping
    | expression                                                                   # expressionGrouping
    ;

havingClause
    : HAVING expression
    ;

windowClause
    : WINDOW windowDefinition (COMMA windowDefinition)*
    ;

windowDefinition
    : columnIdentifier AS LEFT_PAREN windowSpecification RIGHT_PAREN
    ;

windowSpecification
    : columnIdentifier? (PARTITION BY expression (COMMA expression)*)? orderByClause? windowFrame?
    ;

windowFrame
    : (RANGE | ROWS | GROUPS) (frameBound | BETWEEN frameBound AND frameBound) frameExclusion?
    ;

frameBound
    : UNBOUNDED PRECEDING                                                          # unboundedPrecedingBound
    | UNBOUNDED FOLLOWING                                                          # unboundedFollowingBound
    | CURRENT ROW                                                                  # currentRowBound
    | arithmeticExpression (PRECEDING | FOLLOWING)                                 # offsetBound
    ;

frameExclusion
    : EXCLUDE (CURRENT ROW | GROUP | TIES | NO OTHERS)
    ;

orderByClause
    : ORDER BY sortItem (COMMA sortItem)*
    ;

sortItem
    : expression (ASC | DESC | USING anyOperator)? (NULLS (FIRST | LAST))?
    ;

limitOffsetClause
    : limitOrFetch offsetClause?
    | offsetClause limitOrFetch?
    ;

limitOrFetch
    : LIMIT (expression | ALL)                                                     # limitClause
    | FETCH (FIRST | NEXT) arithmeticExpression? (ROW | ROWS) (ONLY | WITH TIES)   # fetchClause
    ;

offsetClause
    : OFFSET arithmeticExpression (ROW | ROWS)?
    ;

// ================================================================================================================
// Expressions, split at BETWEEN: PostgreSQL only allows the operators above it (its "b_expr") as BETWEEN bounds,
// LIKE patterns and DEFAULT values, so that "a BETWEEN 1 AND 2 AND b" groups the way users expect.
// Earlier alternatives bind tighter (PostgreSQL "Operator Precedence" table, lowest at the bottom).
// ================================================================================================================

expression
    : arithmeticExpression                                                                  # arithmeticOperand
    | expression NOT? BETWEEN (SYMMETRIC | ASYMMETRIC)? arithmeticExpression AND arithmeticExpression  # betweenExpression
    | expression NOT? IN LEFT_PAREN query RIGHT_PAREN                                       # inSubqueryExpression
    | expression NOT? IN LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN              # inListExpression
    | expression NOT? (LIKE | ILIKE | SIMILAR TO) arithmeticExpression (ESCAPE arithmeticExpression)?  # patternMatchExpression
    | expression (comparisonOperator | genericOperator) (ANY | SOME | ALL) LEFT_PAREN (query | expression) RIGHT_PAREN  # quantifiedComparison
    | expression NOT? (LIKE | ILIKE) (ANY | SOME | ALL) LEFT_PAREN (query | expression) RIGHT_PAREN  # quantifiedPatternMatch
    | expression comparisonOperator expression                                              # comparisonExpression
    | expression IS NOT? (NULL | TRUE | FALSE | UNKNOWN)                                    # isExpression
    | expression IS NOT? DISTINCT FROM expression                                           # isDistinctFromExpression
    | expression (ISNULL | NOTNULL)                                                         # postfixNullTest
    | <assoc = right> NOT expression                                                        # notExpression
    | expression AND expression                                                             # andExpression
    | expression OR expression                                                              # orExpression
    ;

arithmeticExpression
    : primaryExpression                                                                     # primaryOperand
    | arithmeticExpression TYPECAST typeName                                                # typecastExpression
    | arithmeticExpression LEFT_BRACKET subscriptBody RIGHT_BRACKET                         # subscriptExpression
    | <assoc = right> (PLUS | MINUS) arithmeticExpression                                   # signExpression
    | arithmeticExpression COLLATE qualifiedName                                            # collateExpression
    | arithmeticExpression AT TIME ZONE arithmeticExpression                                # atTimeZoneExpression
    | arithmeticExpression AT LOCAL                                                         # atTimeZoneExpression
    | arithmeticExpression CARET arithmeticExpression                                       # exponentExpression
    | arithmeticExpression (STAR | SLASH | PERCENT) arithmeticExpression                    # multiplicativeExpression
    | arithmeticExpression (PLUS | MINUS) arithmeticExpression                              # additiveExpression
    | arithmeticExpression genericOperator arithmeticExpression                             # genericOperatorExpression
    | <assoc = right> genericOperator arithmeticExpression                                  # prefixOperatorExpression
    ;

subscriptBody
    : expression                                                                            # indexSubscript
    | lower = expression? COLON upper = expression?                                         # sliceSubscript
    ;

comparisonOperator
    : EQUAL | NOT_EQUAL | BANG_EQUAL | LESS | GREATER | LESS_EQUAL | GREATER_EQUAL
    ;

genericOperator
    : OPERATOR_SYMBOL
    | OPERATOR LEFT_PAREN (columnIdentifier DOT)* anyOperator RIGHT_PAREN
    ;

// Any operator symbol, as in ORDER BY … USING < or OPERATOR(pg_catalog.+).
anyOperator
    : OPERATOR_SYMBOL | comparisonOperator | PLUS | MINUS | STAR | SLASH | PERCENT | CARET
    ;

primaryExpression
    : literal                                                                               # literalExpression
    | PARAMETER                                                                             # parameterExpression
    | typedLiteral                                                                          # typedLiteralExpression
    | LEFT_PAREN query RIGHT_PAREN                                                          # scalarSubqueryExpression
    | LEFT_PAREN expression RIGHT_PAREN fieldSelector*                                      # parenthesizedExpression
    | LEFT_PAREN expression COMMA expression (COMMA expression)* RIGHT_PAREN                # implicitRowExpression
    | ROW LEFT_PAREN (expression (COMMA expression)*)? RIGHT_PAREN                          # explicitRowExpression
    | EXISTS LEFT_PAREN query RIGHT_PAREN                                                   # existsExpression
    | ARRAY LEFT_PAREN query RIGHT_PAREN                                                    # arraySubqueryExpression
    | ARRAY arrayElements                                                                   # arrayConstructorExpression
    | CASE simpleOperand = expression? caseWhen+ (ELSE elseResult = expression)? END        # caseExpression
    | CAST LEFT_PAREN expression AS typeName RIGHT_PAREN                                    # castExpression
    | GROUPING LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN                        # groupingOperation
    | specialFunction                                                                       # specialFunctionExpression
    | functionCall                                                                          # functionCallExpression
    | columnReference                                                                       # columnReferenceExpression
    ;

fieldSelector
    : DOT (columnLabel | STAR)
    ;

caseWhen
    : WHEN condition = expression THEN result = expression
    ;

arrayElements
    : LEFT_BRACKET (arrayElement (COMMA arrayElement)*)? RIGHT_BRACKET
    ;

arrayElement
    : arrayElements
    | expression
    ;

columnReference
    : columnIdentifier (DOT columnLabel)* (DOT STAR)?
    ;

literal
    : INTEGER_LITERAL                                                                       # integerLiteral
    | NUMERIC_LITERAL                                                                       # numericLiteral
    | stringLiteral                                                                         # stringConstant
    | (BIT_STRING_LITERAL | HEX_STRING_LITERAL)                                             # bitStringLiteral
    | TRUE                                                                                  # trueLiteral
    | FALSE                                                                                 # falseLiteral
    | NULL                                                                                  # nullLiteral
    ;

stringLiteral
    : STRING_LITERAL
    | ESCAPE_STRING_LITERAL
    | UNICODE_STRING_LITERAL
    | DOLLAR_STRING_LITERAL
    ;

// DATE '2024-01-01', TIMESTAMP(3) WITH TIME ZONE '…', INTERVAL '1' DAY, pg_catalog.int4 '5'.
typedLiteral
    : constantTypeName stringLiteral
    | INTERVAL stringLiteral intervalQualifier?
    | INTERVAL LEFT_PAREN INTEGER_LITERAL RIGHT_PAREN stringLiteral
    ;

constantTypeName
    : keywordTypeName
    | typeFunctionName (DOT columnLabel)*
    ;

// The keyword forms PostgreSQL gives their own syntax; each becomes a FunctionCall in our tree.
specialFunction
    : (COALESCE | NULLIF | GREATEST | LEAST) LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN  # valueListFunction
    | EXTRACT LEFT_PAREN extractField FROM expression RIGHT_PAREN                          # extractFunction
    | SUBSTRING LEFT_PAREN expression (FROM expression)? (FOR expression)? RIGHT_PAREN     # substringFromForFunction
    | SUBSTRING LEFT_PAREN expression (COMMA expression)* RIGHT_PAREN                      # substringListFunction
    | POSITION LEFT_PAREN needle = arithmeticExpression IN haystack = arithmeticExpression RIGHT_PAREN  # positionFunction
    | TRIM LEFT_PAREN (BOTH | LEADING | TRAILING)? (characters = expression? FROM)? expression (COMMA expression)* RIGHT_PAREN  # trimFunction
    | OVERLAY LEFT_PAREN expression PLACING expression FROM expression (FOR expression)? RIGHT_PAREN  # overlayFunction
    | (CURRENT_TIME | CURRENT_TIMESTAMP | LOCALTIME | LOCALTIMESTAMP) (LEFT_PAREN INTEGER_LITERAL RIGHT_PAREN)?  # sqlValueFunction
    | (CURRENT_DATE | CURRENT_ROLE | CURRENT_USER | SESSION_USER | SYSTEM_USER | USER | CURRENT_CATALOG | CURRENT_SCHEMA)  # sqlValueFunction
    ;

extractField
    : columnLabel
    | stringLiteral
    ;

functionCall
    : functionName LEFT_PAREN functionArguments? RIGHT_PAREN
      withinGroupClause? filterClause? overClause?
    ;

functionName
    : typeFunctionName (DOT columnLabel)*
    | columnIdentifier (DOT columnLabel)+
    ;

functionArguments
    : STAR
    | (ALL | DISTINCT)? functionArgument (COMMA functionArgument)* orderByClause?
    ;

functionArgument
    : (columnLabel (NAMED_ARGUMENT_ARROW | COLON_EQUALS))? VARIADIC? expression
    ;

withinGroupClause
    : WITHIN GROUP LEFT_PAREN orderByClause RIGHT_PAREN
    ;

filterClause
    : FILTER LEFT_PAREN WHERE expression RIGHT_PAREN
    ;

overClause
    : OVER (LEFT_PAREN windowSpecification RIGHT_PAREN | columnIdentifier)
    ;

// ================================================================================================================
// Types
// ================================================================================================================

typeName
    : simpleTypeName (arrayBounds | ARRAY (LEFT_BRACKET INTEGER_LITERAL? RIGHT_BRACKET)?)?
    ;

arrayBounds
    : (LEFT_BRACKET INTEGER_LITERAL? RIGHT_BRACKET)+
    ;

simpleTypeName
    : keywordTypeName
    | INTERVAL intervalQualifier? typeModifiers?
    | typeFunctionName (DOT columnLabel)* typeModifiers?
    ;

keywordTypeName
    : DOUBLE PRECISION                                                                      # doublePrecisionType
    | (CHARACTER | CHAR | NCHAR | NATIONAL (CHARACTER | CHAR)) VARYING? typeModifiers?      # characterType
    | BIT VARYING? typeModifiers?                                                           # bitType
    | (TIMESTAMP | TIME) typeModifiers? ((WITH | WITHOUT) TIME ZONE)?                       # dateTimeType
    ;

typeModifiers
    : LEFT_PAREN typeModifier (COMMA typeModifier)* RIGHT_PAREN
    ;

typeModifier
    : MINUS? INTEGER_LITERAL
    | stringLiteral
    | columnIdentifier
    ;

intervalQualifier
    : YEAR (TO MONTH)?
    | MONTH
    | DAY (TO (HOUR | MINUTE | secondField))?
    | HOUR (TO (MINUTE | secondField))?
    | MINUTE (TO secondField)?
    | secondField
    ;

secondField
    : SECOND (LEFT_PAREN INTEGER_LITERAL RIGHT_PAREN)?
    ;

// ================================================================================================================
// Names
// ================================================================================================================

qualifiedName
    : columnIdentifier (DOT columnLabel)*
    ;

identifierList
    : LEFT_PAREN columnIdentifier (COMMA columnIdentifier)* RIGHT_PAREN
    ;

// Column, table, alias and CTE names (PostgreSQL's ColId).
columnIdentifier
    : identifier
    | columnNameKeyword
    ;

// Function and type names (PostgreSQL's type_function_name): no col-name keywords, which have their own syntax.
typeFunctionName
    : identifier
    | typeFunctionNameKeyword
    ;

// After AS and after a dot every keyword is a plain name (PostgreSQL's ColLabel).
columnLabel
    : identifier
    | columnNameKeyword
    | typeFunctionNameKeyword
    | reservedKeyword
    ;

// An alias without AS: only words that cannot continue the expression.
bareColumnLabel
    : identifier
    ;

identifier
    : IDENTIFIER
    | QUOTED_IDENTIFIER
    | UNICODE_QUOTED_IDENTIFIER
    | unreservedKeyword
    ;

unreservedKeyword
    : CLASS | DOMAIN | ENUM | EXTENSION | TYPE
    | ACTION | ADD | ALTER | ALWAYS | AT | BY | CASCADE | CUBE | CURRENT | DAY | DEFERRED | DELETE | DOUBLE
    | ESCAPE | EXCLUDE | FILTER | FIRST | FOLLOWING | GENERATED | GLOBAL | GROUPS | HOUR | IDENTITY | IF
    | IMMEDIATE | INCLUDE | INDEX | INHERIT | KEY | LAST | LOCAL | MATCH | MATERIALIZED | MINUTE | MONTH | NEXT
    | NO | NULLS | OF | OPERATOR | ORDINALITY | OTHERS | OVER | PARTIAL | PARTITION | PRECEDING | RANGE | RECURSIVE
    | REPLACE | RESTRICT | ROLLUP | ROWS | SCHEMA | SECOND | SET | SETS | SIMPLE | STORED | STREAM | TABLESPACE | TEMP
    | TEMPORARY | TIES | UNBOUNDED | UNKNOWN | UNLOGGED | UPDATE | VALID | VARYING | VIEW | WITHIN | WITHOUT | YEAR
    | ZONE
    ;

columnNameKeyword
    : BETWEEN | BIT | CHAR | CHARACTER | COALESCE | EXISTS | EXTRACT | GREATEST | GROUPING | INTERVAL | LEAST
    | NATIONAL | NCHAR | NULLIF | OVERLAY | POSITION | PRECISION | ROW | SUBSTRING | TIME | TIMESTAMP | TRIM
    | VALUES
    ;

typeFunctionNameKeyword
    : AUTHORIZATION | BINARY | COLLATION | CONCURRENTLY | CROSS | CURRENT_SCHEMA | FREEZE | FULL | ILIKE | INNER
    | IS | ISNULL | JOIN | LEFT | LIKE | NATURAL | NOTNULL | OUTER | OVERLAPS | RIGHT | SIMILAR | TABLESAMPLE
    | VERBOSE
    ;

reservedKeyword
    : ALL | ANALYSE | ANALYZE | AND | ANY | ARRAY | AS | ASC | ASYMMETRIC | BOTH | CASE | CAST | CHECK | COLLATE
    | COLUMN | CONSTRAINT | CREATE | CURRENT_CATALOG | CURRENT_DATE | CURRENT_ROLE | CURRENT_TIME
    | CURRENT_TIMESTAMP | CURRENT_USER | DEFAULT | DEFERRABLE | DESC | DISTINCT | DO | ELSE | END | EXCEPT | FALSE
    | FETCH | FOR | FOREIGN | FROM | GRANT | GROUP | HAVING | IN | INITIALLY | INTERSECT | INTO | LATERAL | LEADING
    | LIMIT | LOCALTIME | LOCALTIMESTAMP | NOT | NULL | OFFSET | ON | ONLY | OR | ORDER | PLACING | PRIMARY
    | REFERENCES | RETURNING | SELECT | SESSION_USER | SOME | SYMMETRIC | SYSTEM_USER | TABLE | THEN | TO
    | TRAILING | TRUE | UNION | UNIQUE | USER | USING | VARIADIC | WHEN | WHERE | WINDOW | WITH
    ;
